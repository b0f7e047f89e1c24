"""Layers: modes and the dataset registry sit below the course layer; splits and embedded data
do not import each other; the registry finds (or misses) datasets without decoding them."""
import ast
from pathlib import Path

import pytest

import svddlib
from svddlib import config, modes
from svddlib.data import registry

PACKAGE = Path(svddlib.__file__).parent


def _imports(relpath: str) -> set:
    """Modules imported by a file of svddlib, as dotted names relative to svddlib."""
    path = PACKAGE / relpath
    package = ".".join(Path(relpath).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".") if package else []
            if node.level:
                base = base[:len(base) - node.level + 1]
            else:
                base = []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module.removeprefix("svddlib."))
            found.update(f"{module}.{a.name}".strip(".") for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("svddlib.") for a in node.names)
    return found


def test_splits_and_embedded_do_not_import_each_other():
    assert not any(m.startswith("data.embedded") for m in _imports("data/splits.py"))
    assert not any(m.startswith("data.splits") for m in _imports("data/embedded.py"))
    assert "data.registry" in _imports("data/splits.py")


def test_baselines_and_modes_do_not_import_the_course_layer():
    for relpath in ("baselines/runner.py", "modes.py", "data/registry.py"):
        imported = _imports(relpath)
        assert not {m for m in imported if m.startswith(("config", "course"))}, relpath
    assert "modes.resolve_mode" in _imports("baselines/runner.py")


def test_config_reexports_modes_unchanged(monkeypatch):
    assert config.resolve_mode is modes.resolve_mode and config.MODES == ("smoke", "teach", "paper")
    monkeypatch.setenv("SVDD_MODE", "paper")
    assert modes.resolve_mode() == "paper" and modes.resolve_mode("smoke") == "smoke"
    monkeypatch.setenv("SVDD_MODE", "fast")
    with pytest.raises(ValueError, match="SVDD_MODE"):
        modes.resolve_mode()


def test_registry_names_and_unknown_dataset():
    assert registry.dataset_key("CIFAR-10") == "cifar10"
    assert registry.get_loader("photos") is registry.get_loader("photo_patches")
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        registry.load_raw("imagenet")


def test_missing_dataset_checks_folders_without_decoding(tmp_path):
    for name in registry.DOWNLOADED:
        message = registry.missing_dataset(name, root=tmp_path / name)
        assert message and str(tmp_path / name) in message
    assert registry.missing_dataset("mnist5k") is None
    voc = tmp_path / "voc2012" / "VOCdevkit" / "VOC2012" / "JPEGImages"
    voc.mkdir(parents=True)
    assert registry.missing_dataset("voc2012", root=tmp_path / "voc2012") is None
    batches = tmp_path / "c" / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)]:
        (batches / name).write_bytes(b"")
    assert "test_batch" in registry.missing_dataset("cifar10", root=batches)
    (batches / "test_batch").write_bytes(b"")
    assert registry.missing_dataset("cifar10", root=batches) is None


def _module_names() -> dict:
    """Dotted module name (``svddlib.x.y``; a package by its ``__init__``) -> file."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["svddlib", *path.relative_to(PACKAGE).with_suffix("").parts]
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _import_graph():
    """(module -> modules of svddlib it imports, [(module, from module, private name)]) from
    every import statement, also inside functions. ``from P import x`` is an edge to P.x when
    that is a module, else to P (a package: its ``__init__``)."""
    modules = _module_names()
    graph, private = {m: set() for m in modules}, []
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            if source not in modules:
                continue  # outside svddlib
            for alias in node.names:
                if f"{source}.{alias.name}" in modules:
                    graph[name].add(f"{source}.{alias.name}")
                    continue
                graph[name].add(source)
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    private.append((name, source, alias.name))
    return graph, private


def test_import_graph_sees_relative_function_level_and_package_imports():
    graph, _ = _import_graph()
    assert "svddlib.course_map" in graph["svddlib.config"]       # module level, relative
    assert "svddlib.site" in graph["svddlib.course"]             # inside a function
    assert "svddlib.reproduce.specs" in graph["svddlib.reproduce.paper"]  # from .specs import
    assert "svddlib.data" in graph["svddlib.experiments"]        # from . import data: a package
    assert "svddlib" not in graph["svddlib.training"]            # no implicit edge to __init__


def test_no_module_of_svddlib_takes_part_in_an_import_cycle():
    import graphlib

    graph, _ = _import_graph()
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_no_module_imports_another_modules_private_name():
    _, private = _import_graph()
    assert private == []


def test_figures_and_tables_are_saved_into_plain_folders(tmp_path, monkeypatch):
    import matplotlib
    import pandas as pd

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from svddlib import plotting

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    table = pd.DataFrame({"auc": [0.5]})
    assert plotting.save_table(table, "t", "reproduce/table1/smoke").parent == \
        tmp_path / "tables" / "reproduce" / "table1" / "smoke"
    assert plotting.save_table(table, "t", tmp_path / "own").parent == tmp_path / "own"
    fig = plt.figure()
    assert plotting.save_figure(fig, "f", "reproduce") == tmp_path / "figures" / "reproduce" / "f.png"
    notebook = config.Config(notebook="30_hypersphere_collapse", mode="smoke")
    assert plotting.save_figure(fig, "f", notebook).parent.name == "30_hypersphere_collapse"
    plt.close(fig)


def test_summaries_are_saved_from_plain_labels(tmp_path, monkeypatch):
    import json

    from svddlib.cache import save_summary

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    path = save_summary({"notebook": "nb", "mode": "smoke"}, {"auc": 0.5})
    assert path == tmp_path / "nb" / "smoke" / "summary.json"
    assert json.loads(path.read_text()) == {"notebook": "nb", "mode": "smoke", "auc": 0.5}
    notebook = config.Config(notebook="nb", mode="teach")  # what the notebooks pass
    assert save_summary(notebook, {}, tmp_path / "own").parent == tmp_path / "own"
