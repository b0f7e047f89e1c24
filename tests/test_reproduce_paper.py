"""The paper's numbers as data: every transcribed cell is checked against the paper's text."""
import re
import tomllib

import pytest

from svddlib.paths import project_root
from svddlib.reproduce import ARTEFACTS, get_spec, paper_claims, paper_table

PAPER = project_root().parent / "shared" / "paper" / "chong2020-deep-svdd-mode-collapse.txt"
NUMBER = re.compile(r"(\d+\.\d)\s*(?:±|\\pm)\s*(\d+(?:\.\d)?)")
TABLES = ("table1", "table2", "table3", "table4", "table5", "table6")
ROMAN = {"table1": "I", "table2": "II", "table3": "III", "table4": "IV", "table5": "V",
         "table6": "VI"}


@pytest.fixture(scope="module")
def text():
    if not PAPER.exists():
        pytest.skip(f"paper text not found at {PAPER}")
    return PAPER.read_text(encoding="utf-8")


def _block(text, name):
    """The lines of TABLE <roman> up to the next paragraph of prose."""
    start = text.index(f"TABLE {ROMAN[name]}\n")
    lines = text[start:].splitlines()[1:]
    rows = []
    for line in lines:
        found = NUMBER.findall(line)
        if found:
            rows.append([(float(m), float(s)) for m, s in found])
        elif rows and len(line) > 200:  # prose after the table
            break
    return rows


def _printed_order(name):
    """Our CSV cells in the order the paper prints them, line by line."""
    table = paper_table(name)
    spec = get_spec(name)
    cell = {(r, c): (m, s) for r, c, m, s in
            zip(table["row"], table["column"], table["mean"], table["std"])}
    if name == "table5":  # two blocks of lines: VOC2012 columns, then WikiArt columns
        half = len(spec.columns) // 2
        blocks = [spec.columns[:half], spec.columns[half:]]
        return [[cell[(r, c)] for c in cols] for cols in blocks for r in spec.rows]
    return [[cell[(r, c)] for c in spec.columns] for r in spec.rows]


@pytest.mark.parametrize("name", TABLES)
def test_every_cell_matches_the_paper_text(text, name):
    printed = _block(text, name)
    ours = _printed_order(name)
    assert len(printed) == len(ours), f"{name}: {len(printed)} number lines in the text"
    for line_no, (got, want) in enumerate(zip(printed, ours)):
        want = [(round(float(m), 1), round(float(s), 1)) for m, s in want]
        assert got == want, f"{name}, printed line {line_no + 1}"


@pytest.mark.parametrize("name", TABLES)
def test_paper_table_covers_the_spec_in_order(name):
    spec, table = get_spec(name), paper_table(name)
    assert list(table.columns[:4]) == ["row", "column", "mean", "std"]
    assert len(table) == len(spec.rows) * len(spec.columns)
    assert list(dict.fromkeys(table["row"])) == list(spec.rows)
    assert list(dict.fromkeys(table["column"])) == list(spec.columns)
    assert table["mean"].between(0, 100).all() and (table["std"] >= 0).all()


def test_spot_cells():  # a few cells read off the PDF by hand, independent of the parser
    t4 = paper_table("table4").set_index(["row", "column"])
    assert t4.loc[("one-class | D. SVDD w/ bias & var. reg.", "VOC2012 Strokes 9"),
                  "mean"] == 80.8
    t6 = paper_table("table6").set_index(["row", "column"])
    assert t6.loc[("D. SVDD w/ bias & noise reg.",
                   "VOC2012 train Bp.8 / val St.9 / test St.5"), "mean"] == 96.3
    t3 = paper_table("table3").set_index(["row", "column"])
    assert t3.loc[("IF w/ PCA", "CIFAR10 One-vs-all"), "std"] == 12.6


def test_figures_have_no_printed_numbers_but_claims():
    for name in ("fig1", "fig2"):
        assert paper_table(name).empty
        assert paper_claims(name)


def test_unknown_artefact():
    with pytest.raises(ValueError, match="unknown artefact 'table7'.*table1"):
        paper_table("table7")


def test_claims_quote_the_paper_and_name_existing_cells(text):
    flat = " ".join(text.split())
    claims = paper_claims()
    assert {c.artefact for c in claims} == set(ARTEFACTS)
    for claim in claims:
        assert claim.quote in flat, claim.name
        spec = get_spec(claim.artefact)
        assert claim.comparisons and claim.quantifier in ("all", "majority", "half")
        for lhs, rhs in claim.comparisons:
            for _, row, column in lhs + rhs:
                assert row in spec.rows and column in spec.columns, (claim.name, row, column)


def test_numbers_file_is_package_data():
    meta = tomllib.loads((project_root() / "pyproject.toml").read_text())
    assert "*.csv" in meta["tool"]["setuptools"]["package-data"]["svddlib.reproduce"]
