"""Scalar kernels shared by reverse mode (:mod:`dlbook.graph`) and forward mode
(:mod:`dlbook.forward_mode`): the values and local slopes of the elementary
functions, with the error conventions of Python's ``math`` module (private)."""

from __future__ import annotations

import math
import numbers

def _is_real(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _pow(x: float, p: float, where: str) -> float:
    if x < 0 and p != int(p):
        raise ValueError(f"{where}: a negative base ({x:g}) needs an integer "
                         f"exponent, got {p:g}")
    if x == 0 and p < 0:
        raise ZeroDivisionError(f"{where}: 0 cannot be raised to a negative "
                                f"power ({p:g})")
    try:
        return x ** p
    except OverflowError:
        return -math.inf if (x < 0 and int(p) % 2) else math.inf


def _pow_slope(x: float, p: float, where: str) -> float:
    """d(x**p)/dx = p x**(p-1), with PyTorch's values 0 for p = 0 and inf at x =
    0 for p < 1."""
    if p == 0:
        return 0.0
    if x == 0 and p < 1:
        return math.inf
    return p * _pow(x, p - 1, where)


def _log(x: float, where: str) -> float:
    if x <= 0:
        raise ValueError(f"{where}: argument must be positive, got {x:g}")
    return math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)              # no overflow: x < 0
    return e / (1.0 + e)


def _max(a: float, b: float) -> float:
    """``max(a, b)`` that propagates a NaN from either side, as
    ``torch.maximum`` (Python's ``max(1.0, nan)`` returns 1.0)."""
    return a + b if math.isnan(a) or math.isnan(b) else max(a, b)


def _max_shares(a: float, b: float) -> tuple[float, float]:
    """Shares of the upstream gradient that maximum(a, b) routes to a and to b
    (torch's rule)."""
    if a > b:
        return 1.0, 0.0
    if b > a:
        return 0.0, 1.0
    return 0.5, 0.5


def _check_exponent(p, where: str) -> float:
    if not _is_real(p):
        raise TypeError(f"{where}: exponent must be a real number (not a "
                        f"{type(p).__name__}); "
                        "only constant exponents are supported, write exp(b * "
                        "log(a)) for a ** b")
    if not math.isfinite(p):
        raise ValueError(f"{where}: exponent must be finite, got {p}")
    return float(p)
