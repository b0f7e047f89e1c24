"""Data of the course (Section V-A of Chong et al. 2020) behind one small interface.

Loaders return a :class:`RawData` (images in the dataset's official division):

* offline, bundled with installed packages: :func:`load_mnist5k`, :func:`photo_patches`;
* offline stand-ins for VOC2012 / WikiArt read from Debian packages: :func:`photograph_patches`,
  :func:`landscape_patches` (names 'photographs', 'landscapes'), and the portraits of the
  first WikiArt stand-in, :func:`painting_patches` ('paintings'; :mod:`svddlib.data.installed`);
* downloaded by the user: :func:`load_cifar10`, :func:`load_voc2012`, :func:`load_wikiart`
  (under ``svddlib.paths.data_root()``, i.e. ``$SVDD_DATA_ROOT`` or ``<project>/data``).

Split builders turn raw data into an :class:`ADData` (train / val / test :class:`ADSplit`):
:func:`one_vs_all`, :func:`image_alteration`, :func:`semi_supervised`. Anomaly generators:
:func:`block_permutation`, :func:`strokes`. Preprocessing to float tensors:
:func:`fit_preprocessing`, :func:`to_tensor`, :func:`to_tensors`. Figures:
:func:`anomaly_gallery`, :func:`standin_gallery`. See ``data/README.md`` for sources,
licences and downloads.

Example::

    from svddlib.data import image_alteration, to_tensors
    data = image_alteration("photo_patches", anomaly="strokes", strength=3, seed=0)
    tensors, stats = to_tensors(data, "gcn-minmax")
"""
from __future__ import annotations

from ._files import DatasetNotFoundError
from .anomalies import ANOMALY_TYPES, block_permutation, make_anomalies, strokes
from .cifar10 import CIFAR10_CLASSES, load_cifar10
from .embedded import PHOTOS, load_mnist5k, photo_patches
from .gallery import anomaly_gallery, standin_gallery
from .installed import (STAND_INS, STANDIN_SIDE, MissingPackageError, min_side_for_strokes,
                        landscape_patches, painting_patches, photograph_patches,
                        standin_side)
from .fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from .registry import DATASETS, missing_dataset
from .preprocessing import (PREPROCESSINGS, PreprocessingStats, fit_preprocessing,
                            global_contrast_normalization, to_tensor, to_tensors)
from .splits import (OFFICIAL_SIZES, PAPER_SIZES, PAPER_SPLIT_RULES, SplitRule, SplitSizes,
                     alteration_split_sizes, image_alteration, load_raw, n_labeled_anomalies,
                     one_vs_all, semi_supervised)
from .types import ADData, ADSplit, RawData
from .voc import load_voc2012
from .wikiart import WIKIART_STYLES, load_wikiart

__all__ = [
    "ADSplit", "ADData", "RawData", "DatasetNotFoundError",
    "load_mnist5k", "photo_patches", "PHOTOS", "load_cifar10", "CIFAR10_CLASSES",
    "load_voc2012", "load_wikiart", "WIKIART_STYLES",
    "load_fashion_mnist", "FASHION_MNIST_CLASSES", "load_raw", "DATASETS", "missing_dataset",
    "one_vs_all", "image_alteration", "semi_supervised",
    "SplitRule", "SplitSizes", "PAPER_SPLIT_RULES", "OFFICIAL_SIZES", "PAPER_SIZES",
    "alteration_split_sizes", "n_labeled_anomalies",
    "ANOMALY_TYPES", "block_permutation", "strokes", "make_anomalies",
    "PREPROCESSINGS", "PreprocessingStats", "global_contrast_normalization",
    "fit_preprocessing", "to_tensor", "to_tensors",
    "anomaly_gallery", "standin_gallery",
    "painting_patches", "photograph_patches", "landscape_patches", "MissingPackageError",
    "STAND_INS",
    "STANDIN_SIDE", "min_side_for_strokes", "standin_side",
]
