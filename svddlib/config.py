"""Modes and the one-call set-up of every notebook.

A notebook's ``parameters`` cell holds literals only (``None`` meaning "use the preset of the
mode"). The next cell calls :func:`setup_notebook`, which resolves the mode, fills every
``None`` from the notebook's preset in :mod:`svddlib.course_map`, checks the names, seeds all
generators and returns a :class:`Config`.

Modes
-----
``smoke``  CI: tiny data, one or two epochs, seconds.
``teach``  the default: a laptop CPU, minutes, the findings visible.
``paper``  the paper's full protocol (GPU).

The mode comes from the ``mode`` parameter if given, else from ``$SVDD_MODE``, else ``teach``
(nbval cannot inject parameters, so CI sets ``SVDD_MODE=smoke``).
"""
from __future__ import annotations

from pathlib import Path

from .course_map import COMMON_PARAMETERS, notebook_spec
from .paths import figures_root, results_root, tables_root
from .modes import MODES, resolve_mode  # re-exported: modes live below the course layer

__all__ = ["MODES", "COMMON_PARAMETERS", "Config", "resolve_mode", "resolve_device",
           "setup_notebook"]

class Config(dict):
    """A dict whose keys can also be read as attributes (``cfg.lr`` is ``cfg["lr"]``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"config has no entry {name!r}; known: {sorted(self)}") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __fspath__(self) -> str:
        """The notebook's name: the folder of its figures and tables under their roots
        (``plotting.save_figure(fig, name, cfg)``)."""
        return self.get("notebook", "")

    def public(self) -> dict:
        """The JSON-able part (no generator or device objects): what a cache key is made of."""
        hidden = {"generator", "results_dir", "figures_dir", "tables_dir"}
        return {k: v for k, v in self.items() if k not in hidden}


def resolve_device(device: str | None = None) -> str:
    """``'cuda'`` when a GPU is available (unless ``device`` says otherwise), else ``'cpu'``;
    a CUDA device on a machine without one is an error. The name, as a string."""
    from .training import resolve_device as resolve

    return str(resolve(device, check_available=True))


def setup_notebook(notebook: str, **parameters) -> Config:
    """Resolve a notebook's parameters for its mode, seed everything, and make output folders.

    ``parameters`` are the variables of the notebook's parameters cell. Values that are ``None``
    take the preset of the mode; unknown names raise a ValueError naming the known ones.
    """
    from .plotting import set_style
    from .seeding import set_seed

    spec = notebook_spec(notebook)
    mode = resolve_mode(parameters.pop("mode", None))
    preset = spec.presets[mode]
    allowed = set(preset) | set(COMMON_PARAMETERS)
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for notebook {notebook!r}; "
                         f"its parameters are {sorted(allowed)}")
    cfg = Config(notebook=notebook, mode=mode)
    for name, default in {**COMMON_PARAMETERS, **preset}.items():
        if name == "mode":
            continue
        value = parameters.get(name)
        cfg[name] = default if value is None else value
    cfg.device = resolve_device(cfg.get("device"))
    cfg.generator = set_seed(cfg.seed)
    cfg.results_dir = _mkdir(results_root() / notebook / mode)
    cfg.figures_dir = _mkdir(figures_root() / notebook)
    cfg.tables_dir = _mkdir(tables_root() / notebook)
    set_style()
    return cfg


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
