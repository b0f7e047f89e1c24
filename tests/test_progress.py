"""The progress bar is a widget only in a notebook a Jupyter server runs, text elsewhere."""
import pytest
import tqdm.std

from svddlib.progress import progress_class, tqdm as bar


def test_text_bar_in_executed_notebooks_and_scripts(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("SVDD_PROGRESS", raising=False)
    assert progress_class() is tqdm.std.tqdm  # papermill / nbclient set no JPY_SESSION_NAME
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/40.ipynb")
    assert progress_class() is not tqdm.std.tqdm  # a watched notebook: tqdm.auto
    monkeypatch.setenv("SVDD_PROGRESS", "text")
    assert progress_class() is tqdm.std.tqdm
    with bar(range(3), disable=True) as b:
        assert list(b) == [0, 1, 2]
    monkeypatch.setenv("SVDD_PROGRESS", "fancy")
    with pytest.raises(ValueError, match="SVDD_PROGRESS"):
        progress_class()


def test_an_executed_notebook_keeps_a_text_bar_not_a_widget(tmp_path, monkeypatch):
    import nbformat
    import papermill

    from notebook_outputs import assert_clean_outputs

    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.delenv("SVDD_PROGRESS", raising=False)
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "language": "python",
                                                           "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("from svddlib.progress import tqdm\n"
                                          "for _ in tqdm(range(3), desc='runs'): pass"),
                nbformat.v4.new_code_cell("from tqdm.auto import tqdm as auto\n"
                                          "for _ in auto(range(3)): pass")]
    src, out = tmp_path / "bar.ipynb", tmp_path / "bar_out.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(str(src), str(out), kernel_name="python3", progress_bar=False,
                               execution_timeout=120)
    executed = nbformat.read(out, as_version=4)
    text = "".join(o.get("text", "") for o in executed.cells[0].outputs)
    assert "runs: 100%" in text and "3/3" in text
    executed.cells = executed.cells[:1]
    executed.metadata.pop("widgets", None)  # the state of the second cell's widget
    nbformat.write(executed, tmp_path / "first.ipynb")
    assert_clean_outputs(tmp_path / "first.ipynb")
    with pytest.raises(AssertionError, match="ProgressModel"):  # the control: tqdm.auto's widget
        assert_clean_outputs(out)
