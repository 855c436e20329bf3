"""Tests for dlbook.activations.maxout and maxout_backward (chapter 4) against PyTorch.

PyTorch has no maxout layer; the reference is ``z.unflatten(-1, (D, k)).max(-1).values`` and
its ``torch.autograd`` gradient, on every device, in float64 (rtol 1e-10) and float32.
Random continuous inputs have no ties; ties are tested separately against torch's rule
(the first maximal piece gets the gradient).
"""

import numpy as np
import pytest
import torch

from dlbook import activations as A
from dlbook.gradcheck import numerical_gradient
from dlbook.reference import to_torch


def torch_maxout(t, pieces):
    """The reference: group the last axis into (D, pieces) and take the max of each group."""
    return t.unflatten(-1, (t.shape[-1] // pieces, pieces)).max(dim=-1).values


@pytest.mark.parametrize("shape, pieces", [((7, 12), 3), ((5, 4), 1), ((2, 3, 10), 5),
                                           ((8,), 2), ((4, 6), 6)])
def test_maxout_matches_torch(shape, pieces, device, dtype, rng, compare):
    z = (3 * rng.standard_normal(shape)).astype(dtype)
    dy = rng.standard_normal(shape[:-1] + (shape[-1] // pieces,)).astype(dtype)
    t = to_torch(z, device=device, requires_grad=True)
    h_t = torch_maxout(t, pieces)
    (dz_t,) = torch.autograd.grad(h_t, t, grad_outputs=to_torch(dy, device=device))
    h = A.maxout(z, pieces)
    dz = A.maxout_backward(dy, z, pieces)
    assert h.dtype == dtype and dz.dtype == dtype
    assert h.shape == tuple(h_t.shape) and dz.shape == z.shape
    compare("maxout", h, h_t, dtype=dtype)
    compare("maxout_backward", dz, dz_t, dtype=dtype)


def test_maxout_gradient_matches_finite_differences(rng):
    z = rng.standard_normal((4, 9))
    dy = rng.standard_normal((4, 3))
    numeric = numerical_gradient(lambda v: float(np.sum(dy * A.maxout(v, 3))), z.copy())
    assert np.allclose(A.maxout_backward(dy, z, 3), numeric, rtol=1e-7, atol=1e-9)


def test_maxout_ties_follow_torch(device):
    z = np.array([[1.0, 1.0, 0.0, -2.0, 5.0, 5.0]])
    dy = np.array([[2.0, 3.0]])
    t = to_torch(z, device=device, requires_grad=True)
    torch_maxout(t, 3).backward(to_torch(dy, device=device))
    expected = np.array([[2.0, 0.0, 0.0, 0.0, 3.0, 0.0]])
    assert np.array_equal(A.maxout_backward(dy, z, 3), expected)
    assert np.array_equal(t.grad.cpu().numpy(), expected)


def test_maxout_is_relu_and_leaky_relu(rng):
    z = rng.standard_normal(50)
    relu_pieces = np.stack([z, np.zeros_like(z)], axis=-1).reshape(-1)
    leaky_pieces = np.stack([z, 0.2 * z], axis=-1).reshape(-1)
    assert np.array_equal(A.maxout(relu_pieces, 2), A.relu(z))
    assert np.allclose(A.maxout(leaky_pieces, 2), A.leaky_relu(z, 0.2), rtol=1e-15, atol=0)


def test_maxout_does_not_mutate_and_promotes_integers():
    z = np.array([[3, 1, 2, 4]])
    before = z.copy()
    h = A.maxout(z, 2)
    assert h.dtype == np.float64 and np.array_equal(h, [[3.0, 4.0]])
    dz = A.maxout_backward(np.ones((1, 2)), z, 2)
    assert np.array_equal(dz, [[1.0, 0.0, 0.0, 1.0]]) and np.array_equal(z, before)


@pytest.mark.parametrize("func", ["maxout", "maxout_backward"])
@pytest.mark.parametrize("z, pieces, error, match", [
    (np.ones((2, 6)), 4, ValueError, r"the last axis of z must be a multiple of pieces=4.*\(2, 6\)"),
    (np.ones((2, 6)), 0, ValueError, r"pieces must be >= 1, got 0"),
    (np.ones((2, 6)), 2.0, TypeError, r"pieces must be an integer, got float"),
    (np.ones((2, 6)), True, TypeError, r"pieces must be an integer, got bool"),
    (np.array(1.0), 1, ValueError, r"z must have at least one dimension"),
    (np.ones((2, 6), dtype=complex), 2, TypeError, r"z must have a float32 or float64 dtype"),
    ("abc", 2, TypeError, r"z must be a NumPy array, got str"),
])
def test_maxout_bad_input(func, z, pieces, error, match):
    with pytest.raises(error, match=rf"{func}: {match}"):
        if func == "maxout":
            A.maxout(z, pieces)
        else:
            A.maxout_backward(np.ones((2, 3)), z, pieces)


def test_maxout_backward_bad_dy():
    z = np.ones((2, 6))
    with pytest.raises(ValueError, match=r"maxout_backward: dy must have shape \(2, 2\).*got \(2, 3\)"):
        A.maxout_backward(np.ones((2, 3)), z, 3)
    with pytest.raises(TypeError, match=r"maxout_backward: dy must be a NumPy array, got str"):
        A.maxout_backward("x", z, 3)
