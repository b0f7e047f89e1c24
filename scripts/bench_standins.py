"""Decode time, cache, sizes and patch counts of the offline stand-ins (svddlib.data.installed).

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/bench_standins.py [--max-images K]

Works in a fresh temporary data root, so the first load really decodes: per set it times the
decode without cache, the first load (decode + write the cache) and the cached load, and
reports the decoded size, the cache file, how many distinct patch positions each pool offers
and the time and size of a default patch set (4,000 / 1,000 / 1,000 patches of 64 px). The
files themselves may sit in the operating system's page cache (run it twice to see).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _mib(n_bytes: float) -> float:
    return round(n_bytes / 2 ** 20, 1)


def _load_times(load) -> dict:
    _, decode = _timed(lambda: load(cache=False))
    _, first = _timed(lambda: load(cache=True))
    out, cached = _timed(lambda: load(cache=True))
    return {"decode_s": round(decode, 2), "first_load_s": round(first, 2),
            "cached_s": round(cached, 3)}, out


def _patch_set(loader, max_images, counts) -> dict:
    raw, seconds = _timed(lambda: loader(max_images=max_images, **counts))
    images = [raw.images(p) for p in raw.pools()]
    return {"patch_set_s": round(seconds, 2), "patches": {p: len(raw.images(p))
                                                        for p in raw.pools()},
            "patch_set_mib": _mib(sum(a.nbytes for a in images)), "info": raw.info}


def bench(max_images: int | None = None, n_train: int = 4000, n_eval: int = 1000) -> dict:
    """The measurements as a dict (see the module docstring); the data root must be fresh."""
    from svddlib.data import installed
    from svddlib.data.embedded import _cells, load_photos
    from svddlib.paths import data_root

    side = installed.STANDIN_SIDE
    counts = {"n_train": n_train, "n_val": n_eval, "n_test": n_eval}
    times, (rgb, opaque, _) = _load_times(lambda cache: installed.load_portraits(
        max_images=max_images, cache=cache))
    paintings = _patch_set(installed.painting_patches, max_images, counts)
    windows = {k: int(sum(installed.opaque_windows(opaque[n], side, 0.98).sum() for n in names))
               for k, names in paintings["info"]["portraits"].items()}
    paintings.update(times, n_sources=len(rgb), positions=windows,
                     dropped=len(paintings["info"]["dropped"]),
                     source_mib=_mib(sum(a.nbytes + opaque[n].nbytes for n, a in rgb.items())))
    times, (walls, _) = _load_times(lambda cache: installed.load_wallpaper_photos(
        max_images=max_images, cache=cache))
    photographs = _patch_set(installed.photograph_patches, max_images, counts)
    cells = sum(len(_cells(p.shape, 2 * side)) for p in {**load_photos(), **walls}.values())
    photographs.update(times, n_sources=len(walls) + len(load_photos()),
                       positions={"cells": cells, "offsets_per_cell": (side + 1) ** 2},
                       source_mib=_mib(sum(a.nbytes for a in walls.values())))
    caches = {f.name.split("-")[0]: _mib(f.stat().st_size)
              for f in (data_root() / "cache").glob("*.npz")}
    paintings["cache_mib"], photographs["cache_mib"] = caches["wesnoth"], caches["plasma"]
    for r in (paintings, photographs):
        r.pop("info")
    return {"side": side, "paintings": paintings, "photographs": photographs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-images", type=int, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        os.environ["SVDD_DATA_ROOT"] = root
        res = bench(args.max_images)
    print(f"patch side {res['side']} px; load {os.getloadavg()[0]:.2f}; numpy {np.__version__}")
    for name in ("paintings", "photographs"):
        print(f"{name}: {res[name]}")


if __name__ == "__main__":
    main()
