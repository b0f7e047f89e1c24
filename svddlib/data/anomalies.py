"""The two image-alteration anomalies of Section V-A of Chong et al. 2020.

* **Block permutation** (strength N): cut the image into an N x N grid of equal blocks and
  put the blocks back in a random order. The result keeps every pixel value of the image but
  breaks its geometry; larger N means smaller blocks and more moved blocks.
* **Strokes** (strength M): paint a few straight strokes of thickness M pixels, of random
  length, direction and position, all in one random colour per image. The image's layout is
  kept, but foreign, structure-less marks appear; larger M covers more pixels.

Both functions take a batch of uint8 images (N, H, W) or (N, H, W, 3), return a new batch of
the same shape and dtype (one altered counterpart per input image, as in the paper's paired
setup) and are deterministic given a ``numpy.random.Generator`` (or an integer seed). All
random draws happen up front for the whole batch, so the result does not depend on the chunk
size used internally to bound memory. Both are vectorised over images (see
``scripts/bench_anomalies.py`` for timings).
"""
from __future__ import annotations

import numpy as np

from .types import check_images

#: Image side (pixels) of each of the paper's datasets: the unit of its stroke thickness M.
PAPER_SIDE = {"cifar10": 32, "voc2012": 224, "wikiart": 224}


def stroke_strength(thickness: float, paper_dataset: str, side: int) -> float:
    """Stroke thickness M (pixels of the paper's images) scaled to images of ``side`` pixels."""
    return round(float(thickness) * side / PAPER_SIDE[paper_dataset], 3)

__all__ = ["block_permutation", "strokes", "make_anomalies", "canonical_anomaly", "ANOMALY_TYPES",
           "as_generator"]

ANOMALY_TYPES = ("blocks", "strokes")
_ALIASES = {"blocks": "blocks", "block_permutation": "blocks", "block": "blocks",
            "strokes": "strokes", "stroke": "strokes"}
_CHUNK_ELEMENTS = 4_000_000  # float32 elements per temporary array while drawing strokes


def as_generator(rng) -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or a non-negative int seed; return a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator or a non-negative int seed, got {rng!r}; "
        "use svddlib.seeding.numpy_rng(seed)"
    )


def _random_non_identity_permutations(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random permutations of ``range(k)`` (one per row), none of them the identity.

    Rows are uniform over the k! - 1 non-identity permutations: draw uniformly, then redraw
    the (rare) identity rows.
    """
    identity = np.arange(k)
    perms = rng.permuted(np.tile(identity, (n, 1)), axis=1)
    while True:
        bad = np.flatnonzero((perms == identity).all(axis=1))
        if bad.size == 0:
            return perms
        perms[bad] = rng.permuted(np.tile(identity, (bad.size, 1)), axis=1)


def block_permutation(images: np.ndarray, n_blocks: int, rng) -> np.ndarray:
    """Block-permutation anomalies (method 1 of Section V-A, strength N = ``n_blocks``).

    Each image is cut into ``n_blocks`` x ``n_blocks`` blocks of ``H // n_blocks`` by
    ``W // n_blocks`` pixels, and the blocks are rearranged by a random permutation drawn per
    image, never the identity. When H or W is not divisible by ``n_blocks``, the leftover
    rows at the bottom and columns at the right (fewer than ``n_blocks`` of each) stay where
    they are. Blocks are moved whole, so the output holds exactly the input's pixels.

    Returns a new uint8 array with the shape of ``images``.
    """
    images = check_images(images)
    n_blocks = _check_strength(n_blocks, "n_blocks", minimum=2)
    h, w = images.shape[1:3]
    if n_blocks > min(h, w):
        raise ValueError(f"n_blocks={n_blocks} is larger than the image side {min(h, w)}")
    rng = as_generator(rng)
    k = n_blocks * n_blocks
    perms = _random_non_identity_permutations(len(images), k, rng)

    bh, bw = h // n_blocks, w // n_blocks
    extra = images.shape[3:]
    out = images.copy()
    chunk = max(1, _CHUNK_ELEMENTS // max(1, images[0].size))
    for start in range(0, len(images), chunk):
        stop = start + chunk
        region = images[start:stop, : n_blocks * bh, : n_blocks * bw]
        m = len(region)
        blocks = (region.reshape(m, n_blocks, bh, n_blocks, bw, *extra)
                  .swapaxes(2, 3).reshape(m, k, bh, bw, *extra))
        moved = blocks[np.arange(m)[:, None], perms[start:stop]]  # block j <- block perm[j]
        out[start:stop, : n_blocks * bh, : n_blocks * bw] = (
            moved.reshape(m, n_blocks, n_blocks, bh, bw, *extra)
            .swapaxes(2, 3).reshape(m, n_blocks * bh, n_blocks * bw, *extra))
    return out


def strokes(images: np.ndarray, thickness: float, rng, n_strokes: tuple[int, int] = (2, 5),
            length: tuple[float, float] = (0.25, 0.75), return_mask: bool = False):
    """Strokes anomalies (method 2 of Section V-A, strength M = ``thickness`` in pixels).

    Per image: a number of strokes drawn uniformly from ``n_strokes`` (inclusive range) and
    one colour (uniform RGB, or one grey level for grey images). Each stroke is a straight
    segment with its midpoint uniform over the image, a uniform direction and a length uniform
    in ``length`` times the shorter image side; it may run off the image. A pixel is painted
    when its centre lies within ``thickness / 2`` of the segment (round caps).

    The stroke geometry does not depend on ``thickness``: the same generator state with a
    larger ``thickness`` paints a superset of the pixels.

    Returns the altered uint8 images, and the boolean paint masks (N, H, W) if
    ``return_mask``.
    """
    images = check_images(images)
    thickness = float(thickness)
    if not thickness > 0:
        raise ValueError(f"thickness must be > 0 pixels, got {thickness}")
    lo, hi = (int(v) for v in n_strokes)
    if not 1 <= lo <= hi:
        raise ValueError(f"n_strokes must be (min, max) with 1 <= min <= max, got {n_strokes}")
    lmin, lmax = (float(v) for v in length)
    if not 0 < lmin <= lmax:
        raise ValueError(f"length must be (min, max) fractions with 0 < min <= max, got {length}")
    rng = as_generator(rng)
    n, h, w = images.shape[:3]
    channels = images.shape[3] if images.ndim == 4 else 1

    # All random draws first (fixed order), so results do not depend on chunking or thickness.
    counts = rng.integers(lo, hi + 1, size=n)
    centres = rng.uniform(0.0, 1.0, size=(n, hi, 2)) * np.array([h, w]) - 0.5
    angles = rng.uniform(0.0, np.pi, size=(n, hi))
    lengths = rng.uniform(lmin, lmax, size=(n, hi)) * min(h, w)
    colours = rng.integers(0, 256, size=(n, channels)).astype(np.uint8)
    active = np.arange(hi)[None, :] < counts[:, None]

    half = 0.5 * lengths[..., None] * np.stack([np.sin(angles), np.cos(angles)], axis=-1)
    starts, ends = (centres - half).astype(np.float32), (centres + half).astype(np.float32)

    mask = np.zeros((n, h, w), dtype=bool)
    chunk = max(1, _CHUNK_ELEMENTS // (hi * h * w))
    for s in range(0, n, chunk):
        mask[s:s + chunk] = _paint_mask(starts[s:s + chunk], ends[s:s + chunk],
                                        active[s:s + chunk], h, w, thickness / 2.0)
    out = images.copy()
    if images.ndim == 3:
        out[mask] = np.broadcast_to(colours[:, 0][:, None, None], mask.shape)[mask]
    else:
        out[mask] = np.broadcast_to(colours[:, None, None, :], (n, h, w, 3))[mask]
    return (out, mask) if return_mask else out


def _paint_mask(starts, ends, active, h, w, radius) -> np.ndarray:
    """Boolean (m, H, W): pixel centres within ``radius`` of any active segment."""
    ys = np.arange(h, dtype=np.float32)[None, None, :, None]
    xs = np.arange(w, dtype=np.float32)[None, None, None, :]
    y0, x0 = starts[..., 0, None, None], starts[..., 1, None, None]
    dy = (ends[..., 0] - starts[..., 0])[..., None, None]
    dx = (ends[..., 1] - starts[..., 1])[..., None, None]
    seg_len2 = np.maximum(dy * dy + dx * dx, 1e-12)
    t = np.clip(((ys - y0) * dy + (xs - x0) * dx) / seg_len2, 0.0, 1.0)
    dist2 = (ys - y0 - t * dy) ** 2 + (xs - x0 - t * dx) ** 2
    hit = dist2 <= np.float32(radius * radius + 1e-6)
    return (hit & active[..., None, None]).any(axis=1)


def make_anomalies(images: np.ndarray, anomaly: str, strength, rng, **kwargs) -> np.ndarray:
    """One altered counterpart per image: ``anomaly`` is 'blocks' (strength N) or 'strokes'
    (strength M); extra keyword arguments go to :func:`strokes`."""
    kind = canonical_anomaly(anomaly)
    if kind == "blocks":
        if kwargs:
            raise TypeError(f"block_permutation takes no extra options, got {sorted(kwargs)}")
        return block_permutation(images, strength, rng)
    return strokes(images, strength, rng, **kwargs)


def canonical_anomaly(anomaly: str) -> str:
    """Normalise an anomaly name ('blocks', 'block_permutation', 'strokes', ...)."""
    key = str(anomaly).lower().replace("-", "_").replace(" ", "_")
    if key not in _ALIASES:
        raise ValueError(f"unknown anomaly type {anomaly!r}; choose one of {ANOMALY_TYPES}")
    return _ALIASES[key]


def _check_strength(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
