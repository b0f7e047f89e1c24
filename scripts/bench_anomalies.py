"""Time the anomaly generators of svddlib.data on 10,000 colour images of 32 x 32 pixels.

Usage: OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/bench_anomalies.py [--n 10000]
       [--side 32] [--repeats 3]

Images are natural photo patches (svddlib.data.photo_patches) when ``--side`` <= 64, else
random uint8 noise (content does not change the cost). Prints a Markdown table with the best
wall time over ``--repeats`` runs, for the strengths of the paper's tables.
"""
from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from svddlib.data import block_permutation, photo_patches, strokes

SETTINGS = (("block permutation", block_permutation, (2, 4, 8)),
            ("strokes", strokes, (1, 5, 9)))


def _images(n: int, side: int) -> np.ndarray:
    if side <= 64:
        return photo_patches(size=side, n_train=n, n_val=1, n_test=1, seed=0).train_images
    return np.random.default_rng(0).integers(0, 256, (n, side, side, 3), dtype=np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--side", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images = _images(args.n, args.side)
    print(f"{args.n:,} images of {args.side}x{args.side}x3, best of {args.repeats}, "
          f"numpy {np.__version__}, {platform.processor() or platform.machine()}\n")
    print("| anomaly | strength | seconds | images / s |")
    print("|---|---:|---:|---:|")
    for name, fn, strengths in SETTINGS:
        for strength in strengths:
            best = np.inf
            for repeat in range(args.repeats):
                start = time.perf_counter()
                fn(images, strength, np.random.default_rng(repeat))
                best = min(best, time.perf_counter() - start)
            print(f"| {name} | {strength} | {best:.2f} | {args.n / best:,.0f} |")


if __name__ == "__main__":
    main()
