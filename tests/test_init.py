"""Tests for dlbook.init (chapter 3): gains, fans and initializer distributions vs torch.nn.init.

Statistical tests and their false-failure rate
----------------------------------------------
Every statistical check below uses a significance level ALPHA = 1e-6: if the implementation is
right, each check fails with probability at most 1e-6 for a random seed (about 1e-4 for the whole
file, which runs fewer than 100 such checks). The seeds are fixed (the ``rng`` fixture and
``torch.manual_seed``), so the outcome is in fact deterministic: a pass today is a pass on every
run. A wrong scale is still caught: with n = 131,072 samples a 1 % error in the standard deviation
moves the variance statistic by about 7 (normal) or 11 (uniform) standard errors, beyond the
4.9 threshold, and the Kolmogorov-Smirnov tests see any change of shape.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dlbook import init
from dlbook.init import _orthogonal_from_gaussian
from dlbook.reference import to_numpy

ALPHA = 1e-6
Z = stats.norm.isf(ALPHA / 2)  # two-sided z threshold, about 4.89
SHAPE = (256, 512)  # 131,072 samples: fan_in 512, fan_out 256
N = SHAPE[0] * SHAPE[1]
SEED = 20261124

LINEAR_NAMES = ["linear", "conv1d", "conv2d", "conv3d",
                "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
ALL_NAMES = LINEAR_NAMES + ["sigmoid", "tanh", "relu", "leaky_relu", "selu"]


def torch_fans(shape):
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


# Each initializer: (kind, scale computed with PyTorch's own arithmetic, torch filler).
# kind "uniform": scale is the bound a of U(-a, a); kind "normal": scale is the std.
def torch_spec(name, shape, gain=1.0, mode="fan_in"):
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    if name == "xavier_uniform":
        std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
        return "uniform", math.sqrt(3.0) * std, lambda w: torch.nn.init.xavier_uniform_(w, gain=gain)
    if name == "xavier_normal":
        std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
        return "normal", std, lambda w: torch.nn.init.xavier_normal_(w, gain=gain)
    if name == "he_uniform":
        std = torch.nn.init.calculate_gain("relu") / math.sqrt(fan)
        return "uniform", math.sqrt(3.0) * std, lambda w: torch.nn.init.kaiming_uniform_(
            w, mode=mode, nonlinearity="relu")
    if name == "he_normal":
        std = torch.nn.init.calculate_gain("relu") / math.sqrt(fan)
        return "normal", std, lambda w: torch.nn.init.kaiming_normal_(
            w, mode=mode, nonlinearity="relu")
    if name == "lecun_normal":
        std = torch.nn.init.calculate_gain("linear") / math.sqrt(fan_in)
        return "normal", std, lambda w: torch.nn.init.kaiming_normal_(
            w, mode="fan_in", nonlinearity="linear")
    raise KeyError(name)


def draw(name, shape, rng, gain=1.0, mode="fan_in", dtype=np.float64):
    fn = getattr(init, name)
    kwargs = {"rng": rng, "dtype": dtype}
    if name.startswith("xavier"):
        kwargs["gain"] = gain
    if name.startswith("he"):
        kwargs["mode"] = mode
    return fn(shape, **kwargs)


CASES = [("xavier_uniform", 1.0, "fan_in"), ("xavier_uniform", 5 / 3, "fan_in"),
         ("xavier_normal", 1.0, "fan_in"), ("xavier_normal", 2.0, "fan_in"),
         ("he_uniform", 1.0, "fan_in"), ("he_uniform", 1.0, "fan_out"),
         ("he_normal", 1.0, "fan_in"), ("he_normal", 1.0, "fan_out"),
         ("lecun_normal", 1.0, "fan_in")]
CASE_IDS = [f"{n}-g{g:.3g}-{m}" for n, g, m in CASES]


# ---------------------------------------------------------------- gains and fans
@pytest.mark.parametrize("name", ALL_NAMES)
def test_gain_matches_torch(name, compare):
    compare("calculate_gain", init.calculate_gain(name), torch.nn.init.calculate_gain(name))
    assert isinstance(init.calculate_gain(name), float)


@pytest.mark.parametrize("param", [None, 0, 0.01, 0.2, 1, -0.5, 3, 5.5])
def test_leaky_relu_gain_matches_torch(param, compare):
    compare("calculate_gain", init.calculate_gain("leaky_relu", param),
            torch.nn.init.calculate_gain("leaky_relu", param))


@settings(max_examples=30, deadline=None)
@given(st.floats(-100.0, 100.0, allow_nan=False))
def test_leaky_relu_gain_hypothesis(slope):
    expected = torch.nn.init.calculate_gain("leaky_relu", slope)
    assert abs(init.calculate_gain("leaky_relu", slope) - expected) <= 1e-15 * expected


def test_known_gain_values():
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh", 7.0) == 5.0 / 3  # param ignored, as in torch


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 1), (4, 3, 2), (8, 4, 3, 3),
                                   (2, 3, 1, 4, 5), [7, 2]])
def test_fans_match_torch(shape):
    assert init.fan_in_and_fan_out(shape) == torch_fans(tuple(shape))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=2, max_size=5))
def test_fans_hypothesis(shape):
    fans = init.fan_in_and_fan_out(tuple(shape))
    assert fans == torch_fans(tuple(shape))
    assert all(isinstance(f, int) for f in fans)


# ------------------------------------------------------ exact formula (deterministic)
@pytest.mark.parametrize("name,gain,mode", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("shape", [(30, 70), (70, 30), (6, 4, 3, 3)])
def test_scale_equals_torch_formula(name, gain, mode, shape, dtype, compare):
    """With a seeded generator the weights are exactly the standard draw times torch's scale."""
    kind, scale, _ = torch_spec(name, shape, gain, mode)
    w = draw(name, shape, np.random.default_rng(SEED), gain, mode, dtype)
    ref = np.random.default_rng(SEED)
    base = ref.uniform(-scale, scale, size=shape) if kind == "uniform" else scale * ref.standard_normal(shape)
    assert w.shape == tuple(shape) and w.dtype == dtype
    compare(name, w, base.astype(dtype), dtype=dtype)


# --------------------------------------------------------------- statistical tests
@pytest.mark.parametrize("name,gain,mode", CASES, ids=CASE_IDS)
def test_distribution_matches_formula(name, gain, mode, rng):
    kind, scale, _ = torch_spec(name, SHAPE, gain, mode)
    w = draw(name, SHAPE, rng, gain, mode).ravel()
    if kind == "uniform":
        dist, var, kurtosis = stats.uniform(loc=-scale, scale=2 * scale), scale**2 / 3, 9 / 5
        assert np.all(np.abs(w) <= scale)
        # P(max|w| < a (1 - 2e-4)) = (1 - 2e-4)^N = exp(-26) < ALPHA
        assert np.abs(w).max() > scale * (1 - 2e-4)
    else:
        dist, var, kurtosis = stats.norm(0.0, scale), scale**2, 3.0
    # z-test on the mean
    assert abs(w.mean()) / math.sqrt(var / N) < Z
    # z-test on the variance: Var(s^2) ~ var^2 (kurtosis - 1) / N for large N
    s2 = w.var(ddof=1)
    assert abs(s2 - var) / (var * math.sqrt((kurtosis - 1) / N)) < Z
    # Kolmogorov-Smirnov against the exact distribution
    assert stats.kstest(w, dist.cdf, method="asymp").pvalue > ALPHA


def test_statistical_test_can_fail(rng):
    """The variance test rejects a 1 % error in the standard deviation (sanity of the power)."""
    kind, scale, _ = torch_spec("xavier_normal", SHAPE)
    w = 1.01 * init.xavier_normal(SHAPE, rng=rng).ravel()
    assert abs(w.var(ddof=1) - scale**2) / (scale**2 * math.sqrt(2 / N)) > Z


@pytest.mark.parametrize("name,gain,mode", CASES, ids=CASE_IDS)
def test_two_sample_ks_against_torch(name, gain, mode, device, rng):
    _, _, fill = torch_spec(name, SHAPE, gain, mode)
    torch.manual_seed(SEED)
    wt = to_numpy(fill(torch.empty(SHAPE, dtype=torch.float64, device=device))).ravel()
    w = draw(name, SHAPE, rng, gain, mode).ravel()
    assert stats.ks_2samp(w, wt, method="asymp").pvalue > ALPHA


# ------------------------------------------------------------------- orthogonal
ORTHO_SHAPES = [(50, 20), (20, 50), (64, 64), (8, 3, 3, 3), (27, 2, 2)]


@pytest.mark.parametrize("shape", ORTHO_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_is_orthogonal(shape, gain, dtype, rng, compare):
    w = init.orthogonal(shape, gain=gain, rng=rng, dtype=dtype)
    assert w.shape == shape and w.dtype == dtype
    m = w.reshape(shape[0], -1).astype(np.float64)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    # float32: entries are rounded to 2^-24 relative, so the Gram matrix is good to ~1e-6
    tol = {} if dtype == np.float64 else {"rtol": 1e-5, "atol": 2e-6 * gain**2}
    compare("orthogonal (W^T W = g^2 I)", gram, gain**2 * np.eye(min(rows, cols)), dtype=dtype, **tol)


@pytest.mark.parametrize("shape", ORTHO_SHAPES)
def test_orthogonal_equals_torch_on_same_gaussian(shape, device, compare):
    """Feed torch.nn.init.orthogonal_ and ours the same Gaussian matrix: same result."""
    rows, cols = shape[0], math.prod(shape[1:])
    torch.manual_seed(SEED)
    a = torch.empty((rows, cols), dtype=torch.float64, device=device).normal_(0, 1)
    torch.manual_seed(SEED)
    wt = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64, device=device), gain=1.7)
    ours = 1.7 * _orthogonal_from_gaussian(to_numpy(a))
    compare("orthogonal", ours.reshape(shape), wt)


def test_orthogonal_entries_match_torch_distribution(device, rng):
    """Haar-distributed entries: two-sample KS against torch's orthogonal_."""
    torch.manual_seed(SEED)
    wt = np.concatenate([to_numpy(torch.nn.init.orthogonal_(
        torch.empty(64, 64, dtype=torch.float64, device=device))).ravel() for _ in range(8)])
    w = np.concatenate([init.orthogonal((64, 64), rng=rng).ravel() for _ in range(8)])
    assert stats.ks_2samp(w, wt, method="asymp").pvalue > ALPHA
    # entries of a Haar orthogonal n x n matrix have mean 0 and variance exactly 1/n
    assert abs(w.mean()) / math.sqrt(1 / 64 / w.size) < Z


# --------------------------------------------------------------- reproducibility
@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
                                  "lecun_normal", "orthogonal"])
def test_reproducible_and_dtype(name):
    fn = getattr(init, name)
    a = fn((40, 30), rng=np.random.default_rng(7))
    b = fn((40, 30), rng=np.random.default_rng(7))
    c = fn((40, 30), rng=np.random.default_rng(8))
    d = fn((40, 30), rng=np.random.default_rng(7), dtype=np.float32)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.dtype == np.float64 and d.dtype == np.float32
    assert np.array_equal(d, a.astype(np.float32))
    assert fn((40, 30)).shape == (40, 30)  # rng=None: a fresh generator


# ------------------------------------------------------------------- bad input
def test_bad_nonlinearity():
    with pytest.raises(ValueError, match=r"^calculate_gain: nonlinearity must be one of "
                                         r"'linear', .*, got 'softmax'$"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="nonlinearity must be one of .*, got 'ReLU'$"):
        init.calculate_gain("ReLU")
    with pytest.raises(TypeError, match=r"^calculate_gain: param \(the negative slope of "
                                        r"'leaky_relu'\) must be a real number, got str$"):
        init.calculate_gain("leaky_relu", "a")
    with pytest.raises(TypeError, match="must be a real number, got bool$"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape,err,msg", [
    ((5,), ValueError, r"shape must have at least 2 dimensions .*, got \(5,\)$"),
    ((), ValueError, r"shape must have at least 2 dimensions .*, got \(\)$"),
    (5, ValueError, "shape must have at least 2 dimensions"),
    ((0, 3), ValueError, r"every dimension of shape must be >= 1, got \(0, 3\)"),
    ((3, -2), ValueError, r"must be >= 1, got \(3, -2\)"),
    ((3.0, 2), TypeError, "shape must be a tuple of ints"),
    (np.zeros((3, 2)), TypeError, "such as W.shape"),
])
@pytest.mark.parametrize("fn", [init.fan_in_and_fan_out, init.xavier_uniform, init.xavier_normal,
                                init.he_uniform, init.he_normal, init.lecun_normal, init.orthogonal])
def test_bad_shape(fn, shape, err, msg):
    with pytest.raises(err, match=msg):
        fn(shape)


@pytest.mark.parametrize("fn", [init.xavier_uniform, init.xavier_normal, init.orthogonal])
def test_bad_gain(fn):
    name = fn.__name__
    with pytest.raises(ValueError, match=rf"{name}: gain must be in \(0, inf\], got -1"):
        fn((3, 4), gain=-1.0)
    with pytest.raises(ValueError, match=rf"{name}: gain must be in \(0, inf\], got 0"):
        fn((3, 4), gain=0)
    with pytest.raises(ValueError, match=f"{name}: gain must be in"):
        fn((3, 4), gain=float("nan"))
    with pytest.raises(ValueError, match=f"{name}: gain must be finite, got inf"):
        fn((3, 4), gain=float("inf"))
    with pytest.raises(TypeError, match=f"{name}: gain must be a real number, got str"):
        fn((3, 4), gain="2")


def test_bad_mode_dtype_rng():
    with pytest.raises(ValueError, match="he_normal: mode must be one of 'fan_in', 'fan_out', got 'fan_avg'"):
        init.he_normal((3, 4), mode="fan_avg")
    with pytest.raises(TypeError, match="xavier_uniform: dtype must be float32 or float64, got"):
        init.xavier_uniform((3, 4), dtype=np.int64)
    with pytest.raises(TypeError, match="orthogonal: dtype must be float32 or float64"):
        init.orthogonal((3, 4), dtype="complex128")
    with pytest.raises(TypeError, match="lecun_normal: rng must be a numpy.random.Generator or None, got int"):
        init.lecun_normal((3, 4), rng=42)
