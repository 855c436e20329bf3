"""Gradient clipping by global norm and by value (chapter 6, :ref:`ch-optim`).

Both functions modify the gradient arrays **in place**, like
``torch.nn.utils.clip_grad_norm_`` and ``torch.nn.utils.clip_grad_value_``.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_real

__all__ = ["clip_grad_norm", "clip_grad_value"]


def _grad_list(grads, where: str) -> list[np.ndarray]:
    if isinstance(grads, np.ndarray):
        grads = [grads]
    grads = list(grads)
    for i, g in enumerate(grads):
        if (not isinstance(g, np.ndarray)
                or g.dtype not in (np.float32, np.float64)):
            got = g.dtype if isinstance(g, np.ndarray) else type(g).__name__
            raise TypeError(f"{where}: grads[{i}] must be a float32 or float64 "
                            f"ndarray (clipped in place), got {got}")
        if g.dtype != grads[0].dtype:
            raise TypeError(f"{where}: grads[{i}] must have the dtype of "
                            f"grads[0] ({grads[0].dtype}), got {g.dtype}")
        if not g.flags.writeable:
            raise ValueError(f"{where}: grads[{i}] is read-only; it must be "
                             "clipped in place")
    return grads


def _norm(g: np.ndarray) -> float:
    """The L2 norm of ``g`` in float64, scaled by its largest entry so that
    squaring neither overflows (1e200, or 1e30 in float32) nor underflows."""
    g = g.astype(np.float64).ravel()
    peak = float(np.max(np.abs(g), initial=0.0))
    if peak == 0.0 or not np.isfinite(peak):
        return peak if not np.isnan(g).any() else float("nan")
    return peak * float(np.linalg.norm(g / peak))


def clip_grad_norm(grads, max_norm: float):
    r"""Rescale a list of gradients in place so that their global L2 norm is at
    most ``max_norm``.

    .. math::

        \|g\| = \Big(\sum_k \|g_k\|_2^2\Big)^{1/2}, \qquad
        g_k \leftarrow g_k \cdot \min\!\Big(1, \frac{c}{\|g\| + 10^{-6}}\Big)

    Parameters
    ----------
    grads : list of ndarray
        Gradients of all parameters (any shapes), modified in place.
    max_norm : float
        The limit :math:`c > 0`.

    Returns
    -------
    total_norm : float32 or float64 scalar
        :math:`\|g\|` before clipping (dtype of the first gradient).

    Notes
    -----
    Equals ``torch.nn.utils.clip_grad_norm_(params, max_norm)`` (``norm_type=2``), including
    its ``1e-6`` in the denominator and the clamp of the coefficient at 1, so gradients
    already under the limit are left exactly unchanged.  Clipping by norm keeps the
    direction of the step; clipping by value (:func:`clip_grad_value`) does not.

    References
    ----------
    Pascanu, R., Mikolov, T. and Bengio, Y. (2013). On the difficulty of training recurrent
    neural networks.
    """
    where = "clip_grad_norm"
    grads = _grad_list(grads, where)
    max_norm = check_real(max_norm, "max_norm", where, low=0.0)
    if not grads:
        return np.float64(0.0)
    dtype = grads[0].dtype
    # float64 partial norms, each scaled by its largest entry: the total
    # overflows only when the true norm does (PyTorch's unscaled sum of squares
    # returns inf for 1e30 in float32, and then zeroes the gradients).
    with np.errstate(over="ignore"):
        total_norm = dtype.type(_norm(np.array([_norm(g) for g in grads])))
    coef = min(dtype.type(max_norm) / (total_norm + dtype.type(1e-6)),
               dtype.type(1.0))
    for g in grads:
        g *= coef
    return total_norm


def clip_grad_value(grads, clip_value: float) -> None:
    r"""Clamp every gradient entry in place to :math:`[-c, c]`.

    .. math::

        g_{k,i} \leftarrow \min(\max(g_{k,i}, -c), c)

    Parameters
    ----------
    grads : list of ndarray
        Gradients, modified in place.
    clip_value : float
        The bound :math:`c \ge 0`.

    Notes
    -----
    Equals ``torch.nn.utils.clip_grad_value_(params, clip_value)``.  Clipping coordinates
    separately changes the direction of the gradient.
    """
    where = "clip_grad_value"
    grads = _grad_list(grads, where)
    c = check_real(clip_value, "clip_value", where, low=0.0)
    for g in grads:
        np.clip(g, -c, c, out=g)
