"""Benchmark of the experiment runner (issue 9): one teach sweep on three executors, a cached
re-run, and the throughput of one paper-mode ResNet-18 epoch.

1. A sweep of the first ``--runs`` (24) distinct runs of ``--artefact`` (table5) in teach
   mode (``--kind``: Deep SVDD runs, baselines or any), each from an empty cache: sequential
   (torch's default threads: all cores), sequential with one thread, a 2-worker process pool,
   a 2-worker Dask ``LocalCluster`` (start-up timed apart). Scheduler overhead per run =
   (wall - sum of the runs' own seconds / workers) / runs. The one-thread sweep gives the
   **ceiling** of any parallel path: ``workers x wall(sequential) / wall(one thread)``; the
   sequential path already spreads each run's tensor operations over the cores, so two
   one-thread workers can gain at most that much.
2. The same sweep again on the sequential cache: everything loads (goal < 5 s).
3. Images per second of one training epoch of the paper's ResNet-18 (224 px, batch 50,
   weights=None: no ImageNet download here) on fabricated uint8 images through the lazy
   DataLoader path, on the CPU (and on a GPU when there is one).
4. What one image costs the input pipeline: decoding and resizing a VOC-sized JPEG
   (500 x 375, the loaders' reader) against turning a decoded uint8 image into the network's
   float input (what the lazy path does per batch in its DataLoader workers).

Usage: ``python scripts/bench_sweeps.py [--runs 24] [--workers 2] [--images 200]``; prints a
Markdown table and writes ``<results>/bench/bench_sweeps_<artefact>_<kind>.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class Subset:
    """The first ``n`` distinct runs of a spec (a spec-like object for run_sweep)."""

    def __init__(self, spec, mode, n, kind="deep_svdd"):
        from svddlib.cache import config_hash
        from svddlib.reproduce import cache_config

        seen, self.runs = set(), []
        for run in spec.resolve(mode):
            key = config_hash(cache_config(run))
            if kind in ("any", run["kind"]) and key not in seen and len(self.runs) < n:
                seen.add(key)
                self.runs.append(run)
        if len(self.runs) < n:
            raise SystemExit(f"{spec.name} has only {len(self.runs)} distinct {kind} runs")
        self.name, self.title, self.metric = spec.name, spec.title, spec.metric
        self.rows, self.columns = spec.rows, spec.columns

    def resolve(self, mode, seeds=None, data_root=None, overrides=None):
        return [dict(r) for r in self.runs]


def _sweep(subset, executor, workers, root, threads=None):
    from svddlib.reproduce import run_sweep

    os.environ["SVDD_RESULTS_ROOT"] = root
    start = time.perf_counter()
    result = run_sweep(subset, "teach", executor=executor, n_workers=workers, progress=False,
                       threads=threads)
    wall = time.perf_counter() - start
    runs = result.runs
    return {"wall_s": wall, "sum_run_s": float(runs["seconds"].sum()),
            "status": runs["status"].value_counts().to_dict(),
            "auc": runs.sort_values("config_hash")["auc"].round(6).tolist()}


def bench_sweeps(n_runs: int, workers: int, artefact: str, kind: str = "deep_svdd") -> dict:
    import torch

    from svddlib.reproduce import get_spec
    from svddlib.reproduce.runner import local_cluster_client

    subset = Subset(get_spec(artefact), "teach", n_runs, kind)
    roots = {k: tempfile.mkdtemp(prefix=f"bench-{k}-") for k in ("seq", "seq1", "proc", "dask")}
    out = {"runs": n_runs, "workers": workers, "artefact": artefact, "kind": kind,
           "threads": torch.get_num_threads()}
    out["sequential"] = _sweep(subset, "sequential", workers, roots["seq"])
    out["sequential_1_thread"] = _sweep(subset, "sequential", workers, roots["seq1"], threads=1)
    out["process"] = _sweep(subset, "process", workers, roots["proc"])
    start = time.perf_counter()
    client = local_cluster_client(workers)
    startup = time.perf_counter() - start
    try:
        out["dask"] = {**_sweep(subset, client, workers, roots["dask"]), "startup_s": startup}
    finally:
        client.close()
        client.cluster.close()
    out["cached_rerun"] = _sweep(subset, "sequential", workers, roots["seq"])
    base = out["sequential"]["wall_s"]
    out["ceiling"] = workers * base / out["sequential_1_thread"]["wall_s"]
    for key in ("sequential", "sequential_1_thread", "process", "dask"):
        rec = out[key]
        par = 1 if key.startswith("sequential") else workers
        rec["speedup"] = base / rec["wall_s"]
        rec["overhead_per_run_s"] = (rec["wall_s"] - rec["sum_run_s"] / par) / n_runs
        rec["same_aucs_as_sequential"] = rec["auc"] == out["sequential"]["auc"]
    return out


def bench_resnet_epoch(n_images: int, device: str) -> dict:
    import numpy as np
    import torch

    from svddlib.data.lazy import LazyImages
    from svddlib.models import build_model
    from svddlib.training import TrainConfig, train

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n_images, 224, 224, 3), dtype=np.uint8)
    x = LazyImages(images, "imagenet")
    torch.manual_seed(0)
    net = build_model("resnet18", weights=None, bias=False, pooling="max")
    cfg = TrainConfig(n_epochs=1, batch_size=50, lr=1e-4, progress=False, device=device)
    result = train(net, x, cfg)
    seconds = result.history[0]["time"]
    return {"device": device, "images": n_images, "epoch_s": seconds,
            "images_per_s": n_images / seconds, "torch_threads": torch.get_num_threads()}


def bench_decode(n_images: int) -> dict:
    import numpy as np
    from PIL import Image
    from skimage import data as photos

    from svddlib.data._files import _read_one
    from svddlib.data.lazy import LazyImages

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "voc-sized.jpg")
        Image.fromarray(photos.astronaut()).resize((500, 375)).save(path, quality=90)
        _read_one(path, 224)
        start = time.perf_counter()
        decoded = np.stack([_read_one(path, 224) for _ in range(n_images)])
        decode_s = (time.perf_counter() - start) / n_images
    lazy = LazyImages(decoded, "imagenet")
    start = time.perf_counter()
    for chunk in np.array_split(np.arange(n_images), max(1, n_images // 50)):
        lazy[chunk]
    convert_s = (time.perf_counter() - start) / n_images
    return {"images": n_images, "decode_resize_ms": 1e3 * decode_s,
            "uint8_to_float_ms": 1e3 * convert_s}


def _markdown(res: dict) -> str:
    lines = ["| executor | wall (s) | speed-up | overhead / run (s) | same AUCs |",
             "|---|---|---|---|---|"]
    for key in ("sequential", "sequential_1_thread", "process", "dask"):
        r = res["sweeps"][key]
        extra = f" (+ {r['startup_s']:.1f} s cluster start)" if "startup_s" in r else ""
        lines.append(f"| {key} | {r['wall_s']:.1f}{extra} | {r['speedup']:.2f}x | "
                     f"{r['overhead_per_run_s']:.2f} | {r['same_aucs_as_sequential']} |")
    s = res["sweeps"]
    lines.append(f"\n{s['runs']} {s['kind']} runs of {s['artefact']} (teach); ceiling of "
                 f"{s['workers']} one-thread workers against the {s['threads']}-thread sequential "
                 f"sweep: {s['ceiling']:.2f}x")
    cached = res["sweeps"]["cached_rerun"]
    lines.append(f"\ncached re-run of the {res['sweeps']['runs']} runs: {cached['wall_s']:.2f} s "
                 f"({cached['status']})")
    d = res["decode"]
    lines.append(f"one 500x375 JPEG decoded and resized to 224 px: {d['decode_resize_ms']:.1f} ms; "
                 f"one decoded image to float input: {d['uint8_to_float_ms']:.2f} ms")
    for r in res["resnet"]:
        lines.append(f"ResNet-18 paper epoch on {r['device']}: {r['images_per_s']:.1f} images/s "
                     f"({r['images']} images of 224 px, batch 50, {r['epoch_s']:.1f} s)")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--artefact", default="table5")
    parser.add_argument("--kind", default="deep_svdd", choices=("deep_svdd", "baseline", "any"))
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--skip-sweeps", action="store_true")
    args = parser.parse_args()
    import torch

    from svddlib.cache import atomic_write_json, library_versions
    from svddlib.paths import results_root

    res = {"cores": len(os.sched_getaffinity(0)), "load_average": os.getloadavg(),
           "versions": library_versions()}
    name = f"bench_sweeps_{args.artefact}_{args.kind}.json"
    target = results_root() / "bench" / name  # before the sweeps move the root
    if not args.skip_sweeps:
        res["sweeps"] = bench_sweeps(args.runs, args.workers, args.artefact, args.kind)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    res["resnet"] = [bench_resnet_epoch(args.images, d) for d in devices]
    res["decode"] = bench_decode(args.images)
    res["load_average_after"] = os.getloadavg()
    atomic_write_json(target, res)
    if "sweeps" in res:
        print(_markdown(res))
    else:
        print(json.dumps({k: res[k] for k in ("resnet", "decode")}, indent=1))
    print(f"load average before/after: {res['load_average']} / {res['load_average_after']}; "
          f"{res['cores']} cores\n-> {target}")


if __name__ == "__main__":
    main()
