"""Execute ONE run dict of an :class:`~svddlib.reproduce.specs.ArtefactSpec`.

A run dict is the cell's labels (:data:`LABEL_KEYS`) plus the JSON form of a
:class:`~svddlib.run_spec.RunSpec` (:meth:`~svddlib.run_spec.RunSpec.to_json`).
:func:`cache_config` is the part that determines its result (what the cache hashes,
:meth:`~svddlib.run_spec.RunSpec.key_config`): labels, where the data live and fields such as
the device are dropped, so a run shared by two artefacts, or by a notebook, is trained once.
:func:`execute_run` is :func:`svddlib.experiments.execute_spec` of the run's spec; its record
holds, AUCs in %:

``auc``                  test AUC at the epoch of best validation AUC (the paper's protocol);
``auc_last``             test AUC after the last epoch;
``auc_before_collapse``  best test AUC before the first collapsed epoch (Table V, Fig. 1;
                         :func:`svddlib.experiments.best_before_collapse`);
``val_auc``              validation AUC of the selected epoch / hyperparameters;
plus ``best_epoch``, ``collapse_epoch``, ``collapsed``, ``n_train``/``n_val``/``n_test``,
``seconds``, ``normal_class`` and ``k`` (noise regularizer; else None), the per-epoch
``history`` and ``eval_collapsed`` (Deep SVDD: whether the run ends collapsed judged in eval
mode, :func:`svddlib.experiments.eval_collapsed`) and, for the installed stand-ins,
``data_source`` (package, version, files' digest). Baselines have no epochs: their
``auc_last`` and ``auc_before_collapse`` equal ``auc``. A Deep SVDD record also holds the
training summary of :func:`svddlib.experiments.run_deep_svdd` (:data:`SUMMARY_ONLY` of it do
not go into a sweep's runs frame).
"""
from __future__ import annotations

from ..run_spec import RunSpec

__all__ = ["LABEL_KEYS", "SUMMARY_ONLY", "cache_config", "execute_run", "spec_of", "data_spec_of"]

#: Keys of a run dict that label it (or say where data live) and do not change its result.
LABEL_KEYS = ("artefact", "row", "column", "seed", "mode", "notes", "group", "choice",
              "data_root")
#: Scalar keys of a Deep SVDD record that are the notebooks' summary, not a table's metrics.
SUMMARY_ONLY = ("val_auc_best", "test_auc_best", "test_auc_last", "radius",
                "initial_feature_var", "initial_score_spread", "nan_epoch", "data_name")


def spec_of(run: dict) -> RunSpec:
    """The :class:`~svddlib.run_spec.RunSpec` of a run dict (a ValueError without a known
    ``kind``)."""
    if not isinstance(run, dict) or "kind" not in run:
        raise ValueError("a run must be a dict with a 'kind' ('deep_svdd' or 'baseline'), as "
                         "ArtefactSpec.resolve returns")
    return RunSpec.from_json(run)


def cache_config(run: dict) -> dict:
    """What the cache hashes of ``run``: its spec's :meth:`~svddlib.run_spec.RunSpec.key_config`."""
    return spec_of(run).key_config()


def execute_run(run: dict, folder=None, checkpoints=None) -> dict:
    """Train / fit one run and return its record (see the module docstring).

    ``folder``: where weights may be written (the cache's work folder); a temporary folder
    when None. ``checkpoints``: a folder for the Deep SVDD training checkpoint, where a killed
    run picks up again (None: no checkpoint). Raises on bad input or a failed run; the sweep
    runner records that as failed.
    """
    from ..experiments import execute_spec

    return execute_spec(spec_of(run), folder, checkpoints, run.get("data_root"))


def data_spec_of(run: dict) -> dict:
    """The keyword arguments of :func:`svddlib.experiments.build_data` for ``run``, with the
    loader's ``root`` (``<data_root>/<dataset>``) when the run names a data root."""
    from ..experiments import data_kwargs

    return data_kwargs(spec_of(run), run.get("data_root"))
