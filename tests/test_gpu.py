"""Checks that need a CUDA device; skipped where there is none (CI has none).

Run them on a GPU machine with ``pytest -m gpu tests/test_gpu.py``.
"""
import numpy as np
import pytest
import torch

from svddlib.models import LeNetMNIST
from svddlib.seeding import set_seed
from svddlib.training import TrainConfig, train

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def _run(device, regularizer):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(120, 1, 28, 28, generator=gen)
    x_eval, y_eval = torch.rand(60, 1, 28, 28, generator=gen), np.r_[np.zeros(30), np.ones(30)]
    set_seed(0)
    net = LeNetMNIST(bias=True)
    cfg = TrainConfig(n_epochs=2, lr=1e-3, regularizer=regularizer, k=8, device=device,
                      progress=False)
    return train(net, x, cfg, val=(x_eval, y_eval), test=(x_eval, y_eval))


@pytest.mark.parametrize("regularizer", ["none", "noise", "variance"])
def test_cuda_training_matches_cpu(regularizer):
    cpu, gpu = _run("cpu", regularizer), _run("cuda", regularizer)
    assert next(gpu.model.parameters()).is_cuda
    for a, b in zip(cpu.history, gpu.history):
        assert a["l_svdd"] == pytest.approx(b["l_svdd"], rel=1e-3, abs=1e-6)
        assert a["feature_var"] == pytest.approx(b["feature_var"], rel=1e-3, abs=1e-8)


def test_auto_device_picks_cuda():
    assert _run("auto", "none").center.is_cuda
