"""Shared fixtures: the devices and dtypes every comparison with PyTorch runs over.

``device`` is parametrized over "cpu" and, when PyTorch sees a GPU, "cuda", so the same tests
prove the CUDA path on a GPU machine.  ``compare`` asserts closeness at the dtype's tolerance and
records the largest error per checked function in ``.cache/max_errors.json`` (for the
verification appendix and the release notes).
"""

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import torch

from dlbook.reference import assert_close, to_numpy, tolerances

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
_MAX_ERRORS: dict = defaultdict(lambda: {"abs": 0.0, "rel": 0.0})


@pytest.fixture(params=DEVICES)
def device(request):
    """A torch device string: "cpu", plus "cuda" when available."""
    return request.param


@pytest.fixture(params=[np.float64, np.float32], ids=["float64", "float32"])
def dtype(request):
    """The floating dtype under test."""
    return request.param


@pytest.fixture
def rng():
    """A seeded generator, fresh for every test."""
    return np.random.default_rng(20261124)


@pytest.fixture
def compare(request):
    """``compare(name, actual, expected, dtype=np.float64, rtol=None, atol=None)``.

    Asserts closeness (default tolerances from :func:`dlbook.reference.tolerances`) and records
    the largest absolute and relative difference under ``name`` and the dtype and device of
    the test.
    """
    def _compare(name, actual, expected, dtype=np.float64, rtol=None, atol=None):
        default_rtol, default_atol = tolerances(dtype)
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
        a = np.asarray(to_numpy(actual), dtype=np.float64)
        e = np.asarray(to_numpy(expected), dtype=np.float64)
        assert_close(a, e, rtol=rtol, atol=atol)
        if a.size:
            diff = np.abs(a - e)
            finite = np.isfinite(diff)
            diff = np.where(finite, diff, 0.0)
            rel = diff / np.maximum(np.abs(e), np.finfo(np.float64).tiny)
            device = request.node.callspec.params.get("device", "cpu") if hasattr(request.node, "callspec") else "cpu"
            key = f"{name} [{np.dtype(dtype).name}, {device}]"
            entry = _MAX_ERRORS[key]
            entry["abs"] = max(entry["abs"], float(diff.max()))
            entry["rel"] = max(entry["rel"], float(np.where(diff > 0, rel, 0.0).max()))
    return _compare


def pytest_sessionfinish(session, exitstatus):
    if not _MAX_ERRORS:
        return
    out = Path(session.config.rootpath) / ".cache" / "max_errors"
    out.mkdir(parents=True, exist_ok=True)
    worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
    (out / f"{worker}.json").write_text(json.dumps(dict(sorted(_MAX_ERRORS.items())), indent=1))
