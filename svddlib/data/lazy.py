"""Paper-scale inputs: images stay uint8 and become float tensors one batch at a time.

VOC2012 at 224 x 224 is about 3.4 GB as one float32 tensor (5,717 x 3 x 224 x 224 x 4 bytes),
four times its uint8 size. :class:`LazyImages` keeps the uint8 images of a split (as the
loaders return them) with the preprocessing statistics fitted on the training split, and
converts a batch when it is asked for; :func:`batches` serves the batches of given indices
through a ``torch.utils.data.DataLoader``, so the conversion runs in its worker processes and
the batches arrive in pinned memory when they go to a GPU. The values are exactly those of
:func:`svddlib.data.to_tensor` (the same function, applied per batch).
"""
from __future__ import annotations

import numpy as np
import torch

from .preprocessing import PreprocessingStats, fit_preprocessing, to_tensor, to_tensors
from .types import ADData, check_images

__all__ = ["LazyImages", "lazy_tensors", "model_inputs", "batches", "default_workers",
           "LAZY_BYTES"]

#: :func:`model_inputs` switches to :class:`LazyImages` above this float32 size of all splits.
LAZY_BYTES = 2 ** 30


class LazyImages(torch.utils.data.Dataset):
    """A split's uint8 images, preprocessed per batch: ``ds[i]`` is one float image
    (C, H, W); ``ds[indices]`` (a slice, list, array or tensor) is a batch (n, C, H, W)."""

    def __init__(self, images: np.ndarray, preprocessing: str,
                 stats: PreprocessingStats | None = None):
        self.images = check_images(images, "LazyImages images")
        self.preprocessing, self.stats = preprocessing, stats
        to_tensor(self.images[:1], preprocessing, stats)  # fail now on bad preprocessing/stats

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple:
        """(N, C, H, W) of the float tensor this dataset stands for."""
        return (len(self), *self[:1].shape[1:])

    def __getitem__(self, index):
        if isinstance(index, (int, np.integer)):
            return to_tensor(self.images[int(index):int(index) + 1], self.preprocessing,
                             self.stats)[0]
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return to_tensor(self.images[index], self.preprocessing, self.stats)

    def __getitems__(self, indices) -> torch.Tensor:
        """A whole batch in one vectorised conversion (the DataLoader calls this)."""
        return self[np.asarray(indices, dtype=np.int64)]

    def subset(self, index) -> "LazyImages":
        """The images at ``index`` (boolean mask or positions), same preprocessing."""
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return LazyImages(self.images[index], self.preprocessing, self.stats)


def lazy_tensors(data: ADData, preprocessing: str = "gcn-minmax"):
    """:func:`svddlib.data.to_tensors` without the float copies: ({split: LazyImages}, stats),
    statistics fitted on ``data.train`` only."""
    stats = fit_preprocessing(data.train, preprocessing)
    return {k: LazyImages(s.images, preprocessing, stats) for k, s in data.splits().items()}, stats


def model_inputs(data: ADData, preprocessing: str = "gcn-minmax", lazy: bool | None = None):
    """Tensors (:func:`to_tensors`) or, when ``lazy`` (default: when all splits together exceed
    :data:`LAZY_BYTES` as float32), :class:`LazyImages` (:func:`lazy_tensors`)."""
    if lazy is None:
        n_values = sum(s.images.size for s in data.splits().values())
        channels = 3 if preprocessing == "imagenet" else 1  # grey images are repeated
        lazy = n_values * 4 * (channels if data.train.images.ndim == 3 else 1) > LAZY_BYTES
    return (lazy_tensors if lazy else to_tensors)(data, preprocessing)


def _as_batch(batch):
    return batch  # LazyImages.__getitems__ already returns the stacked batch


def default_workers() -> int:
    """DataLoader workers when none are given: the cores but one, at most 4."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(0, min(4, (cores or 1) - 1))


def batches(dataset: LazyImages, chunks, device, num_workers: int | None = None):
    """The float batches ``dataset[chunk]`` for every index chunk, in order, on ``device``:
    converted in ``num_workers`` DataLoader processes (None: :func:`default_workers`), pinned
    when ``device`` is a GPU. The workers change the speed, never the values."""
    device = torch.device(device)
    num_workers = default_workers() if num_workers is None else num_workers
    loader = torch.utils.data.DataLoader(
        dataset, batch_sampler=[c.tolist() if isinstance(c, torch.Tensor) else list(c)
                                for c in chunks],
        num_workers=num_workers, collate_fn=_as_batch, pin_memory=device.type == "cuda")
    for batch in loader:
        yield batch.to(device, non_blocking=True)
