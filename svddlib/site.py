"""The executed course as a static HTML book (Jupyter Book 1.x: Sphinx with MyST-NB).

``build_site(names, mode)`` takes the notebooks papermill executed for a mode
(``results/executed/<mode>/``, written by ``python -m svddlib.course run``), executes only those
that are missing, older than their source or interrupted, refuses to publish any notebook that
raised, stages them in course order (:data:`svddlib.course_map.NOTEBOOKS`) with a header linking
the source notebook and giving the command that re-runs it, and builds HTML with Jupyter Book::

    python -m svddlib.course site                 # mode from $SVDD_MODE, else teach
    python -m svddlib.course site --mode smoke 00_introduction 30_hypersphere_collapse

Layout under ``results/site/``: ``source/`` (the staged book) and ``_build/html/`` (the site;
``index.html`` opens the introduction). The book's configuration is ``book/_config.yml``.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from . import course_map
from .modes import resolve_mode
from .paths import project_root, results_root

__all__ = ["SiteBuildError", "site_root", "site_notebooks", "notebooks_to_execute",
           "notebook_errors", "build_site", "site_cli"]

HEADER_TAG = "site-header"  # the cell the site adds to each page


class SiteBuildError(RuntimeError):
    """A notebook raised while executing, or Jupyter Book failed: nothing is published."""


def site_root() -> Path:
    return results_root() / "site"


def site_notebooks(names: list[str] | None = None) -> list[str]:
    """The site's notebooks in course order: ``names``, else all on disk that have presets."""
    if names:
        for name in names:
            course_map.notebook_spec(name)  # clear error for an unknown or planned notebook
            if not (course_map.notebooks_dir() / f"{name}.ipynb").exists():
                raise FileNotFoundError(f"no notebook {course_map.notebooks_dir() / name}.ipynb")
        return [name for name in course_map.NOTEBOOKS if name in names]
    return [name for name in course_map.available_notebooks()
            if not course_map.NOTEBOOKS[name].planned]


def notebooks_to_execute(names: list[str], executed_dir: Path) -> list[str]:
    """Those of ``names`` whose executed copy is missing, older than the source, or unfinished.

    Unfinished: papermill started it but never recorded an end (the run was interrupted).
    """
    stale = []
    for name in names:
        executed = executed_dir / f"{name}.ipynb"
        source = course_map.notebooks_dir() / f"{name}.ipynb"
        if not executed.exists() or executed.stat().st_mtime < source.stat().st_mtime \
                or not _finished(nbformat.read(executed, as_version=4)):
            stale.append(name)
    return stale


def _finished(nb) -> bool:
    run = nb.metadata.get("papermill")
    return run is None or run.get("end_time") is not None


def notebook_errors(nb) -> list[str]:
    """One line per error output of an executed notebook ('cell N: Name: message')."""
    errors = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                errors.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    if not errors and nb.metadata.get("papermill", {}).get("exception"):
        errors.append("papermill recorded an exception")
    return errors


def _execute_missing(names: list[str], mode: str, executed_dir: Path) -> None:
    for name in notebooks_to_execute(names, executed_dir):
        print(f"executing {name} in {mode} mode (no up-to-date executed copy) ...", flush=True)
        start = time.perf_counter()
        try:
            course_map.run_notebook(name, mode, output_dir=executed_dir)
        except Exception as err:  # papermill's PapermillExecutionError, a dead kernel, ...
            raise SiteBuildError(f"notebook {name} raised while executing in {mode} mode, "
                                 f"so the site is not built:\n{err}") from err
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)


def _header_cell(name: str, mode: str):
    spec = course_map.NOTEBOOKS[name]
    text = (f":::{{admonition}} Source and re-run\n:class: tip\n"
            f"Executed in **{mode}** mode. Paper: section {spec.paper_section}. "
            f"Source notebook: {{download}}`notebooks/{name}.ipynb <_notebooks/{name}.ipynb>`.\n"
            f"Re-run it from the checkout (writes `results/executed/{mode}/{name}.ipynb`):\n\n"
            f"```bash\npython -m svddlib.course run {name} --mode {mode}\n```\n:::")
    return nbformat.v4.new_markdown_cell(text, metadata={"tags": [HEADER_TAG]})


def _write_if_changed(path: Path, text: str) -> None:
    """Keep the file's time stamp when nothing changed, so Sphinx rebuilds only what did."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _read_executed(name: str, executed_dir: Path):
    """The executed notebook ``name``; :class:`SiteBuildError` naming it if it raised."""
    path = executed_dir / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    errors = notebook_errors(nb)
    if errors:
        raise SiteBuildError(f"notebook {name} raised while executing ({path}), so the site is "
                             "not built:\n  " + "\n  ".join(errors))
    return nb


def _stage_notebook(name: str, nb, mode: str, source_dir: Path) -> None:
    first_is_title = nb.cells and nb.cells[0].cell_type == "markdown" \
        and nb.cells[0].source.lstrip().startswith("# ")
    nb.cells.insert(1 if first_is_title else 0, _header_cell(name, mode))
    _write_if_changed(source_dir / f"{name}.ipynb", nbformat.writes(nb))
    shutil.copy2(course_map.notebooks_dir() / f"{name}.ipynb", source_dir / "_notebooks")


def _toc(names: list[str]) -> str:
    chapters = "".join(f"  - file: {name}\n" for name in names[1:])
    return (f"# written by svddlib.site from svddlib.course.NOTEBOOKS\nformat: jb-book\n"
            f"root: {names[0]}\n" + (f"chapters:\n{chapters}" if chapters else ""))


def _stage(names: list[str], mode: str, executed_dir: Path, source_dir: Path) -> None:
    """Check every executed notebook first, then write the book's sources into ``source_dir``."""
    source_dir.mkdir(parents=True, exist_ok=True)
    (source_dir / "_notebooks").mkdir(exist_ok=True)
    executed = {name: _read_executed(name, executed_dir) for name in names}  # check all first
    for old in source_dir.glob("*.ipynb"):
        if old.stem not in names:
            old.unlink()
    for name, nb in executed.items():
        _stage_notebook(name, nb, mode, source_dir)
    _write_if_changed(source_dir / "_toc.yml", _toc(names))
    config = project_root() / "book" / "_config.yml"
    _write_if_changed(source_dir / "_config.yml", config.read_text())
    assets = source_dir / "_assets"  # html_static_path: MathJax and its CSS fix
    if not (assets / "mathjax").exists():
        import jupyter_server_mathjax

        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static",
                        assets / "mathjax")
    shutil.copy2(project_root() / "book" / "mathjax2.css", assets)


def build_site(names: list[str] | None = None, mode: str | None = None,
               output_dir: Path | None = None) -> Path:
    """Build the HTML book of ``names`` (default: the whole course) and return its index.html.

    Raises :class:`SiteBuildError`, naming the notebook, if one raised while executing.
    """
    mode = resolve_mode(mode)
    names = site_notebooks(names)
    if not names:
        raise ValueError(f"no notebooks to publish in {course_map.notebooks_dir()}")
    executed_dir = results_root() / "executed" / mode
    output_dir = Path(output_dir or site_root())
    _execute_missing(names, mode, executed_dir)
    _stage(names, mode, executed_dir, output_dir / "source")
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book if jupyter_book.exists() else "jupyter-book"), "build",
               str(output_dir / "source"), "--path-output", str(output_dir), "--builder", "html",
               "--quiet"]  # Sphinx's warnings and errors still show
    done = subprocess.run(command)
    if done.returncode != 0:
        raise SiteBuildError(f"jupyter-book build failed (exit {done.returncode}): see above")
    return output_dir / "_build" / "html" / "index.html"


def site_cli(names: list[str], mode: str | None) -> int:
    """``python -m svddlib.course site``: build and say where; exit 1 on a broken notebook."""
    start = time.perf_counter()
    try:
        index = build_site(names or None, mode)
    except SiteBuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"\nSite built in {time.perf_counter() - start:.0f} s: {index}")
    return 0
