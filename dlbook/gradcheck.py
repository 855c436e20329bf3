"""Numerical gradient checking (chapter 2).

Central differences give a derivative-free estimate of a gradient; comparing it
with a backward pass by a relative error catches almost every bug in
hand-written backpropagation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validation import as_float_array, check_finite, check_real

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of a scalar function at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  It is called with ``x`` itself, modified in place
        one element at a time (and restored), so ``f`` may close over ``x``.
    x : ndarray of float64, any shape
        The point; left unchanged on return.
    h : float, default 1e-6
        Step size.

    Returns
    -------
    ndarray, shape of ``x``
        .. math::

           \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Notes
    -----
    The truncation error is :math:`O(h^2)` and the rounding error :math:`O(\epsilon/h)`; in
    float64 with :math:`h = 10^{-6}` both are around :math:`10^{-10}` relative for well-scaled
    functions.  Use float64: in float32 the rounding error dominates.  The estimate is always
    returned in float64.  PyTorch's counterpart is ``torch.autograd.gradcheck``.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), Deep Learning, section 11.5 (debugging strategies).
    """
    if not callable(f):
        raise TypeError("numerical_gradient: f must be callable, got "
                        f"{type(f).__name__}")
    if not isinstance(x, np.ndarray):
        raise TypeError(f"numerical_gradient: x must be a NumPy array, "
                        f"got {type(x).__name__}")
    as_float_array(x, "x", "numerical_gradient")
    if x.dtype.kind != "f":
        raise TypeError(f"numerical_gradient: x must have a float dtype "
                        f"(it is perturbed in place), got {x.dtype}")
    h = check_real(h, "h", "numerical_gradient", low=0, low_inclusive=False,
                   high=np.inf,
                   high_inclusive=False)
    if not x.flags.writeable:
        raise ValueError("numerical_gradient: x must be writeable "
                         "(it is perturbed in place); pass x.copy()")
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if x.size and not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can "
                         "be perturbed in place; pass np.ascontiguousarray(x)")

    def evaluate() -> float:
        value = np.asarray(f(x))
        if value.size != 1:
            raise ValueError(f"numerical_gradient: f must return a scalar, "
                             f"got shape {value.shape}")
        return float(value.reshape(()))

    for i in range(flat_x.size):
        original = flat_x[i]
        try:
            flat_x[i] = original + h
            f_plus = evaluate()
            flat_x[i] = original - h
            f_minus = evaluate()
        finally:
            flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    r"""Relative error between two gradients, symmetric in its arguments.

    Parameters
    ----------
    a, b : ndarray, same shape

    Returns
    -------
    float
        .. math::

           \frac{\lVert a - b \rVert_2}{\lVert a \rVert_2 + \lVert b \rVert_2} \in [0, 1]

        0 when both are zero.  Rules of thumb in float64: below :math:`10^{-7}`
        the gradient is right; around :math:`10^{-4}` something is usually wrong
        (or a kink was crossed); above :math:`10^{-2}` it is wrong.

    Notes
    -----
    Computed in float64 whatever the input dtype, after dividing both arrays by their largest
    magnitude, so values near the float64 limits neither overflow nor underflow.  PyTorch has
    no direct counterpart; ``torch.testing.assert_close`` compares elementwise instead.

    References
    ----------
    Goodfellow, Bengio & Courville (2016), Deep Learning, section 11.5 (debugging strategies).
    """
    a = as_float_array(a, "a", "relative_error")
    b = as_float_array(b, "b", "relative_error")
    if a.shape != b.shape:
        raise ValueError("relative_error: a and b must have the same shape, "
                         f"got {a.shape} and {b.shape}")
    check_finite(a, "a", "relative_error")
    check_finite(b, "b", "relative_error")
    a64 = a.astype(np.float64, copy=False)
    b64 = b.astype(np.float64, copy=False)
    # Dividing both by the largest magnitude first keeps the norms from
    # overflowing (1e300) or underflowing (1e-300); the ratio is unchanged.
    scale = max(float(np.max(np.abs(a64), initial=0.0)),
                float(np.max(np.abs(b64), initial=0.0)))
    if scale == 0.0:
        return 0.0
    if np.isfinite(scale):
        a64, b64 = a64 / scale, b64 / scale
    denominator = np.linalg.norm(a64) + np.linalg.norm(b64)
    return float(np.linalg.norm(a64 - b64) / denominator)
