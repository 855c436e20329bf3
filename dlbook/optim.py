"""Gradient-descent optimizers with PyTorch's exact update rules (chapter 6,
:ref:`ch-optim`).

Every optimizer holds a list of parameter arrays and updates them **in place**
when ``opt.step(grads)`` is called with one gradient per parameter.  The update
rules, the defaults, the per-parameter state (``opt.state[i]``, with PyTorch's
key names) and the validation messages are those of the ``torch.optim`` class of
the same name, operation by operation, so the iterates agree with PyTorch's
``foreach=False`` path to rounding (PyTorch's vectorized CPU kernels fuse some
multiply-adds, NumPy does not: the differences are a few units in the last place
per step).  ``opt.lr`` may be changed between steps.

The schedule functions of :mod:`dlbook.schedules` and the clipping functions of
:mod:`dlbook.clipping` are re-exported here, so ``optim.step_lr`` and
``optim.clip_grad_norm`` work as well.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_bool, check_real
from .clipping import clip_grad_norm, clip_grad_value  # noqa: F401 (re-export)
from .schedules import (  # noqa: F401  (re-exported)
    NewBob, exponential_lr, linear_warmup, one_cycle, step_lr, triangular)

# The re-exported schedule and clipping names are documented in their own
# modules.
__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Nadam",
           "Adamax"]


def _nonneg(value, name: str, where: str) -> float:
    """Return ``value`` as a float after checking that it is finite and ``>= 0``
    (PyTorch's range, which also lets infinity through)."""
    return check_real(value, name, where, low=0.0, high=math.inf,
                      high_inclusive=False)


def _betas(betas, where: str) -> tuple[float, float]:
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{where}: betas must be a pair (beta1, beta2), got "
                         f"{betas!r}")
    return tuple(check_real(b, f"betas[{i}]", where, low=0.0, high=1.0,
                            high_inclusive=False) for i, b in enumerate(betas))


def _lerp_(m: np.ndarray, g: np.ndarray, w: float, tmp: np.ndarray) -> None:
    """``m.lerp_(g, w)`` in place, with ATen's two branches (``tmp`` is
    scratch)."""
    np.subtract(g, m, out=tmp)
    if abs(w) < 0.5:                      # m + w (g - m)
        tmp *= w
        m += tmp
    else:                                 # g - (g - m)(1 - w)
        tmp *= 1.0 - w
        np.subtract(g, tmp, out=m)


class Optimizer:
    """Base class: a list of parameters, a learning rate and per-parameter
    state.

    Parameters
    ----------
    params : list of ndarray
        Float32/float64 arrays that :meth:`step` updates in place (the model's
        own arrays).
    lr : float
        Learning rate, ``>= 0``; may be reassigned between steps
        (``opt.lr = 0.01``).

    Notes
    -----
    Plays the role of ``torch.optim.Optimizer`` with a single parameter group.  ``state[i]``
    is a dict holding the buffers of parameter ``i`` under PyTorch's names
    (``"momentum_buffer"``, ``"exp_avg"``, ``"exp_avg_sq"`` ...); ``steps`` counts the
    calls of :meth:`step`.
    """

    def __init__(self, params, lr: float):
        where = type(self).__name__
        if isinstance(params, np.ndarray):
            params = [params]
        params = list(params)
        if not params:
            raise ValueError(f"{where}: params is an empty list; pass the "
                             "model's parameter arrays")
        for i, p in enumerate(params):
            if (not isinstance(p, np.ndarray)
                    or p.dtype not in (np.float32, np.float64)):
                got = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"{where}: params[{i}] must be a float32 or "
                                "float64 ndarray "
                                f"(updated in place), got {got}")
            if not p.flags.writeable:
                raise ValueError(f"{where}: params[{i}] is read-only; it must "
                                 "be updated in place")
        self.params = params
        self.lr = lr
        self.state: list[dict] = [{} for _ in params]
        self.steps = 0
        # scratch, one per parameter
        self._tmp = [np.empty_like(p) for p in params]
        # further scratch, made on demand
        self._work: list[dict] = [{} for _ in params]

    @property
    def lr(self) -> float:
        """The learning rate used by the next :meth:`step`."""
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = _nonneg(value, "lr", type(self).__name__)

    def _check_grads(self, grads) -> list[np.ndarray]:
        where = f"{type(self).__name__}.step"
        if isinstance(grads, np.ndarray):
            grads = [grads]
        grads = list(grads)
        if len(grads) != len(self.params):
            raise ValueError(f"{where}: expected {len(self.params)} gradients "
                             f"(one per parameter), got {len(grads)}")
        out = []
        for i, (g, p) in enumerate(zip(grads, self.params)):
            g = np.asarray(g)
            if g.dtype.kind not in "fiu":
                raise TypeError(f"{where}: grads[{i}] must be a real array, "
                                f"got dtype {g.dtype}")
            if g.shape != p.shape:
                raise ValueError(f"{where}: grads[{i}] must have shape "
                                 f"{p.shape} like params[{i}], got {g.shape}")
            if g.dtype.kind == "f" and g.dtype != p.dtype:
                raise TypeError(f"{where}: grads[{i}] must have the dtype of "
                                f"params[{i}] ({p.dtype}), got {g.dtype}")
            out.append(g.astype(p.dtype, copy=False))
        return out

    def _scratch(self, i: int, key: str) -> np.ndarray:
        """A work array shaped like parameter ``i``, allocated once."""
        buf = self._work[i].get(key)
        if buf is None:
            buf = self._work[i][key] = np.empty_like(self.params[i])
        return buf

    def _decayed(self, i: int, g: np.ndarray,
                 weight_decay: float) -> np.ndarray:
        """Return ``g + weight_decay * p`` (L2 penalty in the gradient) without
        touching ``g``."""
        if weight_decay == 0.0:
            return g
        buf = self._scratch(i, "grad")
        np.multiply(self.params[i], weight_decay, out=buf)
        buf += g
        return buf

    def step(self, grads) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list of ndarray
            One gradient per parameter, same shapes as ``params`` (not
            modified).
        """
        grads = self._check_grads(grads)
        self.steps += 1
        # Overflow to inf and underflow to 0 are IEEE results that PyTorch
        # returns silently.
        with np.errstate(over="ignore", under="ignore"):
            for i, (p, g) in enumerate(zip(self.params, grads)):
                self._update(i, p, g, self._tmp[i])

    def _update(self, i, p, g, tmp):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        name, n = type(self).__name__, len(self.params)
        return f"{name}(lr={self.lr:g}, {n} parameters)"


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum and weight
    decay.

    With :math:`g_t` the gradient, :math:`\lambda` the weight decay, :math:`\mu`
    the momentum, :math:`\tau` the dampening and :math:`\eta` the learning rate:

    .. math::

        g_t &\leftarrow g_t + \lambda w_{t-1} \\
        b_t &= \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
        d_t &= g_t + \mu b_t \ \text{(Nesterov)} \quad\text{or}\quad d_t = b_t \\
        w_t &= w_{t-1} - \eta d_t

    Parameters
    ----------
    params : list of ndarray
        Arrays updated in place.
    lr : float, default 0.001
        Learning rate :math:`\eta` (PyTorch's default since 2.6).
    momentum : float, default 0.0
        Momentum factor :math:`\mu`.
    nesterov : bool, default False
        Use Nesterov's accelerated gradient (needs ``momentum > 0`` and
        ``dampening == 0``).
    weight_decay : float, default 0.0
        L2 penalty :math:`\lambda` added to the gradient.
    dampening : float, default 0.0
        Dampening :math:`\tau` of the momentum.

    Notes
    -----
    Equals ``torch.optim.SGD``.  Polyak's heavy ball and the lecture form
    :math:`m \leftarrow \beta m + \eta\nabla J(w);\ w \leftarrow w - m` keep the learning
    rate inside the buffer; PyTorch keeps it outside (:math:`m = \eta b`): the iterates are
    identical while :math:`\eta` is constant and differ after an lr change.  Nesterov's
    look-ahead form evaluates the gradient at :math:`w - \beta m`; PyTorch's form follows
    the look-ahead point itself (:math:`w' = w - \beta m`), which needs only the gradient
    at the current parameters and gives the same sequence of look-ahead points.

    References
    ----------
    Polyak, B. T. (1964). Some methods of speeding up the convergence of iteration methods.
    Nesterov, Y. (1983). A method for solving the convex programming problem with
    convergence rate O(1/k^2).  Sutskever, I. et al. (2013). On the importance of
    initialization and momentum in deep learning.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0,
                 nesterov: bool = False,
                 weight_decay: float = 0.0, dampening: float = 0.0):
        super().__init__(params, lr)
        where = type(self).__name__
        self.momentum = _nonneg(momentum, "momentum", where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        self.dampening = check_real(dampening, "dampening", where, low=0.0,
                                    high=1.0)
        self.nesterov = check_bool(nesterov, "nesterov", where)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(f"{where}: nesterov=True needs momentum > 0 and "
                             f"dampening = 0, got momentum={self.momentum:g}, "
                             f"dampening={self.dampening:g}")

    def _update(self, i, p, g, tmp):
        d = self._decayed(i, g, self.weight_decay)
        if self.momentum != 0:
            buf = self.state[i].get("momentum_buffer")
            if buf is None:
                buf = self.state[i]["momentum_buffer"] = d.copy()
            else:
                buf *= self.momentum
                if self.dampening == 0:
                    buf += d
                else:
                    np.multiply(d, 1.0 - self.dampening, out=tmp)
                    buf += tmp
            if self.nesterov:
                np.multiply(buf, self.momentum, out=tmp)
                tmp += d
                d = tmp
            else:
                d = buf
        np.multiply(d, -self.lr, out=tmp)
        p += tmp


class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate steps divided by the root of the summed squared
    gradients.

    .. math::

        g_t &\leftarrow g_t + \lambda w_{t-1}, \qquad
        \tilde\eta_t = \frac{\eta}{1 + (t - 1)\,\delta} \\
        s_t &= s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\
        w_t &= w_{t-1} - \tilde\eta_t \, \frac{g_t}{\sqrt{s_t} + \epsilon}

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.01
    eps : float, default 1e-10
        Added to :math:`\sqrt{s_t}` (outside the root).
    lr_decay : float, default 0.0
        :math:`\delta` above.
    weight_decay : float, default 0.0
    initial_accumulator_value : float, default 0.0

    Notes
    -----
    Equals ``torch.optim.Adagrad``.  Because :math:`s_t` only grows, the effective step
    shrinks like :math:`1/\sqrt{t}` and training can stall before a minimum is reached.

    References
    ----------
    Duchi, J., Hazan, E. and Singer, Y. (2011). Adaptive subgradient methods for online
    learning and stochastic optimization.
    """

    def __init__(self, params, lr: float = 1e-2, eps: float = 1e-10,
                 lr_decay: float = 0.0,
                 weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0):
        super().__init__(params, lr)
        where = type(self).__name__
        self.lr_decay = _nonneg(lr_decay, "lr_decay", where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        init = _nonneg(initial_accumulator_value, "initial_accumulator_value",
                       where)
        self.eps = _nonneg(eps, "eps", where)
        for st, p in zip(self.state, self.params):
            st["sum"] = np.full_like(p, init)

    def _update(self, i, p, g, tmp):
        g = self._decayed(i, g, self.weight_decay)
        clr = self.lr / (1 + (self.steps - 1) * self.lr_decay)
        s = self.state[i]["sum"]
        np.multiply(g, g, out=tmp)
        s += tmp
        std = self._scratch(i, "std")
        np.sqrt(s, out=std)
        std += self.eps
        np.multiply(g, -clr, out=tmp)
        tmp /= std
        p += tmp


class RMSprop(Optimizer):
    r"""RMSprop: steps divided by the root of a running mean of squared
    gradients.

    .. math::

        g_t &\leftarrow g_t + \lambda w_{t-1} \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
        \bar g_t &= \alpha \bar g_{t-1} + (1 - \alpha) g_t \ \text{(centered only)}, \qquad
        \sigma_t = \sqrt{v_t - \bar g_t^2} \ \text{or}\ \sqrt{v_t} \\
        b_t &= \mu b_{t-1} + \frac{g_t}{\sigma_t + \epsilon}, \qquad w_t = w_{t-1} - \eta b_t
        \quad(\mu > 0) \\
        w_t &= w_{t-1} - \eta \frac{g_t}{\sigma_t + \epsilon} \quad(\mu = 0)

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.01
    alpha : float, default 0.99
        Decay :math:`\alpha` of the running mean of :math:`g^2`.
    eps : float, default 1e-8
        Added to :math:`\sigma_t` (outside the root).
    momentum : float, default 0.0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of
        its RMS.
    weight_decay : float, default 0.0

    Notes
    -----
    Equals ``torch.optim.RMSprop``.  Hinton's lecture puts :math:`\epsilon` inside the root
    and uses :math:`\alpha = 0.9`; TensorFlow/Keras also put it inside.

    References
    ----------
    Tieleman, T. and Hinton, G. (2012). Lecture 6.5, rmsprop: divide the gradient by a
    running average of its recent magnitude.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8,
                 momentum: float = 0.0, centered: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        where = type(self).__name__
        self.eps = _nonneg(eps, "eps", where)
        self.momentum = _nonneg(momentum, "momentum", where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        self.alpha = _nonneg(alpha, "alpha", where)
        self.centered = check_bool(centered, "centered", where)
        for st, p in zip(self.state, self.params):
            st["square_avg"] = np.zeros_like(p)
            if self.momentum > 0:
                st["momentum_buffer"] = np.zeros_like(p)
            if self.centered:
                st["grad_avg"] = np.zeros_like(p)

    def _update(self, i, p, g, tmp):
        st = self.state[i]
        g = self._decayed(i, g, self.weight_decay)
        v = st["square_avg"]
        v *= self.alpha
        np.multiply(g, 1 - self.alpha, out=tmp)
        tmp *= g
        v += tmp
        avg = self._scratch(i, "avg")
        if self.centered:
            ga = st["grad_avg"]
            _lerp_(ga, g, 1 - self.alpha, tmp)
            if p.dtype == np.float32:
                # v - ga**2 with one rounding, as PyTorch's fused multiply-add:
                # a float64 product cannot overflow where the float32 one would
                # (v = inf then gives inf, not inf - inf = NaN).
                wide = v.astype(np.float64)
                wide -= np.square(ga, dtype=np.float64)
                # one rounding to float32, then the root
                avg[...] = wide
                np.sqrt(avg, out=avg)
            else:
                np.multiply(ga, ga, out=tmp)
                with np.errstate(invalid="ignore"):
                    np.subtract(v, tmp, out=avg)
                # inf - inf: PyTorch's fused value, inf
                avg[np.isposinf(v)] = np.inf
                np.sqrt(avg, out=avg)
        else:
            np.sqrt(v, out=avg)
        avg += self.eps
        if self.momentum > 0:
            buf = st["momentum_buffer"]
            buf *= self.momentum
            np.divide(g, avg, out=tmp)
            buf += tmp
            np.multiply(buf, -self.lr, out=tmp)
        else:
            np.multiply(g, -self.lr, out=tmp)
            tmp /= avg
        p += tmp


class Adam(Optimizer):
    r"""Adam: bias-corrected running means of the gradient and of its square.

    .. math::

        g_t &\leftarrow g_t + \lambda w_{t-1} \quad\text{(AdamW instead: }
        w_{t-1} \leftarrow (1 - \eta\lambda) w_{t-1}) \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        w_t &= w_{t-1} - \frac{\eta}{1 - \beta_1^t}\,
        \frac{m_t}{\sqrt{v_t}/\sqrt{1 - \beta_2^t} + \epsilon}

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
        Decay rates :math:`\beta_1, \beta_2` in [0, 1).
    eps : float, default 1e-8
        Added to the bias-corrected root :math:`\sqrt{\hat v_t}` (outside the
        root).
    weight_decay : float, default 0.0
        L2 penalty added to the gradient (coupled), as ``torch.optim.Adam``.
    amsgrad : bool, default False
        Divide by the running maximum of :math:`v_t` (Reddi et al., 2018).

    Notes
    -----
    Equals ``torch.optim.Adam`` to rounding.  The paper writes :math:`\hat m_t /
    (\sqrt{\hat v_t} + \epsilon)` with :math:`\hat m_t = m_t / c_1`,
    :math:`\hat v_t = v_t / c_2^2`, :math:`c_1 = 1-\beta_1^t`,
    :math:`c_2 = \sqrt{1-\beta_2^t}`: the same thing as
    :math:`(c_2/c_1)\, m_t / (\sqrt{v_t} + c_2\epsilon)`, which is what the code
    computes, with both corrections in the step size (PyTorch folds only the first),
    in twelve in-place passes over the parameter and one scratch array.

    References
    ----------
    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic optimization.
    """

    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, lr)
        where = type(self).__name__
        self.eps = _nonneg(eps, "eps", where)
        self.betas = _betas(betas, where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        self.amsgrad = check_bool(amsgrad, "amsgrad", where)
        for st, p in zip(self.state, self.params):
            st["exp_avg"], st["exp_avg_sq"] = np.zeros_like(p), np.zeros_like(p)
            if self.amsgrad:
                st["max_exp_avg_sq"] = np.zeros_like(p)

    def _update(self, i, p, g, tmp):
        st, (beta1, beta2), t = self.state[i], self.betas, self.steps
        if self.weight_decay != 0 and self._decoupled:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay != 0:
            g = self._decayed(i, g, self.weight_decay)
        m, v = st["exp_avg"], st["exp_avg_sq"]
        # m = beta1 m + (1 - beta1) g
        np.multiply(g, 1 - beta1, out=tmp)
        m *= beta1
        m += tmp
        # v = beta2 v + (1 - beta2) g^2
        np.square(g, out=tmp)
        tmp *= 1 - beta2
        v *= beta2
        v += tmp
        if self.amsgrad:
            np.maximum(st["max_exp_avg_sq"], v, out=st["max_exp_avg_sq"])
            v = st["max_exp_avg_sq"]
        # with c1 = 1 - beta1^t and c2 = sqrt(1 - beta2^t),
        # (m / c1) / (sqrt(v) / c2 + eps) = (c2 / c1) m / (sqrt(v) + c2 eps):
        # both corrections go into the step size, five passes instead of six
        c1, c2 = 1 - beta1 ** t, (1 - beta2 ** t) ** 0.5
        np.sqrt(v, out=tmp)
        tmp += c2 * self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= -self.lr * c2 / c1
        p += tmp


class AdamW(Adam):
    r"""Adam with decoupled weight decay.

    .. math::

        w_{t-1} \leftarrow (1 - \eta\lambda)\, w_{t-1}, \quad\text{then the Adam step of }
        :class:`Adam` \text{ with } \lambda = 0 \text{ in the gradient.}

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.001
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0.01
        Decoupled decay :math:`\lambda`: the weights shrink by
        :math:`\eta\lambda` per step whatever the gradient.
    amsgrad : bool, default False

    Notes
    -----
    Equals ``torch.optim.AdamW``.  The paper scales the decay by a schedule multiplier
    :math:`\eta_t` only; PyTorch (and dlbook) multiplies by the learning rate.

    References
    ----------
    Loshchilov, I. and Hutter, F. (2019). Decoupled weight decay regularization.
    """

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class Nadam(Optimizer):
    r"""Nadam: Adam with Nesterov momentum and PyTorch's momentum-decay
    schedule.

    .. math::

        \mu_t &= \beta_1\,(1 - \tfrac12\, 0.96^{\,t\psi}), \qquad
        \Pi_t = \prod_{i \le t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
        d_t = \sqrt{v_t / (1 - \beta_2^t)} + \epsilon \\
        w_t &= w_{t-1} - \eta \frac{1 - \mu_t}{1 - \Pi_t} \frac{g_t}{d_t}
        - \eta \frac{\mu_{t+1}}{1 - \Pi_t \mu_{t+1}} \frac{m_t}{d_t}

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.002
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
        Added outside the root.
    weight_decay : float, default 0.0
    momentum_decay : float, default 0.004
        :math:`\psi` above.
    decoupled_weight_decay : bool, default False
        Shrink the weights by :math:`1 - \eta\lambda` (as AdamW) instead of
        adding :math:`\lambda w` to the gradient.

    Notes
    -----
    Equals ``torch.optim.NAdam``.  Like PyTorch, the running product :math:`\Pi_t` is kept
    in float32 (PyTorch's default scalar dtype), so the trajectories agree to rounding.
    With ``momentum_decay=0`` every :math:`\mu_t = \beta_1/2`; Dozat's report uses a
    constant :math:`\mu = \beta_1`.

    References
    ----------
    Dozat, T. (2016). Incorporating Nesterov momentum into Adam.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, lr)
        where = type(self).__name__
        self.eps = _nonneg(eps, "eps", where)
        self.betas = _betas(betas, where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        self.momentum_decay = _nonneg(momentum_decay, "momentum_decay", where)
        self.decoupled_weight_decay = check_bool(
            decoupled_weight_decay, "decoupled_weight_decay", where)
        for st, p in zip(self.state, self.params):
            st["exp_avg"], st["exp_avg_sq"] = np.zeros_like(p), np.zeros_like(p)
            st["mu_product"] = np.float32(1.0)

    def _update(self, i, p, g, tmp):
        st, (beta1, beta2) = self.state[i], self.betas
        t, lr = float(self.steps), self.lr
        bias_correction2 = 1 - beta2 ** t
        if self.weight_decay != 0 and self.decoupled_weight_decay:
            p *= 1 - lr * self.weight_decay
        elif self.weight_decay != 0:
            g = self._decayed(i, g, self.weight_decay)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * self.momentum_decay)))
        mu_next = beta1 * (
            1.0 - 0.5 * (0.96 ** ((t + 1) * self.momentum_decay)))
        st["mu_product"] = np.float32(st["mu_product"] * np.float32(mu))
        mu_product = float(st["mu_product"])
        m, v = st["exp_avg"], st["exp_avg_sq"]
        _lerp_(m, g, 1 - beta1, tmp)
        v *= beta2
        np.multiply(g, 1 - beta2, out=tmp)
        tmp *= g
        v += tmp
        denom = self._scratch(i, "denom")
        np.divide(v, bias_correction2, out=denom)
        np.sqrt(denom, out=denom)
        denom += self.eps
        np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
        tmp /= denom
        p += tmp
        np.multiply(m, -lr * mu_next / (1.0 - mu_product * mu_next), out=tmp)
        tmp /= denom
        p += tmp


class Adamax(Optimizer):
    r"""AdaMax: Adam with the second moment replaced by an exponentially
    weighted max norm.

    .. math::

        g_t &\leftarrow g_t + \lambda w_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
        u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
        w_t &= w_{t-1} - \frac{\eta}{1 - \beta_1^t} \frac{m_t}{u_t}

    Parameters
    ----------
    params : list of ndarray
    lr : float, default 0.002
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
        Added to :math:`|g_t|` inside the max (the paper has no :math:`\epsilon`).
    weight_decay : float, default 0.0

    Notes
    -----
    Equals ``torch.optim.Adamax``.  :math:`u_t` needs no bias correction: it is the
    limit :math:`p \to \infty` of Adam's :math:`L^p` moment.

    References
    ----------
    Kingma, D. P. and Ba, J. (2015). Adam: a method for stochastic optimization, section 7.
    """

    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999),
                 eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        where = type(self).__name__
        self.eps = _nonneg(eps, "eps", where)
        self.betas = _betas(betas, where)
        self.weight_decay = _nonneg(weight_decay, "weight_decay", where)
        for st, p in zip(self.state, self.params):
            st["exp_avg"], st["exp_inf"] = np.zeros_like(p), np.zeros_like(p)

    def _update(self, i, p, g, tmp):
        st, (beta1, beta2) = self.state[i], self.betas
        g = self._decayed(i, g, self.weight_decay)
        m, u = st["exp_avg"], st["exp_inf"]
        _lerp_(m, g, 1 - beta1, tmp)
        u *= beta2
        np.abs(g, out=tmp)
        tmp += self.eps
        np.maximum(u, tmp, out=u)
        clr = self.lr / (1 - beta1 ** self.steps)
        np.multiply(m, -clr, out=tmp)
        tmp /= u
        p += tmp
