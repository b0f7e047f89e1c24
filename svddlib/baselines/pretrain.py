"""Standard Deep SVDD (Ruff et al. 2018), the "D. SVDD [13]" row of Tables II-IV.

The network obeys the architectural constraints of Ruff et al. (no bias terms, BatchNorm without
affine parameters, unbounded leaky-ReLU activations) and is initialised the way the reference
implementation does it:

1. train the matching autoencoder on the normal training images with the mean squared
   reconstruction error (``svddlib.training.pretrain_autoencoder``);
2. copy the encoder weights into the Deep SVDD network (the encoder *is* that network's class);
3. train Deep SVDD with the core trainer (``svddlib.training.train``): centre from an initial
   forward pass, one-class objective (Eq. 2 of Chong et al. 2020), best epoch by validation AUC.

Chong et al. themselves fine-tuned a pretrained ResNet-18 instead of pretraining an autoencoder
(Section V-B); the autoencoder route is the one of [13] and of the reference code, and the one
that works on the course's small embedded data.
"""
from __future__ import annotations

import numpy as np
import torch

__all__ = ["default_pretrain_config", "standard_deep_svdd_nets", "pretrained_deep_svdd_net",
           "fit_standard_deep_svdd"]


def default_pretrain_config(mode: str = "teach") -> dict:
    """Defaults of the standard Deep SVDD baseline per mode.

    Autoencoder: Adam with lr 1e-4, weight decay 0.5e-3, batch 200, as in the reference
    code's MNIST example. Deep SVDD stage: the paper's protocol (Adam,
    lr 1e-4, weight decay 5e-4, batch 50, up to 30 epochs, best epoch on validation AUC).
    Fewer epochs in smoke/teach mode (:data:`svddlib.presets.DSVDD_BASELINE_EPOCHS`).
    """
    from ..presets import DSVDD_BASELINE_EPOCHS

    epochs = DSVDD_BASELINE_EPOCHS[mode]
    return {"net": "auto", "preprocessing": "gcn-minmax", "rep_dim": None,
            "ae_n_epochs": epochs[0], "ae_lr": 1e-4, "ae_weight_decay": 0.5e-3,
            "ae_batch_size": 200, "objective": "one-class", "nu": 0.1,
            "n_epochs": epochs[1], "lr": 1e-4, "weight_decay": 5e-4, "batch_size": 50}


def standard_deep_svdd_nets(image_shape: tuple, net: str = "auto", rep_dim: int | None = None):
    """``(deep_svdd_net, autoencoder)`` for images of shape (C, H, W), both bias-free.

    ``net="auto"`` picks LeNet-MNIST for (1, 28, 28) and LeNet-CIFAR for (3, 32, 32);
    ``"lenet-mnist"`` / ``"lenet-cifar"`` force one.
    """
    from ..models import AUTOENCODERS, build_autoencoder, build_model

    shape = tuple(int(s) for s in image_shape)
    if net == "auto":
        net = {(1, 28, 28): "lenet-mnist", (3, 32, 32): "lenet-cifar"}.get(shape)
        if net is None:
            raise ValueError(f"no standard Deep SVDD network for images of shape {shape}; "
                             "the LeNet-type nets take (1, 28, 28) or (3, 32, 32) images "
                             "(e.g. photo_patches(size=32))")
    if net not in AUTOENCODERS:
        raise ValueError(f"net must be 'auto', 'lenet-mnist' or 'lenet-cifar', got {net!r}")
    kwargs = {"bias": False} if rep_dim is None else {"bias": False, "rep_dim": rep_dim}
    return build_model(net, **kwargs), build_autoencoder(net, **kwargs)


def pretrained_deep_svdd_net(x_train: torch.Tensor, cfg: dict):
    """Pretrain the autoencoder on ``x_train`` and return ``(net, ae_losses)``.

    ``net`` holds the trained encoder weights (loaded with ``strict=True``, so every weight
    transfers). Seeded by ``cfg["seed"]``.
    """
    from ..seeding import set_seed
    from ..training import pretrain_autoencoder

    set_seed(cfg["seed"])
    net, autoencoder = standard_deep_svdd_nets(x_train.shape[1:], cfg["net"], cfg["rep_dim"])
    losses = pretrain_autoencoder(autoencoder, x_train, n_epochs=cfg["ae_n_epochs"],
                                  lr=cfg["ae_lr"], weight_decay=cfg["ae_weight_decay"],
                                  batch_size=cfg["ae_batch_size"], seed=cfg["seed"],
                                  device=cfg["device"], progress=False)
    net.load_state_dict(autoencoder.encoder.state_dict(), strict=True)
    return net, losses


def fit_standard_deep_svdd(cfg: dict, data):
    """Runner hook: pretrain, transfer, train Deep SVDD; validation AUC picks the best epoch.

    Returns ``(scorer, info)`` as :func:`svddlib.baselines.runner.fit_baseline` expects;
    ``data.test`` is not read.
    """
    from ..data import fit_preprocessing, to_tensor
    from ..training import TrainConfig, train

    stats = fit_preprocessing(data.train.images, cfg["preprocessing"])

    def inputs(images):
        return to_tensor(images, cfg["preprocessing"], stats)

    x_train = inputs(data.train.images)
    net, ae_losses = pretrained_deep_svdd_net(x_train, cfg)
    train_cfg = TrainConfig(objective=cfg["objective"], nu=cfg["nu"], lr=cfg["lr"],
                            n_epochs=cfg["n_epochs"], batch_size=cfg["batch_size"],
                            weight_decay=cfg["weight_decay"], seed=cfg["seed"],
                            device=cfg["device"], progress=False)
    result = train(net, x_train, train_cfg,
                   val=(inputs(data.val.images), np.asarray(data.val.labels)))

    def scorer(images):
        return result.score(inputs(images))

    history = [{k: v for k, v in row.items() if k != "test_auc"} for row in result.history]
    return scorer, {"selected": {"best_epoch": result.best_epoch},
                    "val_auc": float(result.val_auc_best), "ae_losses": ae_losses,
                    "history": _jsonable_rows(history)}


def _jsonable_rows(rows: list[dict]) -> list[dict]:
    out = []
    for row in rows:
        clean = {}
        for key, value in row.items():
            if isinstance(value, (np.generic, torch.Tensor)):
                value = value.item()
            clean[key] = value
        out.append(clean)
    return out
