"""Weight initialization: Xavier/Glorot, He/Kaiming, LeCun and orthogonal
(chapter 3).

Every initializer returns a new array of the requested ``shape`` drawn from
exactly the distribution that the matching ``torch.nn.init`` function uses.
Shapes follow PyTorch: a ``Linear`` weight is ``(out_features, in_features)``,
so ``fan_in = shape[1]`` and ``fan_out = shape[0]``; for convolution kernels
``(out, in, k1, k2, ...)`` both fans are multiplied by the receptive field size
``k1 * k2 * ...``.

Randomness comes only from the ``rng`` argument (a ``numpy.random.Generator``);
the numbers are drawn in float64 and rounded to ``dtype``, so the same seed
gives the same weights (up to rounding) in float32 and float64.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validation import as_rng, check_choice, check_float_dtype, check_real

__all__ = [
    "calculate_gain",
    "fan_in_and_fan_out",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "lecun_normal",
    "orthogonal",
]

_LINEAR_NAMES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)
NONLINEARITIES = _LINEAR_NAMES + ("sigmoid", "tanh", "relu", "leaky_relu",
                                  "selu")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""Return the recommended gain for a nonlinearity (the values of PyTorch).

    The gain :math:`g` is the factor by which an initializer's standard
    deviation is multiplied so that the nonlinearity that follows the layer
    keeps the scale of the signal.

    ====================  =========================================
    nonlinearity          gain
    ====================  =========================================
    linear, conv*         :math:`1`
    sigmoid               :math:`1`
    tanh                  :math:`5/3`
    relu                  :math:`\sqrt{2}`
    leaky_relu            :math:`\sqrt{2 / (1 + \text{param}^2)}` (param = negative slope, default 0.01)
    selu                  :math:`3/4`
    ====================  =========================================

    Parameters
    ----------
    nonlinearity : str
        One of ``"linear"``, ``"conv1d"``, ``"conv2d"``, ``"conv3d"``,
        ``"conv_transpose1d"``, ``"conv_transpose2d"``, ``"conv_transpose3d"``,
        ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"leaky_relu"``, ``"selu"``.
    param : float, optional
        Negative slope of ``"leaky_relu"`` (default 0.01); ignored by the other
        names.

    Returns
    -------
    float
        The gain.

    Raises
    ------
    ValueError
        For an unknown nonlinearity or a ``param`` that is not a number.

    Notes
    -----
    Equals ``torch.nn.init.calculate_gain`` (which returns the int ``1`` for the linear names
    and sigmoid; here it is the float ``1.0``). The sigmoid gain 1 is a convention, not the
    variance-preserving value: the logistic function has slope :math:`1/4` at the origin, which
    is where the factor 4 of Glorot and Bengio (2010) comes from. The selu gain 3/4 is
    an empirical compromise; self-normalizing networks (Klambauer et al., 2017) need
    ``"linear"`` (variance :math:`1/n_\text{in}`, see :func:`lecun_normal`).

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep feedforward
    neural networks. AISTATS.
    """
    if not isinstance(nonlinearity, str) or nonlinearity not in NONLINEARITIES:
        options = ", ".join(repr(n) for n in NONLINEARITIES)
        raise ValueError(
            f"calculate_gain: nonlinearity must be one of {options}, got "
            f"{nonlinearity!r}"
        )
    if nonlinearity in _LINEAR_NAMES or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, bool) or not isinstance(param, numbers.Real):
            raise TypeError(
                "calculate_gain: param (the negative slope of 'leaky_relu') "
                f"must be a real number, got {type(param).__name__}"
            )
        else:
            slope = float(param)
        if not math.isfinite(slope):
            raise ValueError("calculate_gain: param (the negative slope of "
                             f"'leaky_relu') must be finite, got {slope}")
        if abs(slope) > 1e150:        # slope**2 would raise OverflowError
            return math.sqrt(2.0) / abs(slope)
        return math.sqrt(2.0 / (1 + slope**2))
    return 3.0 / 4  # selu


def _check_shape(shape, where: str) -> tuple[int, ...]:
    """Return ``shape`` as a tuple of positive ints with at least two
    entries."""
    if isinstance(shape, np.ndarray):
        raise TypeError(f"{where}: shape must be a tuple of ints such as "
                        "W.shape, got an ndarray")
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(
        isinstance(s, numbers.Integral) and not isinstance(s, bool)
        for s in shape
    ):
        raise TypeError(
            f"{where}: shape must be a tuple of ints, got {shape!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(
            f"{where}: shape must have at least 2 dimensions (fan in and fan "
            f"out are undefined otherwise), got {shape}"
        )
    if min(shape) < 1:
        raise ValueError(f"{where}: every dimension of shape must be >= 1, got "
                         f"{shape}")
    return shape


def fan_in_and_fan_out(shape) -> tuple[int, int]:
    r"""Return ``(fan_in, fan_out)`` of a weight of ``shape``, with PyTorch's
    convention.

    For a ``Linear`` weight of shape ``(out, in)``: ``fan_in = in``,
    ``fan_out = out``. For a convolution kernel ``(out, in, k_1, ..., k_d)``
    both are multiplied by the receptive field:

    .. math::

        n_\text{in} = \text{shape}[1] \prod_{i \ge 2} \text{shape}[i], \qquad
        n_\text{out} = \text{shape}[0] \prod_{i \ge 2} \text{shape}[i].

    Parameters
    ----------
    shape : tuple of int
        Shape of the weight, at least two dimensions, every entry >= 1.

    Returns
    -------
    fan_in, fan_out : int
        Number of inputs feeding one output unit, and of outputs fed by one
        input unit.

    Raises
    ------
    ValueError
        When ``shape`` has fewer than two dimensions (as PyTorch) or a dimension
        below 1.
    TypeError
        When ``shape`` is not a tuple/list of ints.

    Notes
    -----
    PyTorch: ``torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))``.
    """
    shape = _check_shape(shape, "fan_in_and_fan_out")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _check_gain(gain, where: str) -> float:
    gain = check_real(gain, "gain", where, low=0.0, low_inclusive=False)
    if not math.isfinite(gain):
        raise ValueError(f"{where}: gain must be finite, got {gain:g}")
    return gain


def _check_dtype(dtype, where: str) -> np.dtype:
    return check_float_dtype(dtype, where)


def _uniform(shape, bound, rng, dtype, where):
    rng = as_rng(rng, where)
    return rng.uniform(-bound, bound,
                       size=shape).astype(_check_dtype(dtype, where),
                                          copy=False)


def _normal(shape, std, rng, dtype, where):
    rng = as_rng(rng, where)
    dtype = _check_dtype(dtype, where)
    return (std * rng.standard_normal(size=shape)).astype(dtype, copy=False)


def _fan(shape, mode, where):
    check_choice(mode, "mode", where, ("fan_in", "fan_out"))
    fan_in, fan_out = fan_in_and_fan_out(_check_shape(shape, where))
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform(shape, gain: float = 1.0,
                   rng: np.random.Generator | None = None,
                   dtype=np.float64) -> np.ndarray:
    r"""Draw Glorot/Xavier uniform weights: :math:`w \sim \mathcal{U}(-a, a)`.

    .. math::

        a = g \sqrt{\frac{6}{n_\text{in} + n_\text{out}}}, \qquad
        \operatorname{Var}(w) = \frac{a^2}{3} = g^2\,\frac{2}{n_\text{in} + n_\text{out}}.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, e.g. ``(out_features, in_features)``; fans by
        :func:`fan_in_and_fan_out`.
    gain : float, default 1.0
        Scale factor :math:`g > 0`, e.g. ``calculate_gain("tanh")``.
    rng : numpy.random.Generator, optional
        Source of randomness (default: a fresh ``np.random.default_rng()``).
    dtype : float32 or float64, default float64
        Dtype of the result.

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch: ``torch.nn.init.xavier_uniform_(w, gain=gain)``. The variance
    :math:`2/(n_\text{in}+n_\text{out})` is the compromise between keeping the forward
    (:math:`1/n_\text{in}`) and the backward (:math:`1/n_\text{out}`) variance.

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep feedforward
    neural networks. AISTATS.
    """
    where = "xavier_uniform"
    gain = _check_gain(gain, where)
    fan_in, fan_out = fan_in_and_fan_out(_check_shape(shape, where))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _uniform(shape, bound, rng, dtype, where)


def xavier_normal(shape, gain: float = 1.0,
                  rng: np.random.Generator | None = None,
                  dtype=np.float64) -> np.ndarray:
    r"""Draw Glorot/Xavier normal weights:
    :math:`w \sim \mathcal{N}(0, \sigma^2)`.

    .. math::

        \sigma = g \sqrt{\frac{2}{n_\text{in} + n_\text{out}}}.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, e.g. ``(out_features, in_features)``.
    gain : float, default 1.0
        Scale factor :math:`g > 0`.
    rng : numpy.random.Generator, optional
        Source of randomness.
    dtype : float32 or float64, default float64
        Dtype of the result.

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch: ``torch.nn.init.xavier_normal_(w, gain=gain)``.

    References
    ----------
    Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of training deep feedforward
    neural networks. AISTATS.
    """
    where = "xavier_normal"
    gain = _check_gain(gain, where)
    fan_in, fan_out = fan_in_and_fan_out(_check_shape(shape, where))
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _normal(shape, std, rng, dtype, where)


def he_uniform(shape, rng: np.random.Generator | None = None, dtype=np.float64,
               mode: str = "fan_in") -> np.ndarray:
    r"""Draw He/Kaiming uniform weights for ReLU:
    :math:`w \sim \mathcal{U}(-a, a)`.

    .. math::

        a = \sqrt{2}\,\sqrt{\frac{3}{n}} = \sqrt{\frac{6}{n}}, \qquad
        \operatorname{Var}(w) = \frac{2}{n},

    with :math:`n = n_\text{in}` (``mode="fan_in"``, keeps the forward variance)
    or :math:`n = n_\text{out}` (``mode="fan_out"``, keeps the backward
    variance).

    Parameters
    ----------
    shape : tuple of int
        Weight shape, e.g. ``(out_features, in_features)``.
    rng : numpy.random.Generator, optional
        Source of randomness.
    dtype : float32 or float64, default float64
        Dtype of the result.
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan sets the scale.

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch: ``torch.nn.init.kaiming_uniform_(w, mode=mode, nonlinearity="relu")``. PyTorch's
    own default is ``nonlinearity="leaky_relu"`` with ``a=0``, which gives the same gain
    :math:`\sqrt 2`. (``nn.Linear``'s default initialization is different:
    ``kaiming_uniform_`` with ``a=sqrt(5)``, i.e. :math:`\mathcal{U}(\pm 1/\sqrt{n_\text{in}})`.)

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification. ICCV.
    """
    where = "he_uniform"
    fan = _fan(shape, mode, where)
    bound = math.sqrt(2.0) * math.sqrt(3.0 / fan)
    return _uniform(shape, bound, rng, dtype, where)


def he_normal(shape, rng: np.random.Generator | None = None, dtype=np.float64,
              mode: str = "fan_in") -> np.ndarray:
    r"""Draw He/Kaiming normal weights for ReLU:
    :math:`w \sim \mathcal{N}(0, 2/n)`.

    .. math::

        \sigma = \frac{\sqrt{2}}{\sqrt{n}},

    with :math:`n = n_\text{in}` (``mode="fan_in"``) or :math:`n = n_\text{out}`
    (``mode="fan_out"``).

    Parameters
    ----------
    shape : tuple of int
        Weight shape, e.g. ``(out_features, in_features)``.
    rng : numpy.random.Generator, optional
        Source of randomness.
    dtype : float32 or float64, default float64
        Dtype of the result.
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Which fan sets the scale.

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch: ``torch.nn.init.kaiming_normal_(w, mode=mode, nonlinearity="relu")``.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification. ICCV.
    """
    where = "he_normal"
    fan = _fan(shape, mode, where)
    return _normal(shape, math.sqrt(2.0) / math.sqrt(fan), rng, dtype, where)


def lecun_normal(shape, rng: np.random.Generator | None = None,
                 dtype=np.float64) -> np.ndarray:
    r"""Draw LeCun normal weights: :math:`w \sim \mathcal{N}(0, 1/n_\text{in})`.

    .. math::

        \sigma = \frac{1}{\sqrt{n_\text{in}}}.

    The variance that keeps
    :math:`\operatorname{Var}(\sum_i w_i x_i) = \operatorname{Var}(x)` for a
    linear unit; with SELU it makes the network self-normalizing.

    Parameters
    ----------
    shape : tuple of int
        Weight shape, e.g. ``(out_features, in_features)``.
    rng : numpy.random.Generator, optional
        Source of randomness.
    dtype : float32 or float64, default float64
        Dtype of the result.

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch has no ``lecun_normal_``; the same distribution is
    ``torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="linear")``. (Keras'
    ``lecun_normal`` draws from a truncated normal instead.)

    References
    ----------
    LeCun, Y., Bottou, L., Orr, G. B. and Mueller, K.-R. (1998). Efficient BackProp. In
    Neural Networks: Tricks of the Trade, Springer.

    Klambauer, G., Unterthiner, T., Mayr, A. and Hochreiter, S. (2017).
    Self-normalizing neural networks. NeurIPS.
    """
    where = "lecun_normal"
    fan_in, _ = fan_in_and_fan_out(_check_shape(shape, where))
    return _normal(shape, 1.0 / math.sqrt(fan_in), rng, dtype, where)


def _orthogonal_from_gaussian(a: np.ndarray) -> np.ndarray:
    """Turn a Gaussian ``(rows, cols)`` matrix into a (semi-)orthogonal one, as
    PyTorch does."""
    rows, cols = a.shape
    if rows < cols:
        a = a.T
    q, r = np.linalg.qr(a)  # reduced QR: q has orthonormal columns
    # make the factorization unique -> Haar-distributed q
    q *= np.sign(np.diagonal(r))
    return q.T if rows < cols else q


def orthogonal(shape, gain: float = 1.0, rng: np.random.Generator | None = None,
               dtype=np.float64) -> np.ndarray:
    r"""Draw a (semi-)orthogonal matrix, uniformly (Haar) distributed, times
    ``gain``.

    With ``rows = shape[0]`` and ``cols = prod(shape[1:])``, draw
    :math:`A \in \mathbb{R}^{\text{rows}\times\text{cols}}` with i.i.d.
    :math:`\mathcal{N}(0, 1)` entries (transposed when rows < cols), take its
    reduced QR factorization :math:`A = QR`, and return

    .. math::

        W = g\, Q \operatorname{diag}(\operatorname{sign}(\operatorname{diag} R)),

    transposed back and reshaped to ``shape``. Then :math:`W^\top W = g^2 I`
    when rows >= cols and :math:`W W^\top = g^2 I` when rows < cols.

    Parameters
    ----------
    shape : tuple of int
        At least two dimensions; trailing dimensions are flattened into columns.
    gain : float, default 1.0
        Scale factor :math:`g > 0`.
    rng : numpy.random.Generator, optional
        Source of randomness.
    dtype : float32 or float64, default float64
        Dtype of the result (the QR is computed in float64).

    Returns
    -------
    W : ndarray, shape ``shape``

    Notes
    -----
    PyTorch: ``torch.nn.init.orthogonal_(w, gain=gain)`` (same algorithm). Multiplying by the
    signs of :math:`\operatorname{diag} R` makes :math:`Q` Haar distributed (Mezzadri, 2007).
    All singular values of :math:`W` equal :math:`g`, so a product of such layers neither
    stretches nor shrinks any direction: the starting point of dynamical isometry.

    References
    ----------
    Saxe, A. M., McClelland, J. L. and Ganguli, S. (2014). Exact solutions to the nonlinear
    dynamics of learning in deep linear neural networks. ICLR.
    """
    where = "orthogonal"
    gain = _check_gain(gain, where)
    shape = _check_shape(shape, where)
    dt = _check_dtype(dtype, where)
    rng = as_rng(rng, where)
    rows = shape[0]
    cols = math.prod(shape[1:])
    q = _orthogonal_from_gaussian(rng.standard_normal(size=(rows, cols)))
    return (gain * q).reshape(shape).astype(dt, copy=False)
