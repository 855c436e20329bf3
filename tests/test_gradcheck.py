"""Tests for dlbook.gradcheck (chapter 2): central differences and the relative error."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlbook import losses
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.reference import to_torch


# --------------------------------------------------------------------------- numerical_gradient
def test_sum_of_squares(rng):
    x = rng.normal(size=(4, 3))
    numeric = numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert numeric.shape == x.shape and numeric.dtype == np.float64
    assert relative_error(numeric, 2 * x) < 1e-9


def test_softmax_cross_entropy_gradient(rng):
    logits, y = rng.normal(size=(6, 5)), rng.integers(0, 5, size=6)
    numeric = numerical_gradient(lambda z: losses.softmax_cross_entropy(z, y)[0], logits)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert relative_error(numeric, (p - np.eye(5)[y]) / 6) < 1e-9


def test_matches_torch_autograd(device, rng):
    x = rng.normal(size=(3, 4))
    A = rng.normal(size=(4, 4))

    def f(v):
        return float(np.sum(np.tanh(v @ A) ** 2))

    xt = to_torch(x, device=device, requires_grad=True)
    (torch.tanh(xt @ to_torch(A, device=device)) ** 2).sum().backward()
    assert relative_error(numerical_gradient(f, x), xt.grad.cpu().numpy()) < 1e-9


def test_scalar_and_zero_d_input():
    x = np.array(0.5)
    assert abs(numerical_gradient(lambda v: float(np.sin(v)), x) - np.cos(0.5)) < 1e-10
    assert numerical_gradient(lambda v: 0.0, np.zeros((0, 3))).shape == (0, 3)


def test_strided_view_is_perturbed_in_place_and_restored(rng):
    base = rng.normal(size=(4, 4))
    view = base[:, ::2]  # uniform stride: reshape(-1) is still a view
    copy = base.copy()
    numeric = numerical_gradient(lambda v: float(np.sum(v ** 2)), view)
    assert relative_error(numeric, 2 * view) < 1e-9
    np.testing.assert_array_equal(base, copy)


def test_x_is_unchanged_bit_for_bit(rng):
    x = rng.normal(size=(5, 2))
    copy = x.copy()
    numerical_gradient(lambda v: float(np.prod(np.cos(v))), x)
    np.testing.assert_array_equal(x, copy)


def test_x_is_restored_when_f_raises(rng):
    x = rng.normal(size=4)
    copy = x.copy()
    calls = []

    def f(v):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, copy)


def test_f_may_close_over_x(rng):
    W = rng.normal(size=(3, 2))
    x = rng.normal(size=(4, 3))
    numeric = numerical_gradient(lambda _: float(np.sum(x @ W)), W)  # f ignores its argument
    np.testing.assert_allclose(numeric, np.tile(x.sum(axis=0)[:, None], (1, 2)), rtol=1e-8)


def test_truncation_error_is_second_order():
    x = np.array([1.0])
    errors = [abs(numerical_gradient(lambda v: float(np.exp(v[0])), x, h=h)[0] - np.e) for h in (1e-2, 5e-3)]
    # f'''(x) h^2 / 6 dominates for these h: halving h divides the error by 4
    assert 3.9 < errors[0] / errors[1] < 4.1
    assert abs(errors[0] - np.e * 1e-4 / 6) < 1e-3 * errors[0]


def test_float32_input_gives_a_float64_estimate():
    x = np.array([0.3, -1.2], dtype=np.float32)
    numeric = numerical_gradient(lambda v: float(np.sum(v.astype(np.float64) ** 3)), x, h=1e-2)
    assert numeric.dtype == np.float64
    assert relative_error(numeric, 3 * x.astype(np.float64) ** 2) < 1e-3


def test_numerical_gradient_rejects_bad_input():
    x = np.ones(3)
    with pytest.raises(TypeError, match=r"numerical_gradient: f must be callable, got int"):
        numerical_gradient(3, x)
    with pytest.raises(TypeError, match=r"numerical_gradient: x must be a NumPy array, got list"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(TypeError, match=r"numerical_gradient: x must have a float dtype \(it is perturbed in place\), got int64"):
        numerical_gradient(np.sum, np.arange(3))
    for h in (0.0, -1e-3, float("nan")):
        with pytest.raises(ValueError, match=r"numerical_gradient: h must be in \(0, inf\)"):
            numerical_gradient(np.sum, x, h=h)
    with pytest.raises(TypeError, match=r"numerical_gradient: h must be a real number, got str"):
        numerical_gradient(np.sum, x, h="1e-6")
    with pytest.raises(ValueError, match=r"numerical_gradient: x must be contiguous"):
        numerical_gradient(np.sum, np.ones((4, 4))[:2, :2])
    readonly = np.ones(3)
    readonly.flags.writeable = False
    with pytest.raises(ValueError, match=r"numerical_gradient: x must be writeable"):
        numerical_gradient(np.sum, readonly)
    with pytest.raises(ValueError, match=r"numerical_gradient: f must return a scalar, got shape \(3,\)"):
        numerical_gradient(lambda v: v * 2, x)


# --------------------------------------------------------------------------- relative_error
def test_relative_error_known_values():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, -a) == 1.0  # the largest possible value
    assert relative_error(a, np.zeros(2)) == 1.0
    assert relative_error(np.array([1.0]), np.array([1.0 + 1e-8])) == pytest.approx(1e-8 / (2 + 1e-8), rel=1e-7)
    assert isinstance(relative_error(a.astype(np.float32), a.astype(np.float32)), float)


# zero or normal numbers (scaling a subnormal by 0.5 can round it to 0, which changes the ratio)
finite = st.one_of(st.just(0.0), st.floats(1e-6, 1e6), st.floats(-1e6, -1e-6))


@settings(max_examples=30, deadline=None)
@given(ab=hnp.arrays(np.float64, st.integers(1, 6).map(lambda n: (2, n)), elements=finite),
       scale=st.floats(1e-3, 1e3))
def test_relative_error_is_symmetric_bounded_and_scale_free(ab, scale):
    a, b = ab
    e = relative_error(a, b)
    assert e == relative_error(b, a)
    assert 0.0 <= e <= 1.0 + 1e-15
    assert abs(relative_error(scale * a, scale * b) - e) <= 1e-12 * max(e, 1e-300) + 1e-15


def test_relative_error_does_not_overflow_for_huge_values():
    a = np.full(4, 1e300)
    assert relative_error(a, 2 * a) == pytest.approx(1 / 3, rel=1e-12)


def test_relative_error_rejects_bad_input():
    with pytest.raises(ValueError, match=r"relative_error: a and b must have the same shape, got \(3,\) and \(3, 1\)"):
        relative_error(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(TypeError, match=r"relative_error: b must be a NumPy array, got str"):
        relative_error(np.zeros(3), "x")
    with pytest.raises(TypeError, match=r"relative_error: a must have a float32 or float64 dtype, got complex128"):
        relative_error(np.zeros(3, complex), np.zeros(3))


def test_relative_error_accepts_torch_gradients_via_numpy(rng):
    g = rng.normal(size=5)
    t = torch.tensor(g)
    assert relative_error(g, t.numpy()) == 0.0
