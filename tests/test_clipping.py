"""dlbook.clipping against torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import clipping, optim
from dlbook.reference import to_numpy, to_torch

SHAPES = [(3, 4), (4,), (2, 2, 5)]


def torch_params(grads, device):
    params = []
    for g in grads:
        p = torch.zeros(g.shape, dtype=to_torch(g).dtype, device=device, requires_grad=True)
        p.grad = to_torch(g, device=device)
        params.append(p)
    return params


@pytest.mark.parametrize("scale", [1e-3, 0.5, 1.0, 3.0, 1e3])
def test_clip_grad_norm_matches_torch(scale, rng, dtype, device, compare):
    grads = [(scale * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    params = torch_params(grads, device)
    max_norm = 2.0
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm)
    total = clipping.clip_grad_norm(grads, max_norm)
    assert np.asarray(total).dtype == dtype
    compare("clip_grad_norm (total norm)", total, total_t, dtype=dtype)
    for g, p in zip(grads, params):
        assert g.dtype == dtype
        compare("clip_grad_norm", g, p.grad, dtype=dtype)
    new_norm = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))
    assert new_norm <= max_norm * (1 + 1e-5)


def test_small_gradients_are_left_exactly_unchanged(rng):
    grads = [0.01 * rng.standard_normal(s) for s in SHAPES]
    before = [g.copy() for g in grads]
    total = clipping.clip_grad_norm(grads, 1.0)
    assert total < 1.0
    for g, b in zip(grads, before):
        np.testing.assert_array_equal(g, b)


def test_clip_grad_norm_keeps_direction_and_uses_the_small_constant(rng):
    g = np.array([3.0, 4.0])
    total = clipping.clip_grad_norm([g], 1.0)
    assert total == 5.0
    np.testing.assert_allclose(g, np.array([3.0, 4.0]) / (5.0 + 1e-6), rtol=1e-15)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.05, 50.0), st.floats(0.1, 10.0), st.integers(0, 2**31 - 1))
def test_clip_grad_norm_hypothesis(scale, max_norm, seed):
    r = np.random.default_rng(seed)
    grads = [scale * r.standard_normal(s) for s in SHAPES]
    params = torch_params(grads, "cpu")
    total_t = torch.nn.utils.clip_grad_norm_(params, max_norm)
    total = clipping.clip_grad_norm(grads, max_norm)
    np.testing.assert_allclose(total, total_t.item(), rtol=1e-12)
    for g, p in zip(grads, params):
        np.testing.assert_allclose(g, to_numpy(p.grad), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("clip_value", [0.0, 0.3, 1.0, 10.0])
def test_clip_grad_value_matches_torch(clip_value, rng, dtype, device, compare):
    grads = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    params = torch_params(grads, device)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    assert clipping.clip_grad_value(grads, clip_value) is None
    for g, p in zip(grads, params):
        assert g.dtype == dtype
        compare("clip_grad_value", g, p.grad, dtype=dtype)
        assert np.abs(g).max() <= clip_value


def test_single_array_and_reexport(rng):
    g = 10 * rng.standard_normal(5)
    optim.clip_grad_norm(g, 1.0)
    assert np.linalg.norm(g) < 1.0
    optim.clip_grad_value(g, 0.1)
    assert np.abs(g).max() <= 0.1


@pytest.mark.parametrize("call, exc, message", [
    (lambda: clipping.clip_grad_norm([np.ones(3)], -1.0), ValueError,
     r"clip_grad_norm: max_norm must be in \[0, inf\], got -1"),
    (lambda: clipping.clip_grad_norm([[1.0, 2.0]], 1.0), TypeError,
     r"clip_grad_norm: grads\[0\] must be a float32 or float64 ndarray \(clipped in place\), got list"),
    (lambda: clipping.clip_grad_value([np.ones(3, dtype=int)], 1.0), TypeError,
     r"clip_grad_value: grads\[0\] must be a float32 or float64 ndarray \(clipped in place\), got int64"),
    (lambda: clipping.clip_grad_value([np.ones(3)], float("nan")), ValueError,
     "clip_grad_value: clip_value must be in"),
])
def test_bad_arguments(call, exc, message):
    with pytest.raises(exc, match=message):
        call()
