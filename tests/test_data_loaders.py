"""CIFAR-10, VOC2012 and WikiArt loaders, read from tiny fixtures in the real on-disk formats."""
import pickle

import numpy as np
import pytest
from PIL import Image

from svddlib.data import (WIKIART_STYLES, DatasetNotFoundError, image_alteration, load_cifar10,
                          load_voc2012, load_wikiart, one_vs_all)


@pytest.fixture(autouse=True)
def _data_root(tmp_path, monkeypatch):
    """Every test gets its own empty data root (and cache folder)."""
    root = tmp_path / "data_root"
    root.mkdir()
    monkeypatch.setenv("SVDD_DATA_ROOT", str(root))
    return root


# ---------------------------------------------------------------- CIFAR-10
def _write_cifar(folder, per_batch=20, n_test=30):
    """The official python format: pickled dicts with bytes keys, data uint8 (n, 3072) in
    channel-major order (1024 red, 1024 green, 1024 blue), labels a list of ints."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    batches = {f"data_batch_{i}": per_batch for i in range(1, 6)}
    batches["test_batch"] = n_test
    written = {}
    for name, n in batches.items():
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = [int(v) for v in np.arange(n) % 10]
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [f"{i}.png".encode() for i in range(n)]}, f, protocol=2)
        written[name] = (data, labels)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [f"class{i}".encode() for i in range(10)],
                     b"num_cases_per_batch": per_batch, b"num_vis": 3072}, f, protocol=2)
    return written


def test_cifar10_reads_pickle_batches(_data_root):
    written = _write_cifar(_data_root / "cifar10" / "cifar-10-batches-py")
    raw = load_cifar10()
    assert raw.train_images.shape == (100, 32, 32, 3) and raw.train_images.dtype == np.uint8
    assert raw.test_images.shape == (30, 32, 32, 3)
    assert raw.class_names[3] == "class3"
    # pixel (row 0, col 1) of the first image: red at index 1, green at 1025, blue at 2049
    data, labels = written["data_batch_1"]
    assert list(raw.train_images[0, 0, 1]) == [data[0, 1], data[0, 1025], data[0, 2049]]
    assert raw.train_classes[:10].tolist() == labels[:10]
    data2, _ = written["data_batch_2"]
    assert np.array_equal(raw.train_images[20].transpose(2, 0, 1).ravel(), data2[0])
    ova = one_vs_all(raw, 0, seed=0)
    assert len(ova.train) == 8 and len(ova.test) == 30


def test_cifar10_root_argument_and_missing_error(tmp_path):
    folder = tmp_path / "elsewhere" / "cifar-10-batches-py"
    _write_cifar(folder)
    assert len(load_cifar10(root=folder).train_images) == 100
    assert len(load_cifar10(root=folder.parent).train_images) == 100
    with pytest.raises(DatasetNotFoundError, match="download=True") as err:
        load_cifar10(root=tmp_path / "nothing")
    assert str(tmp_path / "nothing") in str(err.value)


def test_cifar10_corrupt_batch_names_file(_data_root):
    folder = _data_root / "cifar10" / "cifar-10-batches-py"
    _write_cifar(folder)
    (folder / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="data_batch_3"):
        load_cifar10()


# ---------------------------------------------------------------- VOC2012
def _write_jpeg(path, rng, size=(40, 30)):
    arr = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    Image.fromarray(arr).save(path, format="JPEG")


def _write_voc(base, n_train=6, n_val=10):
    voc = base / "VOCdevkit" / "VOC2012"
    (voc / "JPEGImages").mkdir(parents=True)
    (voc / "ImageSets" / "Main").mkdir(parents=True)
    rng = np.random.default_rng(1)
    ids = {"train": [f"2008_{i:06d}" for i in range(n_train)],
           "val": [f"2009_{i:06d}" for i in range(n_val)]}
    for split, names in ids.items():
        for name in names:
            _write_jpeg(voc / "JPEGImages" / f"{name}.jpg", rng)
        (voc / "ImageSets" / "Main" / f"{split}.txt").write_text("\n".join(names) + "\n")
    # a per-class list that must not be mistaken for the split list
    (voc / "ImageSets" / "Main" / "cat_train.txt").write_text(f"{ids['train'][0]}  1\n")
    return voc, ids


def test_voc2012_reads_devkit_and_resizes(_data_root):
    voc, ids = _write_voc(_data_root / "voc2012")
    raw = load_voc2012(size=24)
    assert raw.train_images.shape == (6, 24, 24, 3) and raw.test_images.shape == (10, 24, 24, 3)
    assert (raw.train_classes == -1).all()
    assert raw.info["ids"]["test"] == ids["val"]
    expected = np.asarray(Image.open(voc / "JPEGImages" / f"{ids['val'][2]}.jpg")
                          .convert("RGB").resize((24, 24), Image.BILINEAR))
    assert np.array_equal(raw.test_images[2], expected)
    data = image_alteration(raw, "blocks", 2, seed=0)  # paper rule: 60% of val -> test
    assert (len(data.train), len(data.val), len(data.test)) == (6, 8, 12)
    # the cache gives identical arrays on the second load
    assert list((_data_root / "cache").glob("voc2012-*.npz"))
    assert np.array_equal(load_voc2012(size=24).test_images, raw.test_images)


def test_voc2012_default_size_is_224(tmp_path):
    _write_voc(tmp_path / "v", n_train=1, n_val=2)
    raw = load_voc2012(root=tmp_path / "v" / "VOCdevkit", cache=False)
    assert raw.train_images.shape == (1, 224, 224, 3)


def test_voc2012_missing_and_corrupt(_data_root):
    with pytest.raises(DatasetNotFoundError, match="JPEGImages") as err:
        load_voc2012()
    assert "download=True" in str(err.value) and str(_data_root / "voc2012") in str(err.value)
    voc, ids = _write_voc(_data_root / "voc2012")
    bad = voc / "JPEGImages" / f"{ids['val'][4]}.jpg"
    bad.write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(ValueError, match=ids["val"][4]):
        load_voc2012(size=16, cache=False)
    raw = load_voc2012(size=16, on_error="skip", cache=False)
    assert len(raw.test_images) == 9 and raw.info["skipped"] == 1
    assert ids["val"][4] not in raw.info["ids"]["test"]


# ---------------------------------------------------------------- WikiArt
def _write_wikiart(base, per_style=5, extra_style="Impressionism", split_files=True):
    rng = np.random.default_rng(2)
    rels = []
    for style in (*WIKIART_STYLES, extra_style):
        (base / "wikiart" / style).mkdir(parents=True)
        for i in range(per_style):
            rel = f"{style}/artist-{i}_painting-{i}.jpg"
            _write_jpeg(base / "wikiart" / rel, rng, size=(30 + i, 20))
            rels.append(rel)
    if split_files:
        (base / "wikiart_csv").mkdir()
        train = [r for r in rels if not r.endswith("-0.jpg")]
        val = [r for r in rels if r.endswith("-0.jpg")]
        (base / "wikiart_csv" / "style_train.csv").write_text(
            "".join(f"{r},{i % 27}\n" for i, r in enumerate(train)))
        (base / "wikiart_csv" / "style_val.csv").write_text(
            "".join(f"{r},{i % 27}\n" for i, r in enumerate(val)))
    return rels


def test_wikiart_with_split_files(_data_root):
    _write_wikiart(_data_root / "wikiart")
    raw = load_wikiart(size=16)
    assert raw.class_names == WIKIART_STYLES
    assert raw.train_images.shape == (24, 16, 16, 3)  # 6 styles x 4; Impressionism left out
    assert raw.test_images.shape == (6, 16, 16, 3)
    assert sorted(raw.test_classes.tolist()) == list(range(6))
    assert "split files" in raw.info["split_source"]
    data = image_alteration(raw, "strokes", 1, seed=0)  # 20% of train -> val, val -> test
    assert (len(data.train), len(data.val), len(data.test)) == (19, 10, 12)


def test_wikiart_without_split_files_warns_and_splits_per_style(_data_root):
    _write_wikiart(_data_root / "wikiart", per_style=10, split_files=False)
    with pytest.warns(UserWarning, match="split files"):
        raw = load_wikiart(size=8, cache=False)
    assert np.bincount(raw.test_classes).tolist() == [3] * 6  # 30% of 10 per style
    assert np.bincount(raw.train_classes).tolist() == [7] * 6


def test_wikiart_missing_and_corrupt(_data_root):
    with pytest.raises(DatasetNotFoundError, match="Fauvism"):
        load_wikiart()
    _write_wikiart(_data_root / "wikiart")
    bad = _data_root / "wikiart" / "wikiart" / "Symbolism" / "artist-2_painting-2.jpg"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="artist-2_painting-2.jpg"):
        load_wikiart(size=8, cache=False)
    raw = load_wikiart(size=8, cache=False, on_error="skip")
    assert raw.info["skipped"] == 1 and len(raw.train_images) == 23 == len(raw.train_classes)
