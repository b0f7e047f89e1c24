#!/usr/bin/env bash
# The GPU checks of the project in one short run, for a machine with CUDA (a few minutes):
# the CUDA tests, images per second of one paper-mode ResNet-18 epoch through the lazy
# DataLoader path on the CPU and the GPU, and the paper-scale input benchmark at 20% size.
# Results: <results>/bench/*.json. Usage: bash scripts/gpu_checks.sh (after make install).
set -euo pipefail
PY=${PY:-.venv/bin/python}
$PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device')"
$PY -m pytest -q -m gpu tests/test_gpu.py
$PY scripts/bench_sweeps.py --skip-sweeps --images 1000
$PY scripts/bench_paper_inputs.py --scale 0.2
