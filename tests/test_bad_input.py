"""Hard and bad input to every public dlbook name: an error that explains, or the right answer.

Table-driven (issue 11): each case calls one function or class with NaN/inf, a wrong dtype
(int, bool, object, complex, str), a wrong ndim, an empty batch, a 0-d array, a Python list,
a strided or read-only view, float32/float64 mixing, extreme magnitudes (1e30, 1e-30,
1e4 logits) or an extreme hyperparameter, and asserts one of two outcomes (see
``bad_input_support``): a ValueError/TypeError whose message names the function, the
argument, what was expected and what was given, or a result equal to PyTorch or
scikit-learn (finite, unless the reference propagates the input's NaN/inf).  Every case also
asserts that no input was modified and, for functions documented as stable, that no
RuntimeWarning escaped.  Every equality case runs a second time with read-only inputs.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from bad_input_support import INF, NAN, Case, Equals, Raises, readonly, run_case, t64, tt
from sklearn.decomposition import PCA as SkPCA

from dlbook import (activations, batchnorm, clipping, data, forward_mode, gradcheck, graph,
                    init, losses, mixture, nn, optim, reference, regularization, schedules,
                    whitening)

CASES: list[Case] = []


def case(id, call, args, expect, stable=True, mutates=()):
    CASES.append(Case(id, call, tuple(args), expect, stable, tuple(mutates)))


def dtype_error(where, name, got):
    return Raises(TypeError, rf"^{re.escape(where)}: {name} must have a float32 or float64 "
                             rf"dtype, got {re.escape(got)}$")


def not_array(where, name, got):
    return Raises(TypeError, rf"^{re.escape(where)}: {name} must be a NumPy array, got {got}$")


OBJ = np.array([1.0, None], dtype=object)
CPLX = np.array([1.0 + 1j, 2.0])
STR = np.array(["1.0", "2.0"])
# (input kind, array, the dtype the result must have): the bad dtypes
BAD_DTYPES = [("complex", CPLX, "complex128"), ("object", OBJ, "object"), ("str", STR, "<U3")]

# ----------------------------------------------------------------------------- activations
SPECIAL = np.array([NAN, INF, -INF, 0.0, -0.0, 1.0])
HUGE64 = np.array([1e4, -1e4, 1e30, -1e30, 1e-30, -1e-30, 1e300, -1e300, 5e-324])
HUGE32 = np.array([1e4, -1e4, 1e30, -1e30, 1e-30, -1e-30, 3e38, -3e38], dtype=np.float32)
GRID = np.linspace(-6.0, 6.0, 24).reshape(4, 6)

TORCH_ACT = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "leaky_relu": F.leaky_relu, "elu": F.elu, "selu": F.selu, "swish": F.silu,
    "softplus": F.softplus,
}


def torch_value(name):
    return lambda z, *a: TORCH_ACT[name](tt(z)).numpy()


def torch_grad(name):
    def ref(z, *a):
        t = tt(z).requires_grad_(True)
        (g,) = torch.autograd.grad(TORCH_ACT[name](t).sum(), t)
        return g.numpy()
    return ref


def as64(ref):
    """The reference evaluated on the float64 conversion of the input (ints, bools, lists)."""
    return lambda z, *a: ref(np.asarray(z, dtype=np.float64))


for name in TORCH_ACT:
    for fname, ref in ((name, torch_value(name)), (f"{name}_grad", torch_grad(name))):
        f = getattr(activations, fname)
        case(f"{fname}-nan-inf", f, [SPECIAL], Equals(ref, nonfinite=True, dtype=np.float64))
        case(f"{fname}-huge64", f, [HUGE64], Equals(ref, dtype=np.float64))
        case(f"{fname}-huge32", f, [HUGE32], Equals(ref, rtol=1e-6, atol=1e-37,
                                                     dtype=np.float32))
        case(f"{fname}-int", f, [np.arange(-3, 4)], Equals(as64(ref), dtype=np.float64))
        case(f"{fname}-bool", f, [np.array([True, False])], Equals(as64(ref), dtype=np.float64))
        case(f"{fname}-list", f, [[-1.5, 0.0, 2.0]], Equals(as64(ref), dtype=np.float64))
        case(f"{fname}-0d", f, [np.array(0.75)], Equals(ref, dtype=np.float64))
        case(f"{fname}-empty", f, [np.zeros((0, 3))], Equals(ref, dtype=np.float64))
        case(f"{fname}-strided", f, [GRID[:, ::2]], Equals(ref, dtype=np.float64))
        case(f"{fname}-transposed32", f, [GRID.T.astype(np.float32)],
             Equals(ref, rtol=1e-6, atol=1e-7, dtype=np.float32))
        for kind, bad, got in BAD_DTYPES:
            case(f"{fname}-{kind}", f, [bad], dtype_error(fname, "z", got))
        case(f"{fname}-str-scalar", f, ["1.0"], not_array(fname, "z", "str"))
        case(f"{fname}-none", f, [None], not_array(fname, "z", "NoneType"))

for fname, pname in (("leaky_relu", "negative_slope"), ("elu", "alpha"), ("swish", "beta"),
                     ("softplus", "beta"), ("softplus", "threshold")):
    for f in (getattr(activations, fname), getattr(activations, f"{fname}_grad")):
        where = f.__name__
        for bad in (NAN, INF, -INF):
            case(f"{where}-{pname}={bad}", lambda z, v, f=f, p=pname: f(z, **{p: v}),
                 [GRID, bad], Raises(ValueError, rf"^{where}: {pname} must be "
                                                 rf"(finite|in .*), got -?(nan|inf)$"))
        case(f"{where}-{pname}=str", lambda z, v, f=f, p=pname: f(z, **{p: v}), [GRID, "0.1"],
             Raises(TypeError, rf"^{where}: {pname} must be a real number, got str$"))
        case(f"{where}-{pname}=bool", lambda z, v, f=f, p=pname: f(z, **{p: v}), [GRID, True],
             Raises(TypeError, rf"^{where}: {pname} must be a real number, got bool$"))
for f in (activations.softplus, activations.softplus_grad):
    case(f"{f.__name__}-beta=0", lambda z, f=f: f(z, beta=0.0), [GRID],
         Raises(ValueError, rf"^{f.__name__}: beta must be in \(0, inf\], got 0$"))
# extreme but valid hyperparameters, against PyTorch
case("leaky_relu-slope=1e30", lambda z: activations.leaky_relu(z, 1e30), [GRID],
     Equals(lambda z: F.leaky_relu(t64(z), 1e30).numpy()))
case("elu-alpha=1e-30", lambda z: activations.elu(z, 1e-30), [GRID],
     Equals(lambda z: F.elu(t64(z), 1e-30).numpy()))
case("softplus-beta=1e4", lambda z: activations.softplus(z, beta=1e4), [GRID],
     Equals(lambda z: F.softplus(t64(z), beta=1e4).numpy()))
case("softplus-beta=1e-30", lambda z: activations.softplus(z, beta=1e-30), [HUGE64[:4]],
     Equals(lambda z: F.softplus(t64(z), beta=1e-30).numpy()))

# softmax family
LOGITS = np.array([[1e4, -1e4, 0.0], [1e30, 1e30, -1e30], [1e-30, 0.0, -1e-30]])
SOFTMAX_REF = {"softmax": lambda z, axis=-1: torch.softmax(tt(z), axis).numpy(),
               "log_softmax": lambda z, axis=-1: torch.log_softmax(tt(z), axis).numpy()}
for fname, ref in SOFTMAX_REF.items():
    f = getattr(activations, fname)
    case(f"{fname}-huge-logits", f, [LOGITS], Equals(ref))
    case(f"{fname}-huge-logits32", f, [LOGITS.astype(np.float32)],
         Equals(ref, rtol=1e-6, atol=1e-7, dtype=np.float32))
    case(f"{fname}-nan-row", f, [np.array([[NAN, 0.0, 1.0], [0.0, 1.0, 2.0]])],
         Equals(ref, nonfinite=True))
    case(f"{fname}-neg-inf-entries", f, [np.array([[-INF, 0.0, 1.0], [-INF, -INF, 2.0]])],
         Equals(ref, nonfinite=True))
    case(f"{fname}-all-neg-inf-row", f, [np.array([[-INF, -INF], [0.0, 1.0]])],
         Equals(ref, nonfinite=True))
    case(f"{fname}-pos-inf", f, [np.array([[INF, 0.0, 1.0], [0.0, 1.0, 2.0]])],
         Equals(ref, nonfinite=True))
    case(f"{fname}-empty-axis", f, [np.zeros((3, 0))], Equals(ref))
    case(f"{fname}-empty-batch", f, [np.zeros((0, 3))], Equals(ref))
    case(f"{fname}-empty-batch-axis0", lambda z, f=f: f(z, axis=0), [np.zeros((0, 3))],
         Equals(lambda z, ref=ref: ref(z, 0)))
    case(f"{fname}-1d", f, [np.array([1.0, 2.0, 3.0])], Equals(ref))
    case(f"{fname}-3d-axis1", lambda z, f=f: f(z, axis=1), [GRID.reshape(2, 3, 4)],
         Equals(lambda z, ref=ref: ref(z, 1)))
    case(f"{fname}-int", f, [np.array([[1, 2, 3]])], Equals(as64(ref), dtype=np.float64))
    case(f"{fname}-list", f, [[[0.5, 1.5]]], Equals(as64(ref)))
    case(f"{fname}-strided", f, [GRID[::2, ::2]], Equals(ref))
    case(f"{fname}-0d", f, [np.array(1.0)],
         Raises(ValueError, rf"^{fname}: z must have at least one dimension, got a 0-d array$"))
    case(f"{fname}-axis-out-of-range", lambda z, f=f: f(z, axis=2), [GRID],
         Raises(ValueError, rf"^{fname}: axis must be in \[-2, 2\) for a 2-D array, got 2$"))
    case(f"{fname}-axis-bool", lambda z, f=f: f(z, axis=True), [GRID],
         Raises(TypeError, rf"^{fname}: axis must be an integer, got bool$"))
    case(f"{fname}-axis-float", lambda z, f=f: f(z, axis=1.0), [GRID],
         Raises(TypeError, rf"^{fname}: axis must be an integer, got float$"))
    for kind, bad, got in BAD_DTYPES:
        case(f"{fname}-{kind}", f, [bad], dtype_error(fname, "z", got))


def torch_softmax_backward(dy, y, axis=-1):
    return torch._softmax_backward_data(tt(dy), tt(y), axis, tt(y).dtype).numpy()


Y_SOFT = activations.softmax(GRID)
case("softmax_backward-strided", activations.softmax_backward,
     [GRID[:, ::2], activations.softmax(GRID[:, ::2])], Equals(torch_softmax_backward))
case("softmax_backward-empty-axis", activations.softmax_backward,
     [np.zeros((3, 0)), np.zeros((3, 0))], Equals(torch_softmax_backward))
case("softmax_backward-huge-dy", activations.softmax_backward, [1e30 * GRID, Y_SOFT],
     Equals(torch_softmax_backward, atol=1e-30 * 1e30))
case("softmax_backward-shape", activations.softmax_backward, [GRID[:, :3], Y_SOFT],
     Raises(ValueError, r"^softmax_backward: dy must have the shape of y \(4, 6\), "
                        r"got \(4, 3\)$"))
case("softmax_backward-mixed", activations.softmax_backward,
     [GRID.astype(np.float32), Y_SOFT],
     Raises(TypeError, r"^softmax_backward: dy must have the dtype of y \(float64\), "
                       r"got float32$"))
case("softmax_backward-complex", activations.softmax_backward, [GRID + 0j, Y_SOFT],
     dtype_error("softmax_backward", "dy", "complex128"))

# ---------------------------------------------------------------------------- nn, losses
X = np.linspace(-2.0, 2.0, 12).reshape(4, 3)
W = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
B = np.array([0.5, -0.5])


def torch_linear(x, w, b):
    return F.linear(tt(x), tt(w), tt(b)).numpy()


case("linear_forward-strided", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [GRID[:, ::2], W, B], Equals(torch_linear))
case("linear_forward-transposed-W", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [X, np.ascontiguousarray(W.T).T, B], Equals(torch_linear))
case("linear_forward-empty-batch", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [np.zeros((0, 3)), W, B], Equals(torch_linear))
case("linear_forward-huge", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [1e30 * X, 1e-30 * W, B], Equals(torch_linear))
case("linear_forward-lists", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [X.tolist(), W.tolist(), B.tolist()], Equals(torch_linear))
case("linear_forward-nan", lambda x, w, b: nn.linear_forward(x, w, b)[0],
     [np.where(X > 1.5, NAN, X), W, B], Equals(torch_linear, nonfinite=True))
case("linear_forward-mixed", nn.linear_forward, [X.astype(np.float32), W, B],
     Raises(TypeError, r"^linear_forward: W must have the dtype of x \(float32\), "
                       r"got float64$"))
case("linear_forward-mixed-b", nn.linear_forward, [X, W, B.astype(np.float32)],
     Raises(TypeError, r"^linear_forward: b must have the dtype of x \(float64\), "
                       r"got float32$"))
case("linear_forward-1d-x", nn.linear_forward, [X[0], W, B],
     Raises(ValueError, r"^linear_forward: x must be 2-D, got shape \(3,\)$"))
case("linear_forward-0d-b", nn.linear_forward, [X, W, np.array(1.0)],
     Raises(ValueError, r"^linear_forward: b must be 1-D, got shape \(\)$"))
case("linear_forward-W-shape", nn.linear_forward, [X, W.T, B],
     Raises(ValueError, r"^linear_forward: W must have shape \(M, 3\) to match x \(4, 3\), "
                        r"got \(3, 2\)$"))
case("linear_forward-b-shape", nn.linear_forward, [X, W, np.zeros(3)],
     Raises(ValueError, r"^linear_forward: b must have shape \(2,\), got \(3,\)$"))
case("linear_forward-complex", nn.linear_forward, [X + 0j, W, B],
     dtype_error("linear_forward", "x", "complex128"))
_, CACHE = nn.linear_forward(X, W, B)
case("linear_backward-huge", lambda dy: nn.linear_backward(dy, CACHE), [np.full((4, 2), 1e30)],
     Equals(lambda dy: (dy @ W, dy.T @ X, dy.sum(axis=0))))
case("linear_backward-shape", lambda dy: nn.linear_backward(dy, CACHE), [np.zeros((4, 3))],
     Raises(ValueError, r"^linear_backward: dy must have shape \(4, 2\), got \(4, 3\)$"))
case("linear_backward-cache", lambda dy: nn.linear_backward(dy, (X, W)), [np.zeros((4, 2))],
     Raises(TypeError, r"^linear_backward: cache must be the LinearCache from linear_forward, "
                       r"got tuple$"))
case("linear_backward-mixed", lambda dy: nn.linear_backward(dy, CACHE),
     [np.zeros((4, 2), np.float32)],
     Raises(TypeError, r"^linear_backward: dy must have the dtype of x \(float64\), "
                       r"got float32$"))
case("Linear-dtype-misspelt", lambda: nn.Linear(3, 2, dtype="flaot32"), [],
     Raises(TypeError, r"^Linear: dtype must be float32 or float64, got 'flaot32'$"))
case("Linear-dtype-int", lambda: nn.Linear(3, 2, dtype=np.int64), [],
     Raises(TypeError, r"^Linear: dtype must be float32 or float64, got int64$"))
case("Linear-in_features=0", lambda: nn.Linear(0, 2), [],
     Raises(ValueError, r"^Linear: in_features must be >= 1, got 0$"))
case("Linear-in_features=bool", lambda: nn.Linear(True, 2), [],
     Raises(TypeError, r"^Linear: in_features must be an integer, got bool$"))
case("Linear-forward-mixed", lambda x: nn.Linear(3, 2).forward(x), [X.astype(np.float32)],
     Raises(TypeError, r"^Linear.forward: x must have the layer's dtype float64, got float32$"))
case("Linear-forward-shape", lambda x: nn.Linear(3, 2).forward(x), [X[:, :2]],
     Raises(ValueError, r"^Linear.forward: x must have shape \(N, 3\), got \(4, 2\)$"))
case("MLP-dtype-misspelt", lambda: nn.MLP([3, 2], dtype="flaot64"), [],
     Raises(TypeError, r"^MLP: dtype must be float32 or float64, got 'flaot64'$"))
case("MLP-activation", lambda: nn.MLP([3, 2], activation="Relu"), [],
     Raises(ValueError, r"^MLP: activation must be one of .*'relu'.*, got 'Relu'$"))
case("MLP-sizes-str", lambda: nn.MLP("32"), [],
     Raises(TypeError, r"^MLP: sizes must be a sequence of layer widths, got str$"))
case("MLP-sizes-zero", lambda: nn.MLP([3, 0, 2]), [],
     Raises(ValueError, r"^MLP: every entry of sizes must be >= 1, got 0$"))
case("MLP-forward-1d", lambda x: nn.MLP([3, 2]).forward(x), [X[0]],
     Raises(ValueError, r"^Linear.forward: x must be 2-D, got shape \(3,\)$"))

LABELS = np.array([0, 2, 1, 0])
LOGITS4 = np.array([[1e4, -1e4, 0.0], [1e30, 0.0, -1e30], [0.0, 0.0, 0.0], [-1e4, 1e4, 1e-30]])


def torch_ce(z, y):
    t = tt(z).requires_grad_(True)
    loss = F.cross_entropy(t, torch.as_tensor(np.asarray(y)))
    (g,) = torch.autograd.grad(loss, t)
    return loss.detach().numpy(), g.numpy()


def torch_mse(p, q):
    t = torch.tensor(np.asarray(p)).requires_grad_(True)
    loss = F.mse_loss(t, torch.tensor(np.asarray(q)))
    (g,) = torch.autograd.grad(loss, t)
    return loss.detach().numpy(), g.numpy()


def torch_bce(z, y):
    t = torch.tensor(np.asarray(z)).requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(t, torch.tensor(np.asarray(y)))
    (g,) = torch.autograd.grad(loss, t)
    return loss.detach().numpy(), g.numpy()


case("softmax_cross_entropy-huge-logits", losses.softmax_cross_entropy, [LOGITS4, LABELS],
     Equals(torch_ce))
case("softmax_cross_entropy-huge-logits32", losses.softmax_cross_entropy,
     [LOGITS4.astype(np.float32), LABELS], Equals(torch_ce, rtol=1e-6, atol=1e-7))
case("softmax_cross_entropy-strided", losses.softmax_cross_entropy,
     [GRID[:, ::2], LABELS], Equals(torch_ce))
case("softmax_cross_entropy-list-labels", losses.softmax_cross_entropy,
     [LOGITS4, LABELS.tolist()], Equals(torch_ce))
case("softmax_cross_entropy-empty", losses.softmax_cross_entropy,
     [np.zeros((0, 3)), np.zeros(0, dtype=int)],
     Raises(ValueError, r"^softmax_cross_entropy: logits must hold at least one sample, "
                        r"got shape \(0, 3\)$"))
case("softmax_cross_entropy-float-labels", losses.softmax_cross_entropy,
     [LOGITS4, LABELS.astype(float)],
     Raises(TypeError, r"^softmax_cross_entropy: y must hold integer class labels, "
                       r"got dtype float64$"))
case("softmax_cross_entropy-bool-labels", losses.softmax_cross_entropy,
     [LOGITS4[:2], np.array([True, False])],
     Raises(TypeError, r"^softmax_cross_entropy: y must hold integer class labels, "
                       r"got dtype bool$"))
case("softmax_cross_entropy-label-range", losses.softmax_cross_entropy,
     [LOGITS4, np.array([0, 3, 1, 0])],
     Raises(ValueError, r"^softmax_cross_entropy: y must hold labels in \[0, 3\), "
                        r"got values in \[0, 3\]$"))
case("softmax_cross_entropy-labels-shape", losses.softmax_cross_entropy,
     [LOGITS4, LABELS[:, None]],
     Raises(ValueError, r"^softmax_cross_entropy: y must have shape \(4,\), got \(4, 1\)$"))
case("softmax_cross_entropy-1d", losses.softmax_cross_entropy, [LOGITS4[0], LABELS[:1]],
     Raises(ValueError, r"^softmax_cross_entropy: logits must be 2-D, got shape \(3,\)$"))
case("softmax_cross_entropy-nan", losses.softmax_cross_entropy,
     [np.array([[NAN, 0.0], [0.0, 1.0]]), np.array([0, 1])], Equals(torch_ce, nonfinite=True))
case("softmax_cross_entropy-complex", losses.softmax_cross_entropy, [LOGITS4 + 0j, LABELS],
     dtype_error("softmax_cross_entropy", "logits", "complex128"))
case("mse-huge", losses.mse, [1e150 * X, -1e150 * X], Equals(torch_mse))
case("mse-tiny", losses.mse, [1e-300 * X, np.zeros_like(X)], Equals(torch_mse, atol=0.0))
case("mse-mixed", losses.mse, [X.astype(np.float32), X], Equals(torch_mse, rtol=1e-6,
                                                                 atol=1e-7))
case("mse-lists", losses.mse, [[1.0, 2.0], [0.0, 0.0]],
     Equals(lambda p, q: torch_mse(np.array(p), np.array(q))))
case("mse-0d", losses.mse, [np.array(2.0), np.array(1.0)], Equals(torch_mse))
case("mse-strided", losses.mse, [GRID[:, ::2], GRID[:, 1::2]], Equals(torch_mse))
case("mse-shape", losses.mse, [X, X[:, :1]],
     Raises(ValueError, r"^mse: target must have the shape of pred \(4, 3\), got \(4, 1\)$"))
case("mse-empty", losses.mse, [np.zeros((0, 3)), np.zeros((0, 3))],
     Raises(ValueError, r"^mse: pred must hold at least one element, got an empty array$"))
case("mse-str", losses.mse, [STR, STR], dtype_error("mse", "pred", "<U3"))
BCE_T = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.2]])
case("bce-huge-logits", losses.binary_cross_entropy_with_logits, [LOGITS4, BCE_T],
     Equals(torch_bce))
case("bce-huge-logits32", losses.binary_cross_entropy_with_logits,
     [LOGITS4.astype(np.float32), BCE_T.astype(np.float32)], Equals(torch_bce, rtol=1e-6,
                                                                     atol=1e-7))
case("bce-mixed", losses.binary_cross_entropy_with_logits, [X.astype(np.float32), BCE_T],
     Equals(torch_bce, rtol=1e-6, atol=1e-7))
case("bce-shape", losses.binary_cross_entropy_with_logits, [X, BCE_T[:, :2]],
     Raises(ValueError, r"^binary_cross_entropy_with_logits: target must have the shape of "
                        r"logits \(4, 3\), got \(4, 2\)$"))
case("bce-empty", losses.binary_cross_entropy_with_logits, [np.zeros(0), np.zeros(0)],
     Raises(ValueError, r"^binary_cross_entropy_with_logits: logits must hold at least one "
                        r"element, got an empty array$"))
case("bce-target-range", losses.binary_cross_entropy_with_logits, [X, 2 * BCE_T],
     Raises(ValueError, r"^binary_cross_entropy_with_logits: target must be in \[0, 1\], "))
case("bce-target-nan", losses.binary_cross_entropy_with_logits,
     [X, np.where(BCE_T > 0.9, NAN, BCE_T)],
     Raises(ValueError, r"^binary_cross_entropy_with_logits: target must be in \[0, 1\], "))

# ------------------------------------------------------------------------------ gradcheck
case("numerical_gradient-readonly", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [readonly(X)], Raises(ValueError, r"^numerical_gradient: x must be writeable"))
case("numerical_gradient-int", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [np.arange(3)], Raises(TypeError, r"^numerical_gradient: x must have a float dtype "))
case("numerical_gradient-list", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [[1.0, 2.0]], Raises(TypeError, r"^numerical_gradient: x must be a NumPy array, got list"))
case("numerical_gradient-h=0", lambda x: gradcheck.numerical_gradient(np.sum, x, h=0.0),
     [X.copy()], Raises(ValueError, r"^numerical_gradient: h must be in \(0, inf\), got 0$"))
case("numerical_gradient-h=nan", lambda x: gradcheck.numerical_gradient(np.sum, x, h=NAN),
     [X.copy()], Raises(ValueError, r"^numerical_gradient: h must be in \(0, inf\), got nan$"))
case("numerical_gradient-vector-f", lambda x: gradcheck.numerical_gradient(lambda v: v, x),
     [X.copy()], Raises(ValueError, r"^numerical_gradient: f must return a scalar, "))
case("numerical_gradient-strided", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [GRID.copy()[:, ::2]], Equals(lambda x: np.ones((4, 3)), rtol=1e-8), mutates=(0,))
case("numerical_gradient-gappy", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [GRID.copy()[::2, :3]], Raises(ValueError, r"^numerical_gradient: x must be contiguous"))
case("numerical_gradient-empty", lambda x: gradcheck.numerical_gradient(np.sum, x),
     [np.zeros((0, 3))], Equals(lambda x: np.zeros((0, 3))), mutates=(0,))
case("relative_error-zeros", gradcheck.relative_error, [np.zeros(3), np.zeros(3)],
     Equals(lambda a, b: np.float64(0.0)))
case("relative_error-huge", gradcheck.relative_error, [np.array([1e300, -1e300]),
                                                       np.array([-1e300, 1e300])],
     Equals(lambda a, b: np.float64(1.0)))
case("relative_error-empty", gradcheck.relative_error, [np.zeros(0), np.zeros(0)],
     Equals(lambda a, b: np.float64(0.0)))
case("relative_error-nan", gradcheck.relative_error, [np.array([NAN]), np.array([1.0])],
     Raises(ValueError, r"^relative_error: a must be finite, got 1 NaN or infinite value\(s\)$"))
case("relative_error-shape", gradcheck.relative_error, [np.zeros(3), np.zeros((3, 1))],
     Raises(ValueError, r"^relative_error: a and b must have the same shape, got \(3,\) and "
                        r"\(3, 1\)$"))
case("relative_error-complex", gradcheck.relative_error, [CPLX, CPLX],
     dtype_error("relative_error", "a", "complex128"))

# ----------------------------------------------------------------------------------- init
INITS = {"xavier_uniform": init.xavier_uniform, "xavier_normal": init.xavier_normal,
         "he_uniform": init.he_uniform, "he_normal": init.he_normal,
         "lecun_normal": init.lecun_normal, "orthogonal": init.orthogonal}
for fname, f in INITS.items():
    case(f"{fname}-dtype-misspelt", lambda f=f: f((3, 4), dtype="flaot32"), [],
         Raises(TypeError, rf"^{fname}: dtype must be float32 or float64, got 'flaot32'$"))
    case(f"{fname}-dtype-int", lambda f=f: f((3, 4), dtype=int), [],
         Raises(TypeError, rf"^{fname}: dtype must be float32 or float64, got int64$"))
    case(f"{fname}-dtype-object", lambda f=f: f((3, 4), dtype=object), [],
         Raises(TypeError, rf"^{fname}: dtype must be float32 or float64, got object$"))
    case(f"{fname}-1d-shape", lambda f=f: f((3,)), [],
         Raises(ValueError, rf"^{fname}: shape must have at least 2 dimensions"))
    case(f"{fname}-zero-dim", lambda f=f: f((0, 3)), [],
         Raises(ValueError, rf"^{fname}: every dimension of shape must be >= 1, "
                            rf"got \(0, 3\)$"))
    case(f"{fname}-float-shape", lambda f=f: f((3.0, 4)), [],
         Raises(TypeError, rf"^{fname}: shape must be a tuple of ints, got \(3.0, 4\)$"))
    case(f"{fname}-rng", lambda f=f: f((3, 4), rng=0), [],
         Raises(TypeError, rf"^{fname}: rng must be a numpy.random.Generator or None, got int$"))
for fname in ("xavier_uniform", "xavier_normal", "orthogonal"):
    f = INITS[fname]
    for bad in (NAN, INF, 0.0):
        case(f"{fname}-gain={bad}", lambda v, f=f: f((3, 4), gain=v), [bad],
             Raises(ValueError, rf"^{fname}: gain must be (finite|in \(0, inf\]), "
                                rf"got (nan|inf|0)$"))
case("calculate_gain-unknown", lambda: init.calculate_gain("Relu"), [],
     Raises(ValueError, r"^calculate_gain: nonlinearity must be one of .*, got 'Relu'$"))
case("calculate_gain-slope-nan", lambda: init.calculate_gain("leaky_relu", NAN), [],
     Raises(ValueError, r"^calculate_gain: param \(the negative slope of 'leaky_relu'\) must "
                        r"be finite, got nan$"))
case("calculate_gain-slope-str", lambda: init.calculate_gain("leaky_relu", "0.1"), [],
     Raises(TypeError, r"^calculate_gain: param \(the negative slope of 'leaky_relu'\) must "
                       r"be a real number, got str$"))
case("calculate_gain-slope-1e200", lambda: init.calculate_gain("leaky_relu", 1e200), [],
     Equals(lambda: np.float64(math.sqrt(2.0) / 1e200), atol=0.0))
case("calculate_gain-huge-slope", lambda: init.calculate_gain("leaky_relu", 1e30), [],
     Equals(lambda: np.float64(torch.nn.init.calculate_gain("leaky_relu", 1e30))))
case("fan_in_and_fan_out-0d", lambda: init.fan_in_and_fan_out(()), [],
     Raises(ValueError, r"^fan_in_and_fan_out: shape must have at least 2 dimensions"))
case("fan_in_and_fan_out-conv", lambda: init.fan_in_and_fan_out((8, 3, 5, 5)), [],
     Equals(lambda: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(8, 3, 5, 5))))

# ------------------------------------------------------------------------------ batchnorm
XB = np.linspace(-3.0, 5.0, 24).reshape(6, 4)
G, BETA = np.array([1.0, 2.0, 0.5, -1.0]), np.array([0.0, 1.0, -1.0, 0.5])


def torch_bn(x, g, b, eps=1e-5):
    return F.batch_norm(tt(x), None, None, tt(g), tt(b), training=True, eps=eps).numpy()


def bn_y(x, g, b, eps=1e-5):
    return batchnorm.batchnorm_forward(x, g, b, eps)[0]


case("batchnorm_forward-strided", bn_y, [GRID[:, ::2].T.copy().T[:, :3], G[:3], BETA[:3]],
     Equals(torch_bn))
case("batchnorm_forward-huge", bn_y, [1e30 * XB, G, BETA], Equals(torch_bn))
case("batchnorm_forward-tiny", bn_y, [1e-30 * XB, G, BETA], Equals(torch_bn))
case("batchnorm_forward-offset", bn_y, [XB + 1e8, G, BETA],
     Equals(lambda x, g, b: torch_bn(x - 1e8, g, b), rtol=1e-7, atol=1e-7))
case("batchnorm_forward-constant", bn_y, [np.ones((5, 4)), G, BETA], Equals(torch_bn))
case("batchnorm_forward-eps-huge", lambda x, g, b: bn_y(x, g, b, 1e30), [XB, G, BETA],
     Equals(lambda x, g, b: torch_bn(x, g, b, 1e30)))
case("batchnorm_forward-lists", bn_y, [XB.tolist(), G.tolist(), BETA.tolist()],
     Equals(lambda x, g, b: torch_bn(np.array(x), np.array(g), np.array(b))))
case("batchnorm_forward-nan", bn_y, [np.where(XB > 4.5, NAN, XB), G, BETA],
     Equals(torch_bn, nonfinite=True))
case("batchnorm_forward-one-sample", batchnorm.batchnorm_forward, [XB[:1], G, BETA],
     Raises(ValueError, r"^batchnorm_forward: x must hold at least 2 samples \(rows\) when "
                        r"training, got shape \(1, 4\)"))
case("batchnorm_forward-empty", batchnorm.batchnorm_forward, [XB[:0], G, BETA],
     Raises(ValueError, r"^batchnorm_forward: x must hold at least 2 samples \(rows\) when "
                        r"training, got shape \(0, 4\)"))
case("batchnorm_forward-mixed", batchnorm.batchnorm_forward, [XB.astype(np.float32), G, BETA],
     Raises(TypeError, r"^batchnorm_forward: gamma must have the dtype of x \(float32\), "
                       r"got float64$"))
case("batchnorm_forward-3d", batchnorm.batchnorm_forward, [XB[None], G, BETA],
     Raises(ValueError, r"^batchnorm_forward: x must be 2-D, got shape \(1, 6, 4\)$"))
case("batchnorm_forward-gamma-shape", batchnorm.batchnorm_forward, [XB, G[:3], BETA],
     Raises(ValueError, r"^batchnorm_forward: gamma must have shape \(4,\), got \(3,\)$"))
case("batchnorm_forward-eps=0", lambda x, g, b: batchnorm.batchnorm_forward(x, g, b, 0.0),
     [XB, G, BETA], Raises(ValueError, r"^batchnorm_forward: eps must be in \(0, inf\], got 0$"))
case("batchnorm_forward-eps=nan", lambda x, g, b: batchnorm.batchnorm_forward(x, g, b, NAN),
     [XB, G, BETA],
     Raises(ValueError, r"^batchnorm_forward: eps must be in \(0, inf\], got nan$"))
case("batchnorm_forward-bool-x", bn_y, [np.eye(4, dtype=bool), G, BETA],
     Equals(lambda x, g, b: torch_bn(x.astype(np.float64), g, b)))
_, BN_CACHE = batchnorm.batchnorm_forward(XB, G, BETA)


def torch_bn_backward(dy):
    x = tt(XB).requires_grad_(True)
    g, b = tt(G).requires_grad_(True), tt(BETA).requires_grad_(True)
    y = F.batch_norm(x, None, None, g, b, training=True)
    return [t.numpy() for t in torch.autograd.grad(y, (x, g, b), tt(dy))]


for bw in (batchnorm.batchnorm_backward, batchnorm.batchnorm_backward_staged):
    name = bw.__name__
    case(f"{name}-huge-dy", lambda dy, bw=bw: bw(dy, BN_CACHE), [1e30 * XB],
         Equals(torch_bn_backward, rtol=1e-9, atol=1e-30 * 1e30 * 1e-2))
    case(f"{name}-strided-dy", lambda dy, bw=bw: bw(dy, BN_CACHE), [np.tile(XB, 2)[:, ::2]],
         Equals(torch_bn_backward, rtol=1e-9, atol=1e-12))
    case(f"{name}-mixed", lambda dy, bw=bw: bw(dy, BN_CACHE), [XB.astype(np.float32)],
         Raises(TypeError, rf"^{name}: dy must have the dtype of x \(float64\), got float32$"))
    case(f"{name}-shape", lambda dy, bw=bw: bw(dy, BN_CACHE), [XB[:3]],
         Raises(ValueError, rf"^{name}: dy must have shape \(6, 4\), got \(3, 4\)$"))
    case(f"{name}-cache", lambda dy, bw=bw: bw(dy, None), [XB],
         Raises(TypeError, rf"^{name}: cache must be the BatchNormCache from batchnorm_forward, "
                           rf"got NoneType$"))
case("BatchNorm1d-one-sample", lambda x: batchnorm.BatchNorm1d(4).forward(x), [XB[:1]],
     Raises(ValueError, r"^BatchNorm1d.forward: x must hold at least 2 samples \(rows\) when "
                        r"training, got shape \(1, 4\)"))
case("BatchNorm1d-eval-empty", lambda x: batchnorm.BatchNorm1d(4).eval().forward(x), [XB[:0]],
     Equals(lambda x: torch.nn.BatchNorm1d(4, dtype=torch.float64).eval()(tt(x)).detach()
            .numpy()))
case("BatchNorm1d-dtype-misspelt", lambda: batchnorm.BatchNorm1d(4, dtype="flaot64"), [],
     Raises(TypeError, r"^BatchNorm1d: dtype must be float32 or float64, got 'flaot64'$"))
case("BatchNorm1d-momentum", lambda: batchnorm.BatchNorm1d(4, momentum=1.5), [],
     Raises(ValueError, r"^BatchNorm1d: momentum must be in \[0, 1\], got 1.5$"))
case("BatchNorm1d-mixed", lambda x: batchnorm.BatchNorm1d(4).forward(x), [XB.astype(np.float32)],
     Raises(TypeError, r"^BatchNorm1d.forward: x must have the layer's dtype float64, "
                       r"got float32$"))

# ---------------------------------------------------------------------------------- optim
OPTIMIZERS = {"SGD": (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
              "Adagrad": (optim.Adagrad, torch.optim.Adagrad, {}),
              "RMSprop": (optim.RMSprop, torch.optim.RMSprop, {}),
              "RMSprop-centered": (optim.RMSprop, torch.optim.RMSprop,
                                   dict(centered=True, momentum=0.5)),
              "Adam": (optim.Adam, torch.optim.Adam, {}),
              "AdamW": (optim.AdamW, torch.optim.AdamW, dict(amsgrad=True)),
              "Nadam": (optim.Nadam, torch.optim.NAdam, {}),
              "Adamax": (optim.Adamax, torch.optim.Adamax, {})}


def optimizer_run(cls, kwargs, steps=3):
    def run(p, g):
        opt = cls([p], **kwargs)
        for _ in range(steps):
            opt.step([g])
        return p
    return run


def torch_optimizer_run(tcls, kwargs, steps=3):
    def run(p, g):
        t = tt(p)
        opt = tcls([t], foreach=False, **kwargs)
        for _ in range(steps):
            t.grad = tt(g)
            opt.step()
        return t.numpy()
    return run


P0 = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
for oname, (cls, tcls, kw) in OPTIMIZERS.items():
    run, ref = optimizer_run(cls, kw), torch_optimizer_run(tcls, kw)
    for gname, g in (("1e30", np.full((2, 3), 1e30)), ("1e-30", np.full((2, 3), 1e-30)),
                     ("1e300", np.full((2, 3), 1e300)), ("mixed-signs", 1e30 * P0)):
        for dt, tol in ((np.float64, dict(rtol=1e-10, atol=1e-12)),
                        (np.float32, dict(rtol=1e-5, atol=1e-6))):
            if dt == np.float32 and gname == "1e300":
                continue
            case(f"{oname}-grad={gname}-{np.dtype(dt).name}", run,
                 [P0.astype(dt), g.astype(dt)], Equals(ref, **tol, dtype=dt), stable=False,
                 mutates=(0,))
    case(f"{oname}-nan-grad", run, [P0.copy(), np.where(P0 > 0.5, NAN, 1.0)],
         Equals(ref, nonfinite=True), stable=False, mutates=(0,))
    case(f"{oname}-strided-grad", run, [P0.copy(), np.tile(P0, 2)[:, ::2]], Equals(ref),
         mutates=(0,))
    case(f"{oname}-list-grad", run, [P0.copy(), P0.tolist()],
         Equals(lambda p, g, ref=ref: ref(p, np.array(g))), mutates=(0,))
    case(f"{oname}-int-grad", run, [P0.copy(), np.ones((2, 3), dtype=int)],
         Equals(lambda p, g, ref=ref: ref(p, g.astype(float))), mutates=(0,))
    case(f"{oname}-float64-grad-for-float32", run,
         [P0.astype(np.float32), P0], Raises(TypeError, rf"^{cls.__name__}.step: grads\[0\] "
                                                        rf"must have the dtype of params\[0\] "
                                                        rf"\(float32\), got float64$"))
    case(f"{oname}-complex-grad", run, [P0.copy(), P0 + 0j],
         Raises(TypeError, rf"^{cls.__name__}.step: grads\[0\] must be a real array, "
                           rf"got dtype complex128$"))
    case(f"{oname}-object-grad", run, [P0.copy(), P0.astype(object)],
         Raises(TypeError, rf"^{cls.__name__}.step: grads\[0\] must be a real array, "
                           rf"got dtype object$"))
    case(f"{oname}-grad-shape", run, [P0.copy(), P0.T],
         Raises(ValueError, rf"^{cls.__name__}.step: grads\[0\] must have shape \(2, 3\) like "
                            rf"params\[0\], got \(3, 2\)$"))
    case(f"{oname}-readonly-param", lambda p, cls=cls: cls([p]), [readonly(P0)],
         Raises(ValueError, rf"^{cls.__name__}: params\[0\] is read-only; it must be updated "
                            rf"in place$"))
    case(f"{oname}-int-param", lambda p, cls=cls: cls([p]), [np.arange(3)],
         Raises(TypeError, rf"^{cls.__name__}: params\[0\] must be a float32 or float64 "
                           rf"ndarray \(updated in place\), got int64$"))
    case(f"{oname}-list-param", lambda p, cls=cls: cls([p]), [[1.0, 2.0]],
         Raises(TypeError, rf"^{cls.__name__}: params\[0\] must be a float32 or float64 "
                           rf"ndarray \(updated in place\), got list$"))
    for bad in (-1.0, NAN, INF):
        case(f"{oname}-lr={bad}", lambda p, v, cls=cls: cls([p], lr=v), [P0.copy(), bad],
             Raises(ValueError, rf"^{cls.__name__}: lr must be in \[0, inf\), "
                                rf"got (-1|nan|inf)$"))
    case(f"{oname}-lr=str", lambda p, cls=cls: cls([p], lr="0.1"), [P0.copy()],
         Raises(TypeError, rf"^{cls.__name__}: lr must be a real number, got str$"))
    case(f"{oname}-lr=1e30", optimizer_run(cls, dict(kw, lr=1e30)), [P0.copy(), P0.copy()],
         Equals(torch_optimizer_run(tcls, dict(kw, lr=1e30))), stable=False, mutates=(0,))
for cls in (optim.Adam, optim.AdamW, optim.Nadam, optim.Adamax):
    for i, b in ((0, 1.0), (1, -0.1), (0, NAN)):
        betas = (b, 0.999) if i == 0 else (0.9, b)
        case(f"{cls.__name__}-betas[{i}]={b}", lambda p, v, cls=cls: cls([p], betas=v),
             [P0.copy(), betas],
             Raises(ValueError, rf"^{cls.__name__}: betas\[{i}\] must be in \[0, 1\), "
                                rf"got (1|-0.1|nan)$"))
    case(f"{cls.__name__}-betas-scalar", lambda p, cls=cls: cls([p], betas=0.9), [P0.copy()],
         Raises(ValueError, rf"^{cls.__name__}: betas must be a pair \(beta1, beta2\), "
                            rf"got 0.9$"))
    case(f"{cls.__name__}-eps=-1", lambda p, cls=cls: cls([p], eps=-1.0), [P0.copy()],
         Raises(ValueError, rf"^{cls.__name__}: eps must be in \[0, inf\), got -1$"))
for cls, flag in ((optim.SGD, "nesterov"), (optim.RMSprop, "centered"), (optim.Adam, "amsgrad"),
                  (optim.AdamW, "amsgrad"), (optim.Nadam, "decoupled_weight_decay")):
    for bad in ("no", 1, None):
        case(f"{cls.__name__}-{flag}={bad!r}",
             lambda p, v, cls=cls, flag=flag: cls([p], lr=0.1, momentum=0.9, **{flag: v})
             if cls is optim.SGD else cls([p], **{flag: v}), [P0.copy(), bad],
             Raises(TypeError, rf"^{cls.__name__}: {flag} must be a bool, got {bad!r}$"))
case("SGD-nesterov-without-momentum", lambda p: optim.SGD([p], lr=0.1, nesterov=True),
     [P0.copy()], Raises(ValueError, r"^SGD: nesterov=True needs momentum > 0 and "
                                     r"dampening = 0, got momentum=0, dampening=0$"))
case("SGD-dampening=2", lambda p: optim.SGD([p], lr=0.1, dampening=2.0), [P0.copy()],
     Raises(ValueError, r"^SGD: dampening must be in \[0, 1\], got 2$"))
case("SGD-empty-params", lambda: optim.SGD([], lr=0.1), [],
     Raises(ValueError, r"^SGD: params is an empty list; pass the model's parameter arrays$"))
case("SGD-empty-param-array", optimizer_run(optim.SGD, dict(lr=0.1)),
     [np.zeros((0, 3)), np.zeros((0, 3))],
     Equals(torch_optimizer_run(torch.optim.SGD, dict(lr=0.1))), mutates=(0,))

# ------------------------------------------------------------------------------ schedules
SCHEDULES = {
    "step_lr": lambda lr0=0.1, step=5, step_size=2, gamma=0.5:
        schedules.step_lr(lr0, step, step_size, gamma),
    "exponential_lr": lambda lr0=0.1, step=5, gamma=0.5: schedules.exponential_lr(lr0, step, gamma),
    "linear_warmup": lambda lr0=0.1, step=5, warmup_steps=10:
        schedules.linear_warmup(lr0, step, warmup_steps),
    "one_cycle": lambda step=5, total_steps=10, max_lr=0.1, **kw:
        schedules.one_cycle(step, total_steps, max_lr, **kw),
    "triangular": lambda step=5, base_lr=0.01, max_lr=0.1, step_size_up=3:
        schedules.triangular(step, base_lr, max_lr, step_size_up),
}


def torch_schedule(make, n_steps):
    """The learning rate after ``n_steps`` scheduler steps, from PyTorch."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = make(opt)
    for _ in range(n_steps):
        opt.step()
        sched.step()
    return np.float64(sched.get_last_lr()[0])


lrs = torch.optim.lr_scheduler
case("exponential_lr-overflow", lambda: schedules.exponential_lr(1.0, 1100, 2.0), [],
     Equals(lambda: torch_schedule(lambda o: lrs.ExponentialLR(o, 2.0), 1100), nonfinite=True))
case("step_lr-overflow", lambda: schedules.step_lr(1.0, 40, 1, 1e10), [],
     Equals(lambda: torch_schedule(lambda o: lrs.StepLR(o, 1, 1e10), 40), nonfinite=True))
case("exponential_lr-underflow", lambda: schedules.exponential_lr(1.0, 2000, 0.5), [],
     Equals(lambda: torch_schedule(lambda o: lrs.ExponentialLR(o, 0.5), 2000)))
case("exponential_lr-huge-step", lambda: schedules.exponential_lr(1.0, 10**30, 0.5), [],
     Equals(lambda: np.float64(0.0)))
case("exponential_lr-lr0=0-overflow", lambda: schedules.exponential_lr(0.0, 2000, 2.0), [],
     Equals(lambda: np.float64(0.0)))
case("exponential_lr-gamma=0", lambda: schedules.exponential_lr(0.1, 3, 0.0), [],
     Equals(lambda: torch_schedule(lambda o: lrs.ExponentialLR(o, 0.0), 3) * 0.1))
case("one_cycle-past-the-end", lambda: schedules.one_cycle(11, 10, 0.1), [],
     Raises(ValueError, r"^one_cycle: step must be <= total_steps = 10, got 11$"))
case("one_cycle-three_phase-str", lambda: schedules.one_cycle(1, 10, 0.1, three_phase="no"), [],
     Raises(TypeError, r"^one_cycle: three_phase must be a bool, got 'no'$"))
for sname, f in SCHEDULES.items():
    for arg in [a for a in ("lr0", "max_lr", "base_lr") if a in f.__code__.co_varnames]:
        for bad in (-0.1, NAN, INF):
            case(f"{sname}-{arg}={bad}", lambda v, f=f, a=arg: f(**{a: v}), [bad],
                 Raises(ValueError, rf"^{sname}: {arg} must be in \[0, inf\), "
                                    rf"got (-0.1|nan|inf)$"))
        case(f"{sname}-{arg}=str", lambda f=f, a=arg: f(**{a: "0.1"}), [],
             Raises(TypeError, rf"^{sname}: {arg} must be a real number, got str$"))
    for bad, exc, msg in ((-1, ValueError, r"must be >= 0, got -1"),
                          (2.5, TypeError, r"must be an integer, got float"),
                          (True, TypeError, r"must be an integer, got bool"),
                          (np.array(3), TypeError, r"must be an integer, got ndarray")):
        case(f"{sname}-step={bad!r}", lambda v, f=f: f(step=v), [bad],
             Raises(exc, rf"^{sname}: step {msg}$"))
case("NewBob-nan-error", lambda: schedules.NewBob(0.1).step(NAN), [],
     Raises(ValueError, r"^NewBob.step: val_error must be in \[-inf, inf\], got nan$"))
case("NewBob-factor=1", lambda: schedules.NewBob(0.1, factor=1.0), [],
     Raises(ValueError, r"^NewBob: factor must be in \(0, 1\), got 1$"))
case("NewBob-lr0=inf", lambda: schedules.NewBob(INF), [],
     Raises(ValueError, r"^NewBob: lr0 must be in \[0, inf\), got inf$"))

# ------------------------------------------------------------------------------- clipping


def torch_clip_norm(gs, max_norm):
    ts = [torch.zeros_like(tt(g), requires_grad=True) for g in gs]
    for t, g in zip(ts, gs):
        t.grad = tt(g)
    total = torch.nn.utils.clip_grad_norm_(ts, max_norm)
    return [total.numpy()] + [t.grad.numpy() for t in ts]


def clip_norm(gs, max_norm):
    total = clipping.clip_grad_norm(gs, max_norm)
    return [np.asarray(total)] + gs


case("clip_grad_norm-1e30-float64", clip_norm, [[np.full(3, 1e30), np.full(2, -1e30)], 1.0],
     Equals(torch_clip_norm), mutates=(0,))
case("clip_grad_norm-1e200", clip_norm, [[np.full(3, 1e200)], 1.0],
     Equals(lambda gs, m: [np.float64(np.sqrt(3) * 1e200), np.full(3, 1 / np.sqrt(3))]),
     mutates=(0,))
case("clip_grad_norm-1e30-float32", clip_norm,
     [[np.full(3, 1e30, np.float32)], 1.0],
     Equals(lambda gs, m: [np.float32(np.sqrt(3) * 1e30), np.full(3, 1 / np.sqrt(3))],
            rtol=1e-6, atol=1e-7), mutates=(0,))
case("clip_grad_norm-1e-30", clip_norm, [[np.full(3, 1e-30)], 1.0], Equals(torch_clip_norm),
     mutates=(0,))
case("clip_grad_norm-empty-grad", clip_norm, [[np.zeros((0, 3)), np.ones(2)], 1.0],
     Equals(torch_clip_norm), mutates=(0,))
case("clip_grad_norm-nan", clip_norm, [[np.array([NAN, 1.0])], 1.0],
     Equals(torch_clip_norm, nonfinite=True), mutates=(0,))
case("clip_grad_norm-mixed", clip_norm, [[np.ones(3, np.float32), np.ones(2)], 1.0],
     Raises(TypeError, r"^clip_grad_norm: grads\[1\] must have the dtype of grads\[0\] "
                       r"\(float32\), got float64$"))
case("clip_grad_norm-readonly", clip_norm, [[readonly(np.ones(3))], 1.0],
     Raises(ValueError, r"^clip_grad_norm: grads\[0\] is read-only; it must be clipped in "
                        r"place$"))
case("clip_grad_norm-int", clip_norm, [[np.ones(3, dtype=int)], 1.0],
     Raises(TypeError, r"^clip_grad_norm: grads\[0\] must be a float32 or float64 ndarray "
                       r"\(clipped in place\), got int64$"))
case("clip_grad_norm-max_norm=nan", clip_norm, [[np.ones(3)], NAN],
     Raises(ValueError, r"^clip_grad_norm: max_norm must be in \[0, inf\], got nan$"))
case("clip_grad_value-readonly", clipping.clip_grad_value, [[readonly(np.ones(3))], 1.0],
     Raises(ValueError, r"^clip_grad_value: grads\[0\] is read-only; it must be clipped in "
                        r"place$"))
case("clip_grad_value-nan", lambda gs, c: (clipping.clip_grad_value(gs, c), gs)[1],
     [[np.array([NAN, 5.0, -5.0])], 1.0],
     Equals(lambda gs, c: [torch.clamp(tt(gs[0]), -c, c).numpy()], nonfinite=True),
     mutates=(0,))
case("clip_grad_value-clip=nan", clipping.clip_grad_value, [[np.ones(3)], NAN],
     Raises(ValueError, r"^clip_grad_value: clip_value must be in \[0, inf\], got nan$"))

# ------------------------------------------------------------------------- regularization


def torch_renorm(w, r):
    return torch.renorm(t64(w), 2, 0, r).numpy().astype(np.asarray(w).dtype)


case("max_norm-zero-rows", regularization.max_norm, [np.zeros((0, 5)), 1.0], Equals(torch_renorm))
case("max_norm-zero-cols", regularization.max_norm, [np.zeros((3, 0)), 1.0], Equals(torch_renorm))
case("max_norm-huge32", regularization.max_norm, [np.full((2, 3), 1e30, np.float32), 1.0],
     Equals(torch_renorm, rtol=1e-6, atol=1e-7, dtype=np.float32))
case("max_norm-huge64", regularization.max_norm, [np.full((2, 3), 1e200), 1.0],
     Equals(lambda w, r: np.full((2, 3), 1 / np.sqrt(3))))
case("max_norm-tiny", regularization.max_norm, [np.full((2, 3), 1e-30), 1.0], Equals(torch_renorm))
case("max_norm-strided", regularization.max_norm, [GRID[:, ::2], 1.0], Equals(torch_renorm))
case("max_norm-conv", regularization.max_norm, [GRID.reshape(2, 3, 4), 2.0], Equals(torch_renorm))
case("max_norm-nan", regularization.max_norm, [np.array([[NAN, 1.0]]), 1.0],
     Raises(ValueError, r"^max_norm: W must be finite, got 1 NaN or infinite value\(s\)$"))
case("max_norm-1d", regularization.max_norm, [np.ones(3), 1.0],
     Raises(ValueError, r"^max_norm: W must be at least 2-D \(rows = units\), got shape \(3,\)$"))
case("max_norm-inf-radius", regularization.max_norm, [np.ones((2, 2)), INF],
     Raises(ValueError, r"^max_norm: max_value must be in \[0, inf\), got inf$"))


def dropout_y(x, p, training=True):
    return regularization.dropout(x, p, training, rng=np.random.default_rng(0))[0]


case("dropout-p=0", lambda x: dropout_y(x, 0.0), [GRID], Equals(lambda x: x))
case("dropout-eval", lambda x: dropout_y(x, 0.9, False), [GRID], Equals(lambda x: x))
case("dropout-huge", lambda x: dropout_y(x, 0.5) * 0, [1e300 * GRID],
     Equals(lambda x: np.zeros_like(x)))
case("dropout-empty", lambda x: dropout_y(x, 0.5), [np.zeros((0, 3))],
     Equals(lambda x: np.zeros((0, 3))))
case("dropout-p=1", lambda x: dropout_y(x, 1.0), [GRID],
     Raises(ValueError, r"^dropout: p must be in \[0, 1\), got 1$"))
case("dropout-p=nan", lambda x: dropout_y(x, NAN), [GRID],
     Raises(ValueError, r"^dropout: p must be in \[0, 1\), got nan$"))
case("dropout-training-str", lambda x: dropout_y(x, 0.5, "yes"), [GRID],
     Raises(TypeError, r"^dropout: training must be a bool, got str$"))
case("dropout-complex", lambda x: dropout_y(x, 0.5), [CPLX], dtype_error("dropout", "x",
                                                                         "complex128"))
case("dropout_backward-mask-shape", regularization.dropout_backward, [GRID, np.ones((4, 5))],
     Raises(ValueError, r"^dropout_backward: mask must have the shape of dy \(4, 6\), "
                        r"got \(4, 5\)$"))
case("l2_penalty-huge", regularization.l2_penalty, [[np.full(2, 1e150)], 1.0],
     Equals(lambda ws, lam: [np.float64(1e300), np.full(2, 1e150)]))
case("l2_penalty-nan-lam", regularization.l2_penalty, [[GRID], NAN],
     Raises(ValueError, r"^l2_penalty: lam must be in \[0, inf\), got nan$"))
case("l1_penalty-array-not-list", regularization.l1_penalty, [GRID, 0.1],
     Raises(TypeError, r"^l1_penalty: weights must be a list of arrays \(wrap a single array "
                       r"as \[W\]\), got ndarray$"))
case("l1_penalty-mixed", regularization.l1_penalty,
     [[GRID.astype(np.float32), GRID], 0.5],
     Equals(lambda ws, lam: [np.float64(lam * 2 * np.abs(GRID).sum()),
                             lam * np.sign(GRID), lam * np.sign(GRID)], rtol=1e-6))


def restore(saved, target):
    stopper = regularization.EarlyStopping(patience=2)
    stopper.step(1.0, params=saved)
    stopper.restore(target)
    return target


case("EarlyStopping.restore-wrong-shape", restore, [[np.ones((2, 3))], [np.zeros(3)]],
     Raises(ValueError, r"^EarlyStopping.restore: params\[0\] must have the saved shape \(2, 3\) "
                        r"and dtype float64, got shape \(3,\) and dtype float64$"))
case("EarlyStopping.restore-wrong-dtype", restore,
     [[np.ones(3)], [np.zeros(3, np.float32)]],
     Raises(ValueError, r"^EarlyStopping.restore: params\[0\] must have the saved shape \(3,\) "
                        r"and dtype float64, got shape \(3,\) and dtype float32$"))
case("EarlyStopping.restore-readonly", restore, [[np.ones(3)], [readonly(np.zeros(3))]],
     Raises(TypeError, r"^EarlyStopping.restore: params\[0\] must be a writeable ndarray "
                       r"\(restored in place\), got a read-only array$"))
case("EarlyStopping.restore-count", restore, [[np.ones(3)], [np.zeros(3), np.zeros(3)]],
     Raises(ValueError, r"^EarlyStopping.restore: params must hold 1 arrays, got 2$"))
case("EarlyStopping.restore-ok", restore, [[np.ones(3)], [np.zeros(3)]],
     Equals(lambda s, t: [np.ones(3)]), mutates=(1,))
case("EarlyStopping-nan-metric", lambda: regularization.EarlyStopping(1).step(NAN), [],
     Equals(lambda: np.True_))                   # a NaN never improves: patience 1 is used up
case("EarlyStopping-metric-str", lambda: regularization.EarlyStopping(1).step("0.5"), [],
     Raises(TypeError, r"^EarlyStopping.step: metric must be a real number, got str$"))
case("EarlyStopping-mode", lambda: regularization.EarlyStopping(1, mode="minimum"), [],
     Raises(ValueError, r"^EarlyStopping: mode must be one of 'min', 'max', got 'minimum'$"))
case("EarlyStopping-patience", lambda: regularization.EarlyStopping(-1), [],
     Raises(ValueError, r"^EarlyStopping: patience must be >= 0, got -1$"))

# ---------------------------------------------------------------------- whitening, mixture
XW = np.random.default_rng(3).standard_normal((30, 4)) @ np.array(
    [[2.0, 0.3, 0.0, 0.1], [0.0, 1.0, 0.5, 0.0], [0.0, 0.0, 0.7, 0.2], [0.0, 0.0, 0.0, 0.3]])


def sk_pca(n_components=None, whiten=False):
    return lambda X: SkPCA(n_components, whiten=whiten, svd_solver="full").fit_transform(X)


case("PCA-whiten-str", lambda X: whitening.PCA(whiten="no").fit(X), [XW],
     Raises(TypeError, r"^PCA.fit: whiten must be a bool, got 'no'$"))
case("PCA-whiten-int", lambda X: whitening.PCA(whiten=1).fit(X), [XW],
     Raises(TypeError, r"^PCA.fit: whiten must be a bool, got 1$"))
case("PCA-fewer-samples-than-features", lambda X: whitening.PCA(whiten=True).fit_transform(X)
     [:, :3], [XW[:4].T.copy()], Equals(lambda X: sk_pca(whiten=True)(X)[:, :3]))
case("PCA-huge", lambda X: whitening.PCA().fit_transform(X), [1e150 * XW],
     Equals(sk_pca(), rtol=1e-9, atol=1e140))
case("PCA-tiny", lambda X: whitening.PCA(whiten=True).fit_transform(X), [1e-150 * XW],
     Equals(sk_pca(whiten=True), rtol=1e-9, atol=1e-9))
case("PCA-strided", lambda X: whitening.PCA().fit_transform(X), [np.tile(XW, 2)[:, ::2]],
     Equals(sk_pca(), rtol=1e-9, atol=1e-12))
case("PCA-float32", lambda X: whitening.PCA().fit_transform(X), [XW.astype(np.float32)],
     Equals(sk_pca(), rtol=1e-5, atol=1e-5, dtype=np.float32))
case("PCA-lists", lambda X: whitening.PCA().fit_transform(X), [XW.tolist()],
     Equals(lambda X: sk_pca()(np.array(X)), rtol=1e-9, atol=1e-12))
case("PCA-nan", lambda X: whitening.PCA().fit(X), [np.where(XW > 2, NAN, XW)],
     Raises(ValueError, r"^PCA.fit: X must be finite, got \d+ NaN or infinite value\(s\)$"))
case("PCA-one-sample", lambda X: whitening.PCA().fit(X), [XW[:1]],
     Raises(ValueError, r"^PCA.fit: X must have at least 2 samples \(rows\), got shape \(1, 4\)$"))
case("PCA-1d", lambda X: whitening.PCA().fit(X), [XW[0]],
     Raises(ValueError, r"^PCA.fit: X must be 2-D, got shape \(4,\)$"))
case("PCA-n_components", lambda X: whitening.PCA(5).fit(X), [XW],
     Raises(ValueError, r"^PCA.fit: n_components must be in \[1, min\(n_samples, n_features\)\]"
                        r" = \[1, 4\], got 5$"))
case("PCA-eps-nan", lambda X: whitening.PCA(eps=NAN).fit(X), [XW],
     Raises(ValueError, r"^PCA.fit: eps must be in \[0, inf\), got nan$"))
case("PCA-transform-empty", lambda X: whitening.PCA().fit(XW).transform(X), [XW[:0]],
     Raises(ValueError, r"^PCA.transform: X must have at least 1 samples \(rows\), "
                        r"got shape \(0, 4\)$"))
case("PCA-transform-mixed", lambda X: whitening.PCA().fit(XW).transform(X),
     [XW[:3].astype(np.float32)],
     Equals(lambda X: SkPCA(svd_solver="full").fit(XW).transform(X.astype(np.float64)),
            rtol=1e-5, atol=1e-5, dtype=np.float32))
case("ZCA-huge", lambda X: whitening.ZCA(eps=0.0).fit(X).transform(X), [1e150 * XW],
     Equals(lambda X: whitening.ZCA(eps=0.0).fit(XW).transform(XW), rtol=1e-8, atol=1e-9))
case("ZCA-nan", lambda X: whitening.ZCA().fit(X), [np.where(XW > 2, INF, XW)],
     Raises(ValueError, r"^ZCA.fit: X must be finite, got \d+ NaN or infinite value\(s\)$"))
case("ZCA-eps-inf", lambda X: whitening.ZCA(eps=INF).fit(X), [XW],
     Raises(ValueError, r"^ZCA.fit: eps must be in \[0, inf\), got inf$"))
case("ZCA-complex", lambda X: whitening.ZCA().fit(X), [XW + 0j],
     dtype_error("ZCA.fit", "X", "complex128"))

XG = np.vstack([XW[:15] - 4.0, XW[15:] + 4.0])


def gm(**kw):
    return mixture.GaussianMixture(2, rng=np.random.default_rng(0), **kw)


for arg, good in (("means_init", np.array([[-4.0] * 4, [4.0] * 4])),
                  ("weights_init", np.array([0.5, 0.5])),
                  ("precisions_init", np.stack([np.eye(4)] * 2))):
    for bad in (NAN, INF):
        value = good.copy()
        value.flat[0] = bad
        case(f"GaussianMixture-{arg}-{bad}", lambda X, v, a=arg: gm(**{a: v}).fit(X), [XG, value],
             Raises(ValueError, rf"^GaussianMixture.fit: {arg} must be finite, got 1 NaN or "
                                rf"infinite value\(s\)$"))
    case(f"GaussianMixture-{arg}-complex", lambda X, v, a=arg: gm(**{a: v}).fit(X),
         [XG, good + 0j], dtype_error("GaussianMixture.fit", arg, "complex128"))
FITTED = gm().fit(XG)
for method in ("score", "score_samples", "predict", "predict_proba"):
    case(f"GaussianMixture.{method}-empty", lambda X, m=method: getattr(FITTED, m)(X), [XG[:0]],
         Raises(ValueError, rf"^GaussianMixture.{method}: X must hold at least one sample, "
                            rf"got shape \(0, 4\)$"))
    case(f"GaussianMixture.{method}-nan", lambda X, m=method: getattr(FITTED, m)(X),
         [np.where(XG > 5, NAN, XG)],
         Raises(ValueError, rf"^GaussianMixture.{method}: X must be finite, got \d+ NaN or "
                            rf"infinite value\(s\)$"))
    case(f"GaussianMixture.{method}-features", lambda X, m=method: getattr(FITTED, m)(X),
         [XG[:, :3]], Raises(ValueError, rf"^GaussianMixture.{method}: X has 3 features, but the "
                                         rf"model was fitted with 4 features$"))
case("GaussianMixture.score-strided", FITTED.score, [np.tile(XG, 2)[:, ::2]],
     Equals(lambda X: np.float64(FITTED.score(np.ascontiguousarray(X))), rtol=1e-13))
case("GaussianMixture.score-float32", FITTED.score, [XG.astype(np.float32)],
     Equals(lambda X: np.float64(FITTED.score(X.astype(np.float64))), rtol=1e-13))
case("GaussianMixture.score-far", FITTED.score, [np.full((2, 4), 1e100)],
     Equals(lambda X: np.float64(FITTED.score(np.full((2, 4), 1e100))), rtol=1e-12))
case("GaussianMixture.bic-0d", FITTED.bic, [np.array(1.0)],
     Raises(ValueError, r"^GaussianMixture.score: X must be 2-D, got shape \(\)$"))
case("GaussianMixture-n_components-str", lambda X: mixture.GaussianMixture("2").fit(X), [XG],
     Raises(TypeError, r"^GaussianMixture.fit: n_components must be an integer, got str$"))
case("GaussianMixture-covariance_type", lambda X: mixture.GaussianMixture(
    2, covariance_type="tied").fit(X), [XG],
     Raises(ValueError, r"^GaussianMixture.fit: covariance_type must be one of 'full', 'diag', "
                        r"'spherical', got 'tied'$"))
case("GaussianMixture-tol-nan", lambda X: gm(tol=NAN).fit(X), [XG],
     Raises(ValueError, r"^GaussianMixture.fit: tol must be in \[0, inf\], got nan$"))
case("GaussianMixture-too-few", lambda X: gm().fit(X), [XG[:1]],
     Raises(ValueError, r"^GaussianMixture.fit: expected n_samples >= max\(2, n_components\), "
                        r"got n_components = 2, n_samples = 1$"))

# --------------------------------------------------------------------------------- data
XD, YD = np.arange(20.0).reshape(10, 2), np.arange(10)
case("minibatches-empty", lambda X, y: list(data.minibatches(X, y, 4, shuffle=False)),
     [XD[:0], YD[:0]], Equals(lambda X, y: []))
case("minibatches-readonly", lambda X, y: [b for b in data.minibatches(X, y, 4, shuffle=False)],
     [readonly(XD), readonly(YD)],
     Equals(lambda X, y: [(X[:4], y[:4]), (X[4:8], y[4:8]), (X[8:], y[8:])]))
case("minibatches-batch_size=0", lambda X, y: list(data.minibatches(X, y, 0)), [XD, YD],
     Raises(ValueError, r"^minibatches: batch_size must be >= 1, got 0$"))
case("minibatches-length", lambda X, y: list(data.minibatches(X, y, 2)), [XD, YD[:5]],
     Raises(ValueError, r"^minibatches: X and y must have the same length, got 10 and 5$"))
case("train_test_split-fraction=1", lambda X, y: data.train_test_split(X, y, 1.0), [XD, YD],
     Raises(ValueError, r"^train_test_split: test_fraction must be in \(0, 1\), got 1"))
case("train_test_split-fraction=nan", lambda X, y: data.train_test_split(X, y, NAN), [XD, YD],
     Raises(ValueError, r"^train_test_split: test_fraction must be in \(0, 1\), got nan"))
case("train_test_split-fraction=str", lambda X, y: data.train_test_split(X, y, "0.2"), [XD, YD],
     Raises(TypeError, r"^train_test_split: test_fraction must be a real number, got str$"))
case("load_digits-dtype-int", lambda: data.load_digits(dtype=int), [],
     Raises(TypeError, r"^load_digits: dtype must be float32 or float64, got int64$"))

# --------------------------------------------------------------------------- reference
case("assert_close-inf-vs-finite", reference.assert_close, [np.array([1.0]), np.array([INF])],
     Raises(AssertionError, r"differ in an infinity"))
case("to_torch-object", reference.to_torch, [OBJ],
     Raises(TypeError, r"^to_torch: a must hold numbers \(bool, integer, float or complex\), "
                       r"got dtype object$"))
case("to_torch-readonly", lambda a: reference.to_numpy(reference.to_torch(a, "cpu")),
     [readonly(GRID[:, ::2])], Equals(lambda a: a))
case("tolerances-int", reference.tolerances, [np.int64],
     Raises(TypeError, r"^tolerances: dtype must be float32 or float64, got int64$"))

# ---------------------------------------------------------------------- graph, forward
case("Value-relu-nan", lambda: graph.Value(NAN).relu().data, [],
     Equals(lambda: torch.relu(t64(NAN)).numpy(), nonfinite=True))
case("Dual-relu-nan", lambda: forward_mode.Dual(NAN, 1.0).relu().value, [],
     Equals(lambda: torch.relu(t64(NAN)).numpy(), nonfinite=True))
for first, second in ((1.0, NAN), (NAN, 1.0)):
    case(f"maximum-{first}-{second}", lambda: graph.maximum(graph.Value(first),
                                                            graph.Value(second)).data, [],
         Equals(lambda: torch.maximum(t64(first), t64(second)).numpy(), nonfinite=True))
    case(f"maximum-dual-{first}-{second}", lambda: graph.maximum(forward_mode.Dual(first),
                                                                 forward_mode.Dual(second)).value,
         [], Equals(lambda: torch.maximum(t64(first), t64(second)).numpy(), nonfinite=True))
for cls in (graph.Value, forward_mode.Dual):
    name = cls.__name__
    case(f"{name}-ndarray", lambda v, cls=cls: cls(v), [np.array([1.0])],
         Raises(TypeError, rf"^{name}: (data|value) must be a real number, got ndarray$"))
    case(f"{name}-bool", lambda v, cls=cls: cls(v), [True],
         Raises(TypeError, rf"^{name}: (data|value) must be a real number, got bool$"))
case("Value-exp-overflow", lambda: graph.Value(1e4).exp().data, [],
     Equals(lambda: torch.exp(t64(1e4)).numpy(), nonfinite=True))
case("Value-tanh-huge", lambda: graph.Value(1e30).tanh().data, [],
     Equals(lambda: torch.tanh(t64(1e30)).numpy()))
case("Value-sigmoid-huge", lambda: graph.Value(-1e30).sigmoid().data, [],
     Equals(lambda: torch.sigmoid(t64(-1e30)).numpy()))
for fname in ("topological_order", "draw", "count_operations"):
    case(f"{fname}-not-a-Value", getattr(graph, fname), [3.0],
         Raises(TypeError, rf"^{fname}: root must be a Value, got float$"))
case("Dropout-p=1.5", lambda: regularization.Dropout(1.5), [],
     Raises(ValueError, r"^Dropout: p must be in \[0, 1\), got 1.5$"))
case("Dropout-forward-complex", lambda x: regularization.Dropout(0.5).forward(x), [CPLX],
     dtype_error("dropout", "x", "complex128"))
case("Dropout-eval-strided", lambda x: regularization.Dropout(0.5).eval().forward(x),
     [GRID[:, ::2]], Equals(lambda x: x))
case("to_numpy-tensor", reference.to_numpy, [torch.arange(3.0)],
     Equals(lambda t: np.arange(3.0)))
case("Value-log-negative", lambda: graph.Value(-1.0).log(), [],
     Raises(ValueError, r"^Value.log: argument must be positive, got -1$"))
case("Dual-log-zero", lambda: forward_mode.Dual(0.0, 1.0).log(), [],
     Raises(ValueError, r"^Dual.log: argument must be positive, got 0$"))

IDS = [c.id for c in CASES]
assert len(set(IDS)) == len(IDS), [i for i in IDS if IDS.count(i) > 1]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_input(case):
    run_case(case)


def _readonly_variant(c: Case) -> Case:
    def freeze(a):
        if isinstance(a, np.ndarray):
            return readonly(a)
        if isinstance(a, list) and all(isinstance(x, np.ndarray) for x in a):
            return [readonly(x) for x in a]
        return a
    args = tuple(a if i in c.mutates else freeze(a) for i, a in enumerate(c.args))
    return Case(c.id + "-readonly", c.call, args, c.expect, c.stable, c.mutates)


READONLY = [_readonly_variant(c) for c in CASES if isinstance(c.expect, Equals)
            and any(isinstance(a, np.ndarray) for a in c.args)]


@pytest.mark.parametrize("case", READONLY, ids=[c.id for c in READONLY])
def test_bad_input_read_only(case):
    """The same equality cases with every input that is not updated in place read-only."""
    run_case(case)


def test_the_suite_can_fail():
    """Each outcome catches a wrong answer: a wrong value, a silent NaN, a mutated input, an
    escaped warning and a vague message all fail."""
    wrong = [Case("value", lambda z: z + 1e-8, [GRID], Equals(lambda z: z)),
             Case("nan", lambda z: z * NAN, [GRID], Equals(lambda z: z * NAN)),
             Case("mutates", lambda z: z.__imul__(1.0 + 1e-8), [GRID.copy()], Equals(lambda z: z)),
             Case("warns", lambda z: np.exp(z * 1e3), [GRID], Equals(lambda z: np.exp(z * 1e3),
                                                                     nonfinite=True)),
             Case("vague", lambda z: np.float64("x"), [GRID],
                  Raises(ValueError, r"^sigmoid: z must")),
             Case("silent", lambda z: z, [GRID], Raises(ValueError, ".*"))]
    for c in wrong:
        with pytest.raises((AssertionError, RuntimeWarning)):
            run_case(c)
