"""Shared test set-up: smoke mode and a throw-away results folder unless the caller set them.

Set before any notebook kernel starts, so nbval's kernels inherit them too.
"""
import os
import tempfile

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("SVDD_MODE", "smoke")
os.environ.setdefault("SVDD_RESULTS_ROOT", tempfile.mkdtemp(prefix="svdd-test-results-"))
