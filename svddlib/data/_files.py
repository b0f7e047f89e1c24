"""Shared helpers of the on-disk loaders: where datasets live, reading and resizing images,
clear errors for missing or corrupt files, and an optional ``.npz`` cache of decoded images.

Corrupt images: with ``on_error="raise"`` (the default) the first unreadable image stops the
load with an error naming the file; with ``on_error="skip"`` unreadable or missing images are
left out and counted (``RawData.info["skipped"]`` holds the count and the first few paths).
"""
from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["dataset_folder", "DatasetNotFoundError", "read_images", "cached_images",
           "cache_file", "save_npz"]


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not where the loader looked; the message says where and how to get it."""


def dataset_folder(name: str, root) -> Path:
    """``root`` if given, else ``svddlib.paths.data_root() / name``."""
    if root is not None:
        return Path(root).expanduser()
    from svddlib.paths import data_root

    return data_root() / name


def _read_one(path: Path, size: int) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        img = img.convert("RGB")
        if img.size != (size, size):
            img = img.resize((size, size), Image.BILINEAR)
        return np.asarray(img, dtype=np.uint8)


def read_images(paths: list[Path], size: int, on_error: str = "raise",
                workers: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Decode ``paths`` as RGB, resize to ``size`` x ``size`` (bilinear, aspect not kept).

    Returns (images uint8 (n_ok, size, size, 3), kept boolean mask over ``paths``, list of
    skipped paths). Decoding runs in a thread pool (Pillow releases the GIL while decoding).
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    workers = workers or min(8, os.cpu_count() or 1)

    def load(path):
        try:
            return _read_one(path, size)
        except Exception as err:  # PIL raises many types (OSError, SyntaxError, ValueError...)
            if on_error == "raise":
                raise ValueError(f"cannot read image {path}: {err}. Replace or delete the "
                                 "file, or load with on_error='skip'.") from err
            return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(load, paths))
    kept = np.array([r is not None for r in results], dtype=bool)
    images = np.empty((int(kept.sum()), size, size, 3), dtype=np.uint8)
    for i, r in enumerate(r for r in results if r is not None):
        images[i] = r
    skipped = [str(p) for p, ok in zip(paths, kept) if not ok]
    return images, kept, skipped


def cached_images(name: str, paths: list[Path], size: int, on_error: str, use_cache: bool):
    """:func:`read_images`, with the result kept in ``<data_root>/cache/<name>-<key>.npz``.

    The key hashes the image paths, file sizes and ``size``, so a changed dataset is re-read.
    """
    if not use_cache:
        return read_images(paths, size, on_error)
    target = cache_file(f"{name}-{size}", paths, f"{size}|{on_error}")
    if target.exists():
        with np.load(target) as z:
            return z["images"], z["kept"], list(z["skipped"])
    images, kept, skipped = read_images(paths, size, on_error)
    save_npz(target, images=images, kept=kept, skipped=np.array(skipped, dtype=str))
    return images, kept, skipped


def cache_file(name: str, paths: list[Path], tag: str) -> Path:
    """``<data_root>/cache/<name>-<key>.npz``; the key hashes ``tag`` and every path with its
    file size, so a changed file list or option gives another file."""
    from svddlib.paths import data_root

    digest = hashlib.sha1(tag.encode())
    for p in paths:
        digest.update(f"{p}|{p.stat().st_size if p.exists() else -1}\n".encode())
    return data_root() / "cache" / f"{name}-{digest.hexdigest()[:16]}.npz"


def save_npz(target: Path, **arrays) -> None:
    """Write ``arrays`` to ``target`` (uncompressed .npz) atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp{os.getpid()}.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, target)


def skip_info(skipped: list[str]) -> dict:
    return {"skipped": len(skipped), "skipped_examples": skipped[:10]}
