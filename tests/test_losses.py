"""Tests for dlbook.losses (chapter 2): values and gradients against PyTorch, finite differences,
stability for huge logits, and messages for bad input."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import losses
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.reference import to_torch


# Overflow, division by zero and invalid operations raise; exp(-1e4) underflowing to 0 is the
# intended, harmless result of the stable formulas (NumPy ignores underflow by default too).
RAISE = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}


def torch_loss_and_grad(fn, a, b, device, **kwargs):
    """``fn(a, b)`` in torch and its gradient with respect to ``a`` by autograd."""
    at = to_torch(a, device=device, requires_grad=True)
    loss = fn(at, to_torch(b, device=device), **kwargs)
    loss.backward()
    return loss, at.grad


# --------------------------------------------------------------------------- softmax cross-entropy
def test_softmax_cross_entropy_matches_torch(device, dtype, rng, compare):
    logits = (3.0 * rng.normal(size=(11, 5))).astype(dtype)
    y = rng.integers(0, 5, size=11)
    loss, dlogits = losses.softmax_cross_entropy(logits, y)
    loss_t, dlogits_t = torch_loss_and_grad(F.cross_entropy, logits, y, device)
    assert isinstance(loss, float) and dlogits.dtype == dtype and dlogits.shape == logits.shape
    compare("softmax_cross_entropy", loss, loss_t, dtype=dtype)
    compare("softmax_cross_entropy dlogits", dlogits, dlogits_t, dtype=dtype)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), c=st.integers(1, 8), scale=st.floats(0.01, 100.0), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_any_shape_matches_torch(n, c, scale, seed):
    r = np.random.default_rng(seed)
    logits, y = scale * r.normal(size=(n, c)), r.integers(0, c, size=n)
    loss, dlogits = losses.softmax_cross_entropy(logits, y)
    loss_t, dlogits_t = torch_loss_and_grad(F.cross_entropy, logits, y, "cpu")
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dlogits, dlogits_t.numpy(), rtol=1e-10, atol=1e-12)


def test_softmax_cross_entropy_gradient_is_p_minus_onehot_over_n(rng):
    logits, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    _, dlogits = losses.softmax_cross_entropy(logits, y)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(dlogits, (p - np.eye(4)[y]) / 6, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-16)


def test_softmax_cross_entropy_matches_finite_differences(rng):
    logits, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    _, dlogits = losses.softmax_cross_entropy(logits, y)
    numeric = numerical_gradient(lambda z: losses.softmax_cross_entropy(z, y)[0], logits)
    assert relative_error(dlogits, numeric) < 1e-9


def test_softmax_cross_entropy_known_values():
    # uniform logits: loss log C; a confident right answer: loss close to 0
    assert abs(losses.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9]))[0] - np.log(10)) < 1e-15
    assert losses.softmax_cross_entropy(np.array([[50.0, 0.0]]), np.array([0]))[0] < 1e-20


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e3])
def test_softmax_cross_entropy_is_stable_for_huge_logits(scale, dtype, rng, compare):
    logits = (scale * rng.normal(size=(8, 6))).astype(dtype)
    logits[0] = scale  # a tie of huge values
    y = rng.integers(0, 6, size=8)
    with warnings.catch_warnings(), np.errstate(**RAISE):
        warnings.simplefilter("error")
        loss, dlogits = losses.softmax_cross_entropy(logits, y)
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    loss_t, dlogits_t = torch_loss_and_grad(F.cross_entropy, logits, y, "cpu")
    compare("softmax_cross_entropy (huge logits)", loss, loss_t, dtype=dtype)
    compare("softmax_cross_entropy dlogits (huge logits)", dlogits, dlogits_t, dtype=dtype)


def test_softmax_cross_entropy_does_not_modify_its_input(rng):
    logits = rng.normal(size=(4, 3))
    copy = logits.copy()
    losses.softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    np.testing.assert_array_equal(logits, copy)


@pytest.mark.parametrize("logits, y, error, message", [
    (np.zeros((3, 4)), np.array([0.0, 1.0, 2.0]), TypeError,
     r"softmax_cross_entropy: y must hold integer class labels, got dtype float64"),
    (np.zeros((3, 4)), np.array([0, 1, 4]), ValueError,
     r"softmax_cross_entropy: y must hold labels in \[0, 4\), got values in \[0, 4\]"),
    (np.zeros((3, 4)), np.array([-1, 1, 2]), ValueError,
     r"softmax_cross_entropy: y must hold labels in \[0, 4\), got values in \[-1, 2\]"),
    (np.zeros((3, 4)), np.array([0, 1]), ValueError, r"softmax_cross_entropy: y must have shape \(3,\), got \(2,\)"),
    (np.zeros((3, 4)), np.array([[0], [1], [2]]), ValueError,
     r"softmax_cross_entropy: y must have shape \(3,\), got \(3, 1\)"),
    (np.zeros(4), np.array([0]), ValueError, r"softmax_cross_entropy: logits must be 2-D, got shape \(4,\)"),
    (np.zeros((0, 4)), np.array([], int), ValueError, r"softmax_cross_entropy: logits must hold at least one sample"),
    (np.zeros((2, 3), complex), np.array([0, 1]), TypeError,
     r"softmax_cross_entropy: logits must have a float32 or float64 dtype, got complex128"),
])
def test_softmax_cross_entropy_rejects_bad_input(logits, y, error, message):
    with pytest.raises(error, match=message):
        losses.softmax_cross_entropy(logits, y)


# --------------------------------------------------------------------------- mse
@pytest.mark.parametrize("shape", [(7,), (6, 3), (2, 3, 4)])
def test_mse_matches_torch(shape, device, dtype, rng, compare):
    pred, target = rng.normal(size=shape).astype(dtype), rng.normal(size=shape).astype(dtype)
    loss, dpred = losses.mse(pred, target)
    loss_t, dpred_t = torch_loss_and_grad(F.mse_loss, pred, target, device)
    assert isinstance(loss, float) and dpred.dtype == dtype and dpred.shape == shape
    compare("mse", loss, loss_t, dtype=dtype)
    compare("mse dpred", dpred, dpred_t, dtype=dtype)


def test_mse_matches_finite_differences(rng):
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    numeric = numerical_gradient(lambda p: losses.mse(p, target)[0], pred)
    assert relative_error(losses.mse(pred, target)[1], numeric) < 1e-9


def test_mse_gradient_follows_pred_dtype_and_leaves_inputs_alone(rng):
    pred, target = rng.normal(size=(3, 2)).astype(np.float32), rng.normal(size=(3, 2))
    copies = pred.copy(), target.copy()
    _, dpred = losses.mse(pred, target)
    assert dpred.dtype == np.float32
    np.testing.assert_array_equal(pred, copies[0])
    np.testing.assert_array_equal(target, copies[1])


def test_mse_rejects_bad_input():
    with pytest.raises(ValueError, match=r"mse: target must have the shape of pred \(3, 1\), got \(3,\)"):
        losses.mse(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match=r"mse: pred must hold at least one element"):
        losses.mse(np.zeros(0), np.zeros(0))
    with pytest.raises(TypeError, match=r"mse: target must be a NumPy array, got str"):
        losses.mse(np.zeros(3), "abc")


# --------------------------------------------------------------------------- binary cross-entropy
@pytest.mark.parametrize("shape", [(9,), (5, 3)])
def test_binary_cross_entropy_with_logits_matches_torch(shape, device, dtype, rng, compare):
    logits = (3.0 * rng.normal(size=shape)).astype(dtype)
    target = rng.uniform(size=shape).astype(dtype)  # soft targets in [0, 1]
    target.flat[:2] = [0.0, 1.0]
    loss, dlogits = losses.binary_cross_entropy_with_logits(logits, target)
    loss_t, dlogits_t = torch_loss_and_grad(F.binary_cross_entropy_with_logits, logits, target, device)
    assert isinstance(loss, float) and dlogits.dtype == dtype and dlogits.shape == shape
    compare("binary_cross_entropy_with_logits", loss, loss_t, dtype=dtype)
    compare("binary_cross_entropy_with_logits dlogits", dlogits, dlogits_t, dtype=dtype)


def test_binary_cross_entropy_equals_the_naive_formula_and_finite_differences(rng):
    z, t = rng.normal(size=8), (rng.uniform(size=8) > 0.5).astype(float)
    loss, dz = losses.binary_cross_entropy_with_logits(z, t)
    p = 1.0 / (1.0 + np.exp(-z))
    assert abs(loss - np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p))) < 1e-14
    np.testing.assert_allclose(dz, (p - t) / 8, rtol=1e-13)
    numeric = numerical_gradient(lambda x: losses.binary_cross_entropy_with_logits(x, t)[0], z)
    assert relative_error(dz, numeric) < 1e-9


def test_binary_cross_entropy_is_stable_for_huge_logits(dtype, compare):
    logits = np.array([1e4, -1e4, 1e4, -1e4, 800.0, -800.0, 0.0], dtype=dtype)
    target = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 1.0], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(**RAISE):
        warnings.simplefilter("error")
        loss, dlogits = losses.binary_cross_entropy_with_logits(logits, target)
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    loss_t, dlogits_t = torch_loss_and_grad(F.binary_cross_entropy_with_logits, logits, target, "cpu")
    compare("binary_cross_entropy_with_logits (huge logits)", loss, loss_t, dtype=dtype)
    compare("binary_cross_entropy_with_logits dlogits (huge logits)", dlogits, dlogits_t, dtype=dtype)


def test_binary_cross_entropy_rejects_bad_input():
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target must be in \[0, 1\], got values in \[0, 2\]"):
        losses.binary_cross_entropy_with_logits(np.zeros(3), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target must be in \[0, 1\]"):
        losses.binary_cross_entropy_with_logits(np.zeros(2), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: target must have the shape of logits \(3,\), got \(3, 1\)"):
        losses.binary_cross_entropy_with_logits(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: logits must hold at least one element"):
        losses.binary_cross_entropy_with_logits(np.zeros(0), np.zeros(0))
    with pytest.raises(TypeError, match=r"binary_cross_entropy_with_logits: logits must be a NumPy array, got NoneType"):
        losses.binary_cross_entropy_with_logits(None, np.zeros(2))
