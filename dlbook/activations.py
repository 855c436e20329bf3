"""Activation functions and their derivatives (chapter 4, used from chapter 2 on).

Every elementwise function ``f(z)`` has a partner ``f_grad(z, ...)`` that returns the
elementwise derivative ``f'(z)`` with the same parameters.  The implementations never overflow
for ``|z|`` up to ``1e4`` (no ``exp`` of a large positive number is ever formed), and at kinks they
follow PyTorch's autograd convention, stated in each docstring.  Output dtype follows the input.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_real

__all__ = [
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "selu", "selu_grad",
    "swish", "swish_grad", "softplus", "softplus_grad",
    "softmax", "log_softmax", "softmax_backward",
    "SELU_ALPHA", "SELU_SCALE",
]

SELU_ALPHA = 1.6732632423543772848170429916717
"""SELU's alpha (Klambauer et al., 2017), the value ``torch.nn.functional.selu`` uses."""
SELU_SCALE = 1.0507009873554804934193349852946
"""SELU's scale lambda (Klambauer et al., 2017), the value ``torch.nn.functional.selu`` uses."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid, computed without overflow.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: \sigma(z) = \frac{1}{1 + e^{-z}}

    Notes
    -----
    Evaluated as :math:`1/(1+e^{-|z|})` for :math:`z \ge 0` and :math:`e^{-|z|}/(1+e^{-|z|})`
    otherwise, so ``exp`` only sees non-positive arguments.  PyTorch: ``torch.sigmoid``.
    """
    z = as_float_array(z, "z", "sigmoid")
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of the sigmoid, :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, at most 1/4.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
    """
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent, :math:`\tanh z = 2\sigma(2z) - 1`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    PyTorch: ``torch.tanh``.
    """
    return np.tanh(as_float_array(z, "z", "tanh"))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of tanh, :math:`1 - \tanh^2 z`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
    """
    t = tanh(z)
    return 1.0 - t * t


def relu(z: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit, :math:`\max(0, z)`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    PyTorch: ``torch.relu``.

    References
    ----------
    Nair & Hinton (2010), Rectified linear units improve restricted Boltzmann machines.
    """
    z = as_float_array(z, "z", "relu")
    return np.maximum(z, 0, dtype=z.dtype)


def relu_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of ReLU: 1 where :math:`z > 0`, else 0.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    At the kink :math:`z = 0` the derivative is taken to be 0, as torch.autograd does.
    """
    z = as_float_array(z, "z", "relu_grad")
    return (z > 0).astype(z.dtype)


def leaky_relu(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU, :math:`\max(\alpha z, z)` for slope :math:`0 \le \alpha < 1`.

    Parameters
    ----------
    z : ndarray, any shape
    negative_slope : float, default 0.01
        :math:`\alpha`, the slope for :math:`z < 0`.

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: f(z) = z \text{ if } z > 0 \text{ else } \alpha z

    Notes
    -----
    PyTorch: ``torch.nn.functional.leaky_relu(z, negative_slope)``.

    References
    ----------
    Maas, Hannun & Ng (2013), Rectifier nonlinearities improve neural network acoustic models.
    """
    z = as_float_array(z, "z", "leaky_relu")
    slope = check_real(negative_slope, "negative_slope", "leaky_relu")
    return np.where(z > 0, z, z * z.dtype.type(slope))


def leaky_relu_grad(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r"""Derivative of leaky ReLU: 1 where :math:`z > 0`, else :math:`\alpha`.

    Parameters
    ----------
    z : ndarray, any shape
    negative_slope : float, default 0.01

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    At :math:`z = 0` the derivative is :math:`\alpha`, as torch.autograd gives.
    """
    z = as_float_array(z, "z", "leaky_relu_grad")
    slope = check_real(negative_slope, "negative_slope", "leaky_relu_grad")
    return np.where(z > 0, 1.0, slope).astype(z.dtype)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit.

    Parameters
    ----------
    z : ndarray, any shape
    alpha : float, default 1.0

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: f(z) = z \text{ if } z > 0 \text{ else } \alpha (e^{z} - 1)

    Notes
    -----
    Uses ``expm1`` for accuracy near 0.  PyTorch: ``torch.nn.functional.elu``.

    References
    ----------
    Clevert, Unterthiner & Hochreiter (2016), Fast and accurate deep network learning by
    exponential linear units (ELUs).
    """
    z = as_float_array(z, "z", "elu")
    alpha = check_real(alpha, "alpha", "elu")
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of ELU: 1 where :math:`z > 0`, else :math:`\alpha e^{z}`.

    Parameters
    ----------
    z : ndarray, any shape
    alpha : float, default 1.0

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    At :math:`z = 0` the derivative is :math:`\alpha`, as torch.autograd gives.
    """
    z = as_float_array(z, "z", "elu_grad")
    alpha = check_real(alpha, "alpha", "elu_grad")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))


def selu(z: np.ndarray) -> np.ndarray:
    r"""Scaled exponential linear unit, :math:`\lambda\,\mathrm{elu}(z, \alpha)`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: f(z) = \lambda z \text{ if } z > 0 \text{ else } \lambda\alpha(e^z - 1)

        with :data:`SELU_ALPHA` :math:`\approx 1.6733` and :data:`SELU_SCALE`
        :math:`\approx 1.0507`.

    Notes
    -----
    PyTorch: ``torch.nn.functional.selu``.

    References
    ----------
    Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-normalizing neural networks.
    """
    z = as_float_array(z, "z", "selu")
    return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of SELU: :math:`\lambda` where :math:`z > 0`, else :math:`\lambda\alpha e^{z}`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
    """
    z = as_float_array(z, "z", "selu_grad")
    return z.dtype.type(SELU_SCALE) * elu_grad(z, SELU_ALPHA)


def swish(z: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r"""Swish, :math:`z\,\sigma(\beta z)`; with :math:`\beta = 1` this is SiLU.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
        As :math:`\beta \to \infty` swish tends to ReLU; :math:`\beta = 0` gives :math:`z/2`.

    Returns
    -------
    ndarray, shape of ``z``

    Notes
    -----
    PyTorch: ``torch.nn.functional.silu`` for ``beta=1``.

    References
    ----------
    Ramachandran, Zoph & Le (2017), Searching for activation functions.
    """
    z = as_float_array(z, "z", "swish")
    beta = check_real(beta, "beta", "swish")
    return z * sigmoid(z.dtype.type(beta) * z)


def swish_grad(z: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r"""Derivative of swish, :math:`\sigma(\beta z) + \beta z\,\sigma(\beta z)(1 - \sigma(\beta z))`.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0

    Returns
    -------
    ndarray, shape of ``z``
    """
    z = as_float_array(z, "z", "swish_grad")
    beta = z.dtype.type(check_real(beta, "beta", "swish_grad"))
    s = sigmoid(beta * z)
    return s + beta * z * s * (1.0 - s)


def softplus(z: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth ReLU.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
    threshold : float, default 20.0
        Where :math:`\beta z >` ``threshold`` the function returns :math:`z` itself, as PyTorch
        does (the difference is below :math:`e^{-20} \approx 2 \times 10^{-9}`).

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: f(z) = \frac{1}{\beta} \log(1 + e^{\beta z})

    Notes
    -----
    Evaluated as :math:`\max(\beta z, 0) + \log(1 + e^{-|\beta z|})`, which never overflows.
    PyTorch: ``torch.nn.functional.softplus(z, beta, threshold)``.
    """
    z = as_float_array(z, "z", "softplus")
    beta = z.dtype.type(check_real(beta, "beta", "softplus", low=0, low_inclusive=False))
    bz = beta * z
    smooth = (np.maximum(bz, 0) + np.log1p(np.exp(-np.abs(bz)))) / beta
    return np.where(bz > threshold, z, smooth)


def softplus_grad(z: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of softplus, :math:`\sigma(\beta z)` (exactly 1 above the threshold).

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
    threshold : float, default 20.0

    Returns
    -------
    ndarray, shape of ``z``
    """
    z = as_float_array(z, "z", "softplus_grad")
    beta = z.dtype.type(check_real(beta, "beta", "softplus_grad", low=0, low_inclusive=False))
    bz = beta * z
    return np.where(bz > threshold, z.dtype.type(1), sigmoid(bz))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``, stable for huge logits.

    Parameters
    ----------
    z : ndarray, shape (..., C, ...)
    axis : int, default -1

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: \mathrm{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}},
           \quad m = \max_j z_j

    Notes
    -----
    Subtracting the maximum changes nothing mathematically and keeps every exponent
    :math:`\le 0`.  PyTorch: ``torch.softmax(z, dim=axis)``.
    """
    z = as_float_array(z, "z", "softmax")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Logarithm of the softmax along ``axis``, by the log-sum-exp trick.

    Parameters
    ----------
    z : ndarray, shape (..., C, ...)
    axis : int, default -1

    Returns
    -------
    ndarray, shape of ``z``
        .. math:: \log\mathrm{softmax}(z)_i = z_i - m - \log\sum_j e^{z_j - m}

    Notes
    -----
    PyTorch: ``torch.log_softmax(z, dim=axis)``.
    """
    z = as_float_array(z, "z", "log_softmax")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_backward(dy: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of the softmax: the gradient with respect to its input.

    Parameters
    ----------
    dy : ndarray, shape of ``y``
        Upstream gradient :math:`\partial L / \partial y`.
    y : ndarray
        The softmax output :math:`y = \mathrm{softmax}(z)`.
    axis : int, default -1

    Returns
    -------
    ndarray, shape of ``y``
        .. math:: \frac{\partial L}{\partial z_i} = y_i \Bigl(\frac{\partial L}{\partial y_i}
           - \sum_j \frac{\partial L}{\partial y_j} y_j\Bigr)

    Notes
    -----
    The Jacobian :math:`\mathrm{diag}(y) - y y^\top` is never formed.
    """
    y = as_float_array(y, "y", "softmax_backward")
    dy = as_float_array(dy, "dy", "softmax_backward")
    if dy.shape != y.shape:
        raise ValueError(f"softmax_backward: dy must have the shape of y {y.shape}, got {dy.shape}")
    return y * (dy - (dy * y).sum(axis=axis, keepdims=True))
