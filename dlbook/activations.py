"""Activation functions and their derivatives (chapter 4, used from chapter 2
on).

Every elementwise function ``f(z)`` has a partner ``f_grad(z, ...)`` that
returns the elementwise derivative ``f'(z)`` with the same parameters.  Three
promises hold throughout:

* no floating-point warning for ``|z|`` up to ``1e4``, in float32 and float64: ``exp`` only
  ever sees non-positive arguments (so it cannot overflow), and the harmless underflow of
  ``exp(-1e4)`` to ``0`` is silenced locally, so even ``np.errstate(all="raise")`` passes;
* at a kink the derivative follows PyTorch's autograd convention, stated in each
  docstring (``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
  ``elu'(0) = alpha``);
* the output dtype follows the input (integers and booleans are promoted to
  float64).
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import as_float_array, check_real

__all__ = [
    "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "selu", "selu_grad",
    "swish", "swish_grad", "softplus", "softplus_grad",
    "softmax", "log_softmax", "softmax_backward", "maxout", "maxout_backward",
    "SELU_ALPHA", "SELU_SCALE",
]

SELU_ALPHA = 1.6732632423543772848170429916717
"""SELU's alpha (Klambauer et al., 2017), the value ``torch.nn.functional.selu``
uses."""
SELU_SCALE = 1.0507009873554804934193349852946
"""SELU's scale lambda (Klambauer et al., 2017), the value
``torch.nn.functional.selu`` uses."""


def _param(value, name: str, where: str, positive: bool = False) -> float:
    """A finite real hyperparameter (strictly positive when ``positive``)."""
    value = check_real(value, name, where, low=0 if positive else None,
                       low_inclusive=not positive)
    if not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be finite, got {value:g}")
    return value


def _check_axis(axis, ndim: int, where: str, name: str = "z") -> int:
    """An integer axis valid for the array ``name`` of ``ndim >= 1``
    dimensions."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{where}: axis must be an integer, got "
                        f"{type(axis).__name__}")
    if ndim == 0:
        raise ValueError(f"{where}: {name} must have at least one dimension, "
                         "got a 0-d array")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis must be in [{-ndim}, {ndim}) for a "
                         f"{ndim}-D array, got {axis}")
    return int(axis)


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""Logistic sigmoid, computed without overflow.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \sigma(z) = \frac{1}{1 + e^{-z}}

    Notes
    -----
    Evaluated as :math:`1/(1+e^{-|z|})` for :math:`z \ge 0` and :math:`e^{-|z|}/(1+e^{-|z|})`
    otherwise, so ``exp`` only sees non-positive arguments.  PyTorch: ``torch.sigmoid``.
    """
    z = as_float_array(z, "z", "sigmoid")
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of the sigmoid; at most 1/4, reached at :math:`z = 0`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \sigma'(z) = \sigma(z)\bigl(1 - \sigma(z)\bigr)
               = \frac{e^{-|z|}}{\bigl(1 + e^{-|z|}\bigr)^2}

    Notes
    -----
    The right-hand form has no cancellation, so the result keeps full relative accuracy in
    the saturated tails (``1 - sigmoid(30)`` would lose three digits).  PyTorch:
    ``torch.autograd`` of ``torch.sigmoid``, which uses the left-hand form.
    """
    z = as_float_array(z, "z", "sigmoid_grad")
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        return e / ((1.0 + e) * (1.0 + e))


def tanh(z: np.ndarray) -> np.ndarray:
    r"""Hyperbolic tangent, a rescaled sigmoid.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}} = 2\sigma(2z) - 1

    Notes
    -----
    PyTorch: ``torch.tanh``.
    """
    return np.tanh(as_float_array(z, "z", "tanh"))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of tanh; at most 1, reached at :math:`z = 0`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \tanh'(z) = 1 - \tanh^2 z = 4\sigma'(2z) = \frac{4e^{-2|z|}}{\bigl(1 + e^{-2|z|}\bigr)^2}

    Notes
    -----
    Evaluated by the right-hand form, accurate in the saturated tails.  PyTorch:
    ``torch.autograd`` of ``torch.tanh``, which uses :math:`1 - \tanh^2 z`.
    """
    z = as_float_array(z, "z", "tanh_grad")
    # |z| > 1.7e38 in float32
    with np.errstate(under="ignore", over="ignore"):
        e = np.exp(-2.0 * np.abs(z))
        return 4.0 * e / ((1.0 + e) * (1.0 + e))


def relu(z: np.ndarray) -> np.ndarray:
    r"""Rectified linear unit.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \mathrm{relu}(z) = \max(0, z)

    Notes
    -----
    PyTorch: ``torch.relu``.

    References
    ----------
    Nair & Hinton (2010), Rectified linear units improve restricted Boltzmann machines.
    Glorot, Bordes & Bengio (2011), Deep sparse rectifier neural networks.
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
        .. math::

            \mathrm{relu}'(z) = [z > 0]

    Notes
    -----
    At the kink :math:`z = 0` the derivative is taken to be 0, as ``torch.autograd`` does.
    """
    z = as_float_array(z, "z", "relu_grad")
    return (~(z <= 0)).astype(z.dtype)      # NaN gives 1, as PyTorch's autograd


def leaky_relu(z: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky ReLU: slope 1 for positive input, slope ``negative_slope`` for
    negative input.

    Parameters
    ----------
    z : ndarray, any shape
    negative_slope : float, default 0.01
        :math:`\alpha`, the slope for :math:`z < 0` (any finite real, as in
        PyTorch).

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f(z) = z \text{ if } z > 0 \text{ else } \alpha z
               \quad (= \max(\alpha z, z) \text{ for } \alpha \le 1)

    Notes
    -----
    PyTorch: ``torch.nn.functional.leaky_relu(z, negative_slope)``.

    References
    ----------
    Maas, Hannun & Ng (2013), Rectifier nonlinearities improve neural network acoustic models.
    """
    z = as_float_array(z, "z", "leaky_relu")
    slope = _param(negative_slope, "negative_slope", "leaky_relu")
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
        .. math::

            f'(z) = 1 \text{ if } z > 0 \text{ else } \alpha

    Notes
    -----
    At :math:`z = 0` the derivative is :math:`\alpha`, as ``torch.autograd`` gives.
    """
    z = as_float_array(z, "z", "leaky_relu_grad")
    slope = _param(negative_slope, "negative_slope", "leaky_relu_grad")
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(slope))


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit.

    Parameters
    ----------
    z : ndarray, any shape
    alpha : float, default 1.0
        The value :math:`-\alpha` that the function approaches as
        :math:`z \to -\infty`.

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f(z) = z \text{ if } z > 0 \text{ else } \alpha (e^{z} - 1)

    Notes
    -----
    Uses ``expm1`` for accuracy near 0.  PyTorch: ``torch.nn.functional.elu(z, alpha)``.

    References
    ----------
    Clevert, Unterthiner & Hochreiter (2016), Fast and accurate deep network learning by
    exponential linear units (ELUs).
    """
    z = as_float_array(z, "z", "elu")
    alpha = _param(alpha, "alpha", "elu")
    with np.errstate(under="ignore"):
        return np.where(z > 0, z,
                        z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))


def elu_grad(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of ELU: 1 where :math:`z > 0`, else :math:`\alpha e^{z}`.

    Parameters
    ----------
    z : ndarray, any shape
    alpha : float, default 1.0

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f'(z) = 1 \text{ if } z > 0 \text{ else } \alpha e^{z}

    Notes
    -----
    At :math:`z = 0` the derivative is :math:`\alpha` (the left limit), as ``torch.autograd``
    gives; for :math:`\alpha = 1` the function is continuously differentiable.
    """
    z = as_float_array(z, "z", "elu_grad")
    alpha = _param(alpha, "alpha", "elu_grad")
    with np.errstate(under="ignore"):
        # NaN takes the z > 0 branch (derivative 1), as PyTorch's elu_backward
        return np.where(z <= 0, z.dtype.type(alpha) * np.exp(np.minimum(z, 0)),
                        z.dtype.type(1))


def selu(z: np.ndarray) -> np.ndarray:
    r"""Scaled exponential linear unit,
    :math:`\lambda\,\mathrm{elu}(z, \alpha)`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f(z) = \lambda z \text{ if } z > 0 \text{ else } \lambda\alpha(e^z - 1)

        with :data:`SELU_ALPHA` :math:`\approx 1.6733` and :data:`SELU_SCALE`
        :math:`\lambda \approx 1.0507`, the constants that make mean 0 and
        variance 1 a stable fixed point of a layer with
        :math:`\mathcal{N}(0, 1/n_\text{in})` weights.

    Notes
    -----
    PyTorch: ``torch.nn.functional.selu``.

    References
    ----------
    Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-normalizing neural networks.
    """
    z = as_float_array(z, "z", "selu")
    with np.errstate(under="ignore"):
        return z.dtype.type(SELU_SCALE) * elu(z, SELU_ALPHA)


def selu_grad(z: np.ndarray) -> np.ndarray:
    r"""Derivative of SELU: :math:`\lambda` where :math:`z > 0`, else
    :math:`\lambda\alpha e^{z}`.

    Parameters
    ----------
    z : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f'(z) = \lambda \text{ if } z > 0 \text{ else } \lambda\alpha e^{z}

    Notes
    -----
    At :math:`z = 0` the derivative is :math:`\lambda\alpha \approx 1.758`, as
    ``torch.autograd`` gives.
    """
    z = as_float_array(z, "z", "selu_grad")
    with np.errstate(under="ignore"):
        return z.dtype.type(SELU_SCALE) * elu_grad(z, SELU_ALPHA)


def swish(z: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r"""Swish, :math:`z\,\sigma(\beta z)`; with :math:`\beta = 1` this is SiLU.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
        Any finite real.  :math:`\beta = 0` gives :math:`z/2`; as
        :math:`\beta \to \infty` swish tends to ReLU.

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \mathrm{swish}_\beta(z) = z\,\sigma(\beta z) = \frac{z}{1 + e^{-\beta z}}

    Notes
    -----
    PyTorch: ``torch.nn.functional.silu`` for ``beta=1``; other values have no built-in
    (``z * torch.sigmoid(beta * z)``).

    References
    ----------
    Ramachandran, Zoph & Le (2017), Searching for activation functions.
    """
    z = as_float_array(z, "z", "swish")
    beta = _param(beta, "beta", "swish")
    # -inf * 0 = NaN, as PyTorch
    with np.errstate(under="ignore", invalid="ignore"):
        return z * sigmoid(z.dtype.type(beta) * z)


def swish_grad(z: np.ndarray, beta: float = 1.0) -> np.ndarray:
    r"""Derivative of swish.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            \mathrm{swish}_\beta'(z) = \sigma(\beta z) + \beta z\,\sigma'(\beta z)

    Notes
    -----
    PyTorch: ``torch.autograd`` of ``torch.nn.functional.silu`` (``beta=1``).
    """
    z = as_float_array(z, "z", "swish_grad")
    beta = z.dtype.type(_param(beta, "beta", "swish_grad"))
    bz = beta * z
    # inf * 0 = NaN, as PyTorch
    with np.errstate(under="ignore", invalid="ignore"):
        return sigmoid(bz) + bz * sigmoid_grad(bz)


def softplus(z: np.ndarray, beta: float = 1.0,
             threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth ReLU.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
        Sharpness, :math:`\beta > 0`.
    threshold : float, default 20.0
        Where :math:`\beta z >` ``threshold`` the function returns :math:`z`
        itself, as PyTorch does (the difference is below
        :math:`e^{-20}/\beta \approx 2 \times 10^{-9}/\beta`).

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f(z) = \frac{1}{\beta} \log\bigl(1 + e^{\beta z}\bigr)

    Notes
    -----
    Evaluated as :math:`\bigl(\max(\beta z, 0) + \log(1 + e^{-|\beta z|})\bigr)/\beta`, which
    never overflows.  PyTorch: ``torch.nn.functional.softplus(z, beta, threshold)``.
    """
    z = as_float_array(z, "z", "softplus")
    beta = z.dtype.type(_param(beta, "beta", "softplus", positive=True))
    threshold = _param(threshold, "threshold", "softplus")
    bz = beta * z
    with np.errstate(under="ignore"):
        smooth = (np.maximum(bz, 0) + np.log1p(np.exp(-np.abs(bz)))) / beta
    return np.where(bz > threshold, z, smooth)


def softplus_grad(z: np.ndarray, beta: float = 1.0,
                  threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of softplus: :math:`\sigma(\beta z)`, and exactly 1 above the
    threshold.

    Parameters
    ----------
    z : ndarray, any shape
    beta : float, default 1.0
    threshold : float, default 20.0

    Returns
    -------
    ndarray, shape of ``z``
        .. math::

            f'(z) = \sigma(\beta z) \text{ if } \beta z \le \text{threshold else } 1

    Notes
    -----
    PyTorch: ``torch.autograd`` of ``torch.nn.functional.softplus(z, beta, threshold)``.
    """
    z = as_float_array(z, "z", "softplus_grad")
    beta = z.dtype.type(_param(beta, "beta", "softplus_grad", positive=True))
    threshold = _param(threshold, "threshold", "softplus_grad")
    bz = beta * z
    return np.where(bz > threshold, z.dtype.type(1), sigmoid(bz))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""Softmax along ``axis``, stable for huge logits.

    Parameters
    ----------
    z : ndarray, shape (..., C, ...)
        Logits; the softmax runs over the ``C`` entries along ``axis``.
    axis : int, default -1

    Returns
    -------
    ndarray, shape of ``z``
        Probabilities that sum to 1 along ``axis``:

        .. math::

            \mathrm{softmax}(z)_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}},
               \quad m = \max_j z_j

    Notes
    -----
    Subtracting the maximum changes nothing mathematically and keeps every exponent
    :math:`\le 0`.  PyTorch: ``torch.softmax(z, dim=axis)``.
    """
    z = as_float_array(z, "z", "softmax")
    axis = _check_axis(axis, z.ndim, "softmax")
    # an empty axis or batch: an empty result, as PyTorch
    if z.size == 0:
        return np.empty_like(z)
    # A row of -inf or with +inf gives inf - inf = NaN, as PyTorch (no warning);
    # tiny probabilities underflow to subnormals or 0 in the division: harmless.
    with np.errstate(under="ignore", invalid="ignore"):
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
        .. math::

            \log\mathrm{softmax}(z)_i = z_i - m - \log\sum_j e^{z_j - m},
               \quad m = \max_j z_j

    Notes
    -----
    Finite wherever the softmax underflows to 0.  PyTorch: ``torch.log_softmax(z, dim=axis)``.
    """
    z = as_float_array(z, "z", "log_softmax")
    axis = _check_axis(axis, z.ndim, "log_softmax")
    # an empty axis or batch: an empty result, as PyTorch
    if z.size == 0:
        return np.empty_like(z)
    # inf - inf = NaN, as PyTorch (no warning)
    with np.errstate(invalid="ignore"):
        shifted = z - z.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore", invalid="ignore"):
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_backward(dy: np.ndarray, y: np.ndarray,
                     axis: int = -1) -> np.ndarray:
    r"""Vector-Jacobian product of the softmax: the gradient with respect to its
    input.

    Parameters
    ----------
    dy : ndarray, shape of ``y``
        Upstream gradient :math:`\partial L / \partial y`.
    y : ndarray, shape (..., C, ...)
        The softmax output :math:`y = \mathrm{softmax}(z)` along ``axis``.
    axis : int, default -1

    Returns
    -------
    ndarray, shape of ``y``
        .. math::

            \frac{\partial L}{\partial z_i} = y_i \Bigl(\frac{\partial L}{\partial y_i}
               - \sum_j \frac{\partial L}{\partial y_j} y_j\Bigr)

    Notes
    -----
    The Jacobian :math:`\mathrm{diag}(y) - y y^\top` is never formed.  PyTorch: what
    ``torch.autograd`` passes back through ``torch.softmax(z, dim=axis)``.
    """
    y = as_float_array(y, "y", "softmax_backward")
    dy = as_float_array(dy, "dy", "softmax_backward")
    if dy.shape != y.shape:
        raise ValueError("softmax_backward: dy must have the shape of y "
                         f"{y.shape}, got {dy.shape}")
    if dy.dtype != y.dtype:
        raise TypeError("softmax_backward: dy must have the dtype of y "
                        f"({y.dtype}), got {dy.dtype}")
    axis = _check_axis(axis, y.ndim, "softmax_backward", "y")
    with np.errstate(under="ignore"):
        return y * (dy - (dy * y).sum(axis=axis, keepdims=True))


def _maxout_groups(z, pieces, where: str) -> np.ndarray:
    """``z`` of shape (..., D * pieces) viewed as (..., D, pieces), after
    validation."""
    z = as_float_array(z, "z", where)
    if (isinstance(pieces, (bool, np.bool_))
            or not isinstance(pieces, (int, np.integer))):
        raise TypeError(f"{where}: pieces must be an integer, got "
                        f"{type(pieces).__name__}")
    if pieces < 1:
        raise ValueError(f"{where}: pieces must be >= 1, got {pieces}")
    if z.ndim == 0:
        raise ValueError(f"{where}: z must have at least one dimension, got a "
                         "0-d array")
    if z.shape[-1] % pieces:
        raise ValueError(f"{where}: the last axis of z must be a multiple of "
                         f"pieces={pieces}, got shape {z.shape}")
    return z.reshape(*z.shape[:-1], z.shape[-1] // pieces, int(pieces))


def maxout(z: np.ndarray, pieces: int) -> np.ndarray:
    r"""Maxout: the largest of ``pieces`` consecutive pre-activations.

    Parameters
    ----------
    z : ndarray, shape (..., D * pieces)
        Pre-activations; unit ``i`` owns the entries ``i * pieces`` to
        ``(i + 1) * pieces - 1`` of the last axis (its affine pieces).
    pieces : int
        The number :math:`k \ge 1` of affine pieces per unit.

    Returns
    -------
    ndarray, shape (..., D)
        .. math::

            h_i = \max_{1 \le j \le k} z_{i,j}, \qquad z_{i,j} = z[\dots, (i - 1) k + j - 1]

    Notes
    -----
    A maxout unit is a convex, piecewise-linear function of the layer's input; with the
    pieces :math:`(w^\top x + b, 0)` it is a ReLU, with :math:`(z, \alpha z)` a leaky ReLU.
    PyTorch has no maxout layer: ``z.unflatten(-1, (D, k)).amax(-1)`` computes the same.

    References
    ----------
    Goodfellow, Warde-Farley, Mirza, Courville and Bengio, "Maxout networks", ICML 2013.
    """
    return _maxout_groups(z, pieces, "maxout").max(axis=-1)


def maxout_backward(dy: np.ndarray, z: np.ndarray, pieces: int) -> np.ndarray:
    r"""Gradient of :func:`maxout` with respect to its input.

    Parameters
    ----------
    dy : ndarray, shape (..., D)
        Upstream gradient :math:`\partial L / \partial h`.
    z : ndarray, shape (..., D * pieces)
        The input of :func:`maxout`.
    pieces : int
        The number :math:`k` of pieces per unit, as in the forward pass.

    Returns
    -------
    ndarray, shape of ``z``
        The upstream gradient routed to the winning piece of each unit:

        .. math::

            \frac{\partial L}{\partial z_{i,j}} = \frac{\partial L}{\partial h_i}\,
               [\, j = j^*_i \,], \qquad j^*_i = \operatorname{arg\,max}_j z_{i,j}

    Notes
    -----
    On a tie the first maximal piece gets the gradient, as in PyTorch's autograd of
    ``torch.max(z, dim)``.  Every unit passes its gradient to exactly one piece, so no unit
    can die as a ReLU does.
    """
    where = "maxout_backward"
    groups = _maxout_groups(z, pieces, where)
    dy = as_float_array(dy, "dy", where)
    if dy.shape != groups.shape[:-1]:
        raise ValueError(f"{where}: dy must have shape {groups.shape[:-1]} "
                         "(the maxout output "
                         f"for z of shape {z.shape}), got {dy.shape}")
    winner = groups.argmax(axis=-1)[..., None]
    dz = np.zeros(groups.shape, dtype=np.result_type(dy, groups))
    np.put_along_axis(dz, winner, dy[..., None], axis=-1)
    return dz.reshape(groups.shape[:-2] + (groups.shape[-2] * groups.shape[-1],
                                           ))
