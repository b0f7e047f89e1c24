"""Benchmark of the paper-scale input pipeline (issue 9) on a fabricated PASCAL VOC2012.

VOC2012 and its ImageNet weights cannot be downloaded here, so this script writes a devkit in
the real on-disk layout with the paper's pool sizes (5,717 official train ids, 5,823 val ids)
of 500 x 375 JPEGs cut from scikit-image's photographs, and measures what a paper-mode run
does with it before training:

1. the first load: decode and resize every JPEG to 224 px (the loaders' thread pool) and
   write the uint8 ``.npz`` cache; then a second load from that cache;
2. building the splits of a Table II run (block permutation 2 x 2) and of a Table IV run
   (strokes, M = 5), with their anomalies, and their uint8 / float32 sizes;
3. one pass over the Table II training split through the lazy DataLoader path
   (:func:`svddlib.data.lazy.batches`, batch 50): images per second of the input side alone;
4. the peak resident memory of this process after each step (it only grows).

Usage: ``python scripts/bench_paper_inputs.py [--scale 1.0] [--keep DIR]``; ``--scale``
shrinks both pools (e.g. 0.1 for a quick look). Prints a Markdown list and writes
``<results>/bench/bench_paper_inputs.json``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: The pool sizes of the official VOC2012 lists (Section V-A of the paper).
VOC_POOLS = {"train": 5717, "val": 5823}
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry", "hubble_deep_field")


def write_devkit(root: Path, scale: float, seed: int = 0) -> dict:
    """A VOCdevkit under ``root`` with ``scale`` x the paper's pools; returns the ids."""
    import numpy as np
    from PIL import Image
    from skimage import data as photos

    voc = root / "VOCdevkit" / "VOC2012"
    (voc / "JPEGImages").mkdir(parents=True)
    (voc / "ImageSets" / "Main").mkdir(parents=True)
    sources = [Image.fromarray(getattr(photos, name)()).convert("RGB") for name in PHOTOS]
    rng = np.random.default_rng(seed)
    ids = {split: [f"{2008 + i}_{j:06d}" for j in range(max(1, round(n * scale)))]
           for i, (split, n) in enumerate(VOC_POOLS.items())}
    jobs = [(voc / "JPEGImages" / f"{name}.jpg", int(rng.integers(len(sources))),
             rng.uniform(0, 0.4, size=2), bool(rng.integers(2)))
            for names in ids.values() for name in names]

    def write(job):
        path, source, corner, flip = job
        img = sources[source]
        w, h = img.size
        box = (int(corner[0] * w), int(corner[1] * h), int(corner[0] * w + 0.6 * w),
               int(corner[1] * h + 0.6 * h))
        out = img.crop(box).resize((500, 375), Image.BILINEAR)
        (out.transpose(Image.FLIP_LEFT_RIGHT) if flip else out).save(path, quality=90)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, jobs))
    for split, names in ids.items():
        (voc / "ImageSets" / "Main" / f"{split}.txt").write_text("\n".join(names) + "\n")
    return ids


def _timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20  # kB on Linux


def _split_sizes(data) -> dict:
    splits = data.splits()
    n_values = sum(s.images.size for s in splits.values())
    return {**{f"n_{k}": len(s) for k, s in splits.items()},
            "uint8_gib": n_values / 2 ** 30, "float32_gib": 4 * n_values / 2 ** 30}


def bench(root: Path, scale: float) -> dict:
    import numpy as np

    from svddlib.data.lazy import batches, default_workers, model_inputs
    from svddlib.data.voc import load_voc2012
    from svddlib.experiments import build_data
    from svddlib.reproduce import get_spec
    from svddlib.reproduce.execute import data_spec_of

    os.environ["SVDD_DATA_ROOT"] = str(root)
    out = {"scale": scale}
    _, out["write_jpegs_s"] = _timed(write_devkit, root / "voc2012", scale)
    raw, out["first_load_s"] = _timed(load_voc2012)
    out["pools"] = {"train": len(raw.train_images), "heldout": len(raw.test_images)}
    out["peak_rss_gib_after"] = {"first_load": _peak_rss_gib()}
    del raw
    _, out["cached_load_s"] = _timed(load_voc2012)
    out["cache_gib"] = sum(p.stat().st_size for p in (root / "cache").glob("*.npz")) / 2 ** 30
    data = None
    for artefact, anomaly in (("table2", "blocks"), ("table4", "strokes")):
        del data  # one run's splits at a time, as in a run
        run = next(r for r in get_spec(artefact).resolve("paper", data_root=str(root))
                   if r["kind"] == "deep_svdd" and r["data"].get("anomaly") == anomaly)
        data, seconds = _timed(build_data, **data_spec_of(run))
        out[f"{artefact}_{anomaly}"] = {"strength": run["data"]["strength"],
                                        "build_s": seconds, **_split_sizes(data)}
        out["peak_rss_gib_after"][f"{artefact}_{anomaly}"] = _peak_rss_gib()
    tensors, _ = model_inputs(data, "imagenet", lazy=True)  # what paper scale picks itself
    train = tensors["train"]
    chunks = np.array_split(np.arange(len(train)), max(1, len(train) // 50))
    workers = default_workers()
    start = time.perf_counter()
    n = sum(len(b) for b in batches(train, chunks, "cpu", num_workers=workers))
    out["lazy_pass"] = {"images": n, "workers": workers, "lazy": type(train).__name__,
                        "images_per_s": n / (time.perf_counter() - start)}
    out["peak_rss_gib"] = _peak_rss_gib()
    return out


def _markdown(res: dict) -> str:
    lines = [f"- fabricated devkit: {res['pools']['train']} train + {res['pools']['heldout']} "
             f"val JPEGs of 500x375 (scale {res['scale']:g})",
             f"- first load (decode + resize to 224 px + cache): {res['first_load_s']:.1f} s; "
             f"from the cache ({res['cache_gib']:.2f} GiB on disk): {res['cached_load_s']:.1f} s"]
    for key in ("table2_blocks", "table4_strokes"):
        r = res[key]
        lines.append(f"- {key} (strength {r['strength']}) splits with anomalies: "
                     f"{r['build_s']:.1f} s; train/val/test {r['n_train']}/{r['n_val']}/"
                     f"{r['n_test']}; {r['uint8_gib']:.2f} GiB uint8, {r['float32_gib']:.2f} "
                     "GiB as float32")
    p = res["lazy_pass"]
    lines.append(f"- one pass over the training split through the lazy path ({p['lazy']}, "
                 f"{p['workers']} DataLoader workers): {p['images_per_s']:.0f} images/s")
    steps = ", ".join(f"{k} {v:.2f}" for k, v in res["peak_rss_gib_after"].items())
    lines.append(f"- peak resident memory of the process (GiB) after: {steps}; at the end "
                 f"{res['peak_rss_gib']:.2f}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", help="write the devkit and cache here and keep them")
    args = parser.parse_args()
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    from svddlib.cache import atomic_write_json, library_versions
    from svddlib.paths import results_root

    target = results_root() / "bench" / "bench_paper_inputs.json"
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-voc-"))
    try:
        res = {"cores": len(os.sched_getaffinity(0)), "load_average": os.getloadavg(),
               "versions": library_versions(), **bench(root, args.scale)}
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    atomic_write_json(target, res)
    print(_markdown(res))
    print(f"load average before: {res['load_average']}; {res['cores']} cores\n-> {target}")


if __name__ == "__main__":
    main()
