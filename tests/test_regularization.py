"""Tests for dlbook.regularization (chapter 7): dropout, L2/L1 penalties, max-norm, early stopping,
and the weight-decay equivalences that the chapter relies on, against PyTorch.

Statistical tests and their false-failure rate
----------------------------------------------
The dropout statistics use a two-sided z threshold for ALPHA = 1e-6: if the implementation is
right, each check fails with probability at most 1e-6 for a random seed.  The seeds are fixed, so
the outcome is deterministic.  A wrong scale is still caught: with n = 10**6 units and p = 0.5 the
standard error of the mean of y (x = 1) is 1e-3, so a 1 % bias (e.g. scaling by 1/p instead of
1/(1-p) at p = 0.505) moves the statistic by about 10 standard errors.
"""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dlbook import regularization as reg
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.reference import to_numpy, to_torch

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)  # about 4.89


# ---------------------------------------------------------------------------------------- dropout

@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_matches_torch_given_the_mask(p, rng, dtype, device, compare):
    x = rng.standard_normal((7, 13)).astype(dtype)
    y, mask = reg.dropout(x, p, rng=rng)
    assert y.dtype == dtype and mask.dtype == dtype and y.shape == x.shape
    keep = mask != 0
    assert np.all((mask == 0) | (mask == dtype(1.0 / (1.0 - p))))
    xt = to_torch(x, device=device, requires_grad=True)
    yt = xt * to_torch(keep.astype(dtype), device=device) / (1.0 - p)
    compare("dropout", y, yt, dtype=dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    yt.backward(to_torch(dy, device=device))
    compare("dropout_backward", reg.dropout_backward(dy, mask), xt.grad, dtype=dtype)


def test_dropout_equals_torch_dropout_on_its_own_mask(device, compare):
    # F.dropout's own mask is recovered from its output on an all-ones input.
    torch.manual_seed(0)
    p = 0.3
    ones = torch.ones(50, 40, dtype=torch.float64, device=device)
    y_torch = F.dropout(ones, p=p, training=True)
    mask = to_numpy(y_torch)                          # entries 0 or 1/(1-p): dlbook's mask format
    x = np.random.default_rng(1).standard_normal((50, 40))
    xt = to_torch(x, device=device)
    torch.manual_seed(0)
    expected = F.dropout(xt, p=p, training=True)     # same seed, same mask
    compare("dropout", x * mask, expected)
    compare("dropout_backward", reg.dropout_backward(np.ones_like(x), mask), mask)


def test_dropout_backward_finite_differences(rng):
    x = rng.standard_normal((4, 6))
    _, mask = reg.dropout(x, 0.4, rng=rng)
    c = rng.standard_normal(x.shape)

    def f(z):
        return float(np.sum(c * reg.dropout_backward(z, mask)))   # y = z * mask is linear in z

    num = numerical_gradient(f, x.copy())
    assert relative_error(reg.dropout_backward(c, mask), num) < 1e-8


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_expectation_and_drop_fraction(p):
    n = 10**6
    x = np.ones(n)
    y, mask = reg.dropout(x, p, rng=np.random.default_rng(7))
    # E[y] = x: y_i is 0 or 1/(1-p); its variance is p/(1-p)
    se_mean = np.sqrt(p / (1 - p) / n)
    assert abs(y.mean() - 1.0) < Z * se_mean
    # fraction of zeros ~ Binomial(n, p) / n
    se_frac = np.sqrt(p * (1 - p) / n)
    assert abs(np.mean(y == 0) - p) < Z * se_frac
    # a per-unit check: the mean over 4000 draws of a fixed vector x is x
    x = np.linspace(-2, 3, 25)
    gen = np.random.default_rng(8)
    draws = np.stack([reg.dropout(x, p, rng=gen)[0] for _ in range(4000)])
    se = np.abs(x) * np.sqrt(p / (1 - p) / 4000)
    assert np.all(np.abs(draws.mean(axis=0) - x) <= Z * se + 1e-15)


def test_dropout_eval_and_p0_are_identity(rng, dtype):
    x = rng.standard_normal((5, 3)).astype(dtype)
    y, mask = reg.dropout(x, 0.5, training=False, rng=rng)
    assert y is x and mask is None
    y, mask = reg.dropout(x, 0.0, rng=rng)
    assert mask is None and np.array_equal(y, x)
    dy = rng.standard_normal(x.shape).astype(dtype)
    assert np.array_equal(reg.dropout_backward(dy, None), dy)
    with torch.no_grad():
        assert np.array_equal(to_numpy(F.dropout(torch.from_numpy(x), 0.5, training=False)), y)
        assert np.array_equal(to_numpy(F.dropout(torch.from_numpy(x), 0.0, training=True)), y)


def test_dropout_layer_keeps_its_mask(rng):
    layer = reg.Dropout(0.5, rng=np.random.default_rng(3))
    x = rng.standard_normal((6, 8))
    y = layer.forward(x)
    mask = layer.mask.copy()
    # the same generator state gives the same mask as the function
    y2, mask2 = reg.dropout(x, 0.5, rng=np.random.default_rng(3))
    assert np.array_equal(y, y2) and np.array_equal(mask, mask2)
    dy = rng.standard_normal(x.shape)
    assert np.array_equal(layer.backward(dy), dy * mask)
    layer.eval()
    assert layer.forward(x) is x and layer.mask is None
    assert np.array_equal(layer.backward(dy), dy)
    assert layer.train().training


def test_dropout_bad_input(rng):
    x = rng.standard_normal((3, 3))
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\), got 1.5"):
        reg.dropout(x, 1.5)
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\), got 1"):
        reg.dropout(x, 1.0)
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\), got -0.1"):
        reg.dropout(x, -0.1)
    with pytest.raises(TypeError, match="dropout: training must be a bool, got str"):
        reg.dropout(x, 0.5, training="yes")
    with pytest.raises(TypeError, match="dropout: rng must be a numpy.random.Generator"):
        reg.dropout(x, 0.5, rng=42)
    with pytest.raises(TypeError, match="dropout: x must have a float32 or float64 dtype"):
        reg.dropout(np.ones(3, dtype=complex))
    with pytest.raises(ValueError, match=r"dropout_backward: mask must have the shape of dy \(3, 3\), got \(3,\)"):
        reg.dropout_backward(x, np.ones(3))
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\), got 2"):
        reg.Dropout(2)


# -------------------------------------------------------------------------------- penalties

def _weights(rng, dtype):
    ws = [rng.standard_normal((4, 5)).astype(dtype), rng.standard_normal(7).astype(dtype)]
    ws[0][1, 2] = 0.0   # an exact zero: the L1 subgradient there is 0, as torch's abs backward
    return ws


def test_l2_penalty_matches_autograd(rng, dtype, device, compare):
    ws = _weights(rng, dtype)
    value, grads = reg.l2_penalty(ws, 0.3)
    wt = [to_torch(w, device=device, requires_grad=True) for w in ws]
    vt = 0.3 / 2 * sum((w * w).sum() for w in wt)
    vt.backward()
    compare("l2_penalty", value, vt, dtype=dtype)
    for g, w in zip(grads, wt):
        assert g.dtype == dtype and g.shape == w.shape
        compare("l2_penalty grad", g, w.grad, dtype=dtype)


def test_l1_penalty_matches_autograd(rng, dtype, device, compare):
    ws = _weights(rng, dtype)
    value, grads = reg.l1_penalty(ws, 0.3)
    wt = [to_torch(w, device=device, requires_grad=True) for w in ws]
    vt = 0.3 * sum(w.abs().sum() for w in wt)
    vt.backward()
    compare("l1_penalty", value, vt, dtype=dtype)
    for g, w in zip(grads, wt):
        assert g.dtype == dtype
        compare("l1_penalty grad", g, w.grad, dtype=dtype)
    assert grads[0][1, 2] == 0.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.05, 3.0), min_size=1, max_size=12),
       st.lists(st.booleans(), min_size=12, max_size=12), st.floats(0.0, 5.0))
def test_penalties_finite_differences(mags, signs, lam):
    # magnitudes >= 0.05 keep the finite differences away from the kink of |w| at 0
    w = np.array([m if s else -m for m, s in zip(mags, signs)])
    for penalty in (reg.l2_penalty, reg.l1_penalty):
        _, (g,) = penalty([w], lam)
        num = numerical_gradient(lambda z: penalty([z], lam)[0], w.copy())
        assert np.allclose(g, num, rtol=1e-7, atol=1e-7)


def test_penalty_bad_input(rng):
    w = rng.standard_normal((2, 2))
    with pytest.raises(TypeError, match=r"l2_penalty: weights must be a list of arrays \(wrap a single array as \[W\]\), got ndarray"):
        reg.l2_penalty(w, 0.1)
    with pytest.raises(ValueError, match=r"l1_penalty: lam must be in \[0, inf\), got -1"):
        reg.l1_penalty([w], -1.0)
    with pytest.raises(TypeError, match="l2_penalty: lam must be a real number, got str"):
        reg.l2_penalty([w], "0.1")
    with pytest.raises(TypeError, match=r"l1_penalty: weights\[1\] must have a float32 or float64 dtype"):
        reg.l1_penalty([w, np.array(["a"])], 0.1)


# ------------------------------------------------------------------- weight decay equivalences

def _quadratic_problem(seed=0):
    g = np.random.default_rng(seed)
    A = g.standard_normal((30, 6))
    b = g.standard_normal(30)
    w0 = g.standard_normal(6)
    return A, b, w0


def _torch_trajectory(opt_cls, w0, A, b, steps, extra_l2=0.0, **kw):
    w = torch.tensor(w0, requires_grad=True)
    At, bt = torch.tensor(A), torch.tensor(b)
    opt = opt_cls([w], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * ((At @ w - bt) ** 2).mean() + extra_l2 / 2 * (w * w).sum()
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


def test_sgd_weight_decay_equals_l2_penalty(compare):
    A, b, w0 = _quadratic_problem()
    lam, lr, steps = 0.1, 0.05, 25
    decay = _torch_trajectory(torch.optim.SGD, w0, A, b, steps, lr=lr, weight_decay=lam)
    penalty = _torch_trajectory(torch.optim.SGD, w0, A, b, steps, extra_l2=lam, lr=lr)
    compare("SGD weight_decay vs L2 penalty (torch)", decay, penalty, rtol=1e-12, atol=1e-12)
    # the same trajectory with dlbook's l2_penalty gradient and the decay form of the step
    w = w0.copy()
    ours = []
    for _ in range(steps):
        grad = A.T @ (A @ w - b) / len(b)
        _, (g_pen,) = reg.l2_penalty([w], lam)
        w = w - lr * (grad + g_pen)
        ours.append(w.copy())
    compare("SGD + l2_penalty vs torch SGD weight_decay", np.array(ours), decay, rtol=1e-12, atol=1e-12)
    # theta <- (1 - lr*lam) theta - lr grad J: the same step, written as a decay
    w = w0.copy()
    grad = A.T @ (A @ w - b) / len(b)
    compare("decay form of one step", (1 - lr * lam) * w - lr * grad, decay[0], rtol=1e-12, atol=1e-14)


def test_adamw_is_not_adam_with_l2():
    A, b, w0 = _quadratic_problem(1)
    kw = dict(lr=0.05, weight_decay=0.5)
    adam_l2 = _torch_trajectory(torch.optim.Adam, w0, A, b, 30, **kw)
    adam_pen = _torch_trajectory(torch.optim.Adam, w0, A, b, 30, extra_l2=0.5, lr=0.05)
    adamw = _torch_trajectory(torch.optim.AdamW, w0, A, b, 30, **kw)
    # Adam's weight_decay is an L2 penalty in the gradient ...
    np.testing.assert_allclose(adam_l2, adam_pen, rtol=1e-12, atol=1e-12)
    # ... AdamW's is not: the trajectories separate
    assert np.max(np.abs(adamw - adam_l2)) > 1e-2
    # AdamW = decay p by (1 - lr*lam), then a plain Adam step on J
    w = torch.tensor(w0, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.05)
    At, bt = torch.tensor(A), torch.tensor(b)
    ours = []
    for _ in range(30):
        opt.zero_grad()
        (0.5 * ((At @ w - bt) ** 2).mean()).backward()
        with torch.no_grad():
            w.mul_(1 - 0.05 * 0.5)
        opt.step()
        ours.append(w.detach().numpy().copy())
    np.testing.assert_allclose(np.array(ours), adamw, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------- max-norm

def test_max_norm_matches_torch_renorm(rng, dtype, device, compare):
    W = rng.standard_normal((20, 9)).astype(dtype)
    W[3] *= 1e-3                           # some rows far below the limit
    W[5] = 0.0                             # a zero row
    for r in (0.5, 2.0, 3.0, 100.0):
        out = reg.max_norm(W, r)
        assert out.dtype == dtype and out is not W
        expected = torch.renorm(to_torch(W, device=device), p=2, dim=0, maxnorm=r)
        compare("max_norm", out, expected, dtype=dtype)
        norms = np.linalg.norm(out.astype(np.float64), axis=1)
        # torch's 1e-7 in the denominator leaves rescaled rows a hair below r
        assert np.all(norms <= r * (1 + 1e-6))
        big = np.linalg.norm(W.astype(np.float64), axis=1) > r
        if dtype == np.float64 and big.any():
            row = np.linalg.norm(W[big], axis=1)
            np.testing.assert_allclose(norms[big], r * row / (row + 1e-7), rtol=1e-13)
            # compared with the epsilon-free rule w r/||w||: a relative gap of about 1e-7/||w||
            exact = W[big] * (r / np.linalg.norm(W[big], axis=1))[:, None]
            gap = np.max(np.abs(out[big] - exact) / np.abs(exact).max())
            assert 1e-10 < gap < 1e-7 / r * 1.01
        assert np.array_equal(out[~big], W[~big])     # rows under the limit are untouched
    W4 = rng.standard_normal((3, 2, 2, 2)).astype(dtype)
    compare("max_norm", reg.max_norm(W4, 1.0),
            torch.renorm(to_torch(W4, device=device), p=2, dim=0, maxnorm=1.0), dtype=dtype)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.floats(0.01, 10.0), st.integers(0, 2**31))
def test_max_norm_bounds_rows(out_f, in_f, r, seed):
    W = np.random.default_rng(seed).standard_normal((out_f, in_f)) * 3
    out = reg.max_norm(W, r)
    assert np.all(np.linalg.norm(out, axis=1) <= r)
    # direction is kept
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    np.testing.assert_allclose(out / np.linalg.norm(out, axis=1, keepdims=True), W / norms, rtol=1e-12)


def test_max_norm_bad_input(rng):
    with pytest.raises(ValueError, match=r"max_norm: W must be at least 2-D \(rows = units\), got shape \(3,\)"):
        reg.max_norm(np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"max_norm: max_value must be in \[0, inf\), got -1"):
        reg.max_norm(np.ones((2, 2)), -1.0)


# ----------------------------------------------------------------------------- early stopping

def test_early_stopping_patience_counting():
    es = reg.EarlyStopping(patience=2)
    losses = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.71, 0.72]
    stops = [es.step(v) for v in losses]
    assert stops == [False, False, False, True, False, False, True, True]
    assert es.best == 0.7 and es.best_step == 4 and es.num_bad_steps == 3 and es.steps == 8


def test_early_stopping_min_delta_and_max_mode():
    es = reg.EarlyStopping(patience=1, min_delta=0.05)
    assert not es.step(1.0)
    assert es.step(0.97)                # better, but by less than min_delta: a bad step
    assert es.best == 1.0
    assert not es.step(0.9) and es.best == 0.9
    acc = reg.EarlyStopping(patience=2, mode="max")
    assert acc.best == -np.inf
    assert [acc.step(a) for a in [0.5, 0.6, 0.55, 0.6, 0.7]] == [False, False, False, True, False]
    assert acc.best == 0.7 and acc.best_step == 4
    zero = reg.EarlyStopping(patience=0)
    assert not zero.step(1.0) and zero.step(1.0)


def test_early_stopping_nan_never_improves():
    es = reg.EarlyStopping(patience=2)
    assert not es.step(float("nan"))
    assert es.best_step == -1
    assert not es.step(1.0) and es.best == 1.0
    assert not es.step(float("nan")) and es.step(float("nan"))


def test_early_stopping_best_params_is_a_copy_and_restores(rng):
    params = [rng.standard_normal((3, 2)), rng.standard_normal(3)]
    es = reg.EarlyStopping(patience=3)
    es.step(0.5, params)
    saved = copy.deepcopy(params)
    for p in params:                  # training goes on, in place
        p += 1.0
    es.step(0.6, params)              # worse: nothing saved
    for a, b in zip(es.best_params, saved):
        assert np.array_equal(a, b)
        assert not np.shares_memory(a, params[0]) and not np.shares_memory(a, params[1])
    ids = [id(p) for p in params]
    es.restore(params)
    assert [id(p) for p in params] == ids
    for a, b in zip(params, saved):
        assert np.array_equal(a, b)
    es.step(0.1, params)
    params[0] += 5.0
    assert not np.array_equal(es.best_params[0], params[0])


def test_early_stopping_bad_input():
    with pytest.raises(ValueError, match="EarlyStopping: patience must be >= 0, got -1"):
        reg.EarlyStopping(-1)
    with pytest.raises(TypeError, match="EarlyStopping: patience must be an integer, got float"):
        reg.EarlyStopping(2.5)
    with pytest.raises(ValueError, match=r"EarlyStopping: min_delta must be in \[0, inf\), got -0.1"):
        reg.EarlyStopping(2, min_delta=-0.1)
    with pytest.raises(ValueError, match="EarlyStopping: mode must be one of 'min', 'max', got 'best'"):
        reg.EarlyStopping(2, mode="best")
    es = reg.EarlyStopping(2)
    with pytest.raises(TypeError, match="EarlyStopping.step: metric must be a real number, got str"):
        es.step("0.5")
    with pytest.raises(RuntimeError, match="EarlyStopping.restore: no parameters were saved"):
        es.restore([np.zeros(2)])
    es.step(1.0, [np.zeros(2)])
    with pytest.raises(ValueError, match="EarlyStopping.restore: params must hold 1 arrays, got 2"):
        es.restore([np.zeros(2), np.zeros(2)])


# ------------------------------------------------- dlbook.optim's weight decay against torch.optim

def _dlbook_trajectory(opt, w, A, b, steps, extra_l2=0.0):
    out = []
    for _ in range(steps):
        grad = A.T @ (A @ w - b) / len(b)
        if extra_l2:
            grad = grad + reg.l2_penalty([w], extra_l2)[1][0]
        opt.step([grad])
        out.append(w.copy())
    return np.array(out)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_dlbook_optim_weight_decay_matches_torch(name, compare):
    from dlbook import optim
    A, b, w0 = _quadratic_problem(2)
    kw = dict(lr=0.05, weight_decay=0.2)
    w = w0.copy()
    ours = _dlbook_trajectory(getattr(optim, name)([w], **kw), w, A, b, 25)
    theirs = _torch_trajectory(getattr(torch.optim, name), w0, A, b, 25, foreach=False, **kw)
    compare(f"optim.{name} weight_decay vs torch", ours, theirs, rtol=1e-10, atol=1e-12)
    if name != "AdamW":   # coupled decay: the same as the L2 penalty in the gradient
        w = w0.copy()
        pen = _dlbook_trajectory(getattr(optim, name)([w], lr=0.05), w, A, b, 25, extra_l2=0.2)
        compare(f"optim.{name} weight_decay vs l2_penalty", ours, pen, rtol=1e-12, atol=1e-12)
    else:                 # decoupled decay: not the same as Adam + L2
        w = w0.copy()
        adam_l2 = _dlbook_trajectory(optim.Adam([w], **kw), w, A, b, 25)
        assert np.max(np.abs(ours - adam_l2)) > 1e-3
