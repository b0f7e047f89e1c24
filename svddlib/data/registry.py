"""Dataset names -> loaders, in one place below the split builders.

:func:`load_raw` turns a name ('mnist5k', 'photo_patches', 'paintings', 'photographs',
'landscapes', 'cifar10', 'voc2012', 'wikiart') into a :class:`~svddlib.data.types.RawData`.
:func:`missing_dataset` checks, without decoding any image, whether a downloaded dataset (or
the Debian package of an installed stand-in) is where its loader looks (the experiment runner calls
it up front in paper mode). Loaders are imported on first use.
"""
from __future__ import annotations

import importlib

from .types import RawData

__all__ = ["DATASETS", "DOWNLOADED", "INSTALLED", "dataset_key", "get_loader", "load_raw",
           "missing_dataset"]

#: name -> (module of svddlib.data, loader function); aliases included.
DATASETS = {
    "mnist5k": ("embedded", "load_mnist5k"), "mnist": ("embedded", "load_mnist5k"),
    "photo_patches": ("embedded", "photo_patches"), "photos": ("embedded", "photo_patches"),
    "cifar10": ("cifar10", "load_cifar10"), "voc2012": ("voc", "load_voc2012"),
    "wikiart": ("wikiart", "load_wikiart"),
    "paintings": ("installed", "painting_patches"),
    "photographs": ("installed", "photograph_patches"),
    "landscapes": ("installed", "landscape_patches"),
    "fashion_mnist": ("fashion_mnist", "load_fashion_mnist"),
    "fashionmnist": ("fashion_mnist", "load_fashion_mnist"),
}
#: Datasets the user downloads (everything else ships inside installed packages).
DOWNLOADED = ("cifar10", "voc2012", "wikiart")
#: Stand-ins read from files that Debian packages install (svddlib.data.installed).
INSTALLED = ("paintings", "photographs", "landscapes")


def dataset_key(dataset: str) -> str:
    """The registry key of a dataset name ('CIFAR-10' -> 'cifar10'); ValueError if unknown."""
    key = str(dataset).lower().replace("-", "")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {sorted(DATASETS)} "
                         "or pass a RawData")
    return key


def get_loader(dataset: str):
    """The loader function of a dataset name."""
    module, function = DATASETS[dataset_key(dataset)]
    return getattr(importlib.import_module(f"{__package__}.{module}"), function)


def load_raw(dataset, **loader_kwargs) -> RawData:
    """A :class:`RawData` from a name (see :data:`DATASETS`) or a RawData passed through."""
    if isinstance(dataset, RawData):
        if loader_kwargs:
            raise TypeError("loader options are only accepted together with a dataset name")
        return dataset
    return get_loader(dataset)(**loader_kwargs)


def missing_dataset(dataset: str, root=None) -> str | None:
    """None when ``dataset`` can be loaded from ``root`` (default: its folder under the data
    root; for the :data:`INSTALLED` stand-ins: the package's folder), else the loader's message
    saying where it looked and how to get it. Decodes nothing."""
    from ._files import DatasetNotFoundError

    key = dataset_key(dataset)
    if key in INSTALLED:
        from .installed import missing_package

        return missing_package(key, root)
    try:
        if key == "cifar10":
            from .cifar10 import TRAIN_BATCHES, batches_folder, URL

            folder = batches_folder(root)
            absent = [n for n in (*TRAIN_BATCHES, "test_batch") if not (folder / n).exists()]
            if absent:
                return (f"CIFAR-10 not found: looked in {folder} and missed {', '.join(absent)}. "
                        f"Download {URL} and unpack it into {folder.parent}")
        elif key == "voc2012":
            from .voc import HELP, voc2012_folder

            folder = voc2012_folder(root)
            if not (folder / "JPEGImages").is_dir():
                return f"PASCAL VOC2012 not found: no JPEGImages folder in {folder}. {HELP}"
        elif key == "wikiart":
            from ._files import dataset_folder
            from .wikiart import image_root

            image_root(dataset_folder("wikiart", root))
    except (DatasetNotFoundError, FileNotFoundError) as err:
        return str(err)
    return None
