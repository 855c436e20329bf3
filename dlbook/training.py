r"""Define / compile / fit: a compact training loop for dlbook models (chapter 9, :ref:`ch-frameworks`).

Keras's three steps with dlbook's layers:

1. **define** a :class:`Sequential` of layers (:class:`~dlbook.nn.Linear`,
   :class:`Activation`, :class:`~dlbook.regularization.Dropout`,
   :class:`~dlbook.batchnorm.BatchNorm1d`, or any object with ``forward``/``backward``);
2. **compile** it with a loss, an optimizer from :mod:`dlbook.optim` built on
   ``model.params()``, and metrics;
3. **fit** it: epochs of mini-batches, validation after every epoch, callbacks
   (:class:`EarlyStoppingCallback` around :class:`~dlbook.early_stopping.EarlyStopping`,
   :class:`LearningRateScheduler` around the functions of :mod:`dlbook.schedules`), and a
   :class:`History` of every epoch's numbers.

In a notebook, :meth:`Sequential.fit` shows one line of progress that it updates every epoch
through an IPython display handle and clears at the end, so stored outputs hold no numbers
from it (and nbval compares nothing that depends on timing or rounding).
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Callable, Iterable

import numpy as np

from . import activations, losses
from ._validation import (
    as_float_array,
    check_choice,
    check_positive_int,
    check_real,
)
from .early_stopping import EarlyStopping
from .optim import Optimizer

__all__ = [
    "Activation",
    "Sequential",
    "History",
    "Callback",
    "EarlyStoppingCallback",
    "LearningRateScheduler",
    "LOSSES",
]

LOSSES = {
    "cross_entropy": losses.softmax_cross_entropy,
    "mse": losses.mse,
    "binary_cross_entropy": losses.binary_cross_entropy_with_logits,
}
"""Loss names accepted by :meth:`Sequential.compile`, each ``f(outputs, targets) -> (loss, d_outputs)``."""

_ACTIVATIONS = (
    "relu",
    "tanh",
    "sigmoid",
    "leaky_relu",
    "elu",
    "selu",
    "swish",
    "softplus",
)


class Activation:
    r"""Elementwise non-linearity as a layer: :math:`y = f(a)`, :math:`\partial L/\partial a = f'(a)\,\partial L/\partial y`.

    Parameters
    ----------
    name : str
        One of ``"relu", "tanh", "sigmoid", "leaky_relu", "elu", "selu", "swish",
        "softplus"`` (the functions of :mod:`dlbook.activations` with default parameters).

    Notes
    -----
    PyTorch: ``torch.nn.ReLU()``, ``nn.Tanh()``, ``nn.Sigmoid()``...; Keras passes
    ``activation="relu"`` to ``Dense`` instead.
    """

    def __init__(self, name: str):
        self.name = check_choice(name, "name", "Activation", _ACTIVATIONS)
        self._f = getattr(activations, name)
        self._f_grad = getattr(activations, f"{name}_grad")
        self._a: np.ndarray | None = None

    def forward(self, a: np.ndarray) -> np.ndarray:
        """Return ``f(a)`` for ``a`` of any shape; keep ``a`` for :meth:`backward`."""
        self._a = a
        return self._f(a)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Return ``dy * f'(a)`` with ``a`` from the last :meth:`forward`."""
        if self._a is None:
            raise RuntimeError("Activation.backward: call forward first")
        return dy * self._f_grad(self._a)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


def _has(layer, method: str) -> bool:
    return callable(getattr(layer, method, None))


class Sequential:
    r"""Layers applied one after the other; the model that :meth:`compile` and :meth:`fit` train.

    Parameters
    ----------
    layers : list
        Objects with ``forward(x)`` and ``backward(dy) -> dx``; those with parameters also
        have ``params()`` and ``grads()``, those that behave differently in training and
        evaluation have ``train()`` and ``eval()``.

    Attributes
    ----------
    layers : list
    training : bool
        The mode set by :meth:`train` / :meth:`eval` (True at first).
    stop_training : bool
        Set to True by a callback to end :meth:`fit` after the current epoch.

    Notes
    -----
    PyTorch: ``torch.nn.Sequential``, whose ``parameters()`` order :meth:`params` follows
    and whose ``state_dict()`` keys (``"0.weight"``, ``"0.bias"``, ...) :meth:`state_dict`
    uses.  Keras: ``keras.Sequential`` with ``compile`` and ``fit``.
    """

    def __init__(self, layers):
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
            raise TypeError(
                "Sequential: layers must be a list of layers, got"
                f" {type(layers).__name__}"
            )
        layers = list(layers)
        if not layers:
            raise ValueError(
                "Sequential: layers is empty; pass at least one layer"
            )
        for k, layer in enumerate(layers):
            if not (_has(layer, "forward") and _has(layer, "backward")):
                raise TypeError(
                    f"Sequential: layers[{k}] ({type(layer).__name__}) needs"
                    " forward and backward methods"
                )
        self.layers = layers
        self.training = True
        self.stop_training = False
        self._compiled = False

    # ------------------------------------------------------------- the model
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return the output of the last layer for the input ``x`` (N, D_in)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Backpropagate ``dy`` = dL/d(output) through every layer; return dL/dx."""
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def params(self) -> list[np.ndarray]:
        """The layers' own parameter arrays, in order (as ``torch.nn.Sequential.parameters()``)."""
        return [
            p
            for layer in self.layers
            if _has(layer, "params")
            for p in layer.params()
        ]

    def grads(self) -> list[np.ndarray]:
        """The gradients of the last :meth:`backward`, matching :meth:`params`."""
        return [
            g
            for layer in self.layers
            if _has(layer, "grads")
            for g in layer.grads()
        ]

    def train(self) -> Sequential:
        """Put every layer that has a training mode into it; return self."""
        self.training = True
        for layer in self.layers:
            if _has(layer, "train"):
                layer.train()
        return self

    def eval(self) -> Sequential:
        """Put every layer that has an evaluation mode into it; return self."""
        self.training = False
        for layer in self.layers:
            if _has(layer, "eval"):
                layer.eval()
        return self

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters and buffers under ``torch.nn.Sequential``'s keys.

        Returns
        -------
        dict
            ``"k.weight"``, ``"k.bias"`` for layer ``k``, and ``"k.running_mean"``,
            ``"k.running_var"`` for a batch-normalization layer: the keys, order and
            shapes that ``torch.nn.Sequential(...).state_dict()`` has for the same layers
            (PyTorch adds ``"k.num_batches_tracked"``).
        """
        state = {}
        for k, layer in enumerate(self.layers):
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(layer, name, None)
                if isinstance(value, np.ndarray):
                    state[f"{k}.{name}"] = value.copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Copy the arrays of ``state`` (keys as in :meth:`state_dict`) into the layers in place.

        Parameters
        ----------
        state : dict
            Arrays of the same shapes under exactly the keys of :meth:`state_dict`.
        """
        where = "Sequential.load_state_dict"
        own = self.state_dict()
        if not isinstance(state, dict):
            raise TypeError(
                f"{where}: state must be a dict, got {type(state).__name__}"
            )
        if set(state) != set(own):
            missing, extra = sorted(set(own) - set(state)), sorted(
                set(state) - set(own)
            )
            raise ValueError(
                f"{where}: keys do not match; missing {missing}, unexpected"
                f" {extra}"
            )
        for key, value in state.items():
            value = np.asarray(value)
            if value.shape != own[key].shape:
                raise ValueError(
                    f"{where}: state[{key!r}] must have shape {own[key].shape},"
                    f" got {value.shape}"
                )
            k, name = key.split(".", 1)
            np.copyto(getattr(self.layers[int(k)], name), value)

    def __repr__(self) -> str:
        inner = ",\n  ".join(
            (
                repr(layer)
                if type(layer).__repr__ is not object.__repr__
                else type(layer).__name__
            )
            for layer in self.layers
        )
        return f"Sequential(\n  {inner}\n)"

    # --------------------------------------------------------- compile and fit
    def compile(self, loss, optimizer: Optimizer, metrics=()) -> Sequential:
        """Choose the loss, the optimizer and the metrics that :meth:`fit` uses; return self.

        Parameters
        ----------
        loss : str or callable
            A key of :data:`LOSSES` or ``f(outputs, targets) -> (loss, d_outputs)``.
        optimizer : dlbook.optim.Optimizer
            Built on this model's ``params()`` (the same arrays), or on some of them: the
            others are then frozen (Keras's ``layer.trainable = False``, PyTorch's
            ``requires_grad_(False)``).
        metrics : sequence of str or callable, default ()
            ``"accuracy"`` (argmax of the outputs against integer labels) or
            ``f(outputs, targets) -> float``, averaged over the samples of an epoch.
        """
        where = "Sequential.compile"
        if isinstance(loss, str):
            self._loss = LOSSES[
                check_choice(loss, "loss", where, tuple(LOSSES))
            ]
        elif callable(loss):
            self._loss = loss
        else:
            raise TypeError(
                f"{where}: loss must be a name or a callable, got"
                f" {type(loss).__name__}"
            )
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{where}: optimizer must be a dlbook.optim optimizer, "
                f"got {type(optimizer).__name__}"
            )
        own = self.params()
        self._trained = []
        for i, p in enumerate(optimizer.params):
            found = [k for k, q in enumerate(own) if q is p]
            if not found:
                raise ValueError(
                    f"{where}: optimizer must be built on arrays of this"
                    f" model's params(); its params[{i}] (shape {p.shape}) is"
                    " not one of them"
                )
            self._trained.append(found[0])
        if isinstance(metrics, (str, bytes)) or not isinstance(
            metrics, Iterable
        ):
            raise TypeError(
                f"{where}: metrics must be a list, got {type(metrics).__name__}"
            )
        self._metrics = {}
        for m in metrics:
            if m == "accuracy":
                self._metrics["accuracy"] = _accuracy
            elif callable(m):
                self._metrics[getattr(m, "__name__", "metric")] = m
            else:
                raise ValueError(
                    f"{where}: every metric must be 'accuracy' or a callable,"
                    f" got {m!r}"
                )
        self.optimizer = optimizer
        self._compiled = True
        return self

    def _check_compiled(self, where: str) -> None:
        if not self._compiled:
            raise RuntimeError(
                f"{where}: call compile(loss, optimizer, metrics) first"
            )

    def _batches(self, x, y, batch_size, rng, shuffle, where):
        """A function returning one epoch of (x, y) batches (arrays or a re-iterable dataset)."""
        if y is None:
            if (
                isinstance(x, np.ndarray)
                or not isinstance(x, Iterable)
                or iter(x) is x
            ):
                raise TypeError(
                    f"{where}: without y, x must be a re-iterable dataset of "
                    "(x, y) batches (e.g. a dlbook.pipeline.Dataset), got "
                    f"{type(x).__name__}"
                )
            return lambda: iter(x)
        x = as_float_array(x, "x", where)
        y = np.asarray(y)
        if len(x) != len(y):
            raise ValueError(
                f"{where}: x and y must have the same length, got {len(x)} and"
                f" {len(y)}"
            )
        batch_size = check_positive_int(batch_size, "batch_size", where)
        if shuffle and not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"{where}: rng must be a numpy.random.Generator (the source of"
                f" the shuffling), got {type(rng).__name__}"
            )

        def epoch():
            order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
            for start in range(0, len(x), batch_size):
                index = order[start : start + batch_size]
                yield x[index], y[index]

        return epoch

    def fit(
        self,
        x,
        y=None,
        epochs: int = 1,
        batch_size: int = 32,
        validation_data=None,
        callbacks=(),
        rng: np.random.Generator | None = None,
        shuffle: bool = True,
        progress: bool = True,
    ) -> History:
        r"""Train for ``epochs`` passes over the data; return the :class:`History`.

        Every step: ``forward``, the loss and its gradient, ``backward``, the callbacks'
        ``on_batch_end`` hook (where gradients may be clipped), ``optimizer.step(grads)``
        with the gradients of the optimizer's parameters.
        After every epoch: the mean training loss and metrics over the epoch's samples,
        :meth:`evaluate` on ``validation_data`` (as ``val_`` entries), the learning rate,
        and the callbacks' ``on_epoch_end``.

        Parameters
        ----------
        x : ndarray, shape (N, D), or dataset
            Training inputs, or (with ``y=None``) a re-iterable of ``(x_batch, y_batch)``
            pairs such as a :class:`dlbook.pipeline.Dataset` (one pass = one epoch).
        y : ndarray, shape (N,) or (N, K), optional
            Targets for the loss (integer labels for ``"cross_entropy"``).
        epochs : int, default 1
        batch_size : int, default 32
            Used with arrays only; the last batch of an epoch may be smaller.
        validation_data : tuple (x_val, y_val), optional
        callbacks : sequence of Callback, default ()
        rng : numpy.random.Generator
            Source of the shuffling of arrays (required when ``shuffle`` with arrays).
        shuffle : bool, default True
            A new order of the arrays in every epoch.
        progress : bool, default True
            In a notebook, one line updated every epoch and cleared at the end.

        Returns
        -------
        History
        """
        where = "Sequential.fit"
        self._check_compiled(where)
        epochs = check_positive_int(epochs, "epochs", where)
        epoch_batches = self._batches(x, y, batch_size, rng, shuffle, where)
        if validation_data is not None and (
            not isinstance(validation_data, tuple) or len(validation_data) != 2
        ):
            raise TypeError(
                f"{where}: validation_data must be a tuple (x_val, y_val), "
                f"got {type(validation_data).__name__}"
            )
        callbacks = list(callbacks)
        for k, cb in enumerate(callbacks):
            if not isinstance(cb, Callback):
                raise TypeError(
                    f"{where}: callbacks[{k}] must be a"
                    f" dlbook.training.Callback, got {type(cb).__name__}"
                )
        history = History()
        display = _Progress(epochs) if progress else None
        self.stop_training = False
        for cb in callbacks:
            cb.set_model(self)
            cb.on_train_begin()
        step = 0
        try:
            for epoch in range(epochs):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch)
                self.train()
                totals, n_seen = {}, 0
                for xb, yb in epoch_batches():
                    for cb in callbacks:
                        cb.on_batch_begin(step)
                    out = self.forward(xb)
                    loss, dout = self._loss(out, yb)
                    self.backward(dout)
                    all_grads = self.grads()
                    grads = [all_grads[k] for k in self._trained]
                    for cb in callbacks:
                        cb.on_batch_end(step, grads)
                    self.optimizer.step(grads)
                    n = len(xb)
                    _accumulate(totals, "loss", float(loss), n)
                    for name, metric in self._metrics.items():
                        _accumulate(totals, name, float(metric(out, yb)), n)
                    n_seen += n
                    step += 1
                if n_seen == 0:
                    raise ValueError(
                        f"{where}: the training data gave no batch in epoch"
                        f" {epoch}"
                    )
                logs = {name: total / n_seen for name, total in totals.items()}
                if validation_data is not None:
                    for name, value in self.evaluate(*validation_data).items():
                        logs[f"val_{name}"] = value
                logs["lr"] = self.optimizer.lr
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                history._append(epoch, logs)
                if display is not None:
                    display.update(epoch, logs)
                if self.stop_training:
                    break
            for cb in callbacks:
                cb.on_train_end()
        finally:
            if display is not None:
                display.close()
            self.train()
        return history

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """The loss and the metrics on ``(x, y)`` in evaluation mode, in one batch.

        Parameters
        ----------
        x : ndarray, shape (N, D)
        y : ndarray, shape (N,) or (N, K)

        Returns
        -------
        dict
            ``{"loss": ..., "accuracy": ..., ...}``.  The model is left in the mode it was in.
        """
        where = "Sequential.evaluate"
        self._check_compiled(where)
        x = as_float_array(x, "x", where)
        if len(x) != len(y):
            raise ValueError(
                f"{where}: x and y must have the same length, got {len(x)} and"
                f" {len(y)}"
            )
        out = self.predict(x)
        result = {"loss": float(self._loss(out, y)[0])}
        for name, metric in self._metrics.items():
            result[name] = float(metric(out, y))
        return result

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The outputs for ``x`` (N, D) in evaluation mode (the mode is restored afterwards)."""
        was_training = self.training
        self.eval()
        try:
            return self.forward(x)
        finally:
            if was_training:
                self.train()


def _accuracy(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Fraction of rows whose largest output is at the integer label."""
    return float(np.mean(np.argmax(outputs, axis=1) == targets))


def _accumulate(totals: dict, name: str, value: float, n: int) -> None:
    totals[name] = totals.get(name, 0.0) + value * n


class History:
    """What :meth:`Sequential.fit` recorded, one entry per epoch.

    Attributes
    ----------
    epoch : list of int
        The epochs that ran (0-based).
    history : dict
        Lists of floats, one per epoch, under the names ``"loss"``, the metrics,
        ``"val_loss"`` and ``"val_<metric>"`` with validation data, and ``"lr"`` (the
        learning rate at the end of the epoch).  Keras's ``History``.
    """

    def __init__(self):
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def _append(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]

    def __repr__(self) -> str:
        return f"History({len(self.epoch)} epochs: {', '.join(self.history)})"


class _Progress:
    """One notebook line, updated through a display handle and cleared at the end.

    It starts empty and ends empty, so a stored notebook holds an empty output whether the
    executor applied the updates (nbclient) or ignored them (nbval compares the first
    version).
    """

    def __init__(self, epochs: int):
        self.epochs = epochs
        self.handle = None
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # no IPython: no progress display
            return
        shell = get_ipython()
        if shell is None or not hasattr(shell, "kernel"):
            return  # a terminal: stay silent
        self.handle = display(self._bundle(""), raw=True, display_id=True)

    @staticmethod
    def _bundle(text: str) -> dict:
        # an empty text/html renders as nothing in the book (an empty
        # text/plain as a box)
        return {
            "text/plain": text,
            "text/html": f"<pre>{html.escape(text)}</pre>" if text else "",
        }

    def update(self, epoch: int, logs: dict) -> None:
        if self.handle is not None:
            parts = ", ".join(
                f"{name} {value:.4g}" for name, value in logs.items()
            )
            self.handle.update(
                self._bundle(f"epoch {epoch + 1}/{self.epochs}: {parts}"),
                raw=True,
            )

    def close(self) -> None:
        if self.handle is not None:
            self.handle.update(self._bundle(""), raw=True)
            self.handle = None


class Callback:
    """Base class of the hooks that :meth:`Sequential.fit` calls; override the ones you need.

    Attributes
    ----------
    model : Sequential
        The model being trained (set by ``fit`` before ``on_train_begin``).

    Notes
    -----
    Keras: ``keras.callbacks.Callback``.  The hook ``on_batch_end(step, grads)`` runs after
    the backward pass and before the optimizer step, so it can process the gradients in
    place (clipping: TensorFlow's compute_gradients / process / apply_gradients).
    """

    model: Sequential | None = None

    def set_model(self, model: Sequential) -> None:
        """Remember the model being trained."""
        self.model = model

    def on_train_begin(self) -> None:
        """Called once before the first epoch."""

    def on_epoch_begin(self, epoch: int) -> None:
        """Called before the first batch of every epoch."""

    def on_batch_begin(self, step: int) -> None:
        """Called before the forward pass of every step (``step`` counts from 0 over epochs)."""

    def on_batch_end(self, step: int, grads: list[np.ndarray]) -> None:
        """Called after the backward pass and before the optimizer step.

        ``grads`` are the gradients of the parameters that the optimizer updates, in its
        order; changing them in place changes the step.
        """

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        """Called after the validation of every epoch with the epoch's numbers."""

    def on_train_end(self) -> None:
        """Called once after the last epoch (also after an early stop)."""


class EarlyStoppingCallback(Callback):
    """Stop when a monitored number has not improved for ``patience`` epochs; restore the best.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch's logs (see :class:`History`).
    patience : int, default 5
    min_delta : float, default 0.0
    mode : {"min", "max"}, default "min"
    restore_best_weights : bool, default True
        At the end of training, copy the parameters of the best epoch back into the model.

    Attributes
    ----------
    stopper : dlbook.early_stopping.EarlyStopping
        Does the bookkeeping (``best``, ``best_step`` = the best epoch).
    stopped_epoch : int or None
        The epoch after which training stopped early (None if it ran to the end).

    Notes
    -----
    Keras: ``keras.callbacks.EarlyStopping(monitor, min_delta, patience, mode,
    restore_best_weights)``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ):
        if not isinstance(monitor, str):
            raise TypeError(
                "EarlyStoppingCallback: monitor must be a str, got"
                f" {type(monitor).__name__}"
            )
        self.monitor = monitor
        self.patience, self.min_delta, self.mode = patience, min_delta, mode
        self.stopper = EarlyStopping(
            patience, min_delta, mode
        )  # validates them
        self.restore_best_weights = bool(restore_best_weights)
        self.stopped_epoch: int | None = None

    def on_train_begin(self) -> None:
        self.stopper = EarlyStopping(self.patience, self.min_delta, self.mode)
        self.stopped_epoch = None

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStoppingCallback: monitor {self.monitor!r} is not among"
                f" the logged numbers {sorted(logs)} (pass validation_data for"
                " 'val_' names)"
            )
        params = self.model.params() if self.restore_best_weights else None
        if self.stopper.step(logs[self.monitor], params):
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self) -> None:
        if self.restore_best_weights and self.stopper.best_params is not None:
            self.stopper.restore(self.model.params())


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate from a schedule before every epoch (or step).

    Parameters
    ----------
    schedule : callable
        ``schedule(t) -> lr`` for ``t = 0, 1, ...``, e.g.
        ``lambda t: schedules.step_lr(0.1, t, step_size=10)``.
    per : {"epoch", "step"}, default "epoch"
        Whether ``t`` counts epochs or optimizer steps.

    Notes
    -----
    Keras: ``keras.callbacks.LearningRateScheduler`` (per epoch); PyTorch: a
    ``torch.optim.lr_scheduler`` whose ``step()`` is called once per epoch (or per step).
    """

    def __init__(self, schedule: Callable[[int], float], per: str = "epoch"):
        if not callable(schedule):
            raise TypeError(
                "LearningRateScheduler: schedule must be callable, "
                f"got {type(schedule).__name__}"
            )
        self.schedule = schedule
        self.per = check_choice(
            per, "per", "LearningRateScheduler", ("epoch", "step")
        )

    def _set(self, t: int) -> None:
        lr = self.schedule(t)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise TypeError(
                f"LearningRateScheduler: schedule({t}) must return a real"
                f" number, got {type(lr).__name__}"
            )
        self.model.optimizer.lr = check_real(
            lr, f"schedule({t})", "LearningRateScheduler", low=0.0
        )

    def on_epoch_begin(self, epoch: int) -> None:
        if self.per == "epoch":
            self._set(epoch)

    def on_batch_begin(self, step: int) -> None:
        if self.per == "step":
            self._set(step)
