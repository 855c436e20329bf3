"""Tests of dlbook.graph (chapter 1): Value (reverse mode), Dual (forward mode), draw.

Every operation is checked against torch.autograd / torch.func.jvp in float64 (a Value holds a
Python float, i.e. double precision, so float32 does not apply) on every available device, and
against central finite differences.
"""

import math
import re

import graphviz
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dlbook.graph import Dual, Value, count_operations, draw, maximum, topological_order

# torch.func.jvp warns about torch internals (torch.jit.script) that have nothing to do with us.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")

# ------------------------------------------------------------------ the operations under test
# name -> (Value/Dual version, torch version); the same callables work for Value and Dual.
UNARY = {
    "exp": (lambda a: a.exp(), torch.exp),
    "log": (lambda a: a.log(), torch.log),
    "tanh": (lambda a: a.tanh(), torch.tanh),
    "sigmoid": (lambda a: a.sigmoid(), torch.sigmoid),
    "relu": (lambda a: a.relu(), torch.relu),
    "neg": (lambda a: -a, lambda a: -a),
    "pow2": (lambda a: a ** 2, lambda a: a ** 2),
    "pow3": (lambda a: a ** 3, lambda a: a ** 3),
    "pow-1": (lambda a: a ** -1, lambda a: a ** -1),
    "pow0.5": (lambda a: a ** 0.5, lambda a: a ** 0.5),
    "pow-2.5": (lambda a: a ** -2.5, lambda a: a ** -2.5),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (maximum, torch.maximum),
}
POSITIVE_ONLY = {"log", "pow0.5", "pow-2.5"}
POINTS = [-2.3, -0.7, 0.4, 1.9, 3.1]


def leaf(x, device):
    return torch.tensor(float(x), dtype=torch.float64, device=device, requires_grad=True)


def torch_grads(fn, xs, device):
    ts = [leaf(x, device) for x in xs]
    out = fn(*ts)
    out.backward()
    return out.detach(), [t.grad for t in ts]


# ------------------------------------------------------------------ single operations
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_value_and_grad_match_torch(name, device, compare):
    ours, theirs = UNARY[name]
    for x0 in POINTS:
        if name in POSITIVE_ONLY and x0 <= 0:
            x0 = -x0
        x = Value(x0)
        y = ours(x)
        y.backward()
        out, (gx,) = torch_grads(theirs, [x0], device)
        compare(f"Value.{name}", y.data, out)
        compare(f"Value.{name} grad", x.grad, gx)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_value_and_grad_match_torch(name, device, compare):
    ours, theirs = BINARY[name]
    for a0, b0 in [(-2.3, 0.4), (1.9, -0.7), (3.1, 1.9), (0.4, -2.3)]:
        a, b = Value(a0), Value(b0)
        y = ours(a, b)
        y.backward()
        out, (ga, gb) = torch_grads(theirs, [a0, b0], device)
        compare(f"Value.{name}", y.data, out)
        compare(f"Value.{name} grad", [a.grad, b.grad], torch.stack([ga, gb]))


@pytest.mark.parametrize("name", [n for n in BINARY if n != "maximum"])
def test_binary_with_python_numbers_on_either_side(name, compare):
    ours, _ = BINARY[name]
    for a0, b0 in [(-2.3, 0.4), (1.9, -0.7)]:
        left, right = Value(a0), Value(b0)
        y1, y2 = ours(left, b0), ours(a0, right)
        y1.backward()
        y2.backward()
        expected = ours(a0, b0)
        compare(f"Value.{name} (number right)", y1.data, expected)
        compare(f"Value.{name} (number left)", y2.data, expected)
        a, b = Value(a0), Value(b0)
        ours(a, b).backward()
        compare(f"Value.{name} grad (number right)", left.grad, a.grad)
        compare(f"Value.{name} grad (number left)", right.grad, b.grad)


def test_numpy_scalars_mix_like_numbers():
    y = np.float64(3.0) * Value(2.0) + np.float32(1.0)
    assert isinstance(y, Value) and y.data == 7.0
    assert Value(np.int64(4)).data == 4.0


@pytest.mark.parametrize("p", [0, 1, 2, 3, -1, -2, 0.5, 1.5, -2.5])
def test_pow_exponents_match_torch(p, device, compare):
    bases = [0.3, 2.2] + ([-1.7, -0.4] if float(p).is_integer() else [])
    for x0 in bases:
        x = Value(x0)
        (x ** p).backward()
        out, (gx,) = torch_grads(lambda t: t ** p, [x0], device)
        compare("Value.__pow__", (x ** p).data, out)
        compare("Value.__pow__ grad", x.grad, gx)


def test_kinks_and_edges_follow_torch(device, compare):
    # relu'(0) = 0
    x = Value(0.0)
    x.relu().backward()
    _, (gx,) = torch_grads(torch.relu, [0.0], device)
    assert x.grad == gx.item() == 0.0
    # maximum at a tie splits the gradient in halves, as torch.maximum does
    a, b = Value(1.5), Value(1.5)
    maximum(a, b).backward()
    _, (ga, gb) = torch_grads(torch.maximum, [1.5, 1.5], device)
    assert (a.grad, b.grad) == (ga.item(), gb.item()) == (0.5, 0.5)
    # ... so maximum(x, x) has gradient 1
    x = Value(2.0)
    maximum(x, x).backward()
    assert x.grad == 1.0
    # maximum with a number routes everything to the larger side
    x = Value(-1.0)
    y = maximum(x, 0.0)
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    # derivative of x**p at 0: torch gives inf for 0 < p < 1 and 0 for p = 0
    for p in (0.5, 0.0, 1.0, 2.0):
        x = Value(0.0)
        (x ** p).backward()
        _, (gx,) = torch_grads(lambda t: t ** p, [0.0], device)
        assert x.grad == gx.item(), p


def test_hard_inputs_stay_finite_or_overflow_to_inf(device, compare):
    for x0 in (-1e4, -40.0, 40.0, 1e4):
        x = Value(x0)
        y = x.sigmoid()
        y.backward()
        out, (gx,) = torch_grads(torch.sigmoid, [x0], device)
        assert math.isfinite(y.data) and math.isfinite(x.grad)
        compare("Value.sigmoid (saturated)", [y.data, x.grad], torch.stack([out, gx]), atol=1e-300)
        t = Value(x0).tanh()
        assert abs(t.data) == 1.0
    assert Value(1000.0).exp().data == math.inf           # torch.exp gives inf too
    assert Value(-1000.0).exp().data == 0.0
    assert Value(1e200) ** 2 is not None and (Value(1e200) ** 2).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf


# ------------------------------------------------------------------ worked examples of chapter 1
def test_chapter_examples():
    x, y = Value(3.0), Value(4.0)
    f = x * x * y + y + 2
    f.backward()
    assert f.data == 42.0 and (x.grad, y.grad) == (24.0, 10.0)
    assert count_operations(f) == 4

    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)

    w0, w1, w2, x0, x1 = Value(2.0), Value(-3.0), Value(-3.0), Value(-1.0), Value(-2.0)
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    f.backward()
    staged = [f.data, w0.grad, w1.grad, w2.grad, x0.grad, x1.grad]
    assert np.allclose(np.round(staged, 2), [0.73, -0.20, -0.39, 0.20, 0.39, -0.59])
    g = (w0 * x0 + w1 * x1 + w2).sigmoid()
    g.backward()
    gate = [g.data, w0.grad, w1.grad, w2.grad, x0.grad, x1.grad]
    np.testing.assert_allclose(gate, staged, rtol=1e-14)
    assert count_operations(g) < count_operations(f)


def test_composite_with_forks_matches_torch(device, compare):
    def fn(x, y, z, sigmoid, tanh, exp, log, relu, mx):
        a = x * y                      # a is used four times below
        b = a + x                      # x is used three times
        c = b * a - tanh(a) / (z * z + 1.0)
        d = sigmoid(c) * exp(a / 4.0) + log(a * a + 1.0) ** 1.5
        return relu(d - 0.1) * mx(a, z) + 2.0 * d - x / 3.0

    ours = dict(sigmoid=lambda v: v.sigmoid(), tanh=lambda v: v.tanh(), exp=lambda v: v.exp(),
                log=lambda v: v.log(), relu=lambda v: v.relu(), mx=maximum)
    theirs = dict(sigmoid=torch.sigmoid, tanh=torch.tanh, exp=torch.exp, log=torch.log,
                  relu=torch.relu, mx=torch.maximum)
    for point in [(0.7, -1.3, 0.4), (1.2, 0.9, -2.0), (-0.8, -1.1, 2.5)]:
        xs = [Value(p) for p in point]
        f = fn(*xs, **ours)
        f.backward()
        out, grads = torch_grads(lambda *t: fn(*t, **theirs), point, device)
        compare("Value composite", f.data, out)
        compare("Value composite grad", [v.grad for v in xs], torch.stack(grads))


def numerical_grad(fn, point, h=1e-6):
    grads = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        f_up, f_down = fn(*map(Value, up)).data, fn(*map(Value, down)).data
        grads.append((f_up - f_down) / (2 * h))
    return np.array(grads)


@pytest.mark.parametrize("name", list(UNARY) + list(BINARY))
def test_gradients_match_finite_differences(name):
    if name in UNARY:
        fn, points = UNARY[name][0], [(x,) for x in (0.4, 1.9, 3.1)]
        if name not in POSITIVE_ONLY:
            points += [(-2.3,), (-0.7,)]
    else:
        fn, points = BINARY[name][0], [(-2.3, 0.4), (1.9, -0.7), (0.4, 1.9)]
    for point in points:
        xs = [Value(p) for p in point]
        fn(*xs).backward()
        analytic = np.array([v.grad for v in xs])
        numeric = numerical_grad(fn, point)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------ random expression trees
VARIABLES = ("x", "y", "z")
TREE_UNARY = {
    "exp": lambda B, a: B.exp(a),
    "tanh": lambda B, a: B.tanh(a),
    "sigmoid": lambda B, a: B.sigmoid(a),
    "relu": lambda B, a: B.relu(a),
    "neg": lambda B, a: -a,
    "cube": lambda B, a: a ** 3,
    "logsq": lambda B, a: B.log(a * a + 0.5),          # log only of positive numbers
    "powsq": lambda B, a: (a * a + 0.5) ** -1.5,        # fractional power of a positive base
}
TREE_BINARY = {
    "add": lambda B, a, b: a + b,
    "sub": lambda B, a, b: a - b,
    "mul": lambda B, a, b: a * b,
    "div": lambda B, a, b: a / (b * b + 0.5),           # denominator away from zero
    "max": lambda B, a, b: B.maximum(a, b),
    "rsub": lambda B, a, b: 1.5 - a * 0.5 + b,          # numbers on both sides
}


class ValueOps:
    exp, tanh, sigmoid, relu, log = (staticmethod(lambda a, m=m: getattr(a, m)())
                                     for m in ("exp", "tanh", "sigmoid", "relu", "log"))
    maximum = staticmethod(maximum)
    const = Value                      # a constant leaf


class DualOps(ValueOps):
    const = Dual                       # tangent 0


def torch_ops(device):
    """The tree operations in PyTorch, with constants on ``device``."""
    class TorchOps:
        exp, tanh, sigmoid, relu, log = (staticmethod(f) for f in (
            torch.exp, torch.tanh, torch.sigmoid, torch.relu, torch.log))
        maximum = staticmethod(torch.maximum)
        const = staticmethod(lambda c: torch.tensor(c, dtype=torch.float64, device=device))
    return TorchOps


def evaluate(tree, B, env):
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind == "const":
        return B.const(tree[1])
    if kind in TREE_UNARY:
        return TREE_UNARY[kind](B, evaluate(tree[1], B, env))
    return TREE_BINARY[kind](B, evaluate(tree[1], B, env), evaluate(tree[2], B, env))


trees = st.recursive(
    st.one_of(st.tuples(st.just("var"), st.sampled_from(VARIABLES)),
              st.tuples(st.just("const"), st.floats(-2, 2, allow_nan=False))),
    lambda sub: st.one_of(st.tuples(st.sampled_from(sorted(TREE_UNARY)), sub),
                          st.tuples(st.sampled_from(sorted(TREE_BINARY)), sub, sub)),
    max_leaves=10,
)
points = st.tuples(*[st.floats(-2, 2, allow_nan=False)] * 3)


def away_from_trouble(root):
    """Hypothesis filter: moderate magnitudes, no relu/max kink within 1e-6."""
    for node in topological_order(root):
        if not abs(node.data) < 1e4:
            return False
        if node.op == "relu" and abs(node.parents[0].data) < 1e-6:
            return False
        if node.op == "max" and abs(node.parents[0].data - node.parents[1].data) < 1e-6:
            return False
    return True


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees, point=points)
def test_random_trees_match_torch_autograd(tree, point, device, compare):
    env = {k: Value(v, k) for k, v in zip(VARIABLES, point)}
    f = evaluate(tree, ValueOps, env)
    assume(away_from_trouble(f))
    f.backward()
    ts = {k: leaf(v, device) for k, v in zip(VARIABLES, point)}
    out = evaluate(tree, torch_ops(device), ts)
    if out.requires_grad:
        out.backward()
    compare("Value random tree", f.data, out)
    expected = [ts[k].grad if ts[k].grad is not None else torch.zeros((), dtype=torch.float64)
                for k in VARIABLES]
    compare("Value random tree grad", [env[k].grad for k in VARIABLES], torch.stack(expected).cpu())


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees, point=points, direction=points)
def test_random_trees_dual_matches_jvp(tree, point, direction, device, compare):
    env = {k: Value(v) for k, v in zip(VARIABLES, point)}
    f = evaluate(tree, ValueOps, env)
    assume(away_from_trouble(f))
    duals = {k: Dual(v, t) for k, v, t in zip(VARIABLES, point, direction)}
    d = evaluate(tree, DualOps, duals)
    ops = torch_ops(device)

    def fn(x, y, z):
        return evaluate(tree, ops, {"x": x, "y": y, "z": z}) + 0 * x

    tensors = lambda vs: tuple(torch.tensor(v, dtype=torch.float64, device=device) for v in vs)
    value, tangent = torch.func.jvp(fn, tensors(point), tensors(direction))
    compare("Dual random tree", d.value, value)
    compare("Dual random tree tangent", d.tangent, tangent)


# ------------------------------------------------------------------ forward mode
@pytest.mark.parametrize("name", list(UNARY) + list(BINARY))
def test_dual_tangent_matches_jvp(name, device, compare):
    if name in UNARY:
        ours, theirs = UNARY[name]
        cases = [((x,), (0.7,)) for x in (0.4, 1.9) + (() if name in POSITIVE_ONLY else (-2.3,))]
    else:
        ours, theirs = BINARY[name]
        cases = [((-2.3, 0.4), (0.7, -1.1)), ((1.9, 1.9), (0.7, -1.1)), ((0.4, 3.1), (2.0, 0.5))]
    for point, direction in cases:
        d = ours(*[Dual(p, t) for p, t in zip(point, direction)])
        tensors = lambda vs: tuple(torch.tensor(v, dtype=torch.float64, device=device) for v in vs)
        value, tangent = torch.func.jvp(theirs, tensors(point), tensors(direction))
        compare(f"Dual.{name}", d.value, value)
        compare(f"Dual.{name} tangent", d.tangent, tangent)


def test_dual_mixes_with_numbers_and_agrees_with_reverse_mode():
    d = 2.0 - (1.0 / (3.0 + Dual(0.5, 1.0) * 2.0)) ** 2
    x = Value(0.5)
    v = 2.0 - (1.0 / (3.0 + x * 2.0)) ** 2
    v.backward()
    assert d.value == pytest.approx(v.data, rel=1e-15)
    assert d.tangent == pytest.approx(x.grad, rel=1e-14)
    assert maximum(Dual(1.0, 2.0), 0.5).tangent == 2.0
    assert Dual(0.0, 3.0).relu().tangent == 0.0


# ------------------------------------------------------------------ graph structure and backward()
def test_topological_order_puts_parents_first():
    x, y = Value(1.0), Value(2.0)
    a = x * y
    f = (a + x) * a.tanh()
    order = topological_order(f)
    position = {id(n): i for i, n in enumerate(order)}
    assert order[-1] is f and len(order) == len(position) == 6
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_deep_chain_of_10000_nodes_matches_torch(device, compare):
    x = Value(0.5)
    v = x
    t = leaf(0.5, device)
    u = t
    for _ in range(10_000):
        v = (v * 1.001).tanh()
        u = torch.tanh(u * 1.001)
    assert len(topological_order(v)) == 30_001     # x, and per step: a constant, *, tanh
    v.backward()
    u.backward()
    compare("Value deep chain", v.data, u.detach())
    compare("Value deep chain grad", x.grad, t.grad)


def test_chain_of_100000_nodes():
    x = Value(0.25)
    v = x
    for _ in range(100_000):
        v = v + x                     # x is also a fork with 100,001 uses
    v.backward()
    assert v.data == 0.25 * 100_001
    assert x.grad == 100_001.0
    assert count_operations(v) == 100_000


def test_backward_twice_gives_the_same_gradients():
    x, y = Value(1.5), Value(-0.5)
    f = x * y + x.exp() * y
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first


def test_backward_on_a_new_graph_sharing_leaves_overwrites_their_gradients():
    x, y = Value(3.0), Value(4.0)
    f = x * x * y
    f.backward()
    assert (x.grad, y.grad) == (24.0, 9.0)
    g = x + 2.0 * y
    g.backward()
    assert (x.grad, y.grad) == (1.0, 2.0)     # not (25, 11): nothing left over from f
    assert f.grad == 1.0                       # f is not in g's graph: untouched


def test_backward_from_an_intermediate_node():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    q.backward()
    assert (x.grad, y.grad, q.grad) == (1.0, 1.0, 1.0)
    assert z.grad == 3.0                       # z is not in q's graph: keeps df/dz


# ------------------------------------------------------------------ bad input
def test_bad_input_messages():
    x = Value(2.0)
    with pytest.raises(TypeError, match="Value: data must be a real number, got str"):
        Value("2")
    with pytest.raises(TypeError, match="Value: data must be a real number, got bool"):
        Value(True)
    with pytest.raises(TypeError, match="Value: label must be a str, got int"):
        Value(1.0, label=3)
    for op, name in [(lambda: x + "a", "__add__"), (lambda: x - [1], "__sub__"),
                     (lambda: x * None, "__mul__"), (lambda: x / "a", "__truediv__"),
                     (lambda: "a" + x, "__radd__"), (lambda: None - x, "__rsub__"),
                     (lambda: [1] * x, "__rmul__"), (lambda: None / x, "__rtruediv__")]:
        with pytest.raises(TypeError, match=rf"Value\.{name}: operand must be a Value or a real"):
            op()
    with pytest.raises(TypeError, match=r"Value\.__pow__: exponent must be a real number"):
        x ** Value(2.0)
    with pytest.raises(TypeError, match=r"Value\.__rpow__: exponent must be a real number"):
        2.0 ** x
    with pytest.raises(ValueError, match=r"Value\.__pow__: exponent must be finite, got inf"):
        x ** math.inf
    with pytest.raises(ValueError, match=r"Value\.log: argument must be positive, got -1"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"Value\.log: argument must be positive, got 0"):
        Value(0.0).log()
    with pytest.raises(ValueError, match=r"negative base \(-2\) needs an integer exponent, got 0\.5"):
        Value(-2.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match=r"Value\.__truediv__: division by zero"):
        x / 0
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to a negative power"):
        Value(0.0) ** -1
    with pytest.raises(TypeError, match="maximum: operand must be a Value or a real number, got str"):
        maximum(x, "a")
    with pytest.raises(TypeError, match="maximum: operand must be a Dual or a real number, got Value"):
        maximum(x, Dual(1.0, 0.0))
    with pytest.raises(TypeError, match="Dual: tangent must be a real number, got str"):
        Dual(1.0, "a")
    with pytest.raises(TypeError, match=r"Dual\.__mul__: operand must be a Dual or a real number"):
        Dual(1.0) * x
    with pytest.raises(TypeError, match=r"Dual\.__pow__: exponent must be a real number"):
        Dual(1.0) ** Dual(2.0)
    with pytest.raises(ValueError, match=r"Dual\.log: argument must be positive, got -3"):
        Dual(-3.0).log()
    with pytest.raises(TypeError, match="topological_order: root must be a Value, got float"):
        topological_order(1.0)
    with pytest.raises(TypeError, match="draw: root must be a Value, got Dual"):
        draw(Dual(1.0))
    with pytest.raises(ValueError, match="draw: rankdir must be one of 'LR', 'TB', got 'XY'"):
        draw(x, rankdir="XY")


# ------------------------------------------------------------------ drawing
def build_example():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f|{odd <label>}"
    f.backward()
    return f


def test_draw_shows_every_node_and_is_deterministic():
    f = build_example()
    dot = draw(f)
    assert isinstance(dot, graphviz.Digraph)
    source = dot.source
    for node in topological_order(f):
        assert f"data {node.data:.4g}" in source and f"grad {node.grad:.4g}" in source
    for text in ("x", "y", "z", "q", '"+"', '"*"', "data -12 | grad 1", "data 3 | grad -4"):
        assert text in source
    assert draw(f).source == source                 # same graph, same text
    assert draw(build_example()).source == source   # a rebuilt graph draws identically
    assert not re.search(r"\d{7,}", source)         # no object ids in node names
    assert draw(f, rankdir="TB").source != source


def test_draw_renders_with_dot():
    svg = draw(build_example()).pipe(format="svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "data 3" in svg


def test_repr_is_deterministic():
    f = build_example()
    assert repr(f) == "Value(label='f|{odd <label>}', data=-12, grad=1, op='*')"
    assert repr(Dual(1.5, -2.0)) == "Dual(value=1.5, tangent=-2)"
