"""Checkers for the exercises of chapter 3, weight initialization."""

from __future__ import annotations

import math

import numpy as np

from ..init import calculate_gain
from ._checking import (
    call,
    compare,
    exercise,
    require_callable,
    require_numbers,
)


@exercise(
    "ex-init-1",
    "a function gain(alpha) returning the leaky-ReLU gain",
    lambda: lambda alpha: math.sqrt(2.0 / (1.0 + alpha**2)),
)
def _check_leaky_gain(answer):
    gain = require_callable(
        answer, "ex-init-1", "a function gain(alpha) -> float"
    )
    for alpha in (0.0, 0.01, 0.2, 1.0, 3.0):
        given = require_numbers(
            call(gain, "ex-init-1", alpha),
            None,
            "ex-init-1",
            "gain(alpha) to return a number",
        )
        compare(
            given,
            calculate_gain("leaky_relu", alpha),
            "ex-init-1",
            "gain(alpha)",
            f"alpha = {alpha}",
            mistakes=(
                (
                    2.0 / (1.0 + alpha**2),
                    "that is the variance factor; the gain is its square root.",
                ),
                (
                    math.sqrt(2.0 / (1.0 + alpha)),
                    "the negative half is multiplied by "
                    "alpha, so its second moment by alpha^2: sqrt(2 / (1 + alpha^2)).",
                ),
                (
                    math.sqrt((1.0 + alpha**2) / 2.0),
                    "inverted: the gain makes up for "
                    "the lost second moment, sqrt(2 / (1 + alpha^2)).",
                ),
            ),
        )
    return "gain(alpha) = sqrt(2 / (1 + alpha^2)), as torch.nn.init.calculate_gain."


def _conv_answers():
    fan_in, fan_out = 32 * 9, 64 * 9
    return (
        fan_in,
        fan_out,
        math.sqrt(6.0 / (fan_in + fan_out)),
        math.sqrt(2.0 / fan_in),
    )


@exercise(
    "ex-init-2",
    "the tuple (fan_in, fan_out, xavier_uniform_bound, he_normal_std) "
    "for a weight of shape (64, 32, 3, 3)",
    _conv_answers,
)
def _check_conv_fans(answer):
    given = require_numbers(
        answer,
        4,
        "ex-init-2",
        "(fan_in, fan_out, xavier_uniform_bound, he_normal_std)",
    )
    right = np.array(_conv_answers())
    compare(
        given[:2],
        right[:2],
        "ex-init-2",
        "(fan_in, fan_out)",
        "shape (64, 32, 3, 3)",
        mistakes=(
            (
                (32, 64),
                "a convolution's fans include the receptive field: "
                "channels times 3 * 3.",
            ),
            ((576, 288), "swapped: fan_in counts the inputs (32 channels)."),
            ((64, 32), "swapped, and the 3 x 3 receptive field is missing."),
        ),
    )
    compare(
        given[2:],
        right[2:],
        "ex-init-2",
        "(bound, std)",
        "shape (64, 32, 3, 3)",
        mistakes=(
            (
                (math.sqrt(3 / 432), math.sqrt(2 / 288)),
                "the uniform bound is "
                "sqrt(6 / (fan_in + fan_out)), with 6, not 3.",
            ),
            (
                (math.sqrt(2 / 864), math.sqrt(2 / 288)),
                "that is Xavier's "
                "standard deviation; the uniform bound is sqrt(3) times larger.",
            ),
            (
                (1 / 12, math.sqrt(2 / 576)),
                "He's std uses fan_in: sqrt(2 / 288).",
            ),
        ),
    )
    return "both numbers are 1/12: here fan_out = 2 fan_in."


@exercise(
    "ex-init-3",
    "the pair (singular value for g = 0.99, singular value for g = 1.01) "
    "of the 100-layer product",
    lambda: (0.99**100, 1.01**100),
)
def _check_orthogonal_gain(answer):
    given = require_numbers(
        answer, 2, "ex-init-3", "the pair of singular values"
    )
    compare(
        given,
        (0.99**100, 1.01**100),
        "ex-init-3",
        "the singular values",
        "100 layers, gains 0.99 and 1.01",
        rtol=1e-3,
        mistakes=(
            (
                (0.99, 1.01),
                "that is one layer; the product of 100 layers multiplies "
                "the gains.",
            ),
            (
                (0.99**200, 1.01**200),
                "those are the eigenvalues of J^T J; the singular "
                "values of J are their square roots.",
            ),
            ((0.99**99, 1.01**99), "count the layers: there are 100 factors."),
        ),
    )
    return (
        f"every singular value is g^100: {0.99**100:.3f} and {1.01**100:.3f}."
    )


def _logistic_second_moment() -> float:
    """E[sigmoid(z)^2] for z ~ N(0, 1), by Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    return float(
        np.sum(weights / (1 + np.exp(-nodes)) ** 2) / math.sqrt(2 * math.pi)
    )


@exercise(
    "ex-init-5",
    "the predicted Var(a) (a number)",
    lambda: 16 * _logistic_second_moment(),
)
def _check_logistic_variance(answer):
    given = require_numbers(
        answer, None, "ex-init-5", "the predicted Var(a), a number"
    )
    second = _logistic_second_moment()
    compare(
        given,
        16 * second,
        "ex-init-5",
        "Var(a)",
        "Var(w) = 16/n, x = sigmoid(z), z ~ N(0, 1)",
        rtol=1e-2,
        mistakes=(
            (
                16 * (second - 0.25),
                "the mean of x is not zero: Var(a) = n Var(w) "
                "(Var(x) + E[x]^2), and E[x]^2 = 1/4 is the larger part.",
            ),
            (4.0, "E[x]^2 = 1/4 gives 4; add 16 Var(x) for the spread of x."),
        ),
    )
    return (
        f"Var(a) = 16 E[x^2] = {16 * second:.3f}: the mean of x alone contributes 4, so "
        "the pre-activations land far outside the linear regime."
    )
