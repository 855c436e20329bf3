"""Tests for the information measures of dlbook.losses (chapter 2): entropy, cross-entropy and
KL divergence against torch.distributions and torch.nn.functional, their identities, the
conventions at zero probabilities, and the messages for bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Categorical, kl_divergence as torch_kl

from dlbook import losses
from dlbook.reference import to_torch


def random_distributions(rng, shape, dtype, zeros=False):
    """Softmax of random logits along the last axis; with ``zeros``, some entries exactly 0."""
    logits = 2.0 * rng.normal(size=shape)
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    if zeros:
        p[..., ::3] = 0.0  # every third category impossible (the others stay positive)
    p /= p.sum(axis=-1, keepdims=True)
    return p.astype(dtype)


@pytest.mark.parametrize("shape", [(5,), (7, 4), (2, 3, 6)])
def test_entropy_matches_torch(shape, device, dtype, rng, compare):
    p = random_distributions(rng, shape, dtype)
    h = losses.entropy(p)
    h_t = Categorical(probs=to_torch(p, device=device)).entropy()
    assert h.shape == shape[:-1] and h.dtype == dtype
    compare("entropy", h, h_t, dtype=dtype)


@pytest.mark.parametrize("shape", [(5,), (7, 4), (2, 3, 6)])
def test_kl_divergence_matches_torch_distributions_and_kl_div(shape, device, dtype, rng,
                                                              compare):
    p, q = (random_distributions(rng, shape, dtype) for _ in range(2))
    kl = losses.kl_divergence(p, q)
    pt, qt = to_torch(p, device=device), to_torch(q, device=device)
    assert kl.shape == shape[:-1] and kl.dtype == dtype
    compare("kl_divergence", kl, torch_kl(Categorical(probs=pt), Categorical(probs=qt)),
            dtype=dtype)
    compare("kl_divergence (F.kl_div)", kl,
            F.kl_div(qt.log(), pt, reduction="none").sum(-1), dtype=dtype)


def test_cross_entropy_matches_torch_probability_targets(device, dtype, rng, compare):
    p, q = (random_distributions(rng, (9, 5), dtype) for _ in range(2))
    ce = losses.cross_entropy(p, q)
    pt, qt = to_torch(p, device=device), to_torch(q, device=device)
    ce_t = F.cross_entropy(qt.log(), pt, reduction="none")
    assert ce.shape == (9,) and ce.dtype == dtype
    compare("cross_entropy", ce, ce_t, dtype=dtype)


def test_identities_in_float64(rng):
    p, q = (random_distributions(rng, (50, 8), np.float64) for _ in range(2))
    h, ce, kl = losses.entropy(p), losses.cross_entropy(p, q), losses.kl_divergence(p, q)
    np.testing.assert_allclose(ce, h + kl, rtol=1e-12, atol=1e-14)  # H(p, q) = H(p) + KL
    assert np.all(kl > 0) and np.all(ce > h)  # Gibbs' inequality, strict for p != q
    assert np.all(h >= 0) and np.all(h <= np.log(8) + 1e-15)
    assert np.all(losses.kl_divergence(p, p) == 0.0)  # exactly, term by term
    np.testing.assert_allclose(losses.cross_entropy(p, p), h, rtol=1e-15)
    assert not np.allclose(losses.kl_divergence(p, q), losses.kl_divergence(q, p))


def test_known_values():
    uniform = np.full(4, 0.25)
    onehot = np.array([0.0, 1.0, 0.0, 0.0])
    assert abs(float(losses.entropy(uniform)) - np.log(4)) < 1e-15
    assert float(losses.entropy(onehot)) == 0.0  # 0 log 0 = 0
    assert not np.signbit(losses.entropy(onehot))  # +0.0, which prints as 0, not -0
    assert not np.signbit(losses.cross_entropy(onehot, onehot))
    # one-hot p: the cross-entropy is -log q_y, the loss of softmax_cross_entropy
    q = np.array([0.1, 0.6, 0.2, 0.1])
    assert abs(float(losses.cross_entropy(onehot, q)) + np.log(0.6)) < 1e-15
    logits = np.log(q)[None, :]
    loss, _ = losses.softmax_cross_entropy(logits, np.array([1]))
    assert abs(float(losses.cross_entropy(onehot, q)) - loss) < 1e-15
    # KL of two Bernoulli distributions by hand
    kl = float(losses.kl_divergence(np.array([0.5, 0.5]), np.array([0.9, 0.1])))
    assert abs(kl - (0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(0.5 / 0.1))) < 1e-15


def test_zero_probabilities_follow_the_conventions(rng, compare):
    p = random_distributions(rng, (6, 7), np.float64, zeros=True)
    q = random_distributions(rng, (6, 7), np.float64)
    pt, qt = torch.from_numpy(p), torch.from_numpy(q)
    compare("entropy (zeros in p)", losses.entropy(p), Categorical(probs=pt).entropy())
    compare("kl_divergence (zeros in p)", losses.kl_divergence(p, q),
            torch_kl(Categorical(probs=pt), Categorical(probs=qt)))
    # q = 0 where p > 0: infinite cross-entropy and divergence, no warning
    with np.errstate(all="raise"):
        assert np.all(np.isinf(losses.cross_entropy(q, p)))
        assert np.all(np.isinf(losses.kl_divergence(q, p)))
        assert np.all(np.isfinite(losses.kl_divergence(p, q)))


def test_inputs_are_not_modified(rng):
    p, q = (random_distributions(rng, (4, 3), np.float64) for _ in range(2))
    p0, q0 = p.copy(), q.copy()
    losses.entropy(p), losses.cross_entropy(p, q), losses.kl_divergence(p, q)
    assert np.array_equal(p, p0) and np.array_equal(q, q0)


@pytest.mark.parametrize("name", ["entropy", "cross_entropy", "kl_divergence"])
@pytest.mark.parametrize("bad, error, message", [
    (np.array([0.5, 0.6]), ValueError, "p must sum to 1 along its last axis, got a sum of 1.1"),
    (np.array([1.2, -0.2]), ValueError, "p must be non-negative, got a minimum of -0.2"),
    (np.array([np.nan, 1.0]), ValueError, "p must be finite"),
    (np.array(1.0), ValueError, "p must have at least one category"),
    (np.zeros((3, 0)), ValueError, "p must have at least one category"),
    (np.array(["a", "b"]), TypeError, "p must have a float32 or float64 dtype, got <U1"),
    ("0.5 0.5", TypeError, "p must be a NumPy array, got str"),
])
def test_bad_p_is_refused_with_a_message(name, bad, error, message):
    fn = getattr(losses, name)
    args = (bad,) if name == "entropy" else (bad, np.array([0.5, 0.5]))
    with pytest.raises(error, match=f"^{name}: " + message.replace("(", r"\(")
                       .replace(")", r"\)")):
        fn(*args)


@pytest.mark.parametrize("name", ["cross_entropy", "kl_divergence"])
def test_bad_q_is_refused_with_a_message(name):
    fn = getattr(losses, name)
    p = np.array([0.25, 0.75])
    with pytest.raises(ValueError, match=rf"^{name}: q must have the shape of p \(2,\), "
                                         r"got \(3,\)"):
        fn(p, np.full(3, 1 / 3))
    with pytest.raises(TypeError, match=f"^{name}: q must have the dtype of p float64, "
                                        "got float32"):
        fn(p, p.astype(np.float32))
    with pytest.raises(ValueError, match=f"^{name}: q must sum to 1"):
        fn(p, np.array([0.5, 0.2]))
    with pytest.raises(ValueError, match=f"^{name}: q must be non-negative"):
        fn(p, np.array([1.5, -0.5]))
