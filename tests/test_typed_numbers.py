"""No number typed by hand in a notebook's Summary (issue 11).

A Summary states findings; their numbers must come from results (printed by a cell), so a
Summary written in markdown may only contain digits in places that are not measurements:
references (Eq. (7), Table I, Section IV-B, Fig. 1, notebook 30, `code`), citation years, and
symbols in LaTeX formulas. Inside formulas, decimals and powers of ten are flagged too
($10^{-2}$ or $0.1$ typed in a Summary is a value someone could have printed instead).
A Summary written as a code cell (f-strings from results) passes: its digits are formatted
output. The checker is tested on bad and good examples, so it can fail.
"""
import re

import nbformat
import pytest

from svddlib.paths import project_root

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))

_CODE = re.compile(r"`[^`]*`")
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$]*\$")
_TYPED_IN_MATH = re.compile(r"\d+\.\d+|10\s*\^\s*\{?\s*-?\d|\d+\s*\\cdot|\\times\s*10|\d{3,}")
_REFERENCES = re.compile(
    r"\bEqs?\.\s*\(?\d+\)?(?:\s*(?:-|–|,|and)\s*\(?\d+\)?)*"    # Eq. (7), Eqs. 1-3, Eq. 6-7
    r"|\b(?:Tables?|Sections?)\s+[IVX]+(?:-[A-Z])?(?:\s*(?:-|–|,|and)\s*[IVX]+(?:-[A-Z])?)*"
    r"|\bFigs?\.\s*\d+"
    r"|\b(?:notebooks?|sections?|parts?)\s+\d+(?:\s*(?:-|–|,|and)\s*\d+)*"
    r"|\bet al\.,?\s*\(?\d{4}\)?|\(\d{4}\)"
    r"|\b(?:ResNet-\d+|MNIST-5k|CIFAR-10|VOC2012|ImageNet-1k|LeNet-5|EfficientNet-Lite0|\d-D)\b",  # names
    re.I)


def typed_numbers(markdown: str) -> list[str]:
    """Digits in ``markdown`` that are neither references nor formula symbols (see module doc)."""
    text = _CODE.sub(" ", markdown)
    found = []
    for math in _DISPLAY_MATH.findall(text) + _INLINE_MATH.findall(_DISPLAY_MATH.sub(" ", text)):
        found += _TYPED_IN_MATH.findall(math)
    text = _INLINE_MATH.sub(" ", _DISPLAY_MATH.sub(" ", text))
    text = _REFERENCES.sub(" ", text)
    found += re.findall(r"[^\s]*\d[^\s]*", text)
    return found


def summary_cells(nb):
    """Markdown text of the Summary section: from '## Summary' to the next '## ' heading."""
    out, inside = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("## "):
                inside = line.strip() == "## Summary"
                continue
            if inside:
                out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("text, bad", [
    ("- the AUC rose to 0.93 with pretraining", ["0.93"]),
    ("- with 320 training images and twenty epochs", ["320"]),
    ("- a learning rate $10^{-2}$ collapses", ["10^{-2"]),
    ("- the threshold $d_t=d_0/10^{\\lfloor t/r\\rfloor}$ in 2-D", []),
    ("- the paper's $d_0=0.1$", ["0.1"]),
    ("- Eq. (7) gives $c_t\\to\\beta\\rho$ (notebook 42, Table I, Section IV-D, Fig. 1)", []),
    ("- `lr = 1e-3` and $\\log 2$, $\\tfrac12$, $p(n-1)/n$; Ruff et al. (2018)", []),
])
def test_checker_flags_typed_numbers_and_allows_references(text, bad):
    assert typed_numbers(text) == bad


def test_summary_section_is_found():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Summary\n- 42 runs\n\n## Exercises\n1. try 7")]
    assert summary_cells(nb).strip() == "- 42 runs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_typed_numbers_in_summary(path):
    nb = nbformat.read(path, as_version=4)
    found = typed_numbers(summary_cells(nb))
    assert not found, (f"{path.name}: numbers typed in the Summary {found}; print them from "
                       "results in a cell above and refer to it, or drop them")
