"""Checkers for the readers' own answers to the book's exercises.

Each chapter's exercises whose answer is code or a number have a checker here.  Write your
answer in the chapter's "your answer" cell, then call :func:`check` with the exercise's label
as the book prints it::

    from dlbook.exercises import check

    def softsign_forward(x): ...
    def softsign_backward(dy, cache): ...

    check("ex-backprop-2", (softsign_forward, softsign_backward))

A right answer prints one short confirmation and returns ``True``.  A wrong one raises
``AssertionError`` with the failing input, what was expected and what was given, and a hint
aimed at the usual mistake (a missing transpose, a sum over the wrong axis, a forgotten
``1/N``, :math:`\\epsilon` in the wrong place).  A checker never accepts junk: ``None``, ``0`` or
a function that returns zeros fail like any other wrong answer.  An answer cell that is not
filled in yet (``NotImplemented``, ``...``, or a function that raises
``NotImplementedError``) raises ``NotImplementedError`` with a reminder.
"""

from __future__ import annotations

import difflib
import textwrap

# Importing a chapter's module registers its checkers: in the book's order, which available()
# keeps.
from . import graphs, backprop, init, activations  # noqa: F401, I001
from . import batchnorm, optim, regularization, whitening  # noqa: F401, I001
from . import frameworks  # noqa: F401, I001
from ._checking import REGISTRY


def available() -> list[str]:
    """The labels of the exercises that have a checker, in the book's order.

    Returns
    -------
    list of str
        Labels such as ``"ex-batchnorm-4"``, as the book prints them.
    """
    return list(REGISTRY)


def check(label: str, answer) -> bool:
    """Check the reader's answer to the exercise ``label``.

    Parameters
    ----------
    label : str
        The exercise's label, e.g. ``"ex-graphs-2"``.
    answer : callable, number, tuple or dict
        What the exercise asks for; :func:`describe` says what that is.

    Returns
    -------
    bool
        ``True`` when the answer is right (a confirmation is printed).

    Raises
    ------
    AssertionError
        When the answer is wrong, with the failing input, the expected and the given result,
        and a hint.
    NotImplementedError
        When the answer cell has not been filled in yet.
    ValueError
        When ``label`` is not a checkable exercise (the message names the closest labels).
    """
    exercise = _lookup(label, "check")
    confirmation = exercise.checker(answer)
    print(textwrap.fill(f"{label}: right. {confirmation}", 79))   # fits the page
    return True


def describe(label: str) -> str:
    """What the answer to the exercise ``label`` must be (a function's signature, a number...)."""
    return _lookup(label, "describe").asks


def _lookup(label, where: str):
    if not isinstance(label, str):
        raise TypeError(
            f"{where}: label must be a str such as 'ex-graphs-2', "
            f"got {type(label).__name__}"
        )
    if label not in REGISTRY:
        close = difflib.get_close_matches(label, REGISTRY, n=3, cutoff=0.5)
        suggestion = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(
            f"{where}: no checker for the exercise {label!r}{suggestion} "
            "(exercises.available() lists them)"
        )
    return REGISTRY[label]
