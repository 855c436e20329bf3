"""Checkers for the exercises of chapter 4, activation functions and vanishing gradients."""

from __future__ import annotations

import math

import numpy as np

from ._checking import (
    call,
    compare,
    exercise,
    fmt,
    require_callable,
    require_numbers,
    require_tuple,
)


def _saturation_point(fraction: float) -> float:
    """|z| where the sigmoid's derivative has fallen to ``fraction`` of its maximum 1/4."""
    s = 0.5 * (1 + math.sqrt(1 - fraction))
    return math.log(s / (1 - s))


@exercise(
    "ex-activations-1",
    "the number |z| at which sigmoid'(z) = 0.0025",
    lambda: _saturation_point(0.01),
)
def _check_saturation(answer):
    given = require_numbers(answer, None, "ex-activations-1", "|z|, a number")
    right = _saturation_point(0.01)
    compare(
        given,
        right,
        "ex-activations-1",
        "|z|",
        "sigmoid'(z) = 0.0025",
        rtol=1e-4,
        mistakes=(
            (-right, "the question asks for |z|, a positive number."),
            (
                _saturation_point(0.04),
                "1 % of the maximum 1/4 is 0.0025; you "
                "solved sigmoid'(z) = 0.01.",
            ),
            (
                0.5 * (1 + math.sqrt(0.99)),
                "that is s = sigmoid(z); z = log(s / (1 - s)).",
            ),
        ),
    )
    return (
        f"|z| = {right:.4f}: beyond about 6 the sigmoid barely passes gradient."
    )


def _prelu_backward(dy, z, a):
    return dy * np.where(z > 0, 1.0, a), float(np.sum(dy * np.minimum(z, 0.0)))


@exercise(
    "ex-activations-2",
    "a function prelu_backward(dy, z, a) returning (dz, da), da a number",
    lambda: _prelu_backward,
)
def _check_prelu(answer):
    backward = require_callable(
        answer,
        "ex-activations-2",
        "a function prelu_backward(dy, z, a) -> (dz, da)",
    )
    rng = np.random.default_rng(4)
    for z, a in (
        (np.array([[-2.0, 0.5, 0.0]]), 0.25),
        (rng.normal(size=(5, 4)), 0.1),
    ):
        dy = rng.normal(size=z.shape)
        dz, da = require_tuple(
            call(backward, "ex-activations-2", dy, z, a),
            ("dz", "da"), "ex-activations-2", "prelu_backward",
        )
        right_dz, right_da = _prelu_backward(dy, z, a)
        inputs = f"z = {fmt(z)}, a = {a}, dy = {fmt(dy)}"
        compare(
            dz,
            right_dz,
            "ex-activations-2",
            "dz",
            inputs,
            mistakes=(
                (dy * (z > 0), "on the negative side the slope is a, not 0."),
                (
                    dy * np.where(z > 0, a, 1.0),
                    "swapped: slope 1 for z > 0, a for z < 0.",
                ),
            ),
        )
        if np.ndim(da) != 0:
            raise AssertionError(
                "ex-activations-2: da should be one number, got an array "
                f"of shape {np.shape(da)}.\n  Hint: a is shared by every "
                "unit and example, so sum dy * min(z, 0) over all of them."
            )
        compare(
            da,
            right_da,
            "ex-activations-2",
            "da",
            inputs,
            mistakes=(
                (
                    np.sum(dy * z),
                    "df/da = min(0, z): only the negative inputs count.",
                ),
                (
                    np.mean(dy * np.minimum(z, 0)),
                    "sum, do not average: the loss already includes any 1/N.",
                ),
            ),
        )
    return "dz and da agree with torch.nn.PReLU and autograd."


def _swish_minimum() -> tuple:
    lo, hi = -3.0, -0.5  # swish'(z) = s + z s (1 - s) changes sign in between
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        s = 1 / (1 + math.exp(-mid))
        lo, hi = (mid, hi) if s + mid * s * (1 - s) < 0 else (lo, mid)
    z = 0.5 * (lo + hi)
    return z, z / (1 + math.exp(-z))


@exercise(
    "ex-activations-3",
    "the pair (z_min, swish(z_min)) of swish's minimum, beta = 1",
    _swish_minimum,
)
def _check_swish_minimum(answer):
    given = require_numbers(
        answer, 2, "ex-activations-3", "the pair (z_min, swish(z_min))"
    )
    z, value = _swish_minimum()
    compare(
        given,
        (z, value),
        "ex-activations-3",
        "(z_min, swish(z_min))",
        "beta = 1",
        rtol=0,
        atol=1e-4,
        mistakes=(
            ((value, z), "swapped: the location first, then the value."),
            (
                (-z, -value),
                "the minimum lies at negative z, with a negative value.",
            ),
        ),
    )
    return f"the minimum is swish({z:.4f}) = {value:.4f}, and -{-value:.4f} = z_min + 1."


def _window_width(w: float) -> float:
    return 2 / w * math.log(w * (1 + math.sqrt(1 - 4 / w)) / 2 - 1)


def _widest_window() -> tuple:
    lo, hi = 4.5, 20.0  # golden-section search of the unimodal width
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, b) if _window_width(a) > _window_width(b) else (a, hi)
    w = 0.5 * (lo + hi)
    return w, _window_width(w)


@exercise(
    "ex-activations-5",
    "the pair (w_star, largest width) of the widest window",
    _widest_window,
)
def _check_widest_window(answer):
    given = require_numbers(
        answer, 2, "ex-activations-5", "the pair (w_star, width)"
    )
    w, width = _widest_window()
    compare(
        given,
        (w, width),
        "ex-activations-5",
        "(w_star, width)",
        "",
        rtol=1e-3,
        mistakes=(
            ((width, w), "swapped: the weight first, then the width."),
            (
                (6.0, _window_width(6.0)),
                "w = 6 is the formula's check, not its maximum.",
            ),
        ),
    )
    return (
        f"the widest window, {width:.3f} wide, is at w = {w:.3f}: large weights cannot "
        "keep many inputs out of the vanishing regime."
    )
