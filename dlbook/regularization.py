"""Regularization: dropout, norm penalties, max-norm and early stopping (chapter
7, :ref:`ch-regularization`).

* :func:`dropout` / :func:`dropout_backward` and the module :class:`Dropout`
  (inverted dropout, the mask kept for the backward pass);
* :func:`l2_penalty` and :func:`l1_penalty`, the terms :math:`\\lambda\\,\\Omega(\\theta)` of the
  extended loss :math:`\\tilde J = J + \\lambda\\,\\Omega`, with their gradients;
* :func:`max_norm`, the max-norm constraint applied after an optimizer step;
* :class:`~dlbook.early_stopping.EarlyStopping` (implemented in
  :mod:`dlbook.early_stopping`, re-exported here).

Decoupled weight decay (AdamW) lives with the optimizers in :mod:`dlbook.optim`.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_float_array, as_rng, check_finite, check_real
from .early_stopping import EarlyStopping

__all__ = ["dropout", "dropout_backward", "Dropout", "l2_penalty", "l1_penalty",
           "max_norm",
           "EarlyStopping"]


def dropout(x: np.ndarray, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | None = None
            ) -> tuple[np.ndarray, np.ndarray | None]:
    r"""Inverted dropout: zero each unit with probability ``p``, scale the
    survivors by 1/(1-p).

    Parameters
    ----------
    x : ndarray, any shape
        Activations, float32 or float64.
    p : float, default 0.5
        Probability of dropping a unit, in [0, 1).
    training : bool, default True
        When False the layer is the identity (test time).
    rng : numpy.random.Generator, optional
        Source of the mask (default: a fresh ``np.random.default_rng()``).

    Returns
    -------
    y : ndarray, shape of ``x``
        .. math::

           y = x \odot m, \qquad m_i = \frac{r_i}{1-p}, \quad r_i \sim \mathrm{Bernoulli}(1-p)

        so that :math:`\mathbb{E}[y] = x`.  When the layer is the identity
        (``training=False`` or ``p == 0``) ``y`` is ``x`` itself, not a copy, as
        in PyTorch.
    mask : ndarray of x's dtype, shape of ``x``, or None
        The scaled mask :math:`m` (entries 0 or :math:`1/(1-p)`), which is all
        that :func:`dropout_backward` needs; ``None`` when the layer is the
        identity.

    Notes
    -----
    PyTorch: ``torch.nn.functional.dropout(x, p, training)``, which also multiplies by a
    Bernoulli mask already divided by :math:`1-p`.  PyTorch's random stream differs from
    NumPy's, so the masks differ; given the same mask the outputs agree.  The original
    formulation :cite:p:`hinton2012improving,srivastava2014dropout` keeps units unscaled during
    training and multiplies the weights by :math:`1-p` at test time; both have the same
    expectation.

    References
    ----------
    G. E. Hinton et al. (2012), Improving neural networks by preventing co-adaptation of
    feature detectors.  N. Srivastava et al. (2014), Dropout: a simple way to prevent neural
    networks from overfitting.
    """
    x = as_float_array(x, "x", "dropout")
    p = check_real(p, "p", "dropout", low=0.0, high=1.0, high_inclusive=False)
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError("dropout: training must be a bool, got "
                        f"{type(training).__name__}")
    rng = as_rng(rng, "dropout")
    if not training or p == 0.0:
        return x, None
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    mask *= x.dtype.type(1.0 / (1.0 - p))
    return x * mask, mask


def dropout_backward(dy: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    r"""Backward pass of :func:`dropout`: route the gradient through the kept
    units.

    Parameters
    ----------
    dy : ndarray, shape of ``x``
        Upstream gradient :math:`\partial L / \partial y`.
    mask : ndarray, shape of ``x``, or None
        The mask returned by :func:`dropout`; ``None`` means the forward pass
        was the identity.

    Returns
    -------
    dx : ndarray, shape of ``x``
        .. math::

           \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} \odot m

    Notes
    -----
    PyTorch: the autograd backward of ``torch.nn.functional.dropout``.
    """
    dy = as_float_array(dy, "dy", "dropout_backward")
    if mask is None:
        return dy
    mask = as_float_array(mask, "mask", "dropout_backward")
    if mask.shape != dy.shape:
        raise ValueError("dropout_backward: mask must have the shape of dy "
                         f"{dy.shape}, got {mask.shape}")
    return dy * mask


class Dropout:
    r"""Dropout layer that keeps its mask between :meth:`forward` and
    :meth:`backward`.

    Parameters
    ----------
    p : float, default 0.5
        Drop probability, in [0, 1).
    rng : numpy.random.Generator, optional
        Source of the masks.

    Attributes
    ----------
    training : bool
        True after :meth:`train` (the default), False after :meth:`eval`.
    mask : ndarray or None
        The scaled mask :math:`m` of the last :meth:`forward` (see
        :func:`dropout`).

    Notes
    -----
    PyTorch: ``torch.nn.Dropout(p)`` with ``train()`` / ``eval()``.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | None = None):
        self.p = check_real(p, "p", "Dropout", low=0.0, high=1.0,
                            high_inclusive=False)
        self.rng = as_rng(rng, "Dropout")
        self.training = True
        self.mask: np.ndarray | None = None

    def train(self) -> "Dropout":
        """Switch to training mode (random masks); return self."""
        self.training = True
        return self

    def eval(self) -> "Dropout":
        """Switch to evaluation mode (identity); return self."""
        self.training = False
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply :func:`dropout` with this layer's ``p``, mode and generator;
        keep the mask."""
        y, self.mask = dropout(x, self.p, self.training, self.rng)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Return ``dy * mask`` with the mask of the last :meth:`forward`."""
        return dropout_backward(dy, self.mask)


def _weight_list(weights, where: str) -> list[np.ndarray]:
    if (isinstance(weights, np.ndarray)
            or not isinstance(weights, (list, tuple))):
        raise TypeError(f"{where}: weights must be a list of arrays (wrap a "
                        f"single array as [W]), got {type(weights).__name__}")
    return [as_float_array(w, f"weights[{i}]", where) for i,
            w in enumerate(weights)]


def l2_penalty(weights, lam: float) -> tuple[float, list[np.ndarray]]:
    r"""L2 (ridge, weight-decay) penalty and its gradient.

    Parameters
    ----------
    weights : list of ndarray
        The penalized arrays (usually the weight matrices, not the biases).
    lam : float
        Strength :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        .. math::

           \lambda\,\Omega(\theta) = \frac{\lambda}{2} \sum_k \lVert w_k \rVert_2^2
    grads : list of ndarray
        .. math::

           \frac{\partial}{\partial w_k} = \lambda\, w_k

        one per array, same shapes and dtypes.

    Notes
    -----
    Adding :math:`\lambda w` to the gradient is what ``torch.optim.SGD(weight_decay=lam)`` does,
    so plain SGD on :math:`J + \frac{\lambda}{2}\lVert w \rVert^2` and SGD with weight decay
    give the same iterates :cite:p:`krogh1992simple`.

    References
    ----------
    A. Krogh and J. A. Hertz (1992), A simple weight decay can improve generalization.
    """
    weights = _weight_list(weights, "l2_penalty")
    lam = check_real(lam, "lam", "l2_penalty", low=0.0, high=np.inf,
                     high_inclusive=False)
    value = 0.5 * lam * sum(float(np.vdot(w, w)) for w in weights)
    return value, [w * w.dtype.type(lam) for w in weights]


def l1_penalty(weights, lam: float) -> tuple[float, list[np.ndarray]]:
    r"""L1 (lasso) penalty and a subgradient.

    Parameters
    ----------
    weights : list of ndarray
        The penalized arrays.
    lam : float
        Strength :math:`\lambda \ge 0`.

    Returns
    -------
    value : float
        .. math::

           \lambda\,\Omega(\theta) = \lambda \sum_k \sum_i \lvert w_{k,i} \rvert
    grads : list of ndarray
        .. math::

           \frac{\partial}{\partial w_k} = \lambda\,\operatorname{sign}(w_k),
           \qquad \operatorname{sign}(0) = 0

        the subgradient that autograd of ``torch.abs`` returns.

    Notes
    -----
    PyTorch: ``lam * sum(w.abs().sum() for w in weights)`` and its autograd gradient.  The
    penalty drives weights exactly to zero in the minimizer, the sparsity that makes it a
    feature selector :cite:p:`tibshirani1996regression`; plain (sub)gradient descent only
    makes them oscillate around zero.

    References
    ----------
    R. Tibshirani (1996), Regression shrinkage and selection via the lasso.
    """
    weights = _weight_list(weights, "l1_penalty")
    lam = check_real(lam, "lam", "l1_penalty", low=0.0, high=np.inf,
                     high_inclusive=False)
    value = lam * sum(float(np.abs(w).sum()) for w in weights)
    return value, [np.sign(w) * w.dtype.type(lam) for w in weights]


def max_norm(W: np.ndarray, max_value: float) -> np.ndarray:
    r"""Rescale each row of ``W`` (one unit's incoming weights) to L2 norm at
    most ``max_value``.

    Parameters
    ----------
    W : ndarray, shape (out_features, in_features) or (out_features, ...)
        A weight in the ``torch.nn.Linear`` convention; each row (everything but
        axis 0) is one constraint.
    max_value : float
        The radius :math:`r \ge 0`.

    Returns
    -------
    W_new : ndarray, shape of ``W``
        A new array (``W`` is not modified):

        .. math::

           w_j \leftarrow \begin{cases} w_j \, \dfrac{r}{\lVert w_j \rVert_2 + 10^{-7}}
           & \lVert w_j \rVert_2 > r \\ w_j & \text{otherwise} \end{cases}

    Notes
    -----
    Equals ``torch.renorm(W, p=2, dim=0, maxnorm=max_value)`` including its constant
    :math:`10^{-7}` in the denominator, so a rescaled row ends with norm
    :math:`r\,\lVert w_j\rVert/(\lVert w_j\rVert + 10^{-7})`, slightly below :math:`r` (relative
    shortfall :math:`\approx 10^{-7}/\lVert w_j\rVert`).  Used after every optimizer step in
    :cite:t:`srivastava2014dropout`; to apply it in place write ``W[...] = max_norm(W, r)``.

    References
    ----------
    N. Srivastava et al. (2014), Dropout: a simple way to prevent neural networks from
    overfitting.
    """
    W = as_float_array(W, "W", "max_norm")
    if W.ndim < 2:
        raise ValueError("max_norm: W must be at least 2-D (rows = units), "
                         f"got shape {W.shape}")
    r = check_real(max_value, "max_value", "max_norm", low=0.0, high=np.inf,
                   high_inclusive=False)
    check_finite(W, "W", "max_norm")
    rows = W.reshape(W.shape[0], math.prod(W.shape[1:]))
    # Each row's norm, computed from the row divided by its largest entry so
    # that squaring neither overflows (|w| ~ 1e30 in float32) nor underflows.
    peak = np.max(np.abs(rows), axis=1, initial=0.0)
    safe = np.where(peak > 0, peak, 1).astype(W.dtype)[:, None]
    scaled = rows / safe
    norms = peak * np.sqrt(np.einsum("ij,ij->i", scaled, scaled))
    one, r_t = W.dtype.type(1.0), W.dtype.type(r)
    factor = np.where(norms > r_t, r_t / (norms + W.dtype.type(1e-7)),
                      one).astype(W.dtype)
    return W * factor.reshape((-1,) + (1,) * (W.ndim - 1))
