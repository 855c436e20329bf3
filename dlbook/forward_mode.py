"""Forward-mode automatic differentiation with dual numbers (chapter 1).

A :class:`Dual` carries a value and one directional derivative (a tangent)
through every operation, so one pass gives the derivative of every intermediate
result along one input direction.  Chapter 1 compares its cost with reverse mode
(:class:`dlbook.graph.Value`): one pass per input against one backward pass per
output.  ``dlbook.graph`` re-exports :class:`Dual`, and
:func:`dlbook.graph.maximum` accepts Duals.
"""

from __future__ import annotations

import math

from ._scalar import (_check_exponent, _exp, _is_real, _log, _pow, _pow_slope,
                      _sigmoid)

__all__ = ["Dual"]


class Dual:
    r"""A dual number :math:`v + \dot v\,\varepsilon`, with
    :math:`\varepsilon^2 = 0`: forward mode.

    Every operation computes its value and, by the chain rule, the derivative of
    that value along one input direction (the tangent):

    .. math::

        f(v + \dot v\,\varepsilon) = f(v) + f'(v)\,\dot v\,\varepsilon .

    Seeding one input with tangent 1 and the others with 0 gives one column of
    the Jacobian per pass, so a gradient of
    :math:`f:\mathbb{R}^n \to \mathbb{R}` needs :math:`n` passes.

    Parameters
    ----------
    value : float
        The primal value :math:`v`.
    tangent : float, default 0.0
        The directional derivative :math:`\dot v` (0 for a constant).

    Notes
    -----
    Same operators, methods and conventions as :class:`~dlbook.graph.Value` (relu'(0) = 0, ties of
    :func:`~dlbook.graph.maximum` split in halves); the PyTorch equivalent is ``torch.func.jvp`` or
    ``torch.autograd.forward_ad``.

    References
    ----------
    Baydin, Pearlmutter, Radul and Siskind (2018), "Automatic differentiation in machine
    learning: a survey"; Griewank and Walther (2008), "Evaluating Derivatives".
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value, tangent=0.0):
        for name, x in (("value", value), ("tangent", tangent)):
            if not _is_real(x):
                raise TypeError(f"Dual: {name} must be a real number, got "
                                f"{type(x).__name__}")
        self.value, self.tangent = float(value), float(tangent)

    def __repr__(self) -> str:
        return f"Dual(value={self.value:.6g}, tangent={self.tangent:.6g})"

    def __add__(self, other):
        o = _lift_dual(other, "Dual.__add__")
        return _dual(self.value + o.value, self.tangent + o.tangent)

    def __sub__(self, other):
        o = _lift_dual(other, "Dual.__sub__")
        return _dual(self.value - o.value, self.tangent - o.tangent)

    def __mul__(self, other):
        o = _lift_dual(other, "Dual.__mul__")
        tangent = self.tangent * o.value + self.value * o.tangent
        return _dual(self.value * o.value, tangent)

    def __truediv__(self, other):
        o = _lift_dual(other, "Dual.__truediv__")
        if o.value == 0:
            raise ZeroDivisionError("Dual.__truediv__: division by zero (the "
                                    "denominator is 0)")
        q = self.value / o.value
        return _dual(q, (self.tangent - q * o.tangent) / o.value)

    def __pow__(self, exponent):
        p = _check_exponent(exponent, "Dual.__pow__")
        slope = _pow_slope(self.value, p, "Dual.__pow__")
        return _dual(_pow(self.value, p, "Dual.__pow__"), slope * self.tangent)

    def __radd__(self, other):
        return _lift_dual(other, "Dual.__radd__") + self

    def __rsub__(self, other):
        return _lift_dual(other, "Dual.__rsub__") - self

    def __rmul__(self, other):
        return _lift_dual(other, "Dual.__rmul__") * self

    def __rtruediv__(self, other):
        return _lift_dual(other, "Dual.__rtruediv__") / self

    def __rpow__(self, base):
        raise TypeError("Dual.__rpow__: exponent must be a real number (not a "
                        "Dual); only "
                        "constant exponents are supported, write exp(b * "
                        "log(a)) for a ** b")

    def __neg__(self):
        return _dual(-self.value, -self.tangent)

    def exp(self) -> Dual:
        r"""Exponential: :math:`(e^v,\ e^v \dot v)`."""
        e = _exp(self.value)
        return _dual(e, e * self.tangent)

    def log(self) -> Dual:
        r"""Natural logarithm: :math:`(\log v,\ \dot v / v)`; ``ValueError`` for
        :math:`v \le 0`."""
        return _dual(_log(self.value, "Dual.log"), self.tangent / self.value)

    def tanh(self) -> Dual:
        r"""Hyperbolic tangent: :math:`(t,\ (1 - t^2)\dot v)` with
        :math:`t = \tanh v`."""
        t = math.tanh(self.value)
        return _dual(t, (1.0 - t * t) * self.tangent)

    def sigmoid(self) -> Dual:
        r"""Logistic sigmoid: :math:`(s,\ s(1 - s)\dot v)` with
        :math:`s = \sigma(v)`."""
        s = _sigmoid(self.value)
        return _dual(s, s * (1.0 - s) * self.tangent)

    def relu(self) -> Dual:
        r"""Rectified linear unit: :math:`(\max(v, 0),\ [v > 0]\,\dot v)` (NaN
        stays NaN)."""
        if self.value <= 0:
            return _dual(0.0, 0.0)
        return _dual(self.value, self.tangent)


def _dual(value: float, tangent: float) -> Dual:
    """Create the result of a forward-mode operation (no validation: both are
    floats)."""
    out = Dual.__new__(Dual)
    out.value, out.tangent = value, tangent
    return out


def _lift_dual(x, where: str) -> Dual:
    if isinstance(x, Dual):
        return x
    if _is_real(x):
        return _dual(float(x), 0.0)
    raise TypeError(f"{where}: operand must be a Dual or a real number, got "
                    f"{type(x).__name__}")
