"""Artefact specs: paper mode resolves to the paper's protocol (Section V), teach and smoke to
what their ``trims`` say; runs are JSON-able; shared runs have equal cache configs."""
import json
import math

import pytest
import torch

from svddlib.cache import config_hash
from svddlib.data import OFFICIAL_SIZES, PAPER_SIZES, PAPER_SPLIT_RULES, alteration_split_sizes
from svddlib.reproduce import ARTEFACTS, cache_config, execute_run, get_spec
from svddlib.reproduce.specs import (DEFAULT_SEEDS, PAPER_K_GRID, PRESETS, SMALL_CAPS,
                                    stroke_strength)

NAMES = ("table1", "table2", "table3", "table4", "table5", "table6", "fig1", "fig2")
NOISE = "D. SVDD w/ bias & noise reg."


@pytest.fixture(scope="module")
def paper_runs():
    return {name: get_spec(name).resolve("paper") for name in NAMES}


@pytest.fixture(scope="module")
def teach_runs():
    return {name: get_spec(name).resolve("teach") for name in NAMES}


def _deep(runs):
    return [r for r in runs if r["kind"] == "deep_svdd"]


def test_artefacts_and_labels():
    assert tuple(ARTEFACTS) == ("table1", "table2", "table3", "table4", "table5", "fig1",
                                "fig2", "table6")
    assert get_spec("table4").rows[5] == "soft-boundary | D. SVDD"
    assert get_spec("table1").rows[0] == f"{NOISE} | fixed"
    assert get_spec("table6").columns[1] == "VOC2012 train Bp.8 / val St.9 / test St.5"
    for spec in ARTEFACTS.values():
        assert set(spec.trims) == {"smoke", "teach", "paper"}


@pytest.mark.parametrize("name", NAMES)
def test_paper_mode_is_the_paper_protocol(paper_runs, name):
    runs = paper_runs[name]
    assert runs and all(json.loads(json.dumps(r)) == r for r in runs[:20])
    cells = {(r["row"], r["column"]) for r in runs}
    spec = get_spec(name)
    assert cells == {(r, c) for r in spec.rows for c in spec.columns}  # every cell has runs
    for run in runs:
        data = run["data"]
        assert data["dataset"] in ("cifar10", "voc2012", "wikiart")
        assert "max_train" not in data and "max_eval" not in data  # full sizes
        assert data["dataset"] == "cifar10" or run["column"].startswith(
            {"voc2012": "VOC2012", "wikiart": "WikiArt"}[data["dataset"]])
    for run in _deep(runs):
        t, net = run["train"], run["net"]
        assert (t["n_epochs"], t["batch_size"], t["weight_decay"]) == (30, 50, 5e-4)
        assert (t["alpha"], t["beta"], t["c0"], t["r"], t["d0"], t["eta"]) == \
               (0.9, 0.5, 0.0, 3, 0.1, 1.0)
        assert net["network"] == "resnet18" and net["weights"] == "imagenet"
        assert run["preprocessing"] == "imagenet" and run["pretrain_epochs"] == 0
        if t["objective"] == "soft-boundary":
            assert t["nu"] == {"voc2012": 0.2, "wikiart": 0.1}[run["data"]["dataset"]]
        if name not in ("table5", "fig1"):
            assert t["lr"] == 1e-4
            if t["regularizer"] == "noise":
                assert t["lr_head"] == 1e-3
    seeds = {(r["row"], r["column"], r["group"], r["choice"]): set() for r in runs}
    for r in runs:
        seeds[(r["row"], r["column"], r["group"], r["choice"])].add(r["seed"])
    assert all(s == {0, 1, 2, 3, 4} for s in seeds.values())


def test_paper_pooling_and_k_grid(paper_runs):
    for name in NAMES:
        for run in _deep(paper_runs[name]):
            pooled = not run["row"].startswith("no pooling")
            assert run["net"]["pooling"] == ("max" if pooled else False)
            if run["train"]["regularizer"] == "noise":
                assert run["choice"] == f"k={run['train']['k']}"
    noise = [r for r in paper_runs["table2"] if r["row"] == NOISE]
    ks = {(r["column"], r["seed"]): set() for r in noise}
    for r in noise:
        ks[(r["column"], r["seed"])].add(r["train"]["k"])
    assert all(k == set(PAPER_K_GRID) for k in ks.values())
    assert PAPER_K_GRID == (5, 30, 50, 60, 70, 100, 130, 200)
    nopool = [r for r in paper_runs["fig2"] if r["row"] == "no pooling | OC-SVM w/ CNN feat."]
    assert nopool and all(r["method"] == "ocsvm_cnn_nopool" for r in nopool)


def test_paper_split_sizes_are_the_printed_ones(paper_runs):
    """The runs use the default (paper) split rule of each dataset; with the official set
    sizes that rule gives the sizes printed in Section V-A."""
    for run in paper_runs["table4"] + paper_runs["table3"]:
        assert "rule" not in run["data"]
    for dataset in ("cifar10", "voc2012", "wikiart"):
        sizes = alteration_split_sizes(*OFFICIAL_SIZES[dataset], PAPER_SPLIT_RULES[dataset])
        train, val, test, semi = PAPER_SIZES[dataset]
        assert (sizes.train, sizes.val, sizes.test) == (train, val, test)
        if semi is not None:
            assert sizes.train_semi == semi


def test_paper_learning_rates(paper_runs):
    for run in _deep(paper_runs["table5"]):
        head = float(run["column"].rsplit("lr ", 1)[1])
        assert run["train"]["objective"] == "soft-boundary"
        assert run["train"]["lr"] == pytest.approx(head / 10)
        if run["train"]["regularizer"] == "noise":
            assert run["train"]["lr_head"] == pytest.approx(head)
    for run in _deep(paper_runs["fig1"]):
        lr = float(run["column"].rsplit("lr ", 1)[1])
        body = lr / 10 if run["row"].startswith("head |") else lr
        assert run["train"]["lr"] == pytest.approx(body)
        if run["train"]["regularizer"] == "noise":
            assert run["train"]["lr_head"] == pytest.approx(lr)
    assert get_spec("table5").metric == get_spec("fig1").metric == "auc_before_collapse"


def test_paper_table1_weighting_and_shared_runs(paper_runs):
    for run in paper_runs["table1"]:
        weighting = run["row"].rsplit(" | ", 1)[1]
        assert run["train"]["weighting"] == weighting and run["train"]["fixed_weight"] == 1.0
        assert run["train"]["objective"] == "one-class"
    t4 = {config_hash(cache_config(r)) for r in paper_runs["table4"]}
    adaptive = [r for r in paper_runs["table1"] if r["row"].endswith("adaptive")]
    assert adaptive and all(config_hash(cache_config(r)) in t4 for r in adaptive)
    fixed = [r for r in paper_runs["table1"] if r["row"].endswith("fixed")]
    assert not any(config_hash(cache_config(r)) in t4 for r in fixed)


def test_paper_table6_semi_supervised(paper_runs):
    runs = paper_runs["table6"]
    triples = {"VOC2012 train Bp.8 / val St.9 / test St.5": (["blocks", 8], ["strokes", 9],
                                                             ["strokes", 5]),
               "WikiArt train St.9 / val Bp.8 / test Bp.2": (["strokes", 9], ["blocks", 8],
                                                             ["blocks", 2]),
               "WikiArt train St.9 / val St.5 / test Bp.2": (["strokes", 9], ["strokes", 5],
                                                             ["blocks", 2])}
    for run in runs:
        assert run["data"]["setup"] == "semi_supervised"
        assert run["train"]["objective"] == "one-class" and run["train"]["eta"] == 1.0
        if run["column"] in triples:
            d = run["data"]
            assert (d["train_anomaly"], d["val_anomaly"], d["test_anomaly"]) == \
                triples[run["column"]]
    ova = [r for r in runs if r["column"] == "CIFAR10 One-vs-all" and r["row"] == "D. SVDD"]
    pairs = {(r["data"]["normal_class"], r["data"]["anomaly_class"]) for r in ova}
    assert pairs == {(n, a) for n in range(10) for a in range(10) if a != n}  # 10 x 9
    assert len(ova) == 90 * 5 and {r["group"] for r in ova} == set(range(10))


def test_paper_table3_one_vs_all_all_classes(paper_runs):
    ova = [r for r in paper_runs["table3"] if r["column"] == "CIFAR10 One-vs-all"]
    assert {r["data"]["normal_class"] for r in ova} == set(range(10))
    assert all(r["group"] == r["data"]["normal_class"] for r in ova)
    strokes = [r for r in paper_runs["table3"] if r["column"] == "CIFAR10 Strokes 1"]
    assert all(r["data"]["strength"] == 1 and r["data"]["anomaly"] == "strokes"
               for r in strokes)


@pytest.mark.parametrize("name", NAMES)
def test_teach_mode_is_what_trims_say(teach_runs, name):
    preset, runs = PRESETS["teach"], teach_runs[name]
    trims = get_spec(name).trims["teach"]
    assert all(w in trims for w in ("Fashion-MNIST", "photograph patches", "painted landscapes",
                                    "EfficientNet-Lite0", "k fixed at 50"))
    for run in runs:
        assert run["seed"] in DEFAULT_SEEDS["teach"]
        data = run["data"]
        stand_in = {"CIFAR10": "fashion_mnist", "VOC2012": "photographs", "WikiArt": "landscapes"}
        assert data["dataset"] == stand_in[run["column"].split()[0]]
        caps = {"max_train": preset["max_train"], "max_eval": preset["max_eval"]}
        if run.get("method") == "geo":
            caps = SMALL_CAPS["geo"]
        assert {k: data[k] for k in caps} == caps
        if data["dataset"] != "fashion_mnist":
            assert data["size"] == preset["patches"]["size"] == 64
        if data.get("anomaly") == "strokes":
            scaled = run["notes"]["test_anomaly"]
            assert data["strength"] == scaled["thickness"] == pytest.approx(
                scaled["paper_thickness"] * scaled["side"] / scaled["paper_side"], abs=1e-3)
    for run in _deep(runs):
        assert run["train"]["n_epochs"] == preset["n_epochs"]
        assert run["net"]["network"] == "efficientnet-lite0" and run["net"]["weights"] == "imagenet"
        assert run["preprocessing"] == "none"  # the network normalises its input itself
        if run["train"]["regularizer"] == "noise":
            assert run["choice"] is None and run["train"]["k"] == 50
    for run in runs:
        if run["kind"] == "baseline" and "cnn" in run["method"]:  # the same pretrained network
            assert run["baseline"]["features"] == "efficientnet-lite0"


def test_teach_stroke_mapping_and_separate_stand_ins(teach_runs):
    from svddlib.data.installed import min_side_for_strokes

    assert stroke_strength(5, "voc2012", 64) == pytest.approx(5 * 64 / 224, abs=1e-3)
    assert stroke_strength(1, "cifar10", 28) == pytest.approx(0.875)
    assert PRESETS["teach"]["patches"]["size"] >= min_side_for_strokes(5)  # >= 1 full pixel
    t4 = teach_runs["table4"]
    voc = {r["row"]: config_hash(cache_config(r)) for r in t4
           if r["column"] == "VOC2012 Strokes 5" and r["seed"] == 0}
    wiki = {r["row"]: config_hash(cache_config(r)) for r in t4
            if r["column"] == "WikiArt Strokes 5" and r["seed"] == 0}
    assert voc["one-class | D. SVDD"] != wiki["one-class | D. SVDD"]  # different data now


def test_fig1_all_lr_runs_share_the_head_runs_without_a_head(teach_runs):
    hashes = {}
    for r in teach_runs["fig1"]:
        hashes.setdefault((r["row"], r["column"], r["seed"]), config_hash(cache_config(r)))
    col = "VOC2012 Block perm. 2×2 | lr "
    # without the head g, 'all layers at 1e-2' is 'head lr 1e-1, body 1e-2'
    same = hashes[("all | D. SVDD", col + "1e-2", 0)], hashes[("head | D. SVDD", col + "1e-1", 0)]
    assert same[0] == same[1]
    noise = (hashes[(f"all | {NOISE}", col + "1e-2", 0)],
             hashes[(f"head | {NOISE}", col + "1e-1", 0)])
    assert noise[0] != noise[1]  # the head's lr differs (1e-2 vs 1e-1)


def test_fig2_no_pooling_rows_in_every_mode(teach_runs, paper_runs):
    for runs in (teach_runs["fig2"], paper_runs["fig2"]):
        assert {"no pooling | D. SVDD", "pooling | D. SVDD"} <= {r["row"] for r in runs}
    nets = {r["row"]: r["net"] for r in teach_runs["fig2"] if r["kind"] == "deep_svdd"}
    assert nets["no pooling | D. SVDD"]["pooling"] is False
    assert nets["pooling | D. SVDD"]["pooling"] == "max"
    t2 = {config_hash(cache_config(r)) for r in teach_runs["table2"]}
    pooled = [r for r in teach_runs["fig2"] if r["row"].startswith("pooling")]
    assert all(config_hash(cache_config(r)) in t2 for r in pooled)  # the Table II runs


def test_overrides_seeds_and_data_root():
    spec = get_spec("table3")
    runs = spec.resolve("teach", seeds=[3], data_root="/data",
                        overrides={"n_epochs": 2, "max_train": 50, "normal_classes": [4]})
    assert {r["seed"] for r in runs} == {3} and {r["data_root"] for r in runs} == {"/data"}
    assert {r["data"]["normal_class"] for r in runs if r["column"] == "CIFAR10 One-vs-all"} \
        == {4}
    assert all(r["train"]["n_epochs"] == 2 for r in _deep(runs))
    assert all(r["data"]["max_train"] == 50 for r in runs)
    assert cache_config(runs[0]) == cache_config(dict(runs[0], data_root=None, row="x"))


@pytest.mark.parametrize("call, match", [
    (lambda: get_spec("table9"), "unknown artefact 'table9'; choose one of table1"),
    (lambda: get_spec("table1").resolve("fast"), "unknown mode 'fast'"),
    (lambda: get_spec("table1").resolve("teach", seeds=[]), "seed list is empty"),
    (lambda: get_spec("table1").resolve("teach", seeds=[-1]), "non-negative"),
    (lambda: get_spec("table1").resolve("teach", overrides={"epochs": 1}), "unknown override"),
    (lambda: get_spec("table3").resolve("teach", overrides={"normal_classes": []}), "empty"),
])
def test_bad_input_is_a_clear_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_small_colour_lenet_channels():
    from svddlib.models import build_model

    net = build_model("lenet-cifar", channels=[8, 16, 32], rep_dim=32, bias=False)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 32) and net.flat_dim == 32 * 4 * 4
    assert build_model("lenet-cifar").channels == (32, 64, 128)  # the class default is kept
    with pytest.raises(ValueError, match="three integers"):
        build_model("lenet-cifar", channels=[8, 16])


@pytest.mark.parametrize("name, row", [("table4", "one-class | D. SVDD w/ bias & noise reg."),
                                       ("table3", "IF w/ PCA"),
                                       ("table6", "D. SVDD w/ bias & var. reg."),
                                       ("table5", "soft-boundary | D. SVDD")])
def test_smoke_runs_execute(name, row):
    run = next(r for r in get_spec(name).resolve("smoke") if r["row"] == row)
    metrics = execute_run(run)
    json.dumps(metrics)
    for key in ("auc", "auc_last", "auc_before_collapse", "val_auc"):
        assert 0.0 <= metrics[key] <= 100.0, key
    assert metrics["n_train"] <= PRESETS["smoke"]["max_train"] + 10
    if run["kind"] == "deep_svdd":
        assert len(metrics["history"]) == run["train"]["n_epochs"]
        assert not math.isnan(metrics["auc_before_collapse"])


def test_execute_rejects_a_bad_run():
    with pytest.raises(ValueError, match="kind"):
        execute_run({"row": "x"})
    with pytest.raises(ValueError, match="unknown run kind"):
        execute_run({"kind": "magic"})


def test_data_root_becomes_the_loader_root_of_paper_datasets(tmp_path):
    from svddlib.reproduce.execute import data_spec_of

    paper = get_spec("table2").resolve("paper", data_root=tmp_path)[0]
    assert data_spec_of(paper)["root"] == str(tmp_path / paper["data"]["dataset"])
    assert "root" not in paper["data"]  # the run itself (and its cache key) stays root-free
    teach = get_spec("table2").resolve("teach", data_root=tmp_path)[0]
    assert "root" not in data_spec_of(teach)  # embedded stand-ins need no root
    assert "root" not in data_spec_of(dict(paper, data_root=None))


@pytest.mark.parametrize("mode", ["teach", "paper"])
def test_runs_shared_between_artefacts_have_equal_cache_configs(mode):
    def hashes(name, keep=lambda r: True):
        return {config_hash(cache_config(r)) for r in get_spec(name).resolve(mode, seeds=[0])
                if keep(r)}

    # Fig. 1 top row = Table V; Fig. 2 'pooling' Deep SVDD rows = Table II
    assert hashes("fig1", lambda r: r["row"].startswith("head |")) == hashes("table5")
    fig2_deep = hashes("fig2", lambda r: r["row"].startswith("pooling |") and
                       r["kind"] == "deep_svdd")
    assert fig2_deep and fig2_deep <= hashes("table2")


@pytest.mark.parametrize("name", ["table3", "fig2"])
def test_teach_input_size_per_stand_in(name):
    """Patches of photographs / landscapes reach the network and the CNN-feature baselines at
    TEACH_INPUT_SIZE (a 3 x 3 last map), Fashion-MNIST at 64 px; both sides agree per run."""
    from svddlib.presets import TEACH_INPUT_SIZE

    want = {"fashion_mnist": 64, "photographs": TEACH_INPUT_SIZE, "landscapes": TEACH_INPUT_SIZE}
    assert TEACH_INPUT_SIZE % 32 and TEACH_INPUT_SIZE // 32 >= 2  # an odd-split, >= 3 x 3 map
    runs = get_spec(name).resolve("teach")
    sides = [(r["data"]["dataset"], (r.get("net") or r["baseline"]).get("input_size"))
             for r in runs if r.get("net") or "cnn" in r["baseline"]["method"]]
    assert sides and all(side == want[dataset] for dataset, side in sides)
