"""The benchmark scripts keep working: their helpers on tiny inputs (the numbers themselves
are measured by running the scripts, see the README)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import bench_paper_inputs  # noqa: E402
import bench_sweeps  # noqa: E402


def test_sweep_subset_takes_distinct_runs_of_the_asked_kind():
    from svddlib.cache import config_hash
    from svddlib.reproduce import cache_config, get_spec

    spec = get_spec("table2")
    for kind in ("deep_svdd", "baseline", "any"):
        runs = bench_sweeps.Subset(spec, "teach", 8, kind).resolve("teach")
        assert len({config_hash(cache_config(r)) for r in runs}) == 8
        assert kind == "any" or {r["kind"] for r in runs} == {kind}
    distinct = len({config_hash(cache_config(r)) for r in spec.resolve("teach")})
    mixed = bench_sweeps.Subset(spec, "teach", distinct, "any").resolve("teach")
    assert {r["kind"] for r in mixed} == {"deep_svdd", "baseline"}
    with pytest.raises(SystemExit, match="only"):
        bench_sweeps.Subset(spec, "teach", 10_000, "deep_svdd")


def test_paper_input_bench_on_a_tiny_fabricated_devkit(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path / "results"))
    monkeypatch.setenv("SVDD_DATA_ROOT", str(tmp_path / "data"))  # bench() sets it; undone here
    scale = 0.004
    res = bench_paper_inputs.bench(tmp_path / "data", scale)
    pools = {k: round(n * scale) for k, n in bench_paper_inputs.VOC_POOLS.items()}
    assert res["pools"] == {"train": pools["train"], "heldout": pools["val"]}
    for key in ("table2_blocks", "table4_strokes"):
        r = res[key]
        assert r["n_train"] == pools["train"]
        assert r["n_val"] + r["n_test"] == 2 * pools["val"]  # one altered copy per image
        assert r["float32_gib"] == pytest.approx(4 * r["uint8_gib"])
    assert res["lazy_pass"]["images"] == pools["train"]
    assert res["lazy_pass"]["lazy"] == "LazyImages"
    assert res["cache_gib"] > 0 and res["peak_rss_gib"] > 0
    assert "first load" in bench_paper_inputs._markdown(res)
