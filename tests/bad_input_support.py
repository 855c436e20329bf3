"""The machinery of tests/test_bad_input.py: the two outcomes a case may assert.

Every case calls one public dlbook function or class with one hard or bad input and
asserts exactly one of

* :class:`Raises`: a ``ValueError``/``TypeError`` whose message matches a regular
  expression that names the function (or class), the argument, what was expected and
  what was given;
* :class:`Equals`: a result equal to a reference (PyTorch or scikit-learn, or an exact
  value where they define one), finite unless the reference itself propagates a NaN or an
  infinity of the input (then the non-finite entries must coincide).

and in both cases that no input was modified and, for the functions documented as stable,
that no ``RuntimeWarning`` escaped.
"""

from __future__ import annotations

import copy
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from dlbook.reference import assert_close

NAN, INF = float("nan"), float("inf")


@dataclass
class Raises:
    """The call must raise ``exc`` with a message matching ``pattern`` (``re.search``)."""
    exc: type | tuple
    pattern: str


@dataclass
class Equals:
    """The call must return what ``ref(*args)`` returns, within ``rtol``/``atol``.

    ``nonfinite``: the reference propagates NaN/inf of the input, and the result must have
    them in the same places (otherwise every entry must be finite).  ``dtype``: the dtype
    every returned array must have (None: not checked).
    """
    ref: Callable
    rtol: float = 1e-10
    atol: float = 1e-12
    nonfinite: bool = False
    dtype: Any = None


@dataclass
class Case:
    id: str
    call: Callable
    args: tuple
    expect: Raises | Equals
    stable: bool = True            # documented as stable: no RuntimeWarning may escape
    mutates: tuple = field(default=())   # indices of arguments the call updates in place


def t64(a) -> torch.Tensor:
    """A float64 tensor copy of ``a`` (the exact-value reference side)."""
    return torch.tensor(np.asarray(a, dtype=np.float64))


def tt(a) -> torch.Tensor:
    """A tensor copy of ``a`` in its own dtype."""
    return torch.tensor(np.array(a))


def readonly(a) -> np.ndarray:
    a = np.array(a)
    a.flags.writeable = False
    return a


def _arrays(result) -> list:
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out.extend(_arrays(r))
        return out
    if isinstance(result, torch.Tensor):
        return [result.detach().cpu().numpy()]
    return [np.asarray(result)]


def _same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.dtype == after.dtype
                and before.shape == after.shape
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(_same(b, a) for b, a in zip(before, after)))
    return True


def run_case(case: Case) -> None:
    """Run one case and assert its outcome, that its inputs are unchanged and (for stable
    functions) that no RuntimeWarning escaped."""
    snapshot = [copy.deepcopy(a) for a in case.args]
    with warnings.catch_warnings():
        if case.stable:
            warnings.simplefilter("error", RuntimeWarning)
        if isinstance(case.expect, Raises):
            try:
                case.call(*case.args)
            except case.expect.exc as err:
                message = str(err)
                assert re.search(case.expect.pattern, message), (
                    f"message {message!r} does not match {case.expect.pattern!r}")
            else:
                raise AssertionError(f"no {case.expect.exc} raised")
        else:
            result = case.call(*case.args)
    for i, (before, after) in enumerate(zip(snapshot, case.args)):
        if i not in case.mutates:
            assert _same(before, after), f"argument {i} was modified"
    if isinstance(case.expect, Equals):
        expected = case.expect.ref(*snapshot)
        got, want = _arrays(result), _arrays(expected)
        assert len(got) == len(want), (len(got), len(want))
        for g, w in zip(got, want):
            if case.expect.dtype is not None:
                assert g.dtype == np.dtype(case.expect.dtype), (g.dtype, case.expect.dtype)
            if not case.expect.nonfinite:
                assert np.all(np.isfinite(g)), f"non-finite result {g}"
            assert g.shape == w.shape, (g.shape, w.shape)
            assert_close(g, w, rtol=case.expect.rtol, atol=case.expect.atol,
                         equal_nan=case.expect.nonfinite)
