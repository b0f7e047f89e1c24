"""Benchmark: svddlib's Deep SVDD trainer against a minimal hand-written PyTorch loop.

Both train the same bias-free MNIST LeNet (same initial weights, same centre, same minibatch
order) with the one-class objective, Adam, lr 1e-4, weight decay 5e-4, batch 50, on the same
MNIST-5k one-vs-all training set, without validation or checkpoints. The two loss curves must
agree (a correctness check); the report is the wall-time ratio trainer / minimal loop (goal
<= 1.10). Runs alternate and repeat. Each run is timed by the CPU time of this process
(``time.process_time``; with one torch thread this is the compute spent, and it is far less
disturbed by other jobs on a shared machine than wall time) and by wall time; the headline is
the ratio of the median CPU times.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/bench_trainer.py --epochs 20 --repeats 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from svddlib.models import LeNetMNIST
from svddlib.objectives import init_center, one_class_loss
from svddlib.training import TrainConfig, train

LR, WEIGHT_DECAY, BATCH = 1e-4, 5e-4, 50


def load_data(normal_class: int, all_digits: bool) -> torch.Tensor:
    from svddlib.data import fit_preprocessing, load_mnist5k, one_vs_all, to_tensor

    if all_digits:  # a larger workload: every training digit (labels do not matter for timing)
        raw = load_mnist5k()
        data = one_vs_all(raw, normal_class, seed=0)
        stats = fit_preprocessing(data.train)
        return to_tensor(raw.train_images, stats=stats)
    data = one_vs_all("mnist5k", normal_class, seed=0)
    return to_tensor(data.train, stats=fit_preprocessing(data.train))


def fresh_net(seed: int) -> LeNetMNIST:
    torch.manual_seed(seed)
    return LeNetMNIST()


def minimal_loop(x: torch.Tensor, epochs: int, seed: int) -> list:
    """The plainest correct Deep SVDD one-class loop; returns the epoch mean losses."""
    net = fresh_net(seed)
    c = init_center(net, x, eps=0.1, batch_size=1024)
    opt = torch.optim.Adam(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    losses = []
    for _ in range(epochs):
        total, n_batches = 0.0, 0
        for idx in torch.randperm(len(x), generator=gen).split(BATCH):
            loss = torch.mean(torch.sum((net(x[idx]) - c) ** 2, dim=1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, n_batches = total + loss.item(), n_batches + 1
        losses.append(total / n_batches)
    return losses


def svddlib_trainer(x: torch.Tensor, epochs: int, seed: int) -> list:
    net = fresh_net(seed)
    cfg = TrainConfig(n_epochs=epochs, lr=LR, weight_decay=WEIGHT_DECAY, batch_size=BATCH,
                      seed=seed, device="cpu", progress=False)
    res = train(net, x, cfg)
    return [h["l_svdd"] for h in res.history]


def timed(fn, *args) -> tuple[float, float, list]:
    """(CPU seconds of this process, wall seconds, result of fn)."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn(*args)
    return time.process_time() - c0, time.perf_counter() - w0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--normal-class", type=int, default=0)
    ap.add_argument("--all-digits", action="store_true", help="train on all 4,000 images")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None, help="write the numbers to this JSON file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    x = load_data(args.normal_class, args.all_digits)
    minimal_loop(x, 1, 0), svddlib_trainer(x, 1, 0)  # warm-up (imports, allocator)
    cpu, wall = {"minimal": [], "svddlib": []}, {"minimal": [], "svddlib": []}
    for rep in range(args.repeats):
        losses = {}
        for name, fn in (("minimal", minimal_loop), ("svddlib", svddlib_trainer)):
            c, w, losses[name] = timed(fn, x, args.epochs, 0)
            cpu[name].append(c)
            wall[name].append(w)
        diff = max(abs(a - b) for a, b in zip(losses["minimal"], losses["svddlib"]))
        print(f"repeat {rep + 1}: CPU minimal {cpu['minimal'][-1]:.2f} s, svddlib "
              f"{cpu['svddlib'][-1]:.2f} s | wall {wall['minimal'][-1]:.2f} / "
              f"{wall['svddlib'][-1]:.2f} s | max |loss diff| {diff:.2e}")
    med = {k: statistics.median(v) for k, v in cpu.items()}
    med_wall = {k: statistics.median(v) for k, v in wall.items()}
    ratio = med["svddlib"] / med["minimal"]
    report = {"n_train": len(x), "epochs": args.epochs, "repeats": args.repeats,
              "threads": args.threads, "cpu_s": cpu, "wall_s": wall, "median_cpu_s": med,
              "median_wall_s": med_wall, "ratio_cpu": ratio,
              "ratio_wall": med_wall["svddlib"] / med_wall["minimal"],
              "max_loss_diff": diff, "goal": 1.10, "torch": torch.__version__}
    print(json.dumps(report, indent=2))
    print(f"time ratio svddlib / minimal loop = {ratio:.3f} (median CPU time; wall "
          f"{report['ratio_wall']:.3f}; goal <= 1.10)")
    if args.json:
        from svddlib.cache import atomic_write_json

        atomic_write_json(args.json, report)


if __name__ == "__main__":
    main()
