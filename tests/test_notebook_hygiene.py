"""Notebook sources: a helper lives once (in svddlib, or in one notebook), never as twins."""
import ast
import json
from collections import defaultdict
from pathlib import Path

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _definitions(path):
    """Names of the functions and classes a notebook defines (at any depth)."""
    names = set()
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "\n".join(line for line in "".join(cell["source"]).splitlines()
                        if not line.lstrip().startswith(("%", "!")))
        names |= {node.name for node in ast.walk(ast.parse(src))
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return names


def test_no_notebook_defines_a_function_of_another_notebook():
    where = defaultdict(list)
    for path in NOTEBOOKS:
        for name in _definitions(path):
            where[name].append(path.stem)
    assert len(where) > 10  # the scan sees the notebooks' definitions
    twins = {name: nbs for name, nbs in where.items() if len(nbs) > 1}
    assert not twins, f"move these into svddlib (or give them distinct names if they differ): {twins}"
