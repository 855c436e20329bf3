"""Fully connected layers and multilayer perceptrons with hand-written backprop
(chapter 2).

Two styles, both used in the book:

* functions in the cs231n style, ``linear_forward(x, W, b) -> (y, cache)`` and
  ``linear_backward(dy, cache) -> (dx, dW, db)``, where the cache is a
  ``NamedTuple``;
* modules in the PyTorch style, :class:`Linear` and :class:`MLP`, that keep what
  their backward pass needs and expose ``params()`` and ``grads()`` in the order
  of PyTorch's ``parameters()``.

Weights follow ``torch.nn.Linear``: ``W`` has shape
``(out_features, in_features)`` and ``y = x @ W.T + b``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import activations
from ._validation import (as_float_array, as_rng, check_bool, check_choice,
                          check_float_dtype,
                          check_positive_int, check_shape)

__all__ = ["LinearCache", "linear_forward", "linear_backward", "Linear", "MLP",
           "ACTIVATIONS"]


class LinearCache(NamedTuple):
    """What :func:`linear_backward` needs from the forward pass."""

    x: np.ndarray
    """Input, shape (N, in_features)."""
    W: np.ndarray
    """Weight, shape (out_features, in_features)."""


def linear_forward(x: np.ndarray, W: np.ndarray,
                   b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    r"""Affine layer, forward pass.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        A mini-batch of ``N`` inputs with ``D`` features.
    W : ndarray, shape (M, D)
    b : ndarray, shape (M,)

    Returns
    -------
    y : ndarray, shape (N, M)
        .. math::

           y = x W^\top + b
    cache : LinearCache
        ``(x, W)`` for :func:`linear_backward`.

    Notes
    -----
    PyTorch: ``torch.nn.functional.linear(x, W, b)``; ``W`` has the layout of
    ``torch.nn.Linear.weight``.  The book's column-vector form is :math:`a = W x + b`.

    References
    ----------
    Rumelhart, Hinton & Williams (1986), Learning representations by back-propagating errors.
    """
    x = as_float_array(x, "x", "linear_forward", ndim=2)
    W = as_float_array(W, "W", "linear_forward", ndim=2)
    b = as_float_array(b, "b", "linear_forward", ndim=1)
    if W.shape[1] != x.shape[1]:
        raise ValueError(f"linear_forward: W must have shape (M, {x.shape[1]}) "
                         f"to match x {x.shape}, got {W.shape}")
    check_shape(b, (W.shape[0],), "b", "linear_forward")
    for name, arr in (("W", W), ("b", b)):
        if arr.dtype != x.dtype:
            raise TypeError(f"linear_forward: {name} must have the dtype of x "
                            f"({x.dtype}), got {arr.dtype}")
    return x @ W.T + b, LinearCache(x, W)


def linear_backward(
        dy: np.ndarray, cache: LinearCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Affine layer, backward pass.

    Parameters
    ----------
    dy : ndarray, shape (N, M)
        Upstream gradient :math:`\partial L / \partial y`.
    cache : LinearCache
        From :func:`linear_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
        .. math::

           \frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} W
    dW : ndarray, shape (M, D)
        .. math::

           \frac{\partial L}{\partial W} = \Bigl(\frac{\partial L}{\partial y}\Bigr)^\top x
    db : ndarray, shape (M,)
        .. math::

           \frac{\partial L}{\partial b} = \sum_n \frac{\partial L}{\partial y_n}

    Notes
    -----
    Summing over the batch in ``dW`` and ``db`` is the vectorized form of accumulating one
    outer product :math:`\delta_n x_n^\top` per sample.  PyTorch: what autograd computes for
    ``torch.nn.functional.linear``.

    References
    ----------
    Rumelhart, Hinton & Williams (1986), Learning representations by back-propagating errors.
    """
    if not isinstance(cache, LinearCache):
        raise TypeError("linear_backward: cache must be the LinearCache from "
                        f"linear_forward, got {type(cache).__name__}")
    x, W = cache
    dy = as_float_array(dy, "dy", "linear_backward", ndim=2)
    check_shape(dy, (x.shape[0], W.shape[0]), "dy", "linear_backward")
    if dy.dtype != x.dtype:
        raise TypeError("linear_backward: dy must have the dtype of x "
                        f"({x.dtype}), got {dy.dtype}")
    return dy @ W, dy.T @ x, dy.sum(axis=0)


class Linear:
    r"""Affine layer :math:`y = x W^\top + b` that keeps its input for the
    backward pass.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator, optional
        Source of the initial weights.
    dtype : numpy dtype, default float64

    Attributes
    ----------
    weight : ndarray
        Shape (out_features, in_features).  Initialized
        :math:`U(-1/\sqrt{D}, 1/\sqrt{D})` with :math:`D` = ``in_features``, the
        distribution ``torch.nn.Linear`` uses.
    bias : ndarray
        Shape (out_features,).  Same distribution as ``weight``.
    weight_grad, bias_grad : ndarray
        Gradients of the last :meth:`backward` (overwritten by each call, never
        accumulated).

    Notes
    -----
    PyTorch: ``torch.nn.Linear`` (same weight layout, same initial distribution, same
    ``parameters()`` order).

    References
    ----------
    Rumelhart, Hinton & Williams (1986), Learning representations by back-propagating errors.
    """

    def __init__(self, in_features: int, out_features: int,
                 rng: np.random.Generator | None = None,
                 dtype=np.float64):
        self.in_features = check_positive_int(in_features, "in_features",
                                              "Linear")
        self.out_features = check_positive_int(out_features, "out_features",
                                               "Linear")
        dtype = check_float_dtype(dtype, "Linear")
        rng = as_rng(rng, "Linear")
        bound = 1.0 / np.sqrt(in_features)
        self.weight = rng.uniform(-bound, bound,
                                  (out_features, in_features)).astype(dtype)
        self.bias = rng.uniform(-bound, bound, out_features).astype(dtype)
        self.weight_grad = np.zeros_like(self.weight)
        self.bias_grad = np.zeros_like(self.bias)
        self._x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return ``x @ weight.T + bias`` for ``x`` (N, in_features); keep
        ``x``."""
        x = as_float_array(x, "x", "Linear.forward", ndim=2)
        if x.shape[1] != self.in_features:
            raise ValueError("Linear.forward: x must have shape (N, "
                             f"{self.in_features}), got {x.shape}")
        if x.dtype != self.weight.dtype:
            raise TypeError(f"Linear.forward: x must have the layer's dtype "
                            f"{self.weight.dtype}, got {x.dtype}")
        self._x = x  # the backward pass needs the input
        y = x @ self.weight.T
        y += self.bias
        return y

    def backward(self, dy: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        """Store the parameter gradients for ``dy`` (N, out_features); return
        dx (N, in_features), or None with ``input_grad=False``."""
        input_grad = check_bool(input_grad, "input_grad", "Linear.backward")
        if self._x is None:
            raise RuntimeError("Linear.backward: call forward first")
        dy = as_float_array(dy, "dy", "Linear.backward", ndim=2)
        check_shape(dy, (self._x.shape[0], self.out_features), "dy",
                    "Linear.backward")
        if dy.dtype != self.weight.dtype:
            raise TypeError(f"Linear.backward: dy must have the layer's dtype "
                            f"{self.weight.dtype}, got {dy.dtype}")
        np.matmul(dy.T, self._x, out=self.weight_grad)  # dL/dW = dy^T x
        # dL/db = sum over the batch
        np.sum(dy, axis=0, out=self.bias_grad)
        return dy @ self.weight if input_grad else None  # dL/dx = dy W

    def params(self) -> list[np.ndarray]:
        """``[weight, bias]``: the layer's own arrays, in
        ``torch.nn.Linear.parameters()`` order."""
        return [self.weight, self.bias]

    def grads(self) -> list[np.ndarray]:
        """``[weight_grad, bias_grad]``, matching :meth:`params`."""
        return [self.weight_grad, self.bias_grad]


def _derivative(name: str, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f'(a) for the named activation, from the pre-activation ``a`` and output
    ``y = f(a)``."""
    if name == "relu":
        return a > 0
    if name == "tanh":
        return 1.0 - y * y
    if name == "sigmoid":
        return y * (1.0 - y)
    if name == "identity":
        return np.ones_like(a)
    return getattr(activations, f"{name}_grad")(a)


ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "selu", "swish",
               "softplus", "identity")
"""Names accepted by :class:`MLP` (functions of ``dlbook.activations`` with
default parameters)."""


class MLP:
    r"""Multilayer perceptron: affine layers with an activation between them,
    linear output.

    .. math::
       a^{(l)} = x^{(l)} W^{(l)\top} + b^{(l)}, \quad x^{(l+1)} = f\bigl(a^{(l)}\bigr),
       \quad \text{output } a^{(L)}

    Backward, with :math:`\delta^{(L)}` the gradient of the loss with respect to
    the output:
    :math:`\delta^{(l)} = f'(a^{(l)}) \circ \bigl(\delta^{(l+1)} W^{(l+1)}\bigr)`,
    :math:`\partial L/\partial W^{(l)} = \delta^{(l)\top} x^{(l)}`.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[D_in, H_1, ..., H_k, D_out]`` (at least two entries).
    activation : str, default "relu"
        One of :data:`ACTIVATIONS`.
    rng : numpy.random.Generator, optional
    dtype : numpy dtype, default float64

    Attributes
    ----------
    layers : list of Linear
    pre_activations : list of ndarray
        :math:`a^{(l)}` of every hidden layer from the last :meth:`forward`.
    hidden : list of ndarray
        :math:`x^{(l+1)} = f(a^{(l)})` of every hidden layer from the last
        :meth:`forward`.

    Notes
    -----
    PyTorch: ``nn.Sequential(nn.Linear(...), nn.ReLU(), ..., nn.Linear(...))``; :meth:`params`
    has the order of its ``parameters()``.  The book writes the same equations for column
    vectors, :math:`a^{(l)} = W^{(l)} x^{(l)}`; here every row of ``x`` is one sample.

    References
    ----------
    Rumelhart, Hinton & Williams (1986), Learning representations by back-propagating errors.
    """

    def __init__(self, sizes, activation: str = "relu",
                 rng: np.random.Generator | None = None,
                 dtype=np.float64):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError("MLP: sizes must be a sequence of layer widths, "
                            f"got {type(sizes).__name__}")
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError("MLP: sizes must list at least an input and an "
                             f"output width, got {sizes}")
        for width in sizes:
            check_positive_int(width, "every entry of sizes", "MLP")
        self.activation = check_choice(activation, "activation", "MLP",
                                       ACTIVATIONS)
        self._f = ((lambda z: z) if activation == "identity"
                   else getattr(activations, activation))
        dtype = check_float_dtype(dtype, "MLP")
        rng = as_rng(rng, "MLP")
        self.sizes = sizes
        self.layers = [Linear(d_in, d_out, rng, dtype) for d_in,
                       d_out in zip(sizes[:-1], sizes[1:])]
        self.pre_activations: list[np.ndarray] = []
        self.hidden: list[np.ndarray] = []

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the outputs (logits), shape (N, D_out), for ``x`` of shape (N,
        D_in)."""
        self.pre_activations, self.hidden = [], []
        for layer in self.layers[:-1]:
            a = layer.forward(x)
            x = self._f(a)
            self.pre_activations.append(a)
            self.hidden.append(x)
        return self.layers[-1].forward(x)

    def backward(self, dy: np.ndarray,
                 input_grad: bool = True) -> np.ndarray | None:
        r"""Backpropagate ``dy`` = dL/d(output) (N, D_out); store the gradients.

        Parameters
        ----------
        dy : ndarray, shape (N, D_out)
        input_grad : bool, default True
            Also compute dL/dx, the first layer's :math:`\delta^{(1)} W^{(1)}`.
            Training does not need it and it costs as much as that layer's
            weight gradient; PyTorch skips it too, for an input that does not
            require grad.

        Returns
        -------
        ndarray, shape (N, D_in), or None
            dL/dx, or None with ``input_grad=False``.
        """
        input_grad = check_bool(input_grad, "input_grad", "MLP.backward")
        if (len(self.pre_activations) != len(self.layers) - 1
                or self.layers[-1]._x is None):
            raise RuntimeError("MLP.backward: call forward first")
        # the output layer's dx is the last hidden layer's delta (or, with no
        # hidden layer, dL/dx itself)
        delta = self.layers[-1].backward(dy, input_grad or len(self.layers) > 1)
        hidden_layers = zip(self.layers[-2::-1], self.pre_activations[::-1],
                            self.hidden[::-1])
        # from the last hidden layer back to the first
        for k, (layer, a, y) in enumerate(hidden_layers, start=2):
            delta *= _derivative(self.activation, a, y)
            delta = layer.backward(delta, input_grad or k < len(self.layers))
        return delta

    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``: the model's own arrays (an optimizer
        updating them trains it)."""
        return [p for layer in self.layers for p in layer.params()]

    def grads(self) -> list[np.ndarray]:
        """Gradients of the last :meth:`backward`, matching :meth:`params`."""
        return [g for layer in self.layers for g in layer.grads()]
