"""Stand-ins for VOC2012 and WikiArt cut from real images that Debian packages install.

Teach mode cannot download the paper's datasets, so it cuts patches from images already on
the machine (``make datasets`` installs the packages; see ``data/README.md``):

``photograph_patches(size=64, ...)`` (dataset name ``'photographs'``, stands in for VOC2012)
    The six photographs bundled with scikit-image / scikit-learn (:data:`PHOTOS`) plus the
    photographs among the wallpapers of the Debian package ``plasma-workspace-wallpapers``
    (:data:`WALLPAPER_PHOTOS`; the rendered and drawn wallpapers are left out). Each wallpaper
    is downscaled (Lanczos) so that its shorter side is ``short_side`` = 512 px, the scale of
    the bundled photographs. Patches follow the cell scheme of :func:`photo_patches`: every
    photograph is tiled by cells of side ``2 * size`` that are dealt 60/20/20 to train / val /
    test, and a patch lies inside one cell of its pool, so pools never share a pixel.

``landscape_patches(size=64, ...)`` (dataset name ``'landscapes'``, stands in for WikiArt)
    The painted landscapes of *Battle for Wesnoth*'s story art (:data:`LANDSCAPES`, package
    ``wesnoth-1.16-data``: 16 digital paintings of about 1280 x 960 px, GPL-2+; two further
    files are variants of another painting, the same scene without its figures or in other
    light, and are left out so that no scene lies in two pools). Downscaled to a shorter side
    of ``short_side`` = 512 px and cut by the photographs' cell scheme below.

``painting_patches(size=64, ...)`` (dataset name ``'paintings'``, the former WikiArt stand-in)
    Windows of the painted unit portraits of *Battle for Wesnoth* (Debian package
    ``wesnoth-1.16-data``, about 240 paintings of 400-500 px on a transparent background).
    Whole portraits are dealt 60/20/20 to train / val / test (WikiArt, too, tests on other
    paintings), so pools never share a pixel. The transparent background is handled by
    *choosing windows*, not by cropping: a patch is a window of one portrait of its pool in
    which at least ``min_opaque`` (98%) of the pixels are fully opaque, so patches show the
    painting; the few remaining pixels are composited on mid grey (128). ``classes`` is the
    portrait's folder (drakes, elves, humans, ...). Windows of these portraits are close-ups
    of busy painted texture (cloth, armour, scales): pretrained features barely tell strokes
    from it (kNN on EfficientNet-Lite0 features: validation AUC 49-52 for M = 5, 9, against
    66-72 on the landscapes), which is why WikiArt is now stood in for by the landscapes.

Both are cut at :data:`STANDIN_SIDE` px (:func:`standin_side`): the stroke thickness M of the
paper's 224-px images is scaled to the patch (M x side / 224), and at 64 px the strokes of
the VOC2012 / WikiArt tables (M = 5, 9) are 1.43 and 2.57 px wide, at least one full pixel
and one pixel apart. Decoded images are cached as uint8 in ``<data root>/cache``; every
RawData records the package, its version and the files it used in ``info``. A missing
package raises :class:`MissingPackageError` with the apt command.
"""
from __future__ import annotations

import functools
import hashlib
import math
import os
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._files import DatasetNotFoundError, cache_file, save_npz
from .anomalies import as_generator
from .embedded import (PHOTOS, patch_contrast, crop_patches, deal_cells, cell_patch_pools,
                       check_patch_options, load_photos)
from .types import RawData

__all__ = ["MissingPackageError", "DebianSource", "PORTRAITS", "WALLPAPERS", "WALLPAPER_PHOTOS",
           "STAND_INS", "STANDIN_SIDE", "min_side_for_strokes", "standin_side",
           "package_version", "load_portraits", "load_wallpaper_photos", "painting_patches",
           "photograph_patches", "landscape_patches", "load_landscapes", "LANDSCAPES",
           "LANDSCAPE_VARIANTS", "missing_package", "data_provenance", "opaque_windows",
           "painting_pools"]

#: Paper dataset -> the dataset name of its offline stand-in.
STAND_INS = {"voc2012": "photographs", "wikiart": "landscapes"}
#: The wallpapers of plasma-workspace-wallpapers that are photographs (checked by eye on
#: version 5.27.5: a pier, a lake at dusk, boats, leaves, two forests, cups, sky, a facade).
WALLPAPER_PHOTOS = ("BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow",
                    "FallenLeaf", "Grey", "Kite", "OneStandsOut", "Path", "summer_1am")
_GREY = 128  # background the few transparent pixels of a painting window are composited on
_CACHE_VERSION = "installed-v1"


class MissingPackageError(DatasetNotFoundError):
    """A Debian package that a stand-in reads is not installed; the message says how to get it."""


@dataclass(frozen=True)
class DebianSource:
    """Images that a Debian package installs under ``folder``."""

    package: str
    folder: Path
    what: str

    def require(self, root=None) -> Path:
        """The folder (``root`` overrides it); MissingPackageError when it does not exist."""
        folder = Path(root) if root is not None else self.folder
        if not folder.is_dir():
            raise MissingPackageError(
                f"{self.what} need the Debian package {self.package} (no folder {folder}); "
                f"install it with: sudo apt-get install {self.package}")
        return folder

    def provenance(self, folder: Path, files: list[Path]) -> dict:
        """Package, version, folder and the files used (paths relative to the folder)."""
        rel = [str(f.relative_to(folder)) for f in files]
        digest = hashlib.sha1("".join(f"{r}|{f.stat().st_size}\n" for r, f in zip(rel, files))
                              .encode()).hexdigest()
        return {"package": self.package, "package_version": package_version(self.package),
                "folder": str(folder), "n_files": len(files), "files": rel,
                "files_sha1": digest}


PORTRAITS = DebianSource("wesnoth-1.16-data",
                         Path("/usr/share/games/wesnoth/1.16/data/core/images/portraits"),
                         "The paintings (Wesnoth portraits)")
LANDSCAPES = DebianSource("wesnoth-1.16-data",
                          Path("/usr/share/games/wesnoth/1.16/data/core/images/story"),
                          "The landscape paintings (Wesnoth story art)")
#: Story-art files that repeat another painting's scene (figures removed, other light).
LANDSCAPE_VARIANTS = ("landscape-battlefield_nohumans", "landscape-bridge_sun")
WALLPAPERS = DebianSource("plasma-workspace-wallpapers", Path("/usr/share/wallpapers"),
                          "The photographs (Plasma wallpapers)")


def data_provenance(info: dict) -> dict:
    """{source: {package, package_version, n_files, files_sha1}} of the Debian files behind a
    RawData's or ADData's ``info`` (empty for data that no package provides): the short record
    a run stores next to its metrics."""
    info = info.get("raw_info", info)
    keys = ("package", "package_version", "n_files", "files_sha1")
    return {name: {k: info[name][k] for k in keys}
            for name in ("portraits_package", "wallpapers", "landscapes_package")
            if name in info}


def missing_package(dataset: str, root=None) -> str | None:
    """None when the package behind ``'paintings'``, ``'photographs'`` or ``'landscapes'`` is
    installed, else the one-line message naming the package and the apt command."""
    source = {"paintings": PORTRAITS, "photographs": WALLPAPERS,
              "landscapes": LANDSCAPES}[dataset]
    try:
        source.require(root)
    except MissingPackageError as err:
        return str(err)
    return None


@functools.lru_cache(maxsize=None)
def package_version(package: str) -> str | None:
    """The installed version of a Debian package (``dpkg-query``), None where unknown."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


# ------------------------------------------------------------------------------ patch side
def min_side_for_strokes(thickness: float, paper_side: int = 224,
                         min_width: float = 1.0) -> int:
    """Smallest patch side S (px) at which a stroke of thickness M px on the paper's
    ``paper_side``-px images, scaled to the patch (M S / paper_side px, as
    ``svddlib.data.anomalies.stroke_strength`` scales it), is at least ``min_width`` px wide:
    ceil(min_width x paper_side / M). A band of width >= 1 px holds a pixel centre in every
    row or column it crosses, so the stroke is painted without gaps."""
    if not thickness > 0 or not min_width > 0:
        raise ValueError(f"thickness and min_width must be > 0, got {thickness}, {min_width}")
    return math.ceil(min_width * paper_side / thickness - 1e-9)


def standin_side(strokes=(5, 9), paper_side: int = 224, multiple: int = 32,
                 min_width: float = 1.0) -> int:
    """Smallest multiple of ``multiple`` at which every stroke of ``strokes`` (the paper's M on
    ``paper_side``-px images) is at least ``min_width`` px wide and each is at least
    ``min_width`` px wider than the next thinner one, so the columns stay distinguishable.

    Defaults: the strokes of the VOC2012 / WikiArt tables (M = 5, 9): M = 5 needs 45 px, the
    step 9 - 5 = 4 needs 56 px, rounded up to a multiple of 32 (the total stride of ResNet-18
    and EfficientNet, also divisible by every block count N = 2, 4, 8): 64 px.
    """
    widths = sorted(float(m) for m in strokes)
    steps = [b - a for a, b in zip(widths, widths[1:])]
    need = max(min_side_for_strokes(m, paper_side, min_width) for m in (widths[0], *steps))
    return multiple * math.ceil(need / multiple)


#: The side (px) of the painting and photograph patches: :func:`standin_side` (64).
STANDIN_SIDE = standin_side()


# ------------------------------------------------------------------------------ decoding
def _stack(arrays: list[np.ndarray]) -> dict:
    """Images of different sizes as one flat pixel array plus their shapes (for one .npz)."""
    shapes = np.array([a.shape[:2] for a in arrays], dtype=np.int64).reshape(-1, 2)
    pixels = np.concatenate([a.reshape(-1, a.shape[-1]) for a in arrays]) if arrays else \
        np.zeros((0, 3), np.uint8)
    return {"pixels": pixels, "shapes": shapes}


def _unstack(pixels: np.ndarray, shapes: np.ndarray) -> list[np.ndarray]:
    ends = np.cumsum(shapes.prod(axis=1))
    return [pixels[e - h * w:e].reshape(h, w, -1) for (h, w), e in zip(shapes, ends)]


def _cached(name: str, files: list[Path], tag: str, decode, cache: bool) -> list[np.ndarray]:
    """``[decode(f) for f in files]`` (uint8 (H, W, C)), kept in one .npz under the data root."""
    if cache:
        target = cache_file(name, files, f"{_CACHE_VERSION}|{tag}")
        if target.exists():
            with np.load(target) as z:
                return _unstack(z["pixels"], z["shapes"])
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        arrays = list(pool.map(decode, files))  # Pillow releases the GIL while decoding
    if cache:
        save_npz(target, **_stack(arrays))
    return arrays


def _check_max_images(max_images) -> None:
    if max_images is not None and (isinstance(max_images, bool) or
                                   not isinstance(max_images, (int, np.integer)) or
                                   max_images < 1):
        raise ValueError(f"max_images must be None (all files) or an integer >= 1, "
                         f"got {max_images!r}")


def _decode_portrait(path: Path) -> np.ndarray:
    """uint8 (H, W, 4): RGB composited on mid grey, then 1 where the pixel is fully opaque."""
    from PIL import Image

    with Image.open(path) as img:
        rgba = np.asarray(img.convert("RGBA"))
    alpha = rgba[..., 3:].astype(np.uint16)
    rgb = (rgba[..., :3] * alpha + _GREY * (255 - alpha) + 127) // 255
    return np.concatenate([rgb, alpha == 255], axis=-1).astype(np.uint8)


def load_portraits(root=None, max_images: int | None = None, cache: bool = True):
    """The Wesnoth portraits: ({relative path: uint8 (H, W, 3) composited on grey},
    {relative path: bool (H, W) fully opaque}, provenance dict). ``max_images`` keeps the
    first few files in sorted order (quick tests)."""
    _check_max_images(max_images)
    folder = PORTRAITS.require(root)
    files = sorted(folder.rglob("*.png"))[:max_images]
    if not files:
        raise MissingPackageError(f"no portraits (*.png) in {folder}; reinstall with: sudo "
                                  f"apt-get install --reinstall {PORTRAITS.package}")
    arrays = _cached("wesnoth-portraits", files, "grey128", _decode_portrait, cache)
    names = [str(f.relative_to(folder)) for f in files]
    rgb = {n: a[..., :3] for n, a in zip(names, arrays)}
    opaque = {n: a[..., 3] == 1 for n, a in zip(names, arrays)}
    return rgb, opaque, PORTRAITS.provenance(folder, files)


def _largest_image(folder: Path) -> Path:
    """The largest of a wallpaper's ``contents/images/<W>x<H>.<ext>`` files."""
    def area(path: Path) -> int:
        w, _, h = path.stem.partition("x")
        return int(w) * int(h) if w.isdigit() and h.isdigit() else -1

    files = sorted((folder / "contents" / "images").glob("*"), key=area)
    if not files or area(files[-1]) < 0:
        raise MissingPackageError(f"no wallpaper image in {folder}/contents/images; reinstall "
                                  f"with: sudo apt-get install --reinstall {WALLPAPERS.package}")
    return files[-1]


def _decode_photo(path: Path, short_side: int) -> np.ndarray:
    """RGB uint8, downscaled (Lanczos) so that the shorter side is ``short_side`` px."""
    from PIL import Image

    with Image.open(path) as img:
        scale = min(1.0, short_side / min(img.size))
        size = (round(img.size[0] * scale), round(img.size[1] * scale))
        img.draft("RGB", size)  # JPEG: decode at a reduced scale first (much faster)
        return np.asarray(img.convert("RGB").resize(size, Image.LANCZOS), dtype=np.uint8)


def load_wallpaper_photos(root=None, short_side: int = 512, max_images: int | None = None,
                          cache: bool = True):
    """The photographs among the Plasma wallpapers (:data:`WALLPAPER_PHOTOS`, the largest
    file of each), downscaled to a shorter side of ``short_side`` px: ({name: uint8 (H, W,
    3)}, provenance dict, which also lists the wanted wallpapers that are not installed)."""
    _check_max_images(max_images)
    folder = WALLPAPERS.require(root)
    absent = [n for n in WALLPAPER_PHOTOS if not (folder / n).is_dir()]
    if absent:
        warnings.warn(f"{len(absent)} of the wallpaper photographs are not in {folder} "
                      f"({', '.join(absent)}); using the others (recorded in info)",
                      stacklevel=2)
    present = [n for n in WALLPAPER_PHOTOS if n not in absent][:max_images]
    if not present:
        raise MissingPackageError(f"none of the photographs {', '.join(WALLPAPER_PHOTOS)} is in "
                                  f"{folder}; install them with: sudo apt-get install "
                                  f"{WALLPAPERS.package}")
    files = [_largest_image(folder / n) for n in present]
    arrays = _cached(f"plasma-photos-{short_side}", files, str(short_side),
                     lambda f: _decode_photo(f, short_side), cache)
    info = WALLPAPERS.provenance(folder, files)
    info.update(short_side=short_side, not_installed=absent)
    return dict(zip(present, arrays)), info


def load_landscapes(root=None, short_side: int = 512, max_images: int | None = None,
                    cache: bool = True):
    """The Wesnoth landscape paintings (:data:`LANDSCAPES` without :data:`LANDSCAPE_VARIANTS`),
    downscaled (Lanczos) to a shorter side of ``short_side`` px: ({file stem: uint8 (H, W, 3)},
    provenance dict)."""
    _check_max_images(max_images)
    folder = LANDSCAPES.require(root)
    files = sorted(f for f in folder.glob("*.jpg") if f.stem not in LANDSCAPE_VARIANTS)
    files = files[:max_images]
    if not files:
        raise MissingPackageError(f"no landscape paintings (*.jpg) in {folder}; reinstall with: "
                                  f"sudo apt-get install --reinstall {LANDSCAPES.package}")
    arrays = _cached(f"wesnoth-landscapes-{short_side}", files, str(short_side),
                     lambda f: _decode_photo(f, short_side), cache)
    info = LANDSCAPES.provenance(folder, files)
    info.update(short_side=short_side, left_out=list(LANDSCAPE_VARIANTS))
    return {f.stem: a for f, a in zip(files, arrays)}, info


# ------------------------------------------------------------------------------ patches
def _cell_patch_set(name: str, images: dict, size: int, counts: dict, seed: int, fractions,
                    min_contrast: float, info: dict) -> RawData:
    """RawData of ``counts`` patches of ``images`` ({name: uint8 (H, W, 3)}) in three
    pixel-disjoint pools cut by the cell scheme of :func:`photo_patches`; ``classes`` is the
    image's index in ``class_names``. ``info`` is completed with the cutting options."""
    pools = cell_patch_pools(images, size, counts, seed, fractions, min_contrast)
    return RawData(
        f"{name}{size}", *pools["train"][:2], *pools["test"][:2],
        class_names=tuple(images), val_images=pools["val"][0], val_classes=pools["val"][1],
        info={**info, "size": size, "cell": 2 * size, "fractions": tuple(fractions),
              "seed": int(seed), "min_contrast": min_contrast})


def photograph_patches(size: int = STANDIN_SIDE, n_train: int = 4000, n_val: int = 1000,
                       n_test: int = 1000, seed: int = 0, fractions=(0.6, 0.2, 0.2),
                       min_contrast: float = 0.02, short_side: int = 512,
                       max_images: int | None = None, root=None) -> RawData:
    """Photograph patches (uint8 (N, size, size, 3)) in three pixel-disjoint pools: the six
    bundled photographs plus the Plasma wallpaper photographs (at most ``max_images`` of
    them), cut by the cell scheme of :func:`photo_patches` (same options). ``classes`` is
    the index of the photograph in ``class_names``; ``info`` records the sources."""
    counts = check_patch_options(size, fractions, n_train=n_train, n_val=n_val, n_test=n_test)
    wallpapers, provenance = load_wallpaper_photos(root, short_side, max_images)
    info = {"source": f"{len(PHOTOS)} photographs of skimage.data + sklearn.datasets."
                      f"load_sample_images and {len(wallpapers)} of the Debian package "
                      f"{provenance['package']} {provenance['package_version']}",
            "stands_in_for": "voc2012", "wallpapers": provenance}
    return _cell_patch_set("photographs", {**load_photos(), **wallpapers}, size, counts, seed,
                           fractions, min_contrast, info)


def landscape_patches(size: int = STANDIN_SIDE, n_train: int = 4000, n_val: int = 1000,
                      n_test: int = 1000, seed: int = 0, fractions=(0.6, 0.2, 0.2),
                      min_contrast: float = 0.02, short_side: int = 512,
                      max_images: int | None = None, root=None) -> RawData:
    """Patches (uint8 (N, size, size, 3)) of the Wesnoth landscape paintings in three
    pixel-disjoint pools, cut by the cell scheme of :func:`photo_patches` (same options as
    :func:`photograph_patches`). ``classes`` is the painting's index in ``class_names``."""
    counts = check_patch_options(size, fractions, n_train=n_train, n_val=n_val, n_test=n_test)
    paintings, provenance = load_landscapes(root, short_side, max_images)
    info = {"source": f"{len(paintings)} landscape paintings of the Debian package "
                      f"{provenance['package']} {provenance['package_version']}",
            "stands_in_for": "wikiart", "landscapes_package": provenance}
    return _cell_patch_set("landscapes", paintings, size, counts, seed, fractions,
                           min_contrast, info)


def painting_patches(size: int = STANDIN_SIDE, n_train: int = 4000, n_val: int = 1000,
                     n_test: int = 1000, seed: int = 0, fractions=(0.6, 0.2, 0.2),
                     min_contrast: float = 0.02, min_opaque: float = 0.98,
                     max_images: int | None = None, root=None) -> RawData:
    """Painting patches (uint8 (N, size, size, 3)) from the Wesnoth portraits: whole
    portraits are dealt to the pools by ``fractions`` (per seed), and a patch is a window of
    a portrait of its pool with at least ``min_opaque`` fully opaque pixels, drawn uniformly
    among all such windows of the pool. Flat windows are redrawn as in :func:`photo_patches`.
    ``classes`` is the portrait's folder (``class_names``); ``info['portraits']`` lists the
    portraits of each pool and ``info['dropped']`` those without a single such window."""
    counts = check_patch_options(size, fractions, n_train=n_train, n_val=n_val, n_test=n_test)
    if not 0.0 < min_opaque <= 1.0:
        raise ValueError(f"min_opaque must be in (0, 1], got {min_opaque}")
    rgb, opaque, provenance = load_portraits(root, max_images)
    names = list(rgb)
    pools, dealt = painting_pools(list(rgb.values()), list(opaque.values()), size, counts,
                                  seed, fractions, min_contrast, min_opaque)
    folders = sorted({n.split("/")[0] for n in names})
    family = np.array([folders.index(n.split("/")[0]) for n in names], dtype=np.int64)
    pool = {k: (images, family[owner]) for k, (images, owner, _) in pools.items()}
    used = set(np.concatenate(list(dealt.values())).tolist())
    return RawData(
        f"paintings{size}", *pool["train"], *pool["test"], class_names=tuple(folders),
        val_images=pool["val"][0], val_classes=pool["val"][1],
        info={"source": f"{len(used)} portraits of the Debian package {provenance['package']} "
                        f"{provenance['package_version']}",
              "stands_in_for": None, "portraits_package": provenance,
              "portraits": {k: [names[i] for i in ids] for k, ids in dealt.items()},
              "dropped": [n for i, n in enumerate(names) if i not in used],
              "size": size, "fractions": tuple(fractions), "seed": int(seed),
              "min_contrast": min_contrast, "min_opaque": min_opaque, "background": _GREY})


def opaque_windows(opaque: np.ndarray, size: int, min_opaque: float) -> np.ndarray:
    """Boolean (H - size + 1, W - size + 1): the ``size`` x ``size`` windows (by top-left
    corner) in which at least ``min_opaque`` of the pixels are opaque (summed-area table)."""
    table = np.pad(opaque.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    inside = (table[size:, size:] - table[:-size, size:] - table[size:, :-size]
              + table[:-size, :-size])
    return inside >= min_opaque * size * size - 1e-9


def painting_pools(images, opaque, size, counts, seed, fractions, min_contrast, min_opaque):
    """({pool: (patches, image ids, top-left corners)}, {pool: image ids dealt to it}); images
    without a valid window take part in no pool."""
    rng = as_generator(seed)
    windows = [np.flatnonzero(opaque_windows(o, size, min_opaque)) for o in opaque]
    usable = np.array([i for i, w in enumerate(windows) if len(w)], dtype=np.int64)
    if len(usable) < 3:
        raise ValueError(f"only {len(usable)} portraits hold a {size}-px window that is "
                         f"{min_opaque:.0%} opaque; use a smaller size or min_opaque")
    dealt = dict(zip(counts, (np.sort(usable[ids]) for ids in
                              deal_cells(len(usable), fractions, rng))))
    widths = [o.shape[1] - size + 1 for o in opaque]
    pools = {k: _draw_windows(images, windows, widths, dealt[k], n, size, min_contrast, rng)
             for k, n in counts.items()}
    return pools, dealt


def _draw_windows(images, windows, widths, ids, n, size, min_contrast, rng, max_rounds=50):
    """``n`` windows with enough contrast, uniform over all valid windows of images ``ids``."""
    sizes = np.array([len(windows[i]) for i in ids])
    ends = np.cumsum(sizes)
    patches, owners, corners, have = [], [], [], 0
    for _ in range(max_rounds):
        m = max(64, int(1.25 * (n - have)))
        draw = rng.integers(0, ends[-1], size=m)
        which = np.searchsorted(ends, draw, side="right")
        batch, where = np.empty((m, size, size, 3), np.uint8), np.empty((m, 2), np.int64)
        for j in np.unique(which):
            here, i = which == j, ids[j]
            flat = windows[i][draw[here] - (ends[j] - sizes[j])]
            where[here] = np.column_stack(np.divmod(flat, widths[i]))
            batch[here] = crop_patches(images[i], where[here], size)
        ok = patch_contrast(batch) >= min_contrast
        patches.append(batch[ok])
        owners.append(ids[which[ok]])
        corners.append(where[ok])
        have += int(ok.sum())
        if have >= n:
            return tuple(np.concatenate(a)[:n] for a in (patches, owners, corners))
    raise ValueError(f"could not find {n} windows with contrast >= {min_contrast}; "
                     "lower min_contrast")
