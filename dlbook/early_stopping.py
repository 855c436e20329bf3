r"""Early stopping on a validation metric (chapter 7, :ref:`ch-regularization`).

Re-exported by :mod:`dlbook.regularization`; import it from there.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

from ._validation import check_choice, check_positive_int, check_real

__all__ = ["EarlyStopping"]


class EarlyStopping:
    r"""Stop training when a validation metric has not improved for ``patience``
    evaluations.

    Call :meth:`step` after every evaluation (an epoch, or every few hundred
    updates) with the validation metric.  An evaluation *improves* when

    .. math::
       \text{mode="min"}:\; m < m_\text{best} - \delta, \qquad
       \text{mode="max"}:\; m > m_\text{best} + \delta,

    with :math:`\delta` = ``min_delta``; the first evaluation always improves.
    After an improvement ``num_bad_steps`` is reset to 0, otherwise it grows by
    1, and :meth:`step` returns True (stop) once
    ``num_bad_steps >= max(patience, 1)``, i.e. after the ``patience``-th
    consecutive evaluation without improvement (an improving evaluation never
    stops).

    Parameters
    ----------
    patience : int
        Number of evaluations without improvement that are tolerated, ``>= 0``
        (0 stops at the first evaluation that does not improve).
    min_delta : float, default 0.0
        Smallest change that counts as an improvement, ``>= 0``.
    mode : {"min", "max"}, default "min"
        "min" for losses and error rates, "max" for accuracies.

    Attributes
    ----------
    best : float
        Best metric so far (``inf`` for "min", ``-inf`` for "max" before the
        first step).
    best_step : int
        Index (0-based) of the :meth:`step` call that gave ``best``; -1 before
        the first step.
    best_params : object or None
        A deep copy of the ``params`` passed with the best metric (None if never
        passed): later in-place updates of the model's arrays do not change it.
    num_bad_steps : int
        Evaluations since the last improvement.
    steps : int
        Number of :meth:`step` calls so far.

    Notes
    -----
    PyTorch has no early-stopping class; this follows the logic of
    ``pytorch_lightning.callbacks.EarlyStopping`` and Keras' ``EarlyStopping`` with
    ``restore_best_weights=True`` (a NaN metric never improves).  Early stopping acts like an
    L2 penalty whose strength falls as training goes on :cite:p:`goodfellow2016deep`; the
    stopping criteria are compared in :cite:t:`prechelt1998early`.

    References
    ----------
    L. Prechelt (1998), Early stopping -- but when?
    """

    def __init__(self, patience: int, min_delta: float = 0.0,
                 mode: str = "min"):
        self.patience = check_positive_int(patience, "patience",
                                           "EarlyStopping", minimum=0)
        self.min_delta = check_real(min_delta, "min_delta", "EarlyStopping",
                                    low=0.0, high=np.inf,
                                    high_inclusive=False)
        self.mode = check_choice(mode, "mode", "EarlyStopping", ("min", "max"))
        self.best = np.inf if mode == "min" else -np.inf
        self.best_step = -1
        self.best_params = None
        self.num_bad_steps = 0
        self.steps = 0

    def _improves(self, metric: float) -> bool:
        if self.best_step < 0:
            return not np.isnan(metric)
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric: float, params=None) -> bool:
        """Record one evaluation; return True when training should stop.

        Parameters
        ----------
        metric : float
            The validation metric of this evaluation.
        params : list of ndarray, optional
            The model's parameters; deep-copied into :attr:`best_params` when
            ``metric`` is the best so far.

        Returns
        -------
        bool
            ``num_bad_steps >= max(patience, 1)``.
        """
        if (isinstance(metric, (bool, np.bool_))
                or not isinstance(metric, numbers.Real)):
            raise TypeError("EarlyStopping.step: metric must be a real "
                            f"number, got {type(metric).__name__}")
        metric = float(metric)
        if self._improves(metric):
            self.best = metric
            self.best_step = self.steps
            self.num_bad_steps = 0
            if params is not None:
                self.best_params = copy.deepcopy(params)
        else:
            self.num_bad_steps += 1
        self.steps += 1
        return self.num_bad_steps >= max(self.patience, 1)

    def restore(self, params) -> None:
        """Copy :attr:`best_params` back into the arrays ``params`` in place
        (restore the model).

        Parameters
        ----------
        params : list of ndarray
            The model's own arrays, in the order they were passed to
            :meth:`step`.
        """
        where = "EarlyStopping.restore"
        if self.best_params is None:
            raise RuntimeError(f"{where}: no parameters were saved; pass "
                               "params to step()")
        if isinstance(params, np.ndarray):
            params = [params]
        if isinstance(self.best_params, np.ndarray):
            saved_list = [self.best_params]
        else:
            saved_list = list(self.best_params)
        params = list(params)
        if len(params) != len(saved_list):
            raise ValueError(f"{where}: params must hold {len(saved_list)} "
                             f"arrays, got {len(params)}")
        for i, (p, saved) in enumerate(zip(params, saved_list)):
            if not isinstance(p, np.ndarray) or not p.flags.writeable:
                got = ("a read-only array" if isinstance(p, np.ndarray)
                       else type(p).__name__)
                raise TypeError(f"{where}: params[{i}] must be a writeable "
                                f"ndarray (restored in place), got {got}")
            saved = np.asarray(saved)
            if p.shape != saved.shape or p.dtype != saved.dtype:
                raise ValueError(f"{where}: params[{i}] must have the saved "
                                 "shape "
                                 f"{saved.shape} and dtype {saved.dtype}, got "
                                 f"shape {p.shape} and dtype {p.dtype}")
        for p, saved in zip(params, saved_list):
            np.copyto(p, saved)
