"""Shared argument checks for dlbook's public functions (private).

Every check raises ``TypeError`` or ``ValueError`` with a message that names the
function and the argument, says what was expected and echoes what was given,
e.g. ``dropout: p must be in [0, 1), got 1.5``.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name: str, where: str,
                   ndim: int | None = None) -> np.ndarray:
    """Return ``x`` as a float32/float64 ndarray without copying when it already
    is one.

    Integer and boolean input is converted to float64; anything else that is not
    a real floating array (complex, object, strings) is refused.
    """
    if not isinstance(x, (np.ndarray, numbers.Real, list, tuple)):
        raise TypeError(f"{where}: {name} must be a NumPy array, got "
                        f"{type(x).__name__}")
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype not in (np.float32, np.float64):
        raise TypeError(f"{where}: {name} must have a float32 or float64 "
                        f"dtype, got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{where}: {name} must be {ndim}-D, got shape "
                         f"{arr.shape}")
    return arr


def check_finite(arr: np.ndarray, name: str, where: str) -> None:
    """Raise ``ValueError`` when ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{where}: {name} must be finite, got {n_bad} NaN or "
                         f"infinite value(s)")


def check_bool(value, name: str, where: str) -> bool:
    """Return ``value`` after checking that it is a bool (not any truthy
    object)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be a bool, got {value!r}")
    return bool(value)


def check_float_dtype(dtype, where: str, name: str = "dtype") -> np.dtype:
    """Return ``np.dtype(dtype)`` after checking that it is float32 or
    float64."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: {name} must be float32 or float64, "
                        f"got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{where}: {name} must be float32 or float64, got {dt}")
    return dt


def check_shape(arr: np.ndarray, shape: tuple, name: str, where: str) -> None:
    """Raise ``ValueError`` unless ``arr.shape == shape`` (no silent
    broadcasting)."""
    if arr.shape != tuple(shape):
        raise ValueError(f"{where}: {name} must have shape {tuple(shape)}, got "
                         f"{arr.shape}")


def check_labels(y, n_samples: int, n_classes: int, where: str) -> np.ndarray:
    """Return integer class labels of shape (n_samples,) with values in [0,
    n_classes)."""
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"{where}: y must hold integer class labels, got dtype "
                        f"{y.dtype}")
    if y.shape != (n_samples,):
        raise ValueError(f"{where}: y must have shape ({n_samples},), got "
                         f"{y.shape}")
    if n_samples and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{where}: y must hold labels in [0, {n_classes}), got values in "
            f"[{y.min()}, {y.max()}]"
        )
    return y


def check_real(value, name: str, where: str, low=None, high=None,
               low_inclusive: bool = True,
               high_inclusive: bool = True) -> float:
    """Return ``value`` as a float after checking that it is a real number in
    the range.

    The range is written into the message as an interval, e.g.
    ``p must be in [0, 1), got 1.5``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a real number, got "
                        f"{type(value).__name__}")
    value = float(value)
    too_low = low is not None and (
        value < low if low_inclusive else value <= low)
    too_high = high is not None and (
        value > high if high_inclusive else value >= high)
    if too_low or too_high or np.isnan(value):
        left = (("[" if low_inclusive else "(")
                + ("-inf" if low is None else f"{low:g}"))
        right = (("inf" if high is None else f"{high:g}")
                 + ("]" if high_inclusive else ")"))
        raise ValueError(f"{where}: {name} must be in {left}, {right}, got "
                         f"{value:g}")
    return value


def check_positive_int(value, name: str, where: str, minimum: int = 1) -> int:
    """Return ``value`` after checking that it is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an integer, got "
                        f"{type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return int(value)


def check_choice(value, name: str, where: str, choices) -> str:
    """Return ``value`` after checking that it is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{where}: {name} must be one of {options}, got "
                         f"{value!r}")
    return value


def as_rng(rng, where: str) -> np.random.Generator:
    """Return ``rng``, or a fresh ``np.random.default_rng()`` when it is
    None."""
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{where}: rng must be a numpy.random.Generator or None, got "
            f"{type(rng).__name__}"
        )
    return rng
