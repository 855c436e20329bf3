"""Losses with their gradients (chapter 2).

Each function returns ``(loss, dinput)``: the scalar loss, averaged like the PyTorch default
``reduction="mean"``, and its gradient with respect to the first argument, ready to feed a
backward pass.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_labels

__all__ = ["softmax_cross_entropy", "mse", "binary_cross_entropy_with_logits"]


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean cross-entropy of a softmax over ``C`` classes, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, C)
        Unnormalized class scores :math:`z`.
    y : ndarray of int, shape (N,)
        Class labels in ``[0, C)``.

    Returns
    -------
    loss : float
        .. math::

           L = \frac{1}{N} \sum_n \Bigl(\log \sum_c e^{z_{nc}} - z_{n y_n}\Bigr)
    dlogits : ndarray, shape (N, C)
        .. math::

           \frac{\partial L}{\partial z_{nc}} = \frac{1}{N}\bigl(p_{nc} - [c = y_n]\bigr),
           \quad p_n = \mathrm{softmax}(z_n)

    Notes
    -----
    The log-sum-exp is taken after subtracting each row's maximum, so logits of any size give
    a finite loss.  PyTorch: ``torch.nn.functional.cross_entropy(logits, y)``.

    References
    ----------
    Bishop (2006), Pattern Recognition and Machine Learning, section 4.3.4.
    """
    z = as_float_array(logits, "logits", "softmax_cross_entropy", ndim=2)
    n, c = z.shape
    if n == 0:
        raise ValueError("softmax_cross_entropy: logits must hold at least one sample, "
                         f"got shape {z.shape}")
    y = check_labels(y, n, c, "softmax_cross_entropy")
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(sum_exp[:, 0]) - shifted[rows, y]))
    dlogits = exp
    dlogits /= sum_exp
    dlogits[rows, y] -= 1.0
    dlogits /= n
    return loss, dlogits


def mse(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean squared error over all elements, and its gradient.

    Parameters
    ----------
    pred : ndarray, any shape
    target : ndarray, shape of ``pred``

    Returns
    -------
    loss : float
        .. math::

           L = \frac{1}{M} \sum_i (\hat y_i - y_i)^2, \quad M = \text{number of elements}
    dpred : ndarray, shape of ``pred``
        .. math::

           \frac{\partial L}{\partial \hat y_i} = \frac{2}{M} (\hat y_i - y_i)

    Notes
    -----
    Shapes must be equal: nothing is broadcast.  PyTorch: ``torch.nn.functional.mse_loss``.

    References
    ----------
    Bishop (2006), Pattern Recognition and Machine Learning, section 5.2.
    """
    pred = as_float_array(pred, "pred", "mse")
    target = as_float_array(target, "target", "mse")
    if pred.shape != target.shape:
        raise ValueError(f"mse: target must have the shape of pred {pred.shape}, got {target.shape}")
    if pred.size == 0:
        raise ValueError("mse: pred must hold at least one element, got an empty array")
    diff = pred - target
    loss = float(np.mean(diff * diff))
    diff *= 2.0 / diff.size
    return loss, diff.astype(pred.dtype, copy=False)


def binary_cross_entropy_with_logits(logits: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean binary cross-entropy of a sigmoid output, computed from the logits.

    Parameters
    ----------
    logits : ndarray, any shape
        :math:`z`, so that the predicted probability is :math:`\sigma(z)`.
    target : ndarray, shape of ``logits``
        Targets :math:`t \in [0, 1]`.

    Returns
    -------
    loss : float
        .. math::

           L = \frac{1}{M}\sum_i -t_i \log\sigma(z_i) - (1 - t_i)\log(1 - \sigma(z_i))
           = \frac{1}{M}\sum_i \max(z_i, 0) - z_i t_i + \log(1 + e^{-|z_i|})
    dlogits : ndarray, shape of ``logits``
        .. math::

           \frac{\partial L}{\partial z_i} = \frac{1}{M}(\sigma(z_i) - t_i)

    Notes
    -----
    The second form of the loss never takes the log of 0 or the exp of a large number.
    PyTorch: ``torch.nn.functional.binary_cross_entropy_with_logits``.

    References
    ----------
    Bishop (2006), Pattern Recognition and Machine Learning, section 4.3.2.
    """
    z = as_float_array(logits, "logits", "binary_cross_entropy_with_logits")
    t = as_float_array(target, "target", "binary_cross_entropy_with_logits")
    if z.shape != t.shape:
        raise ValueError(
            f"binary_cross_entropy_with_logits: target must have the shape of logits {z.shape}, got {t.shape}"
        )
    if z.size == 0:
        raise ValueError("binary_cross_entropy_with_logits: logits must hold at least one element, got an empty array")
    if not np.all((t >= 0) & (t <= 1)):
        raise ValueError(
            f"binary_cross_entropy_with_logits: target must be in [0, 1], got values in [{t.min():g}, {t.max():g}]"
        )
    e = np.exp(-np.abs(z))
    loss = float(np.mean(np.maximum(z, 0) - z * t + np.log1p(e)))
    probability = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return loss, ((probability - t) / z.size).astype(z.dtype, copy=False)
