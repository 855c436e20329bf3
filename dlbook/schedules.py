"""Learning-rate schedules as plain functions of the step index (chapter 6,
:ref:`ch-optim`).

Each function returns the learning rate to use at step (or epoch)
``step = 0, 1, 2, ...`` and equals, to rounding, the sequence
``scheduler.get_last_lr()[0]`` that the named ``torch.optim.lr_scheduler`` class
produces when ``scheduler.step()`` is called once per step.  PyTorch updates
most of them multiplicatively ("chainable" form), so its values carry a few
units of rounding in the last place that the closed forms here do not.
:class:`NewBob` is the one stateful schedule: it reacts to the validation error.
"""

from __future__ import annotations

import math

from ._validation import (check_bool, check_choice, check_positive_int,
                          check_real)

__all__ = ["step_lr", "exponential_lr", "linear_warmup", "one_cycle",
           "triangular", "NewBob"]


def _step(step, where: str) -> int:
    return check_positive_int(step, "step", where, minimum=0)


def _lr(value, name: str, where: str) -> float:
    """A finite learning rate ``>= 0``."""
    return check_real(value, name, where, low=0.0, high=math.inf,
                      high_inclusive=False)


def _decay(lr0: float, gamma: float, power: int) -> float:
    """``lr0 * gamma ** power``; inf where the power overflows, as PyTorch's
    repeated multiplication gives (Python's ``**`` raises ``OverflowError``
    instead)."""
    try:
        factor = gamma ** power
    except OverflowError:
        factor = math.inf
    return 0.0 if lr0 == 0.0 else lr0 * factor


def step_lr(lr0: float, step: int, step_size: int, gamma: float = 0.1) -> float:
    r"""Step decay: multiply the learning rate by ``gamma`` every ``step_size``
    steps.

    .. math::

        \eta_t = \eta_0\, \gamma^{\lfloor t / s \rfloor}

    Parameters
    ----------
    lr0 : float
        Initial learning rate :math:`\eta_0`.
    step : int
        Step or epoch index :math:`t \ge 0`.
    step_size : int
        Period :math:`s` of the decay.
    gamma : float, default 0.1
        Decay factor.

    Returns
    -------
    float
        :math:`\eta_t`.

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)``.
    """
    where = "step_lr"
    lr0 = _lr(lr0, "lr0", where)
    step = _step(step, where)
    step_size = check_positive_int(step_size, "step_size", where)
    gamma = _lr(gamma, "gamma", where)
    return _decay(lr0, gamma, step // step_size)


def exponential_lr(lr0: float, step: int, gamma: float) -> float:
    r"""Exponential decay: multiply the learning rate by ``gamma`` at every
    step.

    .. math::

        \eta_t = \eta_0\, \gamma^{t}

    Parameters
    ----------
    lr0 : float
        Initial learning rate.
    step : int
        Step index :math:`t \ge 0`.
    gamma : float
        Decay factor per step, e.g. 0.95.

    Returns
    -------
    float

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.ExponentialLR(opt, gamma)``.
    """
    where = "exponential_lr"
    lr0 = _lr(lr0, "lr0", where)
    step = _step(step, where)
    gamma = _lr(gamma, "gamma", where)
    return _decay(lr0, gamma, step)


def linear_warmup(lr0: float, step: int, warmup_steps: int) -> float:
    r"""Linear warm-up from :math:`\eta_0 / W` to :math:`\eta_0` over
    ``warmup_steps`` steps.

    .. math::

        \eta_t = \eta_0 \min\!\left(1, \frac{t + 1}{W}\right)

    Parameters
    ----------
    lr0 : float
        Target learning rate :math:`\eta_0`, reached at step :math:`W - 1` and
        kept after.
    step : int
        Step index :math:`t \ge 0`.
    warmup_steps : int
        :math:`W \ge 1`; ``1`` means no warm-up.

    Returns
    -------
    float

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.LinearLR(opt, start_factor=1/W, end_factor=1.0,
    total_iters=W-1)`` (for :math:`W \ge 2`).  Goyal et al. (2017) warm up over the first
    5 epochs when training with large mini-batches.

    References
    ----------
    Goyal, P. et al. (2017). Accurate, large minibatch SGD: training ImageNet in 1 hour.
    """
    where = "linear_warmup"
    lr0 = _lr(lr0, "lr0", where)
    step = _step(step, where)
    warmup_steps = check_positive_int(warmup_steps, "warmup_steps", where)
    return lr0 * min(1.0, (step + 1) / warmup_steps)


def one_cycle(step: int, total_steps: int, max_lr: float,
              pct_start: float = 0.3,
              anneal_strategy: str = "cos", div_factor: float = 25.0,
              final_div_factor: float = 1e4,
              three_phase: bool = False) -> float:
    r"""The 1cycle policy: warm up to ``max_lr``, then anneal far below the
    start.

    With :math:`\eta_\text{init} = \eta_\max / d`,
    :math:`\eta_\min = \eta_\text{init} / f`, :math:`T_1 = p\,T - 1` and
    :math:`T_2 = T - 1` (two phases):

    .. math::

        \eta_t = \begin{cases}
        A(\eta_\text{init}, \eta_\max, t / T_1) & t \le T_1 \\
        A(\eta_\max, \eta_\min, (t - T_1) / (T_2 - T_1)) & \text{otherwise}
        \end{cases}, \qquad
        A(a, b, x) = b + \frac{a - b}{2} (1 + \cos \pi x)

    (or :math:`A(a, b, x) = a + (b - a) x` for ``anneal_strategy="linear"``).

    Parameters
    ----------
    step : int
        Step index, :math:`0 \le t \le T`.
    total_steps : int
        :math:`T`, the number of steps of the cycle.
    max_lr : float
        Peak learning rate :math:`\eta_\max`.
    pct_start : float, default 0.3
        Fraction :math:`p` of the cycle spent increasing the learning rate.
    anneal_strategy : {"cos", "linear"}, default "cos"
    div_factor : float, default 25.0
        :math:`d` above.
    final_div_factor : float, default 1e4
        :math:`f` above.
    three_phase : bool, default False
        Symmetric up/down phases (to :math:`\eta_\text{init}` at
        :math:`2pT - 2`) followed by the annihilation phase down to
        :math:`\eta_\min`.

    Returns
    -------
    float

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.OneCycleLR(opt, max_lr, total_steps=T, ...)`` with the
    same arguments, operation by operation (PyTorch also cycles the momentum, which is not
    modelled here).

    References
    ----------
    Smith, L. N. and Topin, N. (2019). Super-convergence: very fast training of neural
    networks using large learning rates.
    """
    where = "one_cycle"
    total_steps = check_positive_int(total_steps, "total_steps", where)
    step = _step(step, where)
    if step > total_steps:
        raise ValueError(f"{where}: step must be <= total_steps = "
                         f"{total_steps}, got {step}")
    max_lr = _lr(max_lr, "max_lr", where)
    pct_start = check_real(pct_start, "pct_start", where, low=0.0, high=1.0)
    check_choice(anneal_strategy, "anneal_strategy", where, ("cos", "linear"))
    three_phase = check_bool(three_phase, "three_phase", where)
    div_factor = check_real(div_factor, "div_factor", where, low=0.0,
                            low_inclusive=False,
                            high=math.inf, high_inclusive=False)
    final_div_factor = check_real(final_div_factor, "final_div_factor", where,
                                  low=0.0,
                                  low_inclusive=False, high=math.inf,
                                  high_inclusive=False)
    initial = max_lr / div_factor
    lrs = {"initial": initial, "max": max_lr, "min": initial / final_div_factor}
    if three_phase:
        phases = [(float(pct_start * total_steps) - 1, "initial", "max"),
                  (float(2 * pct_start * total_steps) - 2, "max", "initial"),
                  (total_steps - 1, "initial", "min")]
    else:
        phases = [(float(pct_start * total_steps) - 1, "initial", "max"),
                  (total_steps - 1, "max", "min")]
    start_step = 0.0
    for i, (end_step, start, end) in enumerate(phases):
        if step <= end_step or i == len(phases) - 1:
            pct = (step - start_step) / (end_step - start_step)
            a, b = lrs[start], lrs[end]
            if anneal_strategy == "cos":
                return b + (a - b) / 2.0 * (math.cos(math.pi * pct) + 1)
            return (b - a) * pct + a
        start_step = end_step
    raise AssertionError("unreachable")  # pragma: no cover


def triangular(step: int, base_lr: float, max_lr: float,
               step_size_up: int = 2000,
               step_size_down: int | None = None) -> float:
    r"""Triangular cyclical learning rate: linear ramps between ``base_lr`` and
    ``max_lr``.

    With cycle length :math:`L = s_\uparrow + s_\downarrow`,
    :math:`c = \lfloor 1 + t/L \rfloor`, :math:`x = 1 + t/L - c` and
    :math:`r = s_\uparrow / L`:

    .. math::

        \eta_t = \eta_\text{base} + (\eta_\max - \eta_\text{base})
        \begin{cases} x / r & x \le r \\ (x - 1)/(r - 1) & x > r \end{cases}

    Parameters
    ----------
    step : int
        Step index :math:`t \ge 0`.
    base_lr, max_lr : float
        Bottom and top of the triangle.
    step_size_up : int, default 2000
        Steps of the increasing half, :math:`s_\uparrow`.
    step_size_down : int, optional
        Steps of the decreasing half (default: ``step_size_up``).

    Returns
    -------
    float

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.CyclicLR(opt, base_lr, max_lr, step_size_up,
    step_size_down, mode="triangular")``.

    References
    ----------
    Smith, L. N. (2017). Cyclical learning rates for training neural networks.
    """
    where = "triangular"
    step = _step(step, where)
    base_lr = _lr(base_lr, "base_lr", where)
    max_lr = _lr(max_lr, "max_lr", where)
    up = float(check_positive_int(step_size_up, "step_size_up", where))
    down = up if step_size_down is None else float(
        check_positive_int(step_size_down, "step_size_down", where))
    total = up + down
    ratio = up / total
    cycle = math.floor(1 + step / total)
    x = 1.0 + step / total - cycle
    scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    return base_lr + (max_lr - base_lr) * scale


class NewBob:
    r""""New bob": halve the learning rate whenever the validation error stops
    improving.

    After each epoch call :meth:`step` with the validation error; the learning
    rate is multiplied by ``factor`` when the error is not below the best error
    so far by a relative margin ``threshold``:

    .. math::

        \eta \leftarrow \begin{cases} \eta & e < e_\text{best}(1 - \theta) \\
        \max(\phi\, \eta, \eta_\min) & \text{otherwise} \end{cases}

    Parameters
    ----------
    lr0 : float
        Initial learning rate.
    factor : float, default 0.5
        :math:`\phi` in (0, 1).
    threshold : float, default 0.0
        Relative improvement :math:`\theta` that counts as progress.
    min_lr : float, default 0.0
        Floor :math:`\eta_\min`.

    Notes
    -----
    Equals ``torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=factor,
    patience=0, threshold=threshold, threshold_mode="rel", cooldown=0, min_lr=min_lr)``,
    including its rule of ignoring reductions smaller than ``1e-8``.  The name comes from
    the ICSI speech-recognition toolkit, which halved the rate once the frame error rate
    improved by less than a threshold.
    """

    def __init__(self, lr0: float, factor: float = 0.5, threshold: float = 0.0,
                 min_lr: float = 0.0):
        where = "NewBob"
        self.lr = _lr(lr0, "lr0", where)
        self.factor = check_real(factor, "factor", where, low=0.0, high=1.0,
                                 low_inclusive=False, high_inclusive=False)
        self.threshold = check_real(threshold, "threshold", where, low=0.0)
        self.min_lr = _lr(min_lr, "min_lr", where)
        self.best = math.inf

    def step(self, val_error: float) -> float:
        """Record one epoch's validation error and return the learning rate for
        the next.

        Parameters
        ----------
        val_error : float
            Validation error (or loss) of the epoch just finished.

        Returns
        -------
        float
            The (possibly reduced) learning rate.
        """
        val_error = check_real(val_error, "val_error", "NewBob.step")
        if val_error < self.best * (1.0 - self.threshold):
            self.best = val_error
        else:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > 1e-8:
                self.lr = new_lr
        return self.lr
