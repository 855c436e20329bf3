"""Checkers for the exercises of chapter 2, backpropagation by hand."""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..nn import MLP
from ._checking import (
    call,
    compare,
    compare_int,
    exercise,
    fmt,
    require_callable,
    require_functions,
    require_keys,
    require_tuple,
)


def _bce_cases():
    rng = np.random.default_rng(2)
    return [
        (np.array([-3.0, 0.0, 2.5]), np.array([0.0, 0.3, 1.0])),
        (rng.normal(0, 3, (4, 5)), rng.uniform(0, 1, (4, 5))),
        (
            np.array([-40.0, 40.0, 700.0, -700.0]),
            np.array([1.0, 0.0, 0.5, 0.5]),
        ),
    ]


@exercise(
    "ex-backprop-1",
    "a function dL_dz(z, t) returning dL/dz elementwise",
    lambda: lambda z, t: sigmoid(z) - t,
)
def _check_bce_gradient(answer):
    grad = require_callable(answer, "ex-backprop-1", "a function dL_dz(z, t)")
    for z, t in _bce_cases():
        p = sigmoid(z)
        compare(
            call(grad, "ex-backprop-1", z, t),
            p - t,
            "ex-backprop-1",
            "dL/dz",
            f"z = {fmt(z)}, t = {fmt(t)}",
            mistakes=(
                (
                    t - p,
                    "the sign is reversed: dL/dz = sigmoid(z) - t, positive when the "
                    "prediction is above the target.",
                ),
                (
                    z - t,
                    "the output is sigmoid(z), not z: dL/dz = sigmoid(z) - t.",
                ),
                (
                    (p - t) / z.size,
                    "L is the loss of each element; do not average over "
                    "the elements here.",
                ),
            ),
            hint="with p = sigmoid(z) and sigmoid' = p(1 - p), the chain rule "
            "collapses to p - t.",
        )
    return "dL/dz = sigmoid(z) - t, finite even at |z| = 700."


def _reference_softsign():
    def forward(x):
        return x / (1 + np.abs(x)), x

    def backward(dy, cache):
        return dy / (1 + np.abs(cache)) ** 2

    return forward, backward


@exercise(
    "ex-backprop-2",
    "the pair (softsign_forward, softsign_backward): "
    "softsign_forward(x) -> (y, cache), softsign_backward(dy, cache) -> dx",
    _reference_softsign,
)
def _check_softsign(answer):
    forward, backward = require_functions(
        answer,
        2,
        "ex-backprop-2",
        "the pair (softsign_forward, softsign_backward)",
    )
    rng = np.random.default_rng(3)
    for x in (np.array([[-2.0, 0.0, 0.5]]), rng.normal(0, 2, (4, 3))):
        dy = rng.normal(size=x.shape)
        y, cache = require_tuple(
            call(forward, "ex-backprop-2", x),
            ("y", "cache"), "ex-backprop-2", "softsign_forward(x)",
        )
        compare(
            y,
            x / (1 + np.abs(x)),
            "ex-backprop-2",
            "y = softsign_forward(x)[0]",
            f"x = {fmt(x)}",
            mistakes=(
                (x / (1 + x), "use |x| in the denominator: y = x / (1 + |x|)."),
            ),
        )
        dx = call(backward, "ex-backprop-2", dy, cache)
        compare(
            dx,
            dy / (1 + np.abs(x)) ** 2,
            "ex-backprop-2",
            "dx = softsign_backward(dy, cache)",
            f"x = {fmt(x)}, dy = {fmt(dy)}",
            mistakes=(
                (
                    dy / (1 + np.abs(x)),
                    "the derivative is 1 / (1 + |x|)^2: the square is missing.",
                ),
                (
                    1 / (1 + np.abs(x)) ** 2,
                    "multiply the local derivative by the "
                    "upstream gradient dy.",
                ),
                (
                    dy * np.sign(x) / (1 + np.abs(x)) ** 2,
                    "there is no sign(x): both "
                    "cases x > 0 and x < 0 give 1 / (1 + |x|)^2.",
                ),
            ),
        )
    return "forward and backward agree with torch.nn.functional.softsign and autograd."


def _collapse(model):
    W1, b1, W2, b2, W3, b3 = model.params()
    return W3 @ W2 @ W1, W3 @ (W2 @ b1 + b2) + b3


@exercise(
    "ex-backprop-3",
    "a function collapse(model) returning (W, b) of the single "
    "Linear layer equal to a three-layer identity MLP",
    lambda: _collapse,
)
def _check_collapse(answer):
    collapse = require_callable(
        answer, "ex-backprop-3", "a function collapse(model)"
    )
    for seed, sizes in ((0, [4, 16, 16, 3]), (1, [3, 5, 2, 2])):
        model = MLP(
            sizes, activation="identity", rng=np.random.default_rng(seed)
        )
        W1, b1, W2, b2, W3, b3 = [p.copy() for p in model.params()]
        W, b = require_tuple(
            call(collapse, "ex-backprop-3", model),
            ("W", "b"), "ex-backprop-3", "collapse(model)",
        )
        inputs = (
            f"nn.MLP({sizes}, activation='identity', rng=default_rng({seed}))"
        )
        compare(
            W,
            W3 @ W2 @ W1,
            "ex-backprop-3",
            "W",
            inputs,
            mistakes=(
                (
                    (W1.T @ W2.T @ W3.T),
                    "transposed: weights are (out, in), so W = W3 W2 W1.",
                ),
            ),
        )
        compare(
            b,
            W3 @ (W2 @ b1 + b2) + b3,
            "ex-backprop-3",
            "b",
            inputs,
            mistakes=(
                (
                    b3,
                    "the earlier biases pass through the later layers: "
                    "b = W3 (W2 b1 + b2) + b3.",
                ),
                (W3 @ b2 + b3, "b1 is missing: it passes through W2 and W3."),
                (W3 @ W2 @ b1 + b3, "b2 is missing: it passes through W3."),
            ),
        )
    return (
        "one Linear layer computes the same function: without a non-linearity, "
        "depth adds nothing."
    )


_SHAPE_KEYS = ("x", "A", "Delta", "dW", "db", "n_params")


def _shapes():
    sizes, n = [784, 256, 128, 10], 64
    return {
        "x": (n, sizes[0]),
        "A": [(n, s) for s in sizes[1:]],
        "Delta": [(n, s) for s in sizes[1:]],
        "dW": [(o, i) for i, o in zip(sizes[:-1], sizes[1:])],
        "db": [(o,) for o in sizes[1:]],
        "n_params": sum(o * i + o for i, o in zip(sizes[:-1], sizes[1:])),
    }


def _as_shapes(value, key: str) -> list:
    items = value if key != "x" else [value]
    try:
        return [tuple(int(d) for d in shape) for shape in items]
    except (TypeError, ValueError):
        raise AssertionError(
            f"ex-backprop-4: {key!r} should be "
            f"{'a shape tuple' if key == 'x' else 'a list of shape tuples'}, "
            f"got {fmt(value)}."
        ) from None


@exercise(
    "ex-backprop-4",
    "a dict with the keys 'x' (a shape), 'A', 'Delta', 'dW', 'db' "
    "(lists of shapes, layer by layer) and 'n_params' (an int)",
    _shapes,
)
def _check_shapes(answer):
    answer = require_keys(
        answer, _SHAPE_KEYS, "ex-backprop-4", "a dict of shapes"
    )
    right = _shapes()
    hints = {
        "x": "a batch is (N, features), batch first.",
        "A": "each pre-activation has one row per example: (N, units of the layer).",
        "Delta": "an error signal has exactly the shape of its pre-activation.",
        "dW": "a gradient has the shape of its parameter, and W is (out, in) as in "
        "torch.nn.Linear.",
        "db": "a bias gradient is a vector (out,): the batch is summed over.",
    }
    for key in _SHAPE_KEYS[:-1]:
        given = _as_shapes(answer[key], key)
        expected = _as_shapes(right[key], key)
        if given != expected:
            transposed = [s[::-1] for s in expected]
            hint = ("transposed: " if given == transposed else "") + hints[key]
            raise AssertionError(
                f"ex-backprop-4: {key!r} is wrong.\n  expected: "
                f"{expected if key != 'x' else expected[0]}\n  got:      "
                f"{given if key != 'x' else given[0]}\n  Hint: {hint}"
            )
    weights_only = right["n_params"] - sum(s[0] for s in right["db"])
    compare_int(
        answer["n_params"],
        right["n_params"],
        "ex-backprop-4",
        "'n_params'",
        mistakes={
            weights_only: "the biases are parameters too (256 + 128 + 10)."
        },
        hint="count out * in + out for each layer.",
    )
    return f"{right['n_params']:,} parameters; every gradient has its parameter's shape."
