"""Paper-scale inputs: LazyImages converts per batch (in DataLoader workers) to exactly the values
of to_tensor, and training on them gives the same run as training on the float tensors."""
import numpy as np
import pytest
import torch
from torch import nn

from svddlib.data import image_alteration, lazy, photo_patches, to_tensor, to_tensors
from svddlib.data.lazy import LazyImages, lazy_tensors, model_inputs
from svddlib.training import TrainConfig, train


@pytest.fixture(scope="module")
def data():
    raw = photo_patches(size=12, n_train=90, n_val=30, n_test=30, seed=0)
    return image_alteration(raw, "blocks", 2, seed=0)


@pytest.mark.parametrize("preprocessing", ["gcn-minmax", "imagenet"])
def test_lazy_images_equal_to_tensor(data, preprocessing):
    tensors, stats = to_tensors(data, preprocessing)
    views, lazy_stats = lazy_tensors(data, preprocessing)
    assert lazy_stats == stats
    for split in ("train", "val", "test"):
        ds, full = views[split], tensors[split]
        assert len(ds) == len(full) and ds.shape == tuple(full.shape)
        assert torch.equal(ds[3], full[3]) and torch.equal(ds[2:7], full[2:7])
        idx = [5, 0, 9, 9]
        assert torch.equal(ds.__getitems__(idx), full[idx])
        assert torch.equal(ds[torch.tensor(idx)], full[idx])
    sub = views["train"].subset(np.arange(len(views["train"])) % 2 == 0)
    assert torch.equal(sub[:], tensors["train"][::2])


def test_lazy_images_reject_bad_input(data):
    with pytest.raises(ValueError, match="gcn-minmax needs statistics"):
        LazyImages(data.train.images, "gcn-minmax")
    with pytest.raises(TypeError, match="uint8"):
        LazyImages(data.train.images.astype(np.float32), "none")


def test_model_inputs_goes_lazy_above_the_size_limit(data, monkeypatch):
    tensors, _ = model_inputs(data, "none")
    assert isinstance(tensors["train"], torch.Tensor)
    monkeypatch.setattr(lazy, "LAZY_BYTES", 1000)
    views, _ = model_inputs(data, "none")
    assert isinstance(views["train"], LazyImages)
    assert isinstance(model_inputs(data, "none", lazy=False)[0]["test"], torch.Tensor)


def test_batches_come_in_the_order_of_the_chunks(data):
    views, _ = lazy_tensors(data, "none")
    chunks = [torch.tensor([4, 1]), torch.tensor([7, 8, 0])]
    for workers in (0, 2):
        got = list(lazy.batches(views["train"], chunks, "cpu", num_workers=workers))
        assert [b.shape[0] for b in got] == [2, 3]
        assert torch.equal(got[1], to_tensor(data.train.images[[7, 8, 0]], "none"))


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
                         nn.Flatten(), nn.Linear(16, 4, bias=False))


def _history(res):
    return [{k: v for k, v in h.items() if k != "time"} for h in res.history]


@pytest.mark.parametrize("workers", [0, 2])
def test_training_on_lazy_inputs_equals_training_on_tensors(data, workers):
    tensors, _ = to_tensors(data, "gcn-minmax")
    views, _ = lazy_tensors(data, "gcn-minmax")
    cfg = TrainConfig(n_epochs=2, batch_size=16, lr=1e-3, regularizer="variance",
                      progress=False, device="cpu", eval_batch_size=40)
    on_tensors = train(_net(), tensors["train"], cfg, val=(tensors["val"], data.val.labels),
                       test=(tensors["test"], data.test.labels))
    on_views = train(_net(), views["train"], cfg, num_workers=workers,
                     val=(views["val"], data.val.labels), test=(views["test"], data.test.labels))
    assert _history(on_views) == _history(on_tensors)
    assert torch.equal(on_views.center, on_tensors.center)
    assert np.array_equal(on_views.score(views["test"]), on_tensors.score(tensors["test"]))
