"""A figure of natural images next to their altered counterparts (Section V-A anomalies).

Rows are images, the first column the natural image, every further column one anomaly type
at one strength. :func:`anomaly_gallery` draws any images; :func:`standin_gallery` draws the
offline stand-ins of VOC2012 and WikiArt (:mod:`svddlib.data.installed`) with the
alterations of the paper's tables, strokes scaled to the patch side. The library never
selects a matplotlib backend, so notebooks show the figure inline; save it with
``svddlib.plotting.save_figure``.
"""
from __future__ import annotations

import numpy as np

from .anomalies import as_generator, canonical_anomaly, make_anomalies
from .types import RawData, check_images

__all__ = ["anomaly_gallery", "standin_gallery", "DEFAULT_GALLERY", "TABLE_ALTERATIONS"]

#: The strengths of the paper's tables: block permutation N in {2, 4, 8}, strokes M in {1, 5, 9}.
DEFAULT_GALLERY = (("blocks", 2), ("blocks", 4), ("blocks", 8),
                   ("strokes", 1), ("strokes", 5), ("strokes", 9))
#: The alterations of the VOC2012 / WikiArt tables: block permutation N = 2, 8 (Tables II, V,
#: VI) and strokes M = 5, 9 (Tables I, IV, VI), M in pixels of the paper's 224-px images.
TABLE_ALTERATIONS = (("blocks", 2), ("blocks", 8), ("strokes", 5), ("strokes", 9))
_LABELS = {"blocks": "block perm. N={}", "strokes": "strokes M={}"}


def anomaly_gallery(images: np.ndarray, anomalies=DEFAULT_GALLERY, n_images: int = 4,
                    seed: int = 0, cell_inches: float = 1.4):
    """Return a matplotlib Figure: ``n_images`` rows (the first images of ``images``), one
    column for the natural image and one per ``(type, strength)`` in ``anomalies``."""
    import matplotlib.pyplot as plt

    images = check_images(images)
    if not 1 <= n_images <= len(images):
        raise ValueError(f"n_images must be in 1..{len(images)}, got {n_images}")
    columns = _columns(images[:n_images], anomalies, as_generator(seed))
    fig, axes = plt.subplots(n_images, len(columns), squeeze=False,
                             figsize=(cell_inches * len(columns), cell_inches * n_images))
    _draw(axes, columns)
    fig.tight_layout()
    return fig


def _columns(shown, anomalies, rng, titles=None) -> list:
    """[(title, batch)]: the natural images, then one altered batch per (type, strength)."""
    columns = [("natural", shown)]
    for i, (kind, strength) in enumerate(anomalies):
        kind = canonical_anomaly(kind)
        title = titles[i] if titles else _LABELS[kind].format(strength)
        columns.append((title, make_anomalies(shown, kind, strength, rng)))
    return columns


def _draw(axes, columns, row_label: str | None = None) -> None:
    """Show ``columns`` in the axes grid (rows = images); titles on the first row."""
    for col, (title, batch) in enumerate(columns):
        for row in range(len(batch)):
            ax = axes[row, col]
            ax.imshow(batch[row], cmap="gray" if batch.ndim == 3 else None, vmin=0, vmax=255,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=8)
    if row_label:
        axes[0, 0].set_ylabel(row_label, fontsize=8)


def standin_gallery(stand_ins=None, anomalies=TABLE_ALTERATIONS, n_images: int = 3,
                    seed: int = 0, cell_inches: float = 1.4):
    """Return a matplotlib Figure of the offline stand-ins next to their alterations.

    ``stand_ins`` maps a paper dataset ('voc2012', 'wikiart') to a dataset name or a
    :class:`RawData` (default :data:`svddlib.data.installed.STAND_INS`: photographs for
    VOC2012, paintings for WikiArt). Per stand-in: ``n_images`` rows of natural training
    patches, then one column per ``(type, strength)`` of ``anomalies`` (default: the
    paper's block permutations N = 2, 8 and strokes M = 5, 9). Stroke thickness M is given in
    pixels of the paper's 224-px images and scaled to the patch side, as the runner scales it
    (``svddlib.data.anomalies.stroke_strength``); the column title shows both.
    """
    import matplotlib.pyplot as plt

    from .anomalies import stroke_strength
    from .installed import STAND_INS
    from .registry import load_raw

    stand_ins = dict(STAND_INS if stand_ins is None else stand_ins)
    raws = {paper: source if isinstance(source, RawData) else
            load_raw(source, n_train=n_images, n_val=1, n_test=1, seed=seed)
            for paper, source in stand_ins.items()}
    sides = {raw.train_images.shape[1] for raw in raws.values()}
    if len(sides) != 1:
        raise ValueError(f"the stand-ins have different sides {sorted(sides)}; draw them apart")
    side = sides.pop()
    scaled, titles = [], []
    for kind, strength in anomalies:
        if canonical_anomaly(kind) == "strokes":
            px = stroke_strength(strength, next(iter(raws)), side)
            scaled.append((kind, px))
            titles.append(f"strokes M={strength}\n({px:.2f} px at {side} px)")
        else:
            scaled.append((kind, strength))
            titles.append(_LABELS["blocks"].format(strength))
    rng = as_generator(seed)
    fig, axes = plt.subplots(n_images * len(raws), len(anomalies) + 1, squeeze=False,
                             figsize=(cell_inches * (len(anomalies) + 1),
                                      cell_inches * n_images * len(raws)))
    for block, (paper, raw) in enumerate(raws.items()):
        if len(raw.train_images) < n_images:
            raise ValueError(f"{raw.name} holds {len(raw.train_images)} training images, "
                             f"fewer than n_images={n_images}")
        rows = axes[block * n_images:(block + 1) * n_images]
        columns = _columns(check_images(raw.train_images[:n_images]), scaled, rng, titles)
        _draw(rows, columns if block == 0 else [("", b) for _, b in columns],
              f"{raw.name}\n(for {paper})")
    fig.tight_layout()
    return fig
