"""Probe: can frozen pretrained features see the paper's alterations on each offline stand-in?

For each installed stand-in ('photographs', 'landscapes', 'paintings'), 2,000 training patches
and the 500 patches of the validation pool (never the test pool) go through the frozen ImageNet
EfficientNet-Lite0 of teach mode (global average pooling, inputs resized to ``--input-size``);
the score of a patch is its mean distance to its 2 nearest training features
(:class:`svddlib.baselines.PretrainedKNN`'s rule). Printed: the AUC of the natural validation
patches against their altered copies, for block permutation N = 2, 8 and strokes M = 5, 9
(scaled to the patch side as the runner scales them). 50 means the alteration is invisible
to these features. This is how the WikiArt stand-in and teach's input size were chosen
(``data/README.md``); it takes about a minute per input size on one core.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python scripts/probe_standins.py --input-size 64 80
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

ALTERATIONS = (("blocks", 2), ("blocks", 8), ("strokes", 5), ("strokes", 9))


def probe(dataset: str, input_size: int, n_train: int = 2000, n_val: int = 500,
          seed: int = 0) -> dict:
    """{'blocks 2': AUC, ...} of kNN on frozen features, natural vs altered validation."""
    from svddlib.baselines.knn import knn_scores
    from svddlib.data import load_raw, make_anomalies
    from svddlib.data.anomalies import stroke_strength
    from svddlib.detector import as_image_tensor
    from svddlib.metrics import auc
    from svddlib.models.efficientnet import efficientnet_lite0_features
    from sklearn.neighbors import NearestNeighbors

    raw = load_raw(dataset, n_train=n_train, n_val=n_val, n_test=10, seed=seed)
    side = raw.train_images.shape[1]

    def features(images):
        return efficientnet_lite0_features(as_image_tensor(images), "avg", input_size)

    nn = NearestNeighbors(n_neighbors=2).fit(features(raw.train_images))
    natural = knn_scores(nn.kneighbors(features(raw.val_images))[0])
    rng, out = np.random.default_rng(seed), {}
    for kind, strength in ALTERATIONS:
        value = stroke_strength(strength, "wikiart", side) if kind == "strokes" else strength
        altered = knn_scores(nn.kneighbors(features(
            make_anomalies(raw.val_images, kind, value, rng)))[0])
        labels = np.r_[np.zeros(len(natural)), np.ones(len(altered))]
        out[f"{kind} {strength}"] = 100 * auc(labels, np.r_[natural, altered])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["photographs", "landscapes", "paintings"])
    ap.add_argument("--input-size", type=int, nargs="+", default=[64, 80])
    args = ap.parse_args()
    torch.set_num_threads(1)
    names = [f"{k} {s}" for k, s in ALTERATIONS]
    print("| stand-in | input px | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for dataset in args.datasets:
        for size in args.input_size:
            res = probe(dataset, size)
            print(f"| {dataset} | {size} | " + " | ".join(f"{res[n]:.1f}" for n in names) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
