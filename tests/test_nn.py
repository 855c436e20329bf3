"""Tests for dlbook.nn (chapter 2): affine layers and MLPs against PyTorch and finite differences.

Every forward value and every gradient is compared with ``torch.nn.functional.linear`` /
``torch.nn.Sequential`` and torch.autograd on each available device, in float64 at rtol 1e-10 and
in float32 at float32 precision; float64 backward passes are also checked against central
differences (:func:`dlbook.gradcheck.numerical_gradient`).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dlbook import losses, nn
from dlbook.gradcheck import numerical_gradient, relative_error
from dlbook.reference import to_torch

TORCH_ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "tanh": torch.nn.Tanh,
    "sigmoid": torch.nn.Sigmoid,
    "leaky_relu": torch.nn.LeakyReLU,  # default negative_slope 0.01, as dlbook's
    "elu": torch.nn.ELU,
    "selu": torch.nn.SELU,
    "swish": torch.nn.SiLU,
    "softplus": torch.nn.Softplus,  # default beta 1, threshold 20, as dlbook's
    "identity": torch.nn.Identity,
}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}


# --------------------------------------------------------------------------- helpers
def torch_linear_grads(x, W, b, dy, device):
    """y and (dx, dW, db) of y = F.linear(x, W, b) for upstream dy, by torch.autograd."""
    xt, Wt, bt = (to_torch(a, device=device, requires_grad=True) for a in (x, W, b))
    y = F.linear(xt, Wt, bt)
    y.backward(to_torch(dy, device=device))
    return y, xt.grad, Wt.grad, bt.grad


def torch_sequential(model: nn.MLP, device):
    """The torch.nn.Sequential equivalent of ``model``, holding copies of its weights."""
    modules = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.in_features, layer.out_features)
        modules.append(linear)
        if i < len(model.layers) - 1:
            modules.append(TORCH_ACTIVATIONS[model.activation]())
    seq = torch.nn.Sequential(*modules).to(device=device, dtype=TORCH_DTYPE[model.layers[0].weight.dtype.type])
    with torch.no_grad():
        for i, layer in enumerate(model.layers):
            seq[2 * i].weight.copy_(to_torch(layer.weight, device=device))
            seq[2 * i].bias.copy_(to_torch(layer.bias, device=device))
    return seq


def mlp_and_torch_grads(model, x, dy, device):
    """Run ``model`` and its torch twin forward and backward; return both results."""
    out = model.forward(x)
    dx = model.backward(dy)
    seq = torch_sequential(model, device)
    xt = to_torch(x, device=device, requires_grad=True)
    out_t = seq(xt)
    out_t.backward(to_torch(dy, device=device))
    return (out, dx, model.grads()), (out_t, xt.grad, [p.grad for p in seq.parameters()])


# --------------------------------------------------------------------------- linear_forward/backward
def test_linear_forward_backward_match_torch(device, dtype, rng, compare):
    x = rng.normal(size=(7, 5)).astype(dtype)
    W = rng.normal(size=(3, 5)).astype(dtype)
    b = rng.normal(size=3).astype(dtype)
    dy = rng.normal(size=(7, 3)).astype(dtype)
    y, cache = nn.linear_forward(x, W, b)
    dx, dW, db = nn.linear_backward(dy, cache)
    y_t, dx_t, dW_t, db_t = torch_linear_grads(x, W, b, dy, device)
    assert y.dtype == dx.dtype == dW.dtype == db.dtype == dtype
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    compare("linear_forward", y, y_t, dtype=dtype)
    compare("linear_backward dx", dx, dx_t, dtype=dtype)
    compare("linear_backward dW", dW, dW_t, dtype=dtype)
    compare("linear_backward db", db, db_t, dtype=dtype)


def test_linear_cache_is_a_namedtuple_of_the_inputs(rng):
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2)
    _, cache = nn.linear_forward(x, W, b)
    assert isinstance(cache, nn.LinearCache) and cache._fields == ("x", "W")
    assert cache.x is x and cache.W is W


def test_linear_backward_matches_finite_differences(rng):
    x, W, b = rng.normal(size=(6, 4)), rng.normal(size=(3, 4)), rng.normal(size=3)
    g = rng.normal(size=(6, 3))  # loss = sum(g * y), so dL/dy = g

    def loss(_):
        return float(np.sum(g * nn.linear_forward(x, W, b)[0]))

    dx, dW, db = nn.linear_backward(g, nn.linear_forward(x, W, b)[1])
    for analytic, arg in ((dx, x), (dW, W), (db, b)):
        assert relative_error(analytic, numerical_gradient(loss, arg)) < 1e-9


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 9), d=st.integers(1, 9), m=st.integers(1, 9), seed=st.integers(0, 2**32 - 1))
def test_linear_any_shape_matches_torch(n, d, m, seed):
    r = np.random.default_rng(seed)
    x, W, b, dy = r.normal(size=(n, d)), r.normal(size=(m, d)), r.normal(size=m), r.normal(size=(n, m))
    y, cache = nn.linear_forward(x, W, b)
    grads = nn.linear_backward(dy, cache)
    expected = torch_linear_grads(x, W, b, dy, "cpu")
    for ours, theirs in zip((y, *grads), expected):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_linear_forward_accepts_integer_input_as_float64():
    y, _ = nn.linear_forward([[1, 2]], np.ones((1, 2)), np.zeros(1))
    assert y.dtype == np.float64 and y[0, 0] == 3.0


@pytest.mark.parametrize("args, error, message", [
    ((np.ones(3), np.ones((2, 3)), np.ones(2)), ValueError, r"linear_forward: x must be 2-D, got shape \(3,\)"),
    ((np.ones((4, 3)), np.ones((2, 5)), np.ones(2)), ValueError,
     r"linear_forward: W must have shape \(M, 3\) to match x \(4, 3\), got \(2, 5\)"),
    ((np.ones((4, 3)), np.ones((2, 3)), np.ones(3)), ValueError, r"linear_forward: b must have shape \(2,\), got \(3,\)"),
    ((np.ones((4, 3)), np.ones((2, 3)), np.ones((1, 2))), ValueError, r"linear_forward: b must be 1-D"),
    ((np.ones((4, 3), complex), np.ones((2, 3)), np.ones(2)), TypeError,
     r"linear_forward: x must have a float32 or float64 dtype, got complex128"),
    (("abc", np.ones((2, 3)), np.ones(2)), TypeError, r"linear_forward: x must be a NumPy array, got str"),
])
def test_linear_forward_rejects_bad_input(args, error, message):
    with pytest.raises(error, match=message):
        nn.linear_forward(*args)


def test_linear_backward_rejects_bad_input():
    _, cache = nn.linear_forward(np.ones((4, 3)), np.ones((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match=r"linear_backward: dy must have shape \(4, 2\), got \(4, 3\)"):
        nn.linear_backward(np.ones((4, 3)), cache)
    with pytest.raises(ValueError, match=r"linear_backward: dy must be 2-D, got shape \(8,\)"):
        nn.linear_backward(np.ones(8), cache)
    with pytest.raises(TypeError, match=r"linear_backward: cache must be the LinearCache from linear_forward, got tuple"):
        nn.linear_backward(np.ones((4, 2)), (np.ones((4, 3)), np.ones((2, 3))))


# --------------------------------------------------------------------------- Linear
def test_linear_module_matches_torch(device, dtype, rng, compare):
    layer = nn.Linear(5, 3, rng=rng, dtype=dtype)
    assert layer.weight.dtype == layer.bias.dtype == dtype
    x = rng.normal(size=(8, 5)).astype(dtype)
    dy = rng.normal(size=(8, 3)).astype(dtype)
    y = layer.forward(x)
    dx = layer.backward(dy)
    y_t, dx_t, dW_t, db_t = torch_linear_grads(x, layer.weight, layer.bias, dy, device)
    assert y.dtype == dx.dtype == dtype
    compare("Linear.forward", y, y_t, dtype=dtype)
    compare("Linear.backward dx", dx, dx_t, dtype=dtype)
    compare("Linear weight_grad", layer.weight_grad, dW_t, dtype=dtype)
    compare("Linear bias_grad", layer.bias_grad, db_t, dtype=dtype)


def test_linear_params_and_grads_follow_torch_order_and_are_the_layers_arrays(rng):
    layer = nn.Linear(4, 2, rng=rng)
    torch_names = [name for name, _ in torch.nn.Linear(4, 2).named_parameters()]
    assert torch_names == ["weight", "bias"]
    assert layer.params()[0] is layer.weight and layer.params()[1] is layer.bias
    assert layer.grads()[0] is layer.weight_grad and layer.grads()[1] is layer.bias_grad
    x = rng.normal(size=(3, 4))
    before = layer.forward(x)
    layer.params()[1] += 1.0  # in place on the returned list element: the layer sees it
    np.testing.assert_allclose(layer.forward(x), before + 1.0, rtol=1e-15)


def test_linear_gradients_are_overwritten_not_accumulated(rng):
    layer = nn.Linear(3, 2, rng=rng)
    x, dy = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    layer.forward(x)
    grads_before = [g.copy() for g in layer.grads()]
    arrays = layer.grads()
    layer.backward(dy)
    layer.backward(dy)
    for g_new, g_old, same in zip(layer.grads(), grads_before, arrays):
        assert g_new is same  # stable objects: an optimizer may keep the list
    np.testing.assert_allclose(layer.weight_grad, dy.T @ x, rtol=1e-14)
    assert not np.allclose(layer.weight_grad, 2 * dy.T @ x)


def test_linear_init_is_uniform_within_one_over_sqrt_fan_in(rng):
    fan_in, fan_out = 400, 300
    layer = nn.Linear(fan_in, fan_out, rng=rng)
    bound = 1.0 / np.sqrt(fan_in)
    w = layer.weight.ravel()
    assert np.all(np.abs(w) <= bound) and np.all(np.abs(layer.bias) <= bound)
    assert w.max() > 0.999 * bound and w.min() < -0.999 * bound  # the whole interval is used
    # Kolmogorov-Smirnov against U(-bound, bound); the seed is fixed, so this is deterministic.
    assert stats.kstest(w, stats.uniform(loc=-bound, scale=2 * bound).cdf).pvalue > 1e-6
    assert stats.kstest(layer.bias, stats.uniform(loc=-bound, scale=2 * bound).cdf).pvalue > 1e-6
    # torch.nn.Linear draws from the same distribution: its bounds agree.
    torch.manual_seed(0)
    t = torch.nn.Linear(fan_in, fan_out)
    assert abs(float(t.weight.detach().abs().max()) - bound) < 1e-3 * bound


def test_linear_init_is_reproducible_from_rng():
    a = nn.Linear(6, 4, rng=np.random.default_rng(3))
    b = nn.Linear(6, 4, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight, b.weight)
    np.testing.assert_array_equal(a.bias, b.bias)


def test_linear_module_rejects_bad_input(rng):
    with pytest.raises(ValueError, match=r"Linear: in_features must be >= 1, got 0"):
        nn.Linear(0, 3)
    with pytest.raises(TypeError, match=r"Linear: out_features must be an integer, got float"):
        nn.Linear(3, 2.5)
    with pytest.raises(TypeError, match=r"Linear: dtype must be float32 or float64, got int64"):
        nn.Linear(3, 2, dtype=np.int64)
    with pytest.raises(TypeError, match=r"Linear: rng must be a numpy.random.Generator or None, got int"):
        nn.Linear(3, 2, rng=42)
    layer = nn.Linear(3, 2, rng=rng)
    with pytest.raises(RuntimeError, match=r"Linear.backward: call forward first"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Linear.forward: x must have shape \(N, 3\), got \(4, 5\)"):
        layer.forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"Linear.forward: x must be 2-D, got shape \(3,\)"):
        layer.forward(np.ones(3))
    with pytest.raises(TypeError, match=r"Linear.forward: x must have the layer's dtype float64, got float32"):
        layer.forward(np.ones((4, 3), np.float32))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward: dy must have shape \(4, 2\), got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(TypeError, match=r"Linear.backward: dy must have the layer's dtype float64, got float32"):
        layer.backward(np.ones((4, 2), np.float32))


# --------------------------------------------------------------------------- MLP
def test_every_activation_name_has_a_torch_twin():
    assert set(nn.ACTIVATIONS) == set(TORCH_ACTIVATIONS)


@pytest.mark.parametrize("activation", nn.ACTIVATIONS)
def test_mlp_matches_torch_sequential(activation, device, dtype, rng, compare):
    model = nn.MLP([6, 8, 7, 4], activation=activation, rng=rng, dtype=dtype)
    x = (2.0 * rng.normal(size=(9, 6))).astype(dtype)
    dy = rng.normal(size=(9, 4)).astype(dtype)
    (out, dx, grads), (out_t, dx_t, grads_t) = mlp_and_torch_grads(model, x, dy, device)
    assert out.dtype == dx.dtype == dtype and all(g.dtype == dtype for g in grads)
    compare(f"MLP({activation}).forward", out, out_t, dtype=dtype)
    compare(f"MLP({activation}).backward dx", dx, dx_t, dtype=dtype)
    names = [name for name, _ in torch_sequential(model, "cpu").named_parameters()]
    assert len(grads) == len(grads_t) == len(names) == 6
    for name, g, g_t in zip(names, grads, grads_t):
        assert g.shape == tuple(g_t.shape), name
        compare(f"MLP({activation}).grads {name[2:]}", g, g_t, dtype=dtype)


def test_mlp_hidden_state_is_kept_for_backward(rng):
    model = nn.MLP([3, 5, 4, 2], activation="tanh", rng=rng)
    x = rng.normal(size=(6, 3))
    model.forward(x)
    assert len(model.pre_activations) == len(model.hidden) == 2
    a1 = x @ model.layers[0].weight.T + model.layers[0].bias
    np.testing.assert_allclose(model.pre_activations[0], a1, rtol=1e-14)
    np.testing.assert_allclose(model.hidden[0], np.tanh(a1), rtol=1e-14)
    assert [a.shape for a in model.pre_activations] == [(6, 5), (6, 4)]


def test_mlp_params_follow_torch_parameters_order(rng):
    model = nn.MLP([4, 6, 5, 3], activation="relu", rng=rng)
    seq = torch_sequential(model, "cpu")  # copies by layer index, not by the order of params()
    ours, theirs = model.params(), list(seq.parameters())
    assert len(ours) == len(theirs) == 6
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p, t.detach().numpy())
    assert [g.shape for g in model.grads()] == [p.shape for p in ours]


def test_mlp_params_are_the_models_own_arrays(rng):
    model = nn.MLP([4, 6, 3], rng=rng)
    x = rng.normal(size=(5, 4))
    before = model.forward(x).copy()
    params = model.params()
    for p, layer_p in zip(params, [p for layer in model.layers for p in (layer.weight, layer.bias)]):
        assert p is layer_p
    params[-1] += 0.5  # output bias
    np.testing.assert_allclose(model.forward(x), before + 0.5, rtol=1e-14)
    # a plain SGD step on params() lowers the loss: an optimizer built on them trains the model
    y = rng.integers(0, 3, size=5)
    loss0, dlogits = losses.softmax_cross_entropy(model.forward(x), y)
    model.backward(dlogits)
    for p, g in zip(model.params(), model.grads()):
        p -= 0.1 * g
    assert losses.softmax_cross_entropy(model.forward(x), y)[0] < loss0


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "elu", "swish", "softplus", "relu"])
def test_mlp_backward_matches_finite_differences(activation, rng):
    model = nn.MLP([4, 5, 3], activation=activation, rng=rng)
    x = rng.normal(size=(6, 4))
    y = rng.integers(0, 3, size=6)

    def loss(_):
        return losses.softmax_cross_entropy(model.forward(x), y)[0]

    _, dlogits = losses.softmax_cross_entropy(model.forward(x), y)
    dx = model.backward(dlogits)
    for p, g in zip(model.params(), model.grads()):
        assert relative_error(g, numerical_gradient(loss, p)) < 1e-7
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7


def test_mlp_without_hidden_layer_is_one_linear_layer(rng):
    model = nn.MLP([3, 2], rng=rng)
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(model.forward(x), x @ model.layers[0].weight.T + model.layers[0].bias, rtol=1e-14)
    dx = model.backward(np.ones((4, 2)))
    np.testing.assert_allclose(dx, np.ones((4, 2)) @ model.layers[0].weight, rtol=1e-14)
    assert model.pre_activations == [] and model.hidden == []


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5), n=st.integers(1, 6),
       activation=st.sampled_from(["tanh", "sigmoid", "softplus", "selu"]),
       seed=st.integers(0, 2**32 - 1))
def test_mlp_any_architecture_matches_torch(sizes, n, activation, seed):
    r = np.random.default_rng(seed)
    model = nn.MLP(sizes, activation=activation, rng=r)
    x, dy = r.normal(size=(n, sizes[0])), r.normal(size=(n, sizes[-1]))
    (out, dx, grads), (out_t, dx_t, grads_t) = mlp_and_torch_grads(model, x, dy, "cpu")
    for ours, theirs in zip((out, dx, *grads), (out_t, dx_t, *grads_t)):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_mlp_rejects_bad_input(rng):
    with pytest.raises(ValueError, match=r"MLP: sizes must list at least an input and an output width, got \[3\]"):
        nn.MLP([3])
    with pytest.raises(ValueError, match=r"MLP: every entry of sizes must be >= 1, got 0"):
        nn.MLP([3, 0, 2])
    with pytest.raises(TypeError, match=r"MLP: every entry of sizes must be an integer, got float"):
        nn.MLP([3, 4.0, 2])
    with pytest.raises(TypeError, match=r"MLP: sizes must be a sequence of layer widths, got int"):
        nn.MLP(5)
    with pytest.raises(ValueError, match=r"MLP: activation must be one of 'relu', .*, got 'gelu'"):
        nn.MLP([3, 2], activation="gelu")
    for sizes in ([3, 4, 2], [3, 2]):
        with pytest.raises(RuntimeError, match=r"MLP.backward: call forward first"):
            nn.MLP(sizes, rng=rng).backward(np.ones((5, 2)))
    model = nn.MLP([3, 4, 2], rng=rng)
    with pytest.raises(ValueError, match=r"Linear.forward: x must have shape \(N, 3\), got \(5, 4\)"):
        model.forward(np.ones((5, 4)))
    model.forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward: dy must have shape \(5, 2\), got \(5, 3\)"):
        model.backward(np.ones((5, 3)))


@pytest.mark.parametrize("sizes", [[5, 3], [5, 4, 3], [5, 4, 4, 3]], ids=["1-layer", "2-layer", "3-layer"])
def test_mlp_backward_without_input_grad_keeps_the_parameter_gradients(sizes, rng):
    x, dy = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    model = nn.MLP(sizes, activation="tanh", rng=rng)
    model.forward(x)
    dx = model.backward(dy)
    full = [g.copy() for g in model.grads()]
    model.forward(x)
    assert model.backward(dy, input_grad=False) is None
    for with_dx, without in zip(full, model.grads()):
        np.testing.assert_array_equal(with_dx, without)
    assert dx.shape == x.shape
    layer = nn.Linear(5, 3, rng=rng)
    layer.forward(x)
    assert layer.backward(dy, input_grad=False) is None
    with pytest.raises(TypeError, match=r"^MLP.backward: input_grad must be a bool, got"):
        model.backward(dy, input_grad="no")
    with pytest.raises(TypeError, match=r"^Linear.backward: input_grad must be a bool, got"):
        layer.backward(dy, input_grad=1)
