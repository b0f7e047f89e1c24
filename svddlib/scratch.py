"""Plain training loops written out for teaching, kept once here and shown in the notebooks.

Notebooks 40 and 41 print the source of :func:`regularized_from_scratch` and check that it
gives the same SVDD loss per epoch as :func:`svddlib.training.train` (the scratch-then-library
rhythm of the course).
"""
from __future__ import annotations

import numpy as np
import torch

from .objectives import init_center
from .regularizers import NoiseHead
from .weighting import AdaptiveWeight

__all__ = ["regularized_from_scratch"]


def regularized_from_scratch(net, x, n_epochs, lr, lr_head, batch_size, weight_decay, seed,
                             reg_line, head_k=None):
    """The loop of notebook 20 with one more line: reg_line(feats, epoch, head, coins) returns
    L_reg. ``head_k``: k of a noise head (None: no head). Returns L_SVDD per epoch."""
    torch.manual_seed(seed)                                   # as the trainer does, before the head
    c = init_center(net, x, eps=0.1)
    head = NoiseHead(net.rep_dim, head_k) if head_k is not None else None
    groups = [{"params": list(net.parameters()), "lr": lr}]
    groups += [{"params": list(head.parameters()), "lr": lr_head}] if head is not None else []
    optimizer = torch.optim.Adam(groups, weight_decay=weight_decay)
    order = torch.Generator().manual_seed(seed)               # the minibatch order
    coins = torch.Generator().manual_seed(seed + 1)           # the random labels of Eq. (4)
    weight = AdaptiveWeight(alpha=0.9, beta=0.5)              # c_t of Eq. (7), notebook 42
    net.train()
    epoch_losses = []
    for epoch in range(n_epochs):
        losses = []
        for idx in torch.randperm(len(x), generator=order).split(batch_size):
            feats = net(x[idx])
            l_svdd = ((feats - c) ** 2).sum(dim=1).mean()      # Eq. (2), data term
            l_reg = reg_line(feats, epoch, head, coins)        # <- the added line
            c_t = weight.update(l_svdd.item(), l_reg.item())
            optimizer.zero_grad()
            (l_svdd + c_t * l_reg).backward()                 # Eq. (6)
            optimizer.step()
            losses.append(l_svdd.item())
        epoch_losses.append(float(np.mean(losses)))
    return epoch_losses
