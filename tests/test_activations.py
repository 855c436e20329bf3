"""Tests for dlbook.activations (chapter 4) against PyTorch, finite differences and high precision.

Every elementwise function and its ``*_grad`` is compared with the torch function and with
``torch.autograd`` of it, on every device, in float64 (rtol 1e-10) and float32 (rtol 1e-5).
Random inputs stay away from the kinks; the kinks themselves (``z = 0`` exactly) are tested
separately against torch's convention.  Huge inputs (``|z|`` up to 1e4) must give finite
results without any floating-point warning, even under ``np.errstate(all="raise")``.
"""

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dlbook import activations as A
from dlbook.gradcheck import numerical_gradient
from dlbook.reference import to_numpy, to_torch

TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}

# name -> (our function, our derivative, torch function, keyword arguments, has a kink at 0)
CASES = {
    "sigmoid": (A.sigmoid, A.sigmoid_grad, torch.sigmoid, {}, False),
    "tanh": (A.tanh, A.tanh_grad, torch.tanh, {}, False),
    "relu": (A.relu, A.relu_grad, torch.relu, {}, True),
    "leaky_relu": (A.leaky_relu, A.leaky_relu_grad, F.leaky_relu, {}, True),
    "leaky_relu(0.2)": (A.leaky_relu, A.leaky_relu_grad,
                        lambda t: F.leaky_relu(t, 0.2), {"negative_slope": 0.2}, True),
    "leaky_relu(-0.5)": (A.leaky_relu, A.leaky_relu_grad,
                         lambda t: F.leaky_relu(t, -0.5), {"negative_slope": -0.5}, True),
    "elu": (A.elu, A.elu_grad, F.elu, {}, True),
    "elu(0.5)": (A.elu, A.elu_grad, lambda t: F.elu(t, 0.5), {"alpha": 0.5}, True),
    "elu(2)": (A.elu, A.elu_grad, lambda t: F.elu(t, 2.0), {"alpha": 2.0}, True),
    "selu": (A.selu, A.selu_grad, F.selu, {}, True),
    "swish": (A.swish, A.swish_grad, F.silu, {}, False),
    "swish(0.5)": (A.swish, A.swish_grad, lambda t: t * torch.sigmoid(0.5 * t), {"beta": 0.5}, False),
    "swish(2)": (A.swish, A.swish_grad, lambda t: t * torch.sigmoid(2.0 * t), {"beta": 2.0}, False),
    "swish(10)": (A.swish, A.swish_grad, lambda t: t * torch.sigmoid(10.0 * t), {"beta": 10.0}, False),
    "softplus": (A.softplus, A.softplus_grad, F.softplus, {}, False),
    "softplus(2, 5)": (A.softplus, A.softplus_grad, lambda t: F.softplus(t, 2.0, 5.0),
                       {"beta": 2.0, "threshold": 5.0}, False),
    "softplus(0.5, 3)": (A.softplus, A.softplus_grad, lambda t: F.softplus(t, 0.5, 3.0),
                         {"beta": 0.5, "threshold": 3.0}, False),
}
ELEMENTWISE = [
    (A.sigmoid, A.sigmoid_grad, {}), (A.tanh, A.tanh_grad, {}), (A.relu, A.relu_grad, {}),
    (A.leaky_relu, A.leaky_relu_grad, {}), (A.elu, A.elu_grad, {}), (A.selu, A.selu_grad, {}),
    (A.swish, A.swish_grad, {}), (A.swish, A.swish_grad, {"beta": 10.0}),
    (A.softplus, A.softplus_grad, {}), (A.softplus, A.softplus_grad, {"beta": 3.0, "threshold": 1.0}),
]


def torch_value_and_grad(fn, z, device):
    """``fn(z)`` and the elementwise derivative from torch.autograd (fn acts elementwise)."""
    t = to_torch(z, device=device, requires_grad=True)
    y = fn(t)
    (g,) = torch.autograd.grad(y.sum(), t)
    return to_numpy(y), to_numpy(g)


def away_from_kinks(rng, dtype, n=2000):
    """Normal(0, 4) samples plus a grid in [-12, 12], all at least 1e-3 away from 0."""
    z = np.concatenate([rng.normal(0.0, 4.0, n), np.linspace(-12.0, 12.0, 241)])
    z = z[np.abs(z) > 1e-3]
    return z.astype(dtype)


@pytest.mark.parametrize("name", list(CASES))
def test_value_and_grad_match_torch(name, device, dtype, rng, compare):
    f, grad, tf, kw, _ = CASES[name]
    z = away_from_kinks(rng, dtype)
    if name.startswith("softplus"):  # keep off the threshold switch, where torch's branch flips
        beta, threshold = kw.get("beta", 1.0), kw.get("threshold", 20.0)
        z = z[np.abs(beta * z - threshold) > 1e-3]
    expected_y, expected_g = torch_value_and_grad(tf, z, device)
    y, g = f(z, **kw), grad(z, **kw)
    assert y.dtype == dtype and g.dtype == dtype and y.shape == z.shape and g.shape == z.shape
    compare(name, y, expected_y, dtype=dtype)
    compare(f"{name}_grad", g, expected_g, dtype=dtype)


@pytest.mark.parametrize("name", [n for n, case in CASES.items() if case[4]])
def test_kink_at_zero_follows_torch(name, device, compare):
    f, grad, tf, kw, _ = CASES[name]
    z = np.zeros(3)
    expected_y, expected_g = torch_value_and_grad(tf, z, device)
    compare(name, f(z, **kw), expected_y)
    compare(f"{name}_grad at 0", grad(z, **kw), expected_g)


def test_kink_values_are_the_documented_ones():
    zero = np.zeros(1)
    assert A.relu_grad(zero)[0] == 0.0
    assert A.leaky_relu_grad(zero)[0] == 0.01
    assert A.leaky_relu_grad(zero, negative_slope=0.3)[0] == 0.3
    assert A.elu_grad(zero)[0] == 1.0
    assert A.elu_grad(zero, alpha=0.7)[0] == 0.7
    assert A.selu_grad(zero)[0] == pytest.approx(A.SELU_SCALE * A.SELU_ALPHA, rel=1e-15)


def test_selu_constants_match_torch():
    z = torch.tensor([-1.0], dtype=torch.float64)
    # selu(-inf) = -scale * alpha; torch's constants are the same to the last bit
    assert F.selu(torch.tensor([-math.inf], dtype=torch.float64)).item() == pytest.approx(
        -A.SELU_SCALE * A.SELU_ALPHA, rel=1e-15)
    assert F.selu(z).item() == pytest.approx(A.selu(np.array([-1.0]))[0], rel=1e-15)


def test_softplus_threshold_switch_matches_torch(device, compare):
    # beta * z lands exactly on, just below and just above the threshold
    z = np.array([2.5, np.nextafter(2.5, 0), np.nextafter(2.5, 3), 10.0, -10.0])
    expected_y, expected_g = torch_value_and_grad(lambda t: F.softplus(t, 2.0, 5.0), z, device)
    compare("softplus(2, 5)", A.softplus(z, beta=2.0, threshold=5.0), expected_y)
    compare("softplus(2, 5)_grad", A.softplus_grad(z, beta=2.0, threshold=5.0), expected_g)
    assert A.softplus(np.array([10.0]), beta=2.0, threshold=5.0)[0] == 10.0  # returns z itself


def test_leaky_relu_slopes_and_elu_alpha():
    z = np.array([-2.0, -0.5, 0.5, 3.0])
    for slope in (0.0, 0.01, 0.2, 1.0):
        np.testing.assert_array_equal(A.leaky_relu(z, slope), np.where(z > 0, z, slope * z))
        np.testing.assert_array_equal(A.leaky_relu_grad(z, slope), np.where(z > 0, 1.0, slope))
    np.testing.assert_array_equal(A.leaky_relu(z, 0.0), A.relu(z))
    np.testing.assert_array_equal(A.leaky_relu(z, 1.0), z)
    for alpha in (0.5, 1.0, 2.0):
        assert A.elu(np.array([-1e3]), alpha)[0] == -alpha  # saturates at -alpha
        np.testing.assert_allclose(A.elu_grad(z, alpha)[:2], alpha * np.exp(z[:2]), rtol=1e-15)


def test_swish_special_betas():
    z = np.linspace(-5.0, 5.0, 101)
    np.testing.assert_allclose(A.swish(z, beta=0.0), z / 2, rtol=1e-15)
    np.testing.assert_allclose(A.swish_grad(z, beta=0.0), np.full_like(z, 0.5), rtol=1e-15)
    # beta -> infinity gives ReLU: the largest gap shrinks like 0.28 / beta
    gaps = [np.max(np.abs(A.swish(z, beta=b) - A.relu(z))) for b in (1.0, 10.0, 100.0, 1000.0)]
    assert all(later < earlier for earlier, later in zip(gaps, gaps[1:]))
    assert gaps[-1] < 3e-4


def test_tanh_is_a_rescaled_sigmoid():
    z = np.linspace(-20.0, 20.0, 4001)
    np.testing.assert_allclose(A.tanh(z), 2 * A.sigmoid(2 * z) - 1, rtol=0, atol=4e-16)
    np.testing.assert_allclose(A.tanh_grad(z), 4 * A.sigmoid_grad(2 * z), rtol=1e-14)


@pytest.mark.parametrize("z", [-700.0, -300.0, -40.0, -12.0, 12.0, 40.0, 300.0, 700.0])
def test_saturated_derivatives_keep_relative_accuracy(z, compare):
    """In the tails the derivatives are tiny but still exact to a few ulps (vs 400-digit mpmath)."""
    mpmath.mp.dps = 400  # enough digits that 1 - sigmoid(700) does not cancel to 0
    sig = 1 / (1 + mpmath.exp(-mpmath.mpf(z)))
    expected = {
        "sigmoid_grad": sig * (1 - sig),
        "tanh_grad": mpmath.sech(mpmath.mpf(z)) ** 2,
        "swish_grad": sig + z * sig * (1 - sig),
        "softplus_grad": sig if z < 20 else mpmath.mpf(1),
    }
    for name, value in expected.items():
        actual = getattr(A, name)(np.array([z]))
        compare(f"{name} vs mpmath", actual, np.array([float(value)]), rtol=1e-13, atol=0.0)


@pytest.mark.parametrize("f, grad, kw", ELEMENTWISE)
def test_grad_matches_finite_differences(f, grad, kw, rng):
    z = rng.uniform(-4.0, 4.0, 40)
    z = z[np.abs(z) > 1e-2]
    if "threshold" in kw:
        z = z[np.abs(kw["beta"] * z - kw["threshold"]) > 1e-2]
    numeric = numerical_gradient(lambda x: float(f(x, **kw).sum()), z.copy())
    np.testing.assert_allclose(grad(z, **kw), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, grad, kw", ELEMENTWISE)
def test_huge_inputs_are_finite_and_silent(f, grad, kw, dtype):
    z = np.array([-1e4, -1e3, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e3, 1e4], dtype=dtype)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        y, g = f(z, **kw), grad(z, **kw)
    assert y.dtype == dtype and g.dtype == dtype
    assert np.isfinite(y).all() and np.isfinite(g).all()


def test_huge_inputs_give_the_right_limits():
    big = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(A.sigmoid(big), [0.0, 1.0])
    np.testing.assert_array_equal(A.tanh(big), [-1.0, 1.0])
    np.testing.assert_array_equal(A.sigmoid_grad(big), [0.0, 0.0])
    np.testing.assert_array_equal(A.softplus(big), [0.0, 1e4])
    np.testing.assert_array_equal(A.swish(big), [0.0, 1e4])
    np.testing.assert_array_equal(A.elu(big), [-1.0, 1e4])


@pytest.mark.parametrize("f, grad, kw", ELEMENTWISE)
def test_dtype_follows_input(f, grad, kw):
    for dtype in (np.float32, np.float64):
        z = np.linspace(-3, 3, 7).astype(dtype).reshape(7, 1)
        assert f(z, **kw).dtype == dtype and grad(z, **kw).dtype == dtype
        assert f(z, **kw).shape == (7, 1)
    assert f(np.arange(-3, 4), **kw).dtype == np.float64  # integers are promoted
    assert f([0.5, -0.5], **kw).dtype == np.float64


def test_inputs_are_not_mutated():
    z = np.linspace(-3, 3, 9)
    before = z.copy()
    for f, grad, kw in ELEMENTWISE:
        f(z, **kw), grad(z, **kw)
    A.softmax(z), A.log_softmax(z), A.softmax_backward(z, A.softmax(z))
    np.testing.assert_array_equal(z, before)


# ---------------------------------------------------------------- softmax family

@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_match_torch(axis, device, dtype, rng, compare):
    z = (3.0 * rng.standard_normal((4, 5, 6))).astype(dtype)
    t = to_torch(z, device=device)
    y = A.softmax(z, axis=axis)
    assert y.dtype == dtype and y.shape == z.shape
    compare("softmax", y, torch.softmax(t, dim=axis), dtype=dtype)
    compare("log_softmax", A.log_softmax(z, axis=axis), torch.log_softmax(t, dim=axis), dtype=dtype)
    np.testing.assert_allclose(y.sum(axis=axis), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-14)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_backward_matches_autograd_vjp(axis, device, dtype, rng, compare):
    z = rng.standard_normal((6, 7)).astype(dtype)
    dy = rng.standard_normal((6, 7)).astype(dtype)
    t = to_torch(z, device=device, requires_grad=True)
    (expected,) = torch.autograd.grad(torch.softmax(t, dim=axis), t,
                                      grad_outputs=to_torch(dy, device=device))
    dz = A.softmax_backward(dy, A.softmax(z, axis=axis), axis=axis)
    assert dz.dtype == dtype and dz.shape == z.shape
    compare("softmax_backward", dz, expected, dtype=dtype)


def test_softmax_backward_matches_finite_differences(rng):
    z = rng.standard_normal((3, 5))
    dy = rng.standard_normal((3, 5))
    numeric = numerical_gradient(lambda x: float((dy * A.softmax(x, axis=0)).sum()), z.copy())
    np.testing.assert_allclose(A.softmax_backward(dy, A.softmax(z, axis=0), axis=0), numeric,
                               rtol=1e-6, atol=1e-9)


def test_softmax_huge_logits_are_finite_and_silent(dtype, device, compare):
    z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4], [0.0, -5.0, 3.0]], dtype=dtype)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        y, logy = A.softmax(z), A.log_softmax(z)
        dz = A.softmax_backward(np.ones_like(z), y)
    assert np.isfinite(y).all() and np.isfinite(logy).all() and np.isfinite(dz).all()
    assert y.dtype == dtype and logy.dtype == dtype
    t = to_torch(z, device=device)
    compare("softmax", y, torch.softmax(t, dim=-1), dtype=dtype)
    compare("log_softmax", logy, torch.log_softmax(t, dim=-1), dtype=dtype)


# ---------------------------------------------------------------- Hypothesis

finite = st.floats(min_value=-30.0, max_value=30.0, allow_nan=False)
off_kink = finite.filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=30, deadline=None)
@given(st.lists(off_kink, min_size=1, max_size=20), st.sampled_from(list(CASES)))
def test_hypothesis_elementwise_vs_torch(values, name):
    f, grad, tf, kw, _ = CASES[name]
    z = np.array(values)
    if name.startswith("softplus"):
        z = z[np.abs(kw.get("beta", 1.0) * z - kw.get("threshold", 20.0)) > 1e-3]
    expected_y, expected_g = torch_value_and_grad(tf, z, "cpu")
    np.testing.assert_allclose(f(z, **kw), expected_y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad(z, **kw), expected_g, rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False), min_size=2, max_size=12),
       st.floats(min_value=-1e3, max_value=1e3, allow_nan=False))
@example([0.0, 0.0, -740.0], 0.0)   # a subnormal probability: the division underflows
def test_hypothesis_softmax_properties(values, shift):
    z = np.array(values)
    with np.errstate(all="raise"):
        y, logy = A.softmax(z), A.log_softmax(z)
    assert np.all(y >= 0) and abs(y.sum() - 1.0) < 1e-12
    assert np.all(logy <= 1e-12) and np.isfinite(logy).all()
    np.testing.assert_allclose(np.exp(logy), y, rtol=1e-12, atol=1e-300)
    # a common shift changes nothing (up to the rounding of z + shift)
    np.testing.assert_allclose(A.softmax(z + shift), y, rtol=1e-6, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=-50.0, max_value=50.0, allow_nan=False), min_size=1, max_size=20))
def test_hypothesis_derivative_bounds(values):
    z = np.array(values)
    ulp = np.finfo(np.float64).eps  # the bounds hold up to one rounding near z = 0
    assert np.all((A.sigmoid_grad(z) >= 0) & (A.sigmoid_grad(z) <= 0.25 * (1 + ulp)))
    assert np.all((A.tanh_grad(z) >= 0) & (A.tanh_grad(z) <= 1.0 + ulp))
    assert np.all((A.sigmoid(z) >= 0) & (A.sigmoid(z) <= 1))
    assert np.all(A.softplus(z) >= A.relu(z))


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("f, grad, kw", ELEMENTWISE)
def test_bad_z_is_refused(f, grad, kw):
    for fn in (f, grad):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: z must be a NumPy array, got str"):
            fn("abc", **kw)
        with pytest.raises(TypeError, match=rf"{fn.__name__}: z must have a float32 or float64 dtype, got complex128"):
            fn(np.array([1 + 2j]), **kw)
        with pytest.raises(TypeError, match=rf"{fn.__name__}: z must have a float32 or float64 dtype, got <U1"):
            fn(np.array(["a"]), **kw)


@pytest.mark.parametrize("fn, kw, error, message", [
    (A.leaky_relu, {"negative_slope": "0.1"}, TypeError, "leaky_relu: negative_slope must be a real number, got str"),
    (A.leaky_relu_grad, {"negative_slope": float("nan")}, ValueError, r"leaky_relu_grad: negative_slope must be in \[-inf, inf\], got nan"),
    (A.leaky_relu, {"negative_slope": float("inf")}, ValueError, "leaky_relu: negative_slope must be finite, got inf"),
    (A.elu, {"alpha": None}, TypeError, "elu: alpha must be a real number, got NoneType"),
    (A.elu_grad, {"alpha": True}, TypeError, "elu_grad: alpha must be a real number, got bool"),
    (A.swish, {"beta": 1j}, TypeError, "swish: beta must be a real number, got complex"),
    (A.swish_grad, {"beta": -float("inf")}, ValueError, "swish_grad: beta must be finite, got -inf"),
    (A.softplus, {"beta": 0.0}, ValueError, r"softplus: beta must be in \(0, inf\], got 0"),
    (A.softplus_grad, {"beta": -1.0}, ValueError, r"softplus_grad: beta must be in \(0, inf\], got -1"),
    (A.softplus, {"threshold": "20"}, TypeError, "softplus: threshold must be a real number, got str"),
    (A.softplus_grad, {"threshold": float("nan")}, ValueError, "softplus_grad: threshold must be in"),
])
def test_bad_parameters_are_refused(fn, kw, error, message):
    with pytest.raises(error, match=message):
        fn(np.zeros(3), **kw)


def test_bad_softmax_arguments_are_refused():
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"softmax: axis must be in \[-2, 2\) for a 2-D array, got 2"):
        A.softmax(z, axis=2)
    with pytest.raises(ValueError, match=r"log_softmax: axis must be in \[-2, 2\) for a 2-D array, got -3"):
        A.log_softmax(z, axis=-3)
    with pytest.raises(TypeError, match="softmax: axis must be an integer, got float"):
        A.softmax(z, axis=1.0)
    with pytest.raises(ValueError, match="softmax: z must have at least one dimension, got a 0-d array"):
        A.softmax(np.float64(1.0))
    with pytest.raises(TypeError, match="log_softmax: z must have a float32 or float64 dtype, got complex128"):
        A.log_softmax(z + 1j)
    with pytest.raises(TypeError, match="softmax: z must be a NumPy array, got str"):
        A.softmax("abc")
    with pytest.raises(ValueError, match=r"softmax_backward: dy must have the shape of y \(2, 3\), got \(3, 2\)"):
        A.softmax_backward(np.zeros((3, 2)), z)
    with pytest.raises(ValueError, match=r"softmax_backward: axis must be in \[-2, 2\) for a 2-D array, got 5"):
        A.softmax_backward(z, z, axis=5)
    with pytest.raises(TypeError, match="softmax_backward: dy must have a float32 or float64 dtype, got complex128"):
        A.softmax_backward(z + 1j, z)
