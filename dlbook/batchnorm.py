"""Batch normalization: forward, backward (staged and compact) and a module
(chapter 5).

Two styles, as in :mod:`dlbook.nn`:

* functions in the cs231n style, :func:`batchnorm_forward` (training mode, batch
  statistics) returning ``(y, cache)``, and two backward passes that give the
  same numbers: :func:`batchnorm_backward_staged`, which walks the computational
  graph node by node, and :func:`batchnorm_backward`, the compact closed form
  the chapter derives from it;
* the module :class:`BatchNorm1d`, which keeps running averages of the batch
  statistics for evaluation exactly as ``torch.nn.BatchNorm1d`` does.

All arrays are batch first: ``x`` has shape ``(N, D)``, statistics are taken
over the ``N`` samples of each of the ``D`` features.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validation import (as_float_array, check_float_dtype, check_positive_int,
                          check_real, check_shape)

__all__ = [
    "BatchNormCache",
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_staged",
    "BatchNorm1d",
]


class BatchNormCache(NamedTuple):
    """What the backward passes need from :func:`batchnorm_forward`.

    The normalized input is kept as the centred batch and its scale, not as
    an (N, D) array of its own, which saves the forward pass two sweeps over
    the batch; :attr:`x_hat` computes it when asked.
    """

    centred: np.ndarray
    r""":math:`c = x - \tilde\mu`, shape (N, D), with :math:`\tilde\mu` the
    mean as first computed (rounded)."""
    residual: np.ndarray
    r""":math:`\delta`, the mean of ``centred``, shape (D,): the rounding error
    of :math:`\tilde\mu`, so that :math:`x - \mu_B = c - \delta`
    accurately."""
    inv_std: np.ndarray
    r""":math:`1/\sqrt{\sigma_B^2 + \epsilon}`, shape (D,)."""
    gamma: np.ndarray
    r"""Scale :math:`\gamma`, shape (D,)."""
    mean: np.ndarray
    r"""Batch mean :math:`\mu_B = \tilde\mu + \delta`, shape (D,)."""
    var: np.ndarray
    r"""Biased batch variance :math:`\sigma_B^2`, shape (D,)."""

    @property
    def x_hat(self) -> np.ndarray:
        r"""The normalized input
        :math:`\hat x = (c - \delta)/\sqrt{\sigma_B^2 + \epsilon}`, shape
        (N, D), computed anew at every access."""
        return (self.centred - self.residual) * self.inv_std


def _check_batch(x: np.ndarray, where: str) -> None:
    if x.shape[0] < 2:
        raise ValueError(
            f"{where}: x must hold at least 2 samples (rows) when training, "
            "got shape "
            f"{x.shape} (batch statistics of a single sample are undefined; "
            "use a batch of at least 2 or evaluation mode)"
        )


def _check_param(p, name: str, x: np.ndarray, where: str) -> np.ndarray:
    p = as_float_array(p, name, where, ndim=1)
    check_shape(p, (x.shape[1],), name, where)
    if p.dtype != x.dtype:
        raise TypeError(f"{where}: {name} must have the dtype of x "
                        f"({x.dtype}), got {p.dtype}")
    return p


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
                      eps: float = 1e-5) -> tuple[np.ndarray, BatchNormCache]:
    r"""Batch normalization in training mode: normalize with the statistics of
    the batch.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        A mini-batch of ``N >= 2`` samples with ``D`` features (float32 or
        float64).
    gamma : ndarray, shape (D,)
        Scale :math:`\gamma`, same dtype as ``x``.
    beta : ndarray, shape (D,)
        Shift :math:`\beta`, same dtype as ``x``.
    eps : float, default 1e-5
        Added to the variance, :math:`\epsilon > 0`; it keeps a constant feature
        finite.

    Returns
    -------
    y : ndarray, shape (N, D)
        .. math::
           \mu_B = \frac{1}{N}\sum_{n} x_n, \quad
           \sigma_B^2 = \frac{1}{N}\sum_{n} (x_n - \mu_B)^2,

        .. math::
           \hat x_n = \frac{x_n - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \quad
           y_n = \gamma \hat x_n + \beta
    cache : BatchNormCache
        ``(centred, residual, inv_std, gamma, mean, var)`` for the backward
        passes; ``cache.x_hat`` is :math:`\hat x`.

    Raises
    ------
    ValueError
        For ``N < 2`` (as PyTorch in training mode) and for shape mismatches.

    Notes
    -----
    The variance is the biased one (divide by :math:`N`), as in the paper and in PyTorch.
    The input is centred by the corrected two-pass algorithm, so a feature whose mean is large
    compared with its spread keeps full precision (float32 included).
    PyTorch: ``torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)``.

    References
    ----------
    S. Ioffe and C. Szegedy (2015), "Batch normalization: accelerating deep network training by
    reducing internal covariate shift", ICML.
    """
    where = "batchnorm_forward"
    x = as_float_array(x, "x", where, ndim=2)
    _check_batch(x, where)
    gamma = _check_param(gamma, "gamma", x, where)
    beta = _check_param(beta, "beta", x, where)
    eps = check_real(eps, "eps", where, low=0, low_inclusive=False)
    n = x.shape[0]
    # column means as one BLAS matrix-vector product
    averager = np.full(n, 1.0 / n, dtype=x.dtype)
    mean = averager @ x
    centred = x - mean
    # corrected two-pass: the rounding error of `mean` (half an ulp of |mu|,
    # i.e. |mu|/sigma ulps of the centred values) is the mean of `centred`,
    # computed accurately; x - mu_B = centred - residual
    residual = averager @ centred
    mean += residual
    # biased variance, mean((c - r)^2) = mean(c^2) - r^2, no (N, D) temporary
    var = np.einsum("nd,nd->d", centred, centred) / n - residual * residual
    inv_std = 1.0 / np.sqrt(var + x.dtype.type(eps))
    # y = gamma (c - r) inv_std + beta in two sweeps: y = c * scale + shift
    scale = gamma * inv_std
    y = centred * scale
    y += beta - residual * scale
    return y, BatchNormCache(centred, residual, inv_std, gamma, mean, var)


def _check_dy(dy, cache: BatchNormCache, where: str) -> np.ndarray:
    if not isinstance(cache, BatchNormCache):
        raise TypeError(f"{where}: cache must be the BatchNormCache from "
                        f"batchnorm_forward, got {type(cache).__name__}")
    dy = as_float_array(dy, "dy", where, ndim=2)
    check_shape(dy, cache.centred.shape, "dy", where)
    if dy.dtype != cache.centred.dtype:
        raise TypeError(f"{where}: dy must have the dtype of x "
                        f"({cache.centred.dtype}), got {dy.dtype}")
    return dy


def batchnorm_backward(
        dy: np.ndarray, cache: BatchNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of training-mode batch normalization, compact closed form.

    Parameters
    ----------
    dy : ndarray, shape (N, D)
        Upstream gradient :math:`\partial L / \partial y`.
    cache : BatchNormCache
        From :func:`batchnorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
        .. math::
           \frac{\partial L}{\partial x_n} = \frac{\gamma}{N\sqrt{\sigma_B^2 + \epsilon}}
           \Bigl(N\,\frac{\partial L}{\partial y_n} - \sum_m \frac{\partial L}{\partial y_m}
           - \hat x_n \sum_m \frac{\partial L}{\partial y_m}\hat x_m\Bigr)
    dgamma : ndarray, shape (D,)
        .. math::

           \frac{\partial L}{\partial \gamma} = \sum_n \frac{\partial L}{\partial y_n}\hat x_n
    dbeta : ndarray, shape (D,)
        .. math::

           \frac{\partial L}{\partial \beta} = \sum_n \frac{\partial L}{\partial y_n}

    Notes
    -----
    Equal (to rounding) to :func:`batchnorm_backward_staged`, from which the chapter derives it;
    it needs one (N, D) temporary instead of about ten.  PyTorch computes the same expression
    in ``torch.ops.aten.native_batch_norm_backward``.

    References
    ----------
    S. Ioffe and C. Szegedy (2015), "Batch normalization: accelerating deep network training by
    reducing internal covariate shift", ICML.
    """
    dy = _check_dy(dy, cache, "batchnorm_backward")
    centred, residual, inv_std = cache.centred, cache.residual, cache.inv_std
    n = centred.shape[0]
    # column sums as one BLAS matrix-vector product
    dbeta = np.ones(n, dtype=dy.dtype) @ dy
    # sum_n dy_n x_hat_n, with x_hat = (c - r) inv_std
    dgamma = (np.einsum("nd,nd->d", dy, centred) - residual * dbeta) * inv_std
    # dx = gamma inv_std (dy - mean(dy) - x_hat mean(dy x_hat)), written as
    # (dy - (c a + b)) gamma inv_std with per-feature a and b:
    # four sweeps, one (N, D) array
    a = dgamma * inv_std / n
    dx = centred * a
    dx += dbeta / n - residual * a
    np.subtract(dy, dx, out=dx)
    dx *= cache.gamma * inv_std
    return dx, dgamma, dbeta


def batchnorm_backward_staged(
        dy: np.ndarray, cache: BatchNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of training-mode batch normalization, one node of the
    graph at a time.

    The forward pass is read as the chain of elementary operations

    .. math::
       \mu = \tfrac1N \textstyle\sum_n x_n,\quad c = x - \mu,\quad s = c^2,\quad
       v = \tfrac1N \textstyle\sum_n s_n,\quad \sigma = \sqrt{v + \epsilon},\quad
       r = 1/\sigma,\quad \hat x = c\, r,\quad y = \gamma \hat x + \beta

    and each is differentiated in reverse order; where a value feeds two nodes
    (``c`` feeds ``s`` and ``x_hat``; ``x`` feeds ``mu`` and ``c``) the two
    gradients are added.

    Parameters
    ----------
    dy : ndarray, shape (N, D)
        Upstream gradient :math:`\partial L / \partial y`.
    cache : BatchNormCache
        From :func:`batchnorm_forward` (``c`` is ``centred - residual``).

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma : ndarray, shape (D,)
    dbeta : ndarray, shape (D,)
        The same gradients as :func:`batchnorm_backward`, to rounding.

    Notes
    -----
    Written for teaching and checking; :func:`batchnorm_backward` is the one to use.

    References
    ----------
    S. Ioffe and C. Szegedy (2015), "Batch normalization: accelerating deep network training by
    reducing internal covariate shift", ICML.
    """
    dy = _check_dy(dy, cache, "batchnorm_backward_staged")
    c, r, gamma = cache.centred - cache.residual, cache.inv_std, cache.gamma
    n = c.shape[0]
    sigma = 1.0 / r
    x_hat = c * r
    # y = gamma * x_hat + beta
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    dx_hat = dy * gamma
    # x_hat = c * r: c gets r * dx_hat, r collects sum(c * dx_hat)
    dc = dx_hat * r
    dr = (dx_hat * c).sum(axis=0)
    # r = 1 / sigma
    dsigma = -dr / sigma**2
    # sigma = sqrt(v + eps)
    dv = dsigma / (2.0 * sigma)
    # v = mean(s): every s_n gets dv / N
    ds = np.broadcast_to(dv / n, c.shape)
    # s = c ** 2: second path into c
    dc = dc + 2.0 * c * ds
    # c = x - mu: x gets dc, mu collects -sum(dc)
    dmu = -dc.sum(axis=0)
    # mu = mean(x): second path into x
    dx = dc + dmu / n
    return dx, dgamma, dbeta


class BatchNorm1d:
    r"""Batch normalization layer for (N, D) input, with running statistics for
    evaluation.

    Training mode (the default) normalizes with the batch statistics
    (:func:`batchnorm_forward`) and updates the running averages

    .. math::
       \mathrm{running\_mean} \leftarrow (1 - m)\,\mathrm{running\_mean} + m\,\mu_B,

    .. math::
       \mathrm{running\_var} \leftarrow (1 - m)\,\mathrm{running\_var} + m\,\tfrac{N}{N-1}\sigma_B^2

    with momentum :math:`m` (``momentum=None``: :math:`m = 1/k` at the
    :math:`k`-th batch, the cumulative average of all batch statistics).
    Evaluation mode uses them instead:

    .. math::
       y = \gamma\,\frac{x - \mathrm{running\_mean}}{\sqrt{\mathrm{running\_var} + \epsilon}} + \beta

    Parameters
    ----------
    num_features : int
        ``D``.
    eps : float, default 1e-5
    momentum : float or None, default 0.1
        In [0, 1]; weight of the newest batch statistic in the running averages.
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray, shape (D,)
        :math:`\gamma`, initialized to ones.
    bias : ndarray, shape (D,)
        :math:`\beta`, initialized to zeros.
    running_mean : ndarray, shape (D,)
        Initialized to zeros.
    running_var : ndarray, shape (D,)
        Initialized to ones; updated with the unbiased batch variance.
    num_batches_tracked : int
        Training-mode forward passes so far.
    training : bool
        Switched by :meth:`train` and :meth:`eval`.
    weight_grad, bias_grad : ndarray, shape (D,)
        Gradients of the last :meth:`backward` (overwritten, never accumulated).

    Notes
    -----
    PyTorch: ``torch.nn.BatchNorm1d(num_features, eps, momentum)`` with the same defaults,
    update rule and unbiased running variance.  Note that PyTorch's momentum is the weight of
    the *new* statistic, the complement of the "decay" 0.9 used by other libraries.

    References
    ----------
    S. Ioffe and C. Szegedy (2015), "Batch normalization: accelerating deep network training by
    reducing internal covariate shift", ICML.
    """

    def __init__(self, num_features: int, eps: float = 1e-5,
                 momentum: float | None = 0.1,
                 dtype=np.float64):
        self.num_features = check_positive_int(num_features, "num_features",
                                               "BatchNorm1d")
        self.eps = check_real(eps, "eps", "BatchNorm1d", low=0,
                              low_inclusive=False)
        if momentum is not None:
            momentum = check_real(momentum, "momentum", "BatchNorm1d", low=0,
                                  high=1)
        self.momentum = momentum
        dtype = check_float_dtype(dtype, "BatchNorm1d")
        self.weight = np.ones(num_features, dtype)
        self.bias = np.zeros(num_features, dtype)
        self.running_mean = np.zeros(num_features, dtype)
        self.running_var = np.ones(num_features, dtype)
        self.num_batches_tracked = 0
        self.training = True
        self.weight_grad = np.zeros_like(self.weight)
        self.bias_grad = np.zeros_like(self.bias)
        self._cache: BatchNormCache | None = None
        self._cache_training = True

    def train(self, mode: bool = True) -> BatchNorm1d:
        """Switch to training mode (batch statistics); return ``self``."""
        self.training = bool(mode)
        return self

    def eval(self) -> BatchNorm1d:
        """Switch to evaluation mode (running statistics); return ``self``."""
        return self.train(False)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Normalize ``x`` of shape (N, num_features); in training mode also
        update the running stats."""
        x = as_float_array(x, "x", "BatchNorm1d.forward", ndim=2)
        if x.shape[1] != self.num_features:
            raise ValueError("BatchNorm1d.forward: x must have shape (N, "
                             f"{self.num_features}), got {x.shape}")
        if x.dtype != self.weight.dtype:
            raise TypeError("BatchNorm1d.forward: x must have the layer's "
                            f"dtype {self.weight.dtype}, got {x.dtype}")
        if self.training:
            _check_batch(x, "BatchNorm1d.forward")
            y, cache = batchnorm_forward(x, self.weight, self.bias, self.eps)
            self.num_batches_tracked += 1
            m = (1.0 / self.num_batches_tracked if self.momentum is None
                 else self.momentum)
            n = x.shape[0]
            self.running_mean *= 1.0 - m
            self.running_mean += m * cache.mean
            self.running_var *= 1.0 - m
            self.running_var += (m * n / (n - 1)) * cache.var
        else:
            inv_std = 1.0 / np.sqrt(self.running_var + x.dtype.type(self.eps))
            centred = x - self.running_mean
            scale = self.weight * inv_std
            y = centred * scale
            y += self.bias
            cache = BatchNormCache(centred, np.zeros_like(inv_std), inv_std,
                                   self.weight, self.running_mean.copy(),
                                   self.running_var.copy())
        self._cache, self._cache_training = cache, self.training
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        r"""Store ``weight_grad`` and ``bias_grad`` for upstream ``dy`` (N, D);
        return dx (N, D).

        After a training-mode forward this is :func:`batchnorm_backward` (the
        statistics depend on ``x``); after an evaluation-mode forward the layer
        is the affine map
        :math:`x \mapsto \gamma (x - \mathrm{running\_mean})/\sqrt{\mathrm{running\_var}+\epsilon} + \beta`,
        so
        :math:`\partial L/\partial x = \gamma\,\partial L/\partial y / \sqrt{\mathrm{running\_var}+\epsilon}`.
        """
        if self._cache is None:
            raise RuntimeError("BatchNorm1d.backward: call forward first")
        if self._cache_training:
            dx, dgamma, dbeta = batchnorm_backward(dy, self._cache)
        else:
            dy = _check_dy(dy, self._cache, "BatchNorm1d.backward")
            inv_std = self._cache.inv_std
            dgamma = np.einsum("nd,nd->d", dy, self._cache.centred) * inv_std
            dbeta = dy.sum(axis=0)
            dx = dy * (self._cache.gamma * inv_std)
        self.weight_grad[...] = dgamma
        self.bias_grad[...] = dbeta
        return dx

    def params(self) -> list[np.ndarray]:
        """``[weight, bias]``: the layer's own arrays, in
        ``torch.nn.BatchNorm1d.parameters()`` order."""
        return [self.weight, self.bias]

    def grads(self) -> list[np.ndarray]:
        """``[weight_grad, bias_grad]``, matching :meth:`params`."""
        return [self.weight_grad, self.bias_grad]

    def __repr__(self) -> str:
        return (f"BatchNorm1d({self.num_features}, eps={self.eps:g}, "
                f"momentum={self.momentum}, training={self.training})")
