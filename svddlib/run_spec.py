"""One run as a typed value: :class:`RunSpec` = data + network + training, or data + baseline.

A run is what a notebook's :func:`svddlib.experiments.run_deep_svdd` call or a cell of a paper
table (:meth:`svddlib.reproduce.specs.ArtefactSpec.resolve`) asks for. :meth:`RunSpec.to_json`
is the JSON form that run dicts carry (``kind``, ``data``, ``net``, ``train``,
``pretrain_epochs``, ``preprocessing`` for Deep SVDD; ``kind``, ``data``, ``method``,
``baseline`` for a baseline); :meth:`RunSpec.key` hashes only the fields that change a result,
so a run is cached once wherever it was asked for (:func:`svddlib.run_store.run_cached`).

Fields that do not change a result (left out of the key): :data:`NOT_IN_KEY` of the training
part (device, progress bar, evaluation batch size, loader workers) and a baseline's ``device``.
"""
from __future__ import annotations

import copy
import dataclasses
import json
import typing
from dataclasses import dataclass, field

from .train_config import NOT_IN_KEY, TrainConfig

__all__ = ["DataPart", "NetPart", "BaselinePart", "RunSpec", "NOT_IN_KEY", "KINDS",
           "NET_OPTIONS", "parse_assignment", "apply_sets"]

KINDS = ("deep_svdd", "baseline")


def _split(cls, spec: dict) -> dict:
    """Keyword arguments of ``cls`` from a flat dict: its typed fields, the rest as options."""
    spec = copy.deepcopy(dict(spec))
    named = {f.name for f in dataclasses.fields(cls)} - {"options"}
    return {**{k: spec.pop(k) for k in list(spec) if k in named}, "options": spec}


@dataclass(frozen=True)
class DataPart:
    """The data of a run (:func:`svddlib.experiments.build_data`): the typed fields below and
    the split builder's ``options`` (``normal_class``, ``anomaly``, ``strength``, sizes...)."""

    setup: str = "one_vs_all"
    dataset: str = "mnist5k"
    seed: int = 0
    max_train: int | None = None
    max_eval: int | None = None
    options: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, spec: dict) -> "DataPart":
        return cls(**_split(cls, spec))

    def to_json(self) -> dict:
        """The flat dict build_data takes (``max_train`` / ``max_eval`` only when set)."""
        out = {"setup": self.setup, "dataset": self.dataset, "seed": self.seed,
               **copy.deepcopy(self.options)}
        out.update({k: getattr(self, k) for k in ("max_train", "max_eval")
                    if getattr(self, k) is not None})
        return out


@dataclass(frozen=True)
class NetPart:
    """The network of a run (:func:`svddlib.experiments.build_network`): its registry name and
    its ``options`` (``bias``, ``pooling``, ``weights``, ``rep_dim``, ``trainable_blocks``,
    ``bn_stats``...)."""

    network: str = "lenet-mnist"
    options: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, spec: dict) -> "NetPart":
        return cls(**_split(cls, spec))

    def to_json(self) -> dict:
        return {"network": self.network, **copy.deepcopy(self.options)}


@dataclass(frozen=True)
class BaselinePart:
    """A baseline of :mod:`svddlib.baselines`: its method name and its settings."""

    method: str
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    """One run: ``data`` plus either ``net`` + ``train`` (Deep SVDD) or ``baseline``."""

    data: DataPart
    net: NetPart | None = None
    train: TrainConfig | None = None
    baseline: BaselinePart | None = None
    pretrain_epochs: int = 0
    preprocessing: str = "gcn-minmax"

    def __post_init__(self):
        deep = self.net is not None and self.train is not None
        if deep == (self.baseline is not None):
            raise ValueError("a RunSpec has either net and train (Deep SVDD) or baseline")

    @property
    def kind(self) -> str:
        return "baseline" if self.baseline is not None else "deep_svdd"

    @classmethod
    def deep_svdd(cls, data: dict, net: dict, train: dict | TrainConfig, *,
                  pretrain_epochs: int = 0, preprocessing: str = "gcn-minmax") -> "RunSpec":
        """A Deep SVDD run from the dicts notebooks write (``train``: TrainConfig fields)."""
        cfg = train if isinstance(train, TrainConfig) else TrainConfig(**train)
        return cls(DataPart.from_json(data), NetPart.from_json(net), cfg,
                   pretrain_epochs=pretrain_epochs, preprocessing=preprocessing)

    @classmethod
    def from_json(cls, run: dict) -> "RunSpec":
        """The spec of a run dict (labels such as ``row`` or ``seed`` are ignored)."""
        kind = run.get("kind") if isinstance(run, dict) else None
        if kind not in KINDS:
            raise ValueError(f"unknown run kind {kind!r}; expected 'deep_svdd' or 'baseline'")
        data = DataPart.from_json(run["data"])
        if kind == "baseline":
            return cls(data, baseline=BaselinePart(run["method"], copy.deepcopy(run["baseline"])))
        return cls.deep_svdd(run["data"], run["net"], run["train"],
                             pretrain_epochs=run.get("pretrain_epochs", 0),
                             preprocessing=run.get("preprocessing", "gcn-minmax"))

    def to_json(self) -> dict:
        """The JSON form (the computational keys of a run dict)."""
        if self.kind == "baseline":
            return {"kind": "baseline", "data": self.data.to_json(),
                    "method": self.baseline.method, "baseline": copy.deepcopy(self.baseline.config)}
        return {"kind": "deep_svdd", "data": self.data.to_json(), "net": self.net.to_json(),
                "train": self.train.to_dict(), "pretrain_epochs": self.pretrain_epochs,
                "preprocessing": self.preprocessing}

    def key_config(self) -> dict:
        """:meth:`to_json` without the fields that do not change the result."""
        out = self.to_json()
        for name in NOT_IN_KEY if self.kind == "deep_svdd" else ():
            out["train"].pop(name)
        if self.kind == "baseline":
            out["baseline"].pop("device", None)
        return out

    def key(self) -> str:
        """The cache key: a short hash of :meth:`key_config`."""
        from .cache import config_hash

        return config_hash(self.key_config())

    def replace(self, sets: dict) -> "RunSpec":
        """A copy with ``{"part.field": value}`` set (see :func:`apply_sets`)."""
        return apply_sets(self, sets)


# ----------------------------------------------------------------------------- --set
_PARTS = {"data": DataPart, "net": NetPart, "train": TrainConfig}
#: Network options (``NetPart.options``) that ``--set net.<option>=VALUE`` may change, typed.
NET_OPTIONS = {"bias": bool, "rep_dim": int | None, "input_size": int,
               "trainable_blocks": int | None, "bn_stats": str}


def _field_type(part: str, name: str):
    """The annotated type of ``part.name``; a one-line ValueError for an unknown key."""
    if part == "net" and name in NET_OPTIONS:
        return NET_OPTIONS[name]
    cls = _PARTS.get(part)
    names = [] if cls is None else [f.name for f in dataclasses.fields(cls) if f.name != "options"]
    if name not in names:
        known = ", ".join([f"{p}.{f.name}" for p, c in _PARTS.items()
                           for f in dataclasses.fields(c) if f.name != "options"]
                          + [f"net.{o}" for o in NET_OPTIONS])
        raise ValueError(f"unknown key {part}.{name!r}; known keys: {known}")
    return typing.get_type_hints(cls)[name]


def _coerce(key: str, value, hint):
    """``value`` (a string from the command line, or a Python value) as type ``hint``."""
    args = typing.get_args(hint) or (hint,)
    if isinstance(value, str) and str not in args:
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if value is None and type(None) in args:
        return None
    for typ in args:
        if typ is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if typ in (int, str, bool) and type(value) is typ:
            return value
    names = " or ".join("None" if t is type(None) else getattr(t, "__name__", str(t))
                        for t in args)
    raise ValueError(f"{key} must be {names}, got {value!r}")


def parse_assignment(text: str) -> tuple[str, object]:
    """``"train.n_epochs=3"`` -> ``("train.n_epochs", 3)``, checked against the spec's types."""
    key, sep, value = text.partition("=")
    part, dot, name = key.strip().partition(".")
    if not sep or not dot:
        raise ValueError(f"--set takes PART.FIELD=VALUE (e.g. train.n_epochs=3), got {text!r}")
    return f"{part}.{name}", _coerce(f"{part}.{name}", value.strip(), _field_type(part, name))


def apply_sets(spec: RunSpec, sets: dict) -> RunSpec:
    """``spec`` with each ``"part.field": value`` of ``sets`` set (checked as
    :func:`parse_assignment`); a part the run lacks (``train`` of a baseline) is skipped."""
    parts = {}
    for key, value in sets.items():
        part, _, name = key.partition(".")
        value = _coerce(key, value, _field_type(part, name))
        parts.setdefault(part, {})[name] = value
    if "net" in parts and spec.net is not None:  # options go into the net's options dict
        options = {k: parts["net"].pop(k) for k in list(parts["net"]) if k in NET_OPTIONS}
        parts["net"]["options"] = {**spec.net.options, **options}
    changes = {part: dataclasses.replace(getattr(spec, part), **fields)
               for part, fields in parts.items() if getattr(spec, part) is not None}
    return dataclasses.replace(spec, **changes)
