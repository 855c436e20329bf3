"""What every checker needs: the registry, reading the reader's answer, and comparing it.

A checker runs the reader's answer on a few small inputs (edge cases included), compares the
result with the right one, and, when they differ, with the results of the usual mistakes, so
that the message can say which mistake it was.  Everything here is private to
:mod:`dlbook.exercises`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

REGISTRY: dict = {}


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise: what it asks for, its checker and a right answer (for tests)."""

    label: str
    asks: str
    checker: Callable[[Any], str]
    reference: Callable[[], Any]


def exercise(label: str, asks: str, reference: Callable[[], Any]):
    """Register the decorated checker under ``label``; it returns the confirmation text."""

    def register(checker):
        REGISTRY[label] = Exercise(label, asks, checker, reference)
        return checker

    return register


class NotAnswered(NotImplementedError):
    """The reader has not filled in the answer cell yet."""


def fmt(value) -> str:
    """A short, readable form of an input or a result for the messages."""
    if isinstance(value, np.ndarray):
        return np.array2string(
            value, precision=4, suppress_small=True, max_line_width=72
        )
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(fmt(v) for v in value) + ")"
    return repr(value)


def _unanswered(answer) -> bool:
    return answer is NotImplemented or answer is Ellipsis


def require_answered(answer, label: str, asks: str | None = None) -> None:
    """Raise :class:`NotAnswered` while the answer is still the placeholder."""
    if _unanswered(answer):
        what = f" ({asks})" if asks else ""
        raise NotAnswered(
            f"{label}: fill in your answer first{what}, then run this cell."
        )


def require_callable(answer, label: str, asks: str):
    """The answer as a function; junk (None, a number) fails with what was asked."""
    require_answered(answer, label, asks)
    if not callable(answer):
        raise AssertionError(
            f"{label}: expected {asks}, got {type(answer).__name__} "
            f"{fmt(answer)}."
        )
    return answer


def require_functions(answer, count: int, label: str, asks: str) -> tuple:
    """The answer as a tuple of ``count`` functions."""
    require_answered(answer, label, asks)
    if not isinstance(answer, (tuple, list)) or len(answer) != count:
        raise AssertionError(
            f"{label}: expected {asks}, got {type(answer).__name__} "
            f"{fmt(answer) if not callable(answer) else answer.__name__}."
        )
    for item in answer:
        require_callable(item, label, asks)
    return tuple(answer)


def require_numbers(answer, count: int | None, label: str, asks: str):
    """The answer as finite reals: one float (``count=None``) or an array of ``count``."""
    require_answered(answer, label, asks)
    items = [answer] if count is None else answer
    if count is not None and (
        not isinstance(answer, (tuple, list, np.ndarray))
        or len(answer) != count
    ):
        raise AssertionError(f"{label}: expected {asks}, got {fmt(answer)}.")
    values = []
    for item in items:
        if isinstance(item, np.ndarray) and item.ndim == 0:
            item = item.item()
        if (
            isinstance(item, bool)
            or not isinstance(item, numbers.Real)
            or not math.isfinite(item)
        ):
            raise AssertionError(
                f"{label}: expected {asks}; {fmt(item)} is not a finite "
                "real number."
            )
        values.append(float(item))
    return values[0] if count is None else np.array(values)


def require_array(answer, shape: tuple, label: str, what: str) -> np.ndarray:
    """The answer (or a function's result) as a finite float array of ``shape``."""
    require_answered(answer, label)
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{label}: {what} should be an array of shape {shape}, got "
            f"{type(answer).__name__} {fmt(answer)}."
        ) from None
    if arr.shape != shape:
        hint = ""
        if arr.shape == shape[::-1] and len(shape) == 2:
            hint = " It is transposed: check which axis is which."
        raise AssertionError(
            f"{label}: {what} should have shape {shape}, got shape "
            f"{arr.shape}.{hint}"
        )
    if not np.all(np.isfinite(arr)):
        raise AssertionError(
            f"{label}: {what} has non-finite entries: {fmt(arr)}. "
            "Compute it in a way that cannot overflow."
        )
    return arr


def call(function, label: str, *args):
    """Call the reader's function on copies of the array ``args``; its errors become
    clear messages.  (Lists are passed as they are, so that an exercise can ask for
    arrays in a list to be changed in place.)"""
    inputs = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        # A diverging answer is reported as non-finite, not as a warning.
        with np.errstate(all="ignore"):
            result = function(*inputs)
    except NotImplementedError:
        raise NotAnswered(
            f"{label}: your function still raises NotImplementedError; write "
            "your answer in its body, then run this cell again."
        ) from None
    except Exception as exc:  # the reader's code may raise anything
        raise AssertionError(
            f"{label}: your function raised {type(exc).__name__}: {exc}\n"
            f"  on input {fmt(tuple(args))}"
        ) from exc
    for original, copy in zip(args, inputs):
        if isinstance(original, np.ndarray) and not np.array_equal(
            original, copy, equal_nan=True
        ):
            raise AssertionError(
                f"{label}: your function modified its input in place; "
                "work on a copy (or on new arrays) instead."
            )
    return result


def compare(
    given,
    expected,
    label: str,
    what: str,
    inputs: str = "",
    mistakes: tuple = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    hint: str = "",
) -> None:
    """Fail unless ``given`` equals ``expected``; name the mistake when it matches a known one.

    ``mistakes`` holds ``(result_of_the_mistake, hint)`` pairs.  Shapes must match exactly.
    """
    expected = np.asarray(expected, dtype=np.float64)
    given = require_array(given, expected.shape, label, what)
    if np.allclose(given, expected, rtol=rtol, atol=atol):
        return
    where = f"\n  input: {inputs}" if inputs else ""
    message = (
        f"{label}: {what} is wrong.{where}\n  expected: {fmt(expected)}\n"
        f"  got:      {fmt(given)}"
    )
    for wrong, mistake_hint in mistakes:
        wrong = np.asarray(wrong, dtype=np.float64)
        if wrong.shape == given.shape and np.allclose(
            given, wrong, rtol=rtol, atol=atol
        ):
            raise AssertionError(f"{message}\n  Hint: {mistake_hint}")
    raise AssertionError(message + (f"\n  Hint: {hint}" if hint else ""))


def compare_int(
    given,
    expected: int,
    label: str,
    what: str,
    mistakes: dict = None,
    hint: str = "",
) -> None:
    """Fail unless the integer ``given`` equals ``expected``; ``mistakes`` maps value -> hint."""
    if isinstance(given, bool) or not isinstance(given, numbers.Integral):
        if isinstance(given, numbers.Real) and float(given).is_integer():
            given = int(given)
        else:
            raise AssertionError(
                f"{label}: {what} should be a whole number, got {fmt(given)}."
            )
    if int(given) == expected:
        return
    message = (
        f"{label}: {what} is wrong: expected {expected}, got {int(given)}."
    )
    mistake_hint = (mistakes or {}).get(int(given), hint)
    raise AssertionError(
        message + (f"\n  Hint: {mistake_hint}" if mistake_hint else "")
    )


def require_tuple(result, names: tuple, label: str, function: str) -> tuple:
    """A function's result as a tuple of ``len(names)`` values, e.g. ``("dz", "da")``."""
    if not isinstance(result, tuple) or len(result) != len(names):
        raise AssertionError(
            f"{label}: {function} must return the {len(names)} values "
            f"({', '.join(names)}), got {fmt(result)}."
        )
    return result


def require_keys(answer, keys: tuple, label: str, asks: str) -> dict:
    """The answer as a dict with exactly ``keys``."""
    require_answered(answer, label, asks)
    if not isinstance(answer, dict):
        raise AssertionError(
            f"{label}: expected {asks}, got {type(answer).__name__} "
            f"{fmt(answer)}."
        )
    missing = [k for k in keys if k not in answer]
    extra = [k for k in answer if k not in keys]
    if missing or extra:
        raise AssertionError(
            f"{label}: expected the keys {list(keys)}; missing {missing}, "
            f"unexpected {extra}."
        )
    for key in keys:
        if _unanswered(answer[key]):
            raise NotAnswered(
                f"{label}: fill in {key!r} first, then run this cell."
            )
    return answer
