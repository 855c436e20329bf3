"""Checkers for the exercises of chapter 1, computational graphs and reverse-mode autodiff."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Value, topological_order
from ._checking import (
    call,
    compare,
    exercise,
    fmt,
    require_callable,
    require_numbers,
)


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def _fraction_gradient(x: float, y: float) -> dict:
    """The gradient of f = (x + s(y)) / (s(x) + (x + y)^2), and of its usual mistakes."""
    num, den = x + _sigmoid(y), _sigmoid(x) + (x + y) ** 2
    dsx, dsy = _sigmoid(x) * (1 - _sigmoid(x)), _sigmoid(y) * (1 - _sigmoid(y))
    dden_dx = dsx + 2 * (x + y)
    return {
        "right": (
            (den - num * dden_dx) / den**2,
            (dsy * den - num * 2 * (x + y)) / den**2,
        ),
        "no numerator x": (
            -num * dden_dx / den**2,
            (dsy * den - num * 2 * (x + y)) / den**2,
        ),
        "no sigmoid(x)": (
            (den - num * 2 * (x + y)) / den**2,
            (dsy * den - num * 2 * (x + y)) / den**2,
        ),
        "no square": ((den - num * dsx) / den**2, dsy / den),
    }


def _reference_fraction():
    return _fraction_gradient(3.0, -4.0)["right"]


@exercise(
    "ex-graphs-1",
    "the pair (df/dx, df/dy) at x = 3, y = -4, to four digits",
    _reference_fraction,
)
def _check_fraction(answer):
    given = require_numbers(answer, 2, "ex-graphs-1", "the pair (df/dx, df/dy)")
    grads = _fraction_gradient(3.0, -4.0)
    right = grads["right"]
    compare(
        given,
        right,
        "ex-graphs-1",
        "(df/dx, df/dy)",
        "x = 3, y = -4",
        rtol=1e-4,
        atol=1e-6,
        mistakes=(
            (right[::-1], "you swapped the two partial derivatives."),
            (
                grads["no numerator x"],
                "x appears three times (numerator, sigmoid, square): "
                "the backward pass must add all three contributions (+=); the numerator's "
                "is missing.",
            ),
            (
                grads["no sigmoid(x)"],
                "the path through sigmoid(x) in the denominator is "
                "missing; add its contribution to dx with +=.",
            ),
            (
                grads["no square"],
                "the path through (x + y)^2 is missing; it contributes "
                "to both dx and dy.",
            ),
        ),
        hint="stage the forward pass, then write one backward line per forward line, "
        "in reverse, adding (+=) wherever a variable is used again.",
    )
    return f"df/dx = {right[0]:.4f}, df/dy = {right[1]:.4f}."


def _reference_sin(a):
    out = Value(math.sin(a.data))
    out.parents, out.op = (a,), "sin"
    cos_a = math.cos(a.data)

    def _backward(g):
        a.grad += cos_a * g

    out._backward = _backward
    return out


def _sin_gradient(sin, expression, x0: float) -> float:
    x = Value(x0)
    out = call(expression, "ex-graphs-2", sin, x)
    if not isinstance(out, Value):
        raise AssertionError(
            f"ex-graphs-2: sin(a) must return a Value, got "
            f"{type(out).__name__}."
        )
    out.backward()
    return x.grad


@exercise(
    "ex-graphs-2",
    "a function sin(a) taking a Value and returning a new Value",
    lambda: _reference_sin,
)
def _check_sin(answer):
    sin = require_callable(answer, "ex-graphs-2", "a function sin(a) -> Value")
    for x0 in (0.0, -1.3, 0.4, 2.2):
        out = call(sin, "ex-graphs-2", Value(x0))
        if not isinstance(out, Value):
            raise AssertionError(
                f"ex-graphs-2: sin(a) must return a Value, got "
                f"{type(out).__name__} {fmt(out)}."
            )
        compare(
            out.data,
            math.sin(x0),
            "ex-graphs-2",
            "the value sin(a).data",
            f"a = {x0}",
        )
    no_upstream = (
        "the local gradient cos(a) must be multiplied by the upstream gradient "
        "g: a.grad += cos(a) * g."
    )
    assigned = (
        "a.grad must be accumulated (+=), not assigned (=): at a fork the other "
        "branch's gradient is lost."
    )
    minus = "the derivative of sin is +cos, not -cos."
    cases = [  # (expression, its derivative, the results of the usual mistakes)
        (
            "f(x) = 3 * sin(x)",
            lambda s, x: 3 * s(x),
            lambda x: 3 * math.cos(x),
            lambda x: ((math.cos(x), no_upstream), (-3 * math.cos(x), minus)),
        ),
        (
            "f(x) = sin(x) + x (a fork)",
            lambda s, x: s(x) + x,
            lambda x: math.cos(x) + 1,
            lambda x: ((math.cos(x), assigned), (1 - math.cos(x), minus)),
        ),
        (
            "f(x) = sin(x*x) * x",
            lambda s, x: s(x * x) * x,
            lambda x: math.cos(x * x) * 2 * x * x + math.sin(x * x),
            lambda x: (),
        ),
    ]
    for text, expression, derivative, mistakes in cases:
        for x0 in (-1.3, 0.4, 2.2):
            given = _sin_gradient(sin, expression, x0)
            compare(
                given,
                derivative(x0),
                "ex-graphs-2",
                "the gradient x.grad",
                f"{text} at x = {x0}",
                mistakes=mistakes(x0),
                hint="copy the structure of Value.tanh: value, parents, op, and a "
                "_backward(g) that adds cos(a) * g into a.grad.",
            )
    return "sin's value and its backward rule agree with cos at every point, forks included."


def _jacobian() -> np.ndarray:
    x0, x1, x2 = 0.5, -1.0, 2.0
    return np.array(
        [
            [x1, x0, 1 - math.tanh(x2) ** 2],
            [math.exp(x0) * x2, 0.0, math.exp(x0)],
        ]
    )


@exercise(
    "ex-graphs-3",
    "the 2 x 3 Jacobian of F at x = (0.5, -1, 2), as an array",
    _jacobian,
)
def _check_jacobian(answer):
    J = _jacobian()
    compare(
        answer,
        J,
        "ex-graphs-3",
        "the Jacobian",
        "x = (0.5, -1, 2)",
        rtol=1e-4,
        atol=1e-6,
        mistakes=(
            (
                np.array(
                    [
                        [
                            x if i != 2 else 1 / math.cosh(2.0)
                            for i, x in enumerate(J[0])
                        ],
                        J[1],
                    ]
                ),
                "the derivative of tanh is 1 - tanh^2 (= 1/cosh^2), "
                "not 1/cosh.",
            ),
        ),
        hint="row i holds the gradient of output F_i, column j the derivative with "
        "respect to x_j.",
    )
    return "forward mode needs 3 passes (one column each), reverse mode 2 (one row each)."


def _reference_topological_order(root):
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if id(p) not in seen)
    return order


def _test_graphs():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    diamond = (c + a) * (c - b)  # c, a and b are used twice
    x = Value(0.5, "x")
    chain = x
    for _ in range(30):
        chain = chain.tanh()
    return [
        ("a single leaf", Value(1.0)),
        ("a diamond (c = a*b used twice)", diamond),
        ("a chain of 30 tanh nodes", chain),
    ]


@exercise(
    "ex-graphs-5",
    "a function topo(root) returning every node once, parents first",
    lambda: _reference_topological_order,
)
def _check_topological_order(answer):
    topo = require_callable(
        answer, "ex-graphs-5", "a function topo(root) -> list of Values"
    )
    for name, root in _test_graphs():
        order = call(topo, "ex-graphs-5", root)
        if not isinstance(order, (list, tuple)):
            raise AssertionError(
                f"ex-graphs-5: topo(root) must return a list, got "
                f"{type(order).__name__}."
            )
        expected = topological_order(root)
        ids = [id(n) for n in order]
        if len(ids) != len(set(ids)):
            raise AssertionError(
                f"ex-graphs-5: on {name}, some nodes appear more than "
                "once.\n  Hint: keep a set of visited nodes and skip a node "
                "you have seen."
            )
        if set(ids) != {id(n) for n in expected}:
            raise AssertionError(
                f"ex-graphs-5: on {name}, expected the {len(expected)} "
                f"nodes of the graph, got {len(ids)}.\n  Hint: visit "
                "every parent of every node, recursively."
            )
        position = {id(n): i for i, n in enumerate(order)}
        for node in order:
            if any(position[id(p)] > position[id(node)] for p in node.parents):
                raise AssertionError(
                    f"ex-graphs-5: on {name}, a node comes before one of "
                    "its parents.\n  Hint: append a node only after all "
                    "its parents have been visited."
                )
        if order[-1] is not root:
            raise AssertionError(
                f"ex-graphs-5: on {name}, the root must come last."
            )
    return (
        "every node once, each after its parents; now try it on 10,000 nodes and see "
        "what recursion does."
    )
