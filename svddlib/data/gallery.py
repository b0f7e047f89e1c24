"""A figure of natural images next to their altered counterparts (Section V-A anomalies).

Rows are images, the first column the natural image, every further column one anomaly type
at one strength. The library never selects a matplotlib backend, so notebooks show the
figure inline; save it with ``svddlib.plotting.save_figure``.
"""
from __future__ import annotations

import numpy as np

from .anomalies import as_generator, canonical_anomaly, make_anomalies
from .types import check_images

__all__ = ["anomaly_gallery", "DEFAULT_GALLERY"]

#: The strengths of the paper's tables: block permutation N in {2, 4, 8}, strokes M in {1, 5, 9}.
DEFAULT_GALLERY = (("blocks", 2), ("blocks", 4), ("blocks", 8),
                   ("strokes", 1), ("strokes", 5), ("strokes", 9))
_LABELS = {"blocks": "block perm. N={}", "strokes": "strokes M={}"}


def anomaly_gallery(images: np.ndarray, anomalies=DEFAULT_GALLERY, n_images: int = 4,
                    seed: int = 0, cell_inches: float = 1.4):
    """Return a matplotlib Figure: ``n_images`` rows (the first images of ``images``), one
    column for the natural image and one per ``(type, strength)`` in ``anomalies``."""
    import matplotlib.pyplot as plt

    images = check_images(images)
    if not 1 <= n_images <= len(images):
        raise ValueError(f"n_images must be in 1..{len(images)}, got {n_images}")
    shown = images[:n_images]
    rng = as_generator(seed)
    columns = [("natural", shown)]
    for kind, strength in anomalies:
        kind = canonical_anomaly(kind)
        columns.append((_LABELS[kind].format(strength),
                        make_anomalies(shown, kind, strength, rng)))
    fig, axes = plt.subplots(n_images, len(columns), squeeze=False,
                             figsize=(cell_inches * len(columns), cell_inches * n_images))
    for col, (title, batch) in enumerate(columns):
        for row in range(n_images):
            ax = axes[row, col]
            ax.imshow(batch[row], cmap="gray" if batch.ndim == 3 else None, vmin=0, vmax=255,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig
