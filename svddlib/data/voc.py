"""PASCAL VOC2012 images (Everingham et al.), resized to 224 x 224 as in Section V-A.

Layout looked for (the standard devkit, also what torchvision unpacks)::

    <root>/VOCdevkit/VOC2012/JPEGImages/<id>.jpg
    <root>/VOCdevkit/VOC2012/ImageSets/Main/train.txt   (one image id per line; 5,717 ids)
    <root>/VOCdevkit/VOC2012/ImageSets/Main/val.txt     (5,823 ids)

``root`` defaults to ``<data_root>/voc2012``; it may also point at ``VOCdevkit`` or at
``VOC2012`` itself. ``download=True`` fetches the 2 GB trainval archive through torchvision.
The official train list becomes the raw train pool and the official val list the raw held-out
pool; :func:`svddlib.data.image_alteration` then cuts the held-out pool into 60% test and
40% validation (the paper's rule). VOC images carry several objects, so ``classes`` is -1.
Images are resized to ``size`` x ``size`` without keeping the aspect ratio (bilinear).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._files import DatasetNotFoundError, cached_images, dataset_folder, skip_info
from .types import RawData

__all__ = ["load_voc2012", "voc2012_folder"]

HELP = ("Call load_voc2012(download=True) (needs internet, 2 GB), or download "
         "VOCtrainval_11-May-2012.tar from http://host.robots.ox.ac.uk/pascal/VOC/voc2012/ "
         "and unpack it there. Set SVDD_DATA_ROOT to use another data folder.")


def voc2012_folder(root=None) -> Path:
    """The ``VOC2012`` folder under ``root`` (accepts root, root/VOCdevkit or VOC2012)."""
    base = dataset_folder("voc2012", root)
    for candidate in (base / "VOCdevkit" / "VOC2012", base / "VOC2012", base):
        if (candidate / "JPEGImages").is_dir():
            return candidate
    return base / "VOCdevkit" / "VOC2012"


def _read_ids(path: Path) -> list[str]:
    if not path.exists():
        raise DatasetNotFoundError(f"VOC2012 split file {path} is missing. {HELP}")
    return [line.split()[0] for line in path.read_text().splitlines() if line.strip()]


def load_voc2012(root=None, size: int = 224, download: bool = False, on_error: str = "raise",
                 cache: bool = True) -> RawData:
    """VOC2012 as a :class:`RawData`: official train -> train pool, official val -> held-out.

    ``on_error``: 'raise' stops at the first unreadable or missing image and names it;
    'skip' leaves such images out and records the count in ``info['skipped']``.
    ``cache``: keep the decoded, resized images in ``<data_root>/cache`` for the next load.
    """
    folder = voc2012_folder(root)
    if download and not (folder / "JPEGImages").is_dir():
        from torchvision.datasets import VOCDetection

        VOCDetection(root=str(dataset_folder("voc2012", root)), year="2012",
                     image_set="trainval", download=True)
        folder = voc2012_folder(root)
    if not (folder / "JPEGImages").is_dir():
        raise DatasetNotFoundError(f"PASCAL VOC2012 not found: no JPEGImages folder in {folder}. "
                                   + HELP)
    main = folder / "ImageSets" / "Main"
    pools, skipped, ids = {}, [], {}
    for pool, listing in (("train", "train.txt"), ("test", "val.txt")):
        pool_ids = _read_ids(main / listing)
        paths = [folder / "JPEGImages" / f"{i}.jpg" for i in pool_ids]
        images, kept, bad = cached_images(f"voc2012-{pool}", paths, size, on_error, cache)
        pools[pool] = images
        ids[pool] = [i for i, ok in zip(pool_ids, kept) if ok]
        skipped += bad
    return RawData(
        "voc2012", pools["train"], np.full(len(pools["train"]), -1), pools["test"],
        np.full(len(pools["test"]), -1), class_names=(),
        info={"source": str(folder), "size": size, "ids": ids, **skip_info(skipped)},
    )
