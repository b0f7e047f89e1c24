"""WikiArt paintings (ArtGAN release, Tan et al.), six styles of the paper, 224 x 224.

Layout looked for (the public ArtGAN WikiArt release)::

    <root>/wikiart/<Style>/<painting>.jpg          (one folder per style)
    <root>/wikiart_csv/style_train.csv              (optional split files: lines
    <root>/wikiart_csv/style_val.csv                 "<Style>/<painting>.jpg,<label>")

``root`` defaults to ``<data_root>/wikiart``; the style folders may also sit directly in
``root``, and the CSV files may also sit in ``root``. Only the six styles of Section V-A are
read (:data:`WIKIART_STYLES`); ``classes`` is the index of the style in that tuple.

With the split files, ``style_train.csv`` is the raw train pool and ``style_val.csv`` the raw
held-out pool (the paper tests on the given validation set and moves 20% of train to
validation). Without them the loader warns and draws a stratified held-out set of 30% per
style from ``split_seed`` (the release's style split holds out about 30%: 4,205 of 14,025
images of these styles by the paper's numbers; see ``svddlib.data.splits.OFFICIAL_SIZES``).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ._files import DatasetNotFoundError, cached_images, dataset_folder, skip_info
from .types import RawData

__all__ = ["load_wikiart", "WIKIART_STYLES"]

WIKIART_STYLES = ("Art_Nouveau_Modern", "Contemporary_Realism", "Fauvism", "High_Renaissance",
                  "Naive_Art_Primitivism", "Symbolism")
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
_HELP = ("Get the WikiArt dataset of the ArtGAN project (https://github.com/cs-chan/ArtGAN, "
         "folder WikiArt Dataset: wikiart.zip and wikiart_csv.zip) and unpack it there. "
         "Set SVDD_DATA_ROOT to use another data folder.")


def image_root(base: Path) -> Path:
    for candidate in (base / "wikiart", base):
        if any((candidate / s).is_dir() for s in WIKIART_STYLES):
            return candidate
    raise DatasetNotFoundError(
        f"WikiArt not found: no style folder ({', '.join(WIKIART_STYLES)}) in {base / 'wikiart'}"
        f" or {base}. " + _HELP)


def _split_files(base: Path) -> tuple[Path, Path] | None:
    for folder in (base / "wikiart_csv", base):
        train, val = folder / "style_train.csv", folder / "style_val.csv"
        if train.exists() and val.exists():
            return train, val
    return None


def _entries_from_csv(path: Path) -> list[str]:
    """Relative paths '<Style>/<file>' of the six styles listed in a split file."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rel = line.strip().rsplit(",", 1)[0].strip()
        if rel and rel.split("/")[0] in WIKIART_STYLES:
            out.append(rel)
    return out


def _random_split(images_root: Path, split_seed: int, heldout: float):
    train, test = [], []
    rng = np.random.default_rng(split_seed)
    for style in WIKIART_STYLES:
        folder = images_root / style
        files = sorted(p.name for p in folder.iterdir()
                       if p.suffix.lower() in _IMAGE_SUFFIXES) if folder.is_dir() else []
        perm = rng.permutation(len(files))
        n_test = int(np.floor(len(files) * heldout + 0.5))
        test += [f"{style}/{files[i]}" for i in sorted(perm[:n_test])]
        train += [f"{style}/{files[i]}" for i in sorted(perm[n_test:])]
    return train, test


def load_wikiart(root=None, size: int = 224, on_error: str = "raise", cache: bool = True,
                 split_seed: int = 0, heldout_fraction: float = 0.3) -> RawData:
    """WikiArt (six styles) as a :class:`RawData`; see the module docstring for the layout.

    ``on_error``: 'raise' stops at the first unreadable or missing image and names it;
    'skip' leaves such images out and records the count in ``info['skipped']``.
    ``split_seed`` and ``heldout_fraction`` only matter without the release's split files.
    """
    base = dataset_folder("wikiart", root)
    images_root = image_root(base)
    files = _split_files(base)
    if files is not None:
        entries = {"train": _entries_from_csv(files[0]), "test": _entries_from_csv(files[1])}
        split_source = f"split files {files[0].name}, {files[1].name}"
    else:
        warnings.warn(f"WikiArt split files (wikiart_csv/style_train.csv, style_val.csv) not "
                      f"found in {base}; drawing a random {heldout_fraction:.0%} held-out set "
                      f"per style (split_seed={split_seed}).", stacklevel=2)
        entries = dict(zip(("train", "test"), _random_split(images_root, split_seed,
                                                              heldout_fraction)))
        split_source = f"random {heldout_fraction:.0%} per style, split_seed={split_seed}"
    pools, skipped = {}, []
    for pool, rels in entries.items():
        paths = [images_root / rel for rel in rels]
        images, kept, bad = cached_images(f"wikiart-{pool}", paths, size, on_error, cache)
        styles = np.array([WIKIART_STYLES.index(r.split("/")[0]) for r in rels], dtype=np.int64)
        pools[pool] = (images, styles[kept] if len(styles) else styles)
        skipped += bad
    return RawData("wikiart", *pools["train"], *pools["test"], class_names=WIKIART_STYLES,
                   info={"source": str(images_root), "size": size,
                         "split_source": split_source, **skip_info(skipped)})
