"""Checks on executed notebooks shared by the papermill tests."""
import json


#: What an executed copy must not keep: printed path objects, progress-bar widgets (tqdm's
#: widget is a FloatProgress / IntProgress model in the saved widget state) and any other widget
#: view (the site loads no widget JavaScript; notebook 43's explorer is static HTML).
FORBIDDEN = ("PosixPath(", "WindowsPath(", "FloatProgressModel", "IntProgressModel",
             "application/vnd.jupyter.widget-view+json")


def assert_clean_outputs(executed):
    """No printed Path objects and no (dead) progress-bar widgets in an executed notebook."""
    nb = json.loads(open(executed, encoding="utf-8").read())
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    found = [f for f in FORBIDDEN if f in outputs + json.dumps(nb.get("metadata", {}))]
    assert not found, f"{executed}: executed copy keeps {found}"
