"""Losses with their gradients (chapter 2).

Each function returns ``(loss, dinput)``: the scalar loss, averaged like the
PyTorch default ``reduction="mean"``, and its gradient with respect to the first
argument, ready to feed a backward pass.  The information measures at the end
(``entropy``, ``cross_entropy``, ``kl_divergence``) take probability vectors
instead and return their values only.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_labels

__all__ = ["softmax_cross_entropy", "mse", "binary_cross_entropy_with_logits",
           "entropy", "cross_entropy", "kl_divergence"]


def softmax_cross_entropy(logits: np.ndarray,
                          y: np.ndarray) -> tuple[float, np.ndarray]:
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
        raise ValueError("softmax_cross_entropy: logits must hold at least one "
                         "sample, "
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
        raise ValueError("mse: target must have the shape of pred "
                         f"{pred.shape}, got {target.shape}")
    if pred.size == 0:
        raise ValueError("mse: pred must hold at least one element, got an "
                         "empty array")
    diff = pred - target
    loss = float(np.mean(diff * diff))
    diff *= 2.0 / diff.size
    return loss, diff.astype(pred.dtype, copy=False)


def binary_cross_entropy_with_logits(
        logits: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
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
            "binary_cross_entropy_with_logits: target must have the shape of "
            f"logits {z.shape}, got {t.shape}"
        )
    if z.size == 0:
        raise ValueError("binary_cross_entropy_with_logits: logits must hold "
                         "at least one element, got an empty array")
    if not np.all((t >= 0) & (t <= 1)):
        raise ValueError(
            "binary_cross_entropy_with_logits: target must be in [0, 1], got "
            f"values in [{t.min():g}, {t.max():g}]"
        )
    e = np.exp(-np.abs(z))
    loss = float(np.mean(np.maximum(z, 0) - z * t + np.log1p(e)))
    probability = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return loss, ((probability - t) / z.size).astype(z.dtype, copy=False)


# ------------------------------------------------------------------------------
# Information measures between discrete distributions (chapter 2, "Entropy,
# cross-entropy and KL divergence").  Unlike the losses above they take
# probabilities, not logits, and return values only.

def _check_distributions(where: str, **arrays) -> list[np.ndarray]:
    """Validate probability vectors along the last axis: finite, >= 0, summing
    to 1.

    With two arrays (``p`` and ``q``) they must also have the same shape and
    dtype.
    """
    checked = []
    for name, value in arrays.items():
        arr = as_float_array(value, name, where)
        if arr.ndim == 0 or arr.shape[-1] == 0:
            raise ValueError(f"{where}: {name} must have at least one category "
                             "along its "
                             f"last axis, got shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{where}: {name} must be finite, got NaN or "
                             "infinite values")
        if np.any(arr < 0):
            raise ValueError(f"{where}: {name} must be non-negative, got a "
                             "minimum of "
                             f"{arr.min():g}")
        total = arr.sum(axis=-1)
        tol = 100 * arr.shape[-1] * np.finfo(arr.dtype).eps
        if np.any(np.abs(total - 1) > tol):
            worst = float(np.reshape(total, -1)[np.argmax(np.abs(total - 1))])
            raise ValueError(f"{where}: {name} must sum to 1 along its last "
                             "axis, got a "
                             f"sum of {worst:.6g}")
        checked.append(arr)
    if len(checked) == 2:
        p, q = checked
        if p.shape != q.shape:
            raise ValueError(f"{where}: q must have the shape of p {p.shape}, "
                             f"got {q.shape}")
        if p.dtype != q.dtype:
            raise TypeError(f"{where}: q must have the dtype of p {p.dtype}, "
                            f"got {q.dtype}")
    return checked


def _p_log(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Elementwise ``p * log(q)`` with the convention ``0 log q = 0`` (also for
    ``q = 0``)."""
    log_q = np.log(q, out=np.full_like(q, -np.inf), where=q > 0)
    return np.multiply(p, log_q, out=np.zeros_like(p), where=p > 0)


def entropy(p: np.ndarray) -> np.ndarray:
    r"""Shannon entropy of discrete distributions, in nats.

    Parameters
    ----------
    p : ndarray, shape (..., C)
        Probabilities along the last axis: non-negative, summing to 1.

    Returns
    -------
    ndarray, shape (...)
        .. math::

           H(p) = -\sum_{c=1}^{C} p_c \log p_c , \qquad 0 \log 0 = 0,

        between 0 (a one-hot ``p``) and :math:`\log C` (the uniform
        distribution).

    Notes
    -----
    PyTorch: ``torch.distributions.Categorical(probs=p).entropy()``.

    References
    ----------
    Shannon (1948), A mathematical theory of communication; Cover & Thomas (2006), Elements
    of Information Theory, chapter 2.
    """
    (p,) = _check_distributions("entropy", p=p)
    return 0.0 - _p_log(p, p).sum(axis=-1)  # 0.0 - 0.0 is +0.0, not -0.0


def cross_entropy(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""Cross-entropy of the distributions ``q`` relative to ``p``, in nats.

    Parameters
    ----------
    p : ndarray, shape (..., C)
        The reference ("true") probabilities along the last axis.
    q : ndarray, shape (..., C)
        The model's probabilities, same shape and dtype as ``p``.

    Returns
    -------
    ndarray, shape (...)
        .. math::

           H(p, q) = -\sum_{c=1}^{C} p_c \log q_c = H(p) + D_\mathrm{KL}(p \,\|\, q),

        :math:`+\infty` where some :math:`q_c = 0 < p_c`.

    Notes
    -----
    For a one-hot ``p`` this is :math:`-\log q_y`, the loss of
    :func:`softmax_cross_entropy`.  PyTorch:
    ``torch.nn.functional.cross_entropy(q.log(), p, reduction="none")`` (probability
    targets).
    """
    p, q = _check_distributions("cross_entropy", p=p, q=q)
    return 0.0 - _p_log(p, q).sum(axis=-1)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    r"""Kullback-Leibler divergence of ``q`` from ``p``, in nats.

    Parameters
    ----------
    p : ndarray, shape (..., C)
        The reference probabilities along the last axis.
    q : ndarray, shape (..., C)
        The approximating probabilities, same shape and dtype as ``p``.

    Returns
    -------
    ndarray, shape (...)
        .. math::

           D_\mathrm{KL}(p \,\|\, q) = \sum_{c=1}^{C} p_c \log\frac{p_c}{q_c}
           = H(p, q) - H(p) \ge 0,

        zero exactly when ``p == q``, :math:`+\infty` where some
        :math:`q_c = 0 < p_c`; not symmetric in ``p`` and ``q``.

    Notes
    -----
    Computed term by term as :math:`\sum_c p_c(\log p_c - \log q_c)`, not as a difference of
    two entropies, so that it is exactly 0 for ``p == q``.  PyTorch:
    ``torch.distributions.kl_divergence(Categorical(probs=p), Categorical(probs=q))``, or
    ``torch.nn.functional.kl_div(q.log(), p, reduction="none").sum(-1)`` (note the order).

    References
    ----------
    Kullback & Leibler (1951), On information and sufficiency.
    """
    p, q = _check_distributions("kl_divergence", p=p, q=q)
    return (_p_log(p, p) - _p_log(p, q)).sum(axis=-1)
