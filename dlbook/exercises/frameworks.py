"""Checkers for the exercises of chapter 9, from hand-written networks to a
framework."""

from __future__ import annotations

import re

import numpy as np

from ..nn import Linear
from ..training import Activation, Sequential
from ._checking import (
    NotAnswered,
    call,
    compare,
    exercise,
    fmt,
    require_answered,
    require_callable,
)

# ------------------------------------------------- ex-frameworks-1: a Function
_LINEAR = "ex-frameworks-1"


def _reference_linear_function():
    """The chapter's solution: linear_forward / linear_backward in autograd."""
    import torch

    from ..nn import linear_backward, linear_forward

    class DlbookLinear(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, W, b):
            y, ctx.cache = linear_forward(
                *(t.detach().numpy() for t in (x, W, b))
            )
            return torch.from_numpy(y)

        @staticmethod
        def backward(ctx, dy):
            grads = linear_backward(dy.detach().numpy(), ctx.cache)
            return tuple(torch.from_numpy(g) for g in grads)

    return DlbookLinear


_SHAPE_ERROR = re.compile(
    r"invalid gradient at index (\d) - got \[([\d, ]*)\] but expected shape "
    r"compatible with \[([\d, ]*)\]"
)


def _run_torch(step, what: str):
    """Run a step of the reader's Function; its errors become clear messages."""
    try:
        return step()
    except NotImplementedError:
        raise NotAnswered(
            f"{_LINEAR}: your {what} still raises NotImplementedError; write "
            "your answer in its body, then run this cell again."
        ) from None
    except Exception as exc:  # the reader's code may raise anything
        shape = _SHAPE_ERROR.search(str(exc))
        if shape:
            index, got, wanted = shape.groups()
            got, wanted = (
                tuple(map(int, re.findall(r"\d+", t))) for t in (got, wanted)
            )
            hint = (
                " It is transposed."
                if got == wanted[::-1]
                else " Return (dx, dW, db) in the order of forward's inputs."
            )
            raise AssertionError(
                f"{_LINEAR}: backward returned a gradient of shape {got} for "
                f"{'xWb'[int(index)]}, whose shape is {wanted}.{hint}\n"
                "  Hint: dx = dy W, dW = dy^T x, db = sum of dy over the "
                "batch, in the order (x, W, b)."
            ) from exc
        raise AssertionError(
            f"{_LINEAR}: your {what} raised {type(exc).__name__}: {exc}\n"
            "  Hint: forward(ctx, x, W, b) returns y = x W^T + b as a tensor; "
            "backward(ctx, dy) returns one gradient per input of forward, in "
            "the order (x, W, b), each of its input's shape: "
            "(dy W, dy^T x, sum of dy over the batch)."
        ) from exc


@exercise(
    _LINEAR,
    "a torch.autograd.Function subclass DlbookLinear with forward(ctx, x, W, "
    "b) returning y = x W^T + b and backward(ctx, dy) returning "
    "(dx, dW, db)",
    _reference_linear_function,
)
def _check_linear_function(answer):
    import torch

    asks = "a torch.autograd.Function subclass (the class itself)"
    require_answered(answer, _LINEAR, asks)
    if not (
        isinstance(answer, type) and issubclass(answer, torch.autograd.Function)
    ):
        raise AssertionError(
            f"{_LINEAR}: expected {asks}, got {type(answer).__name__} "
            f"{fmt(answer)}."
        )
    gen = torch.Generator().manual_seed(9)
    # A square W (in = out) lets a missing transpose keep the right shape.
    for n, d_in, d_out in ((4, 3, 3), (5, 4, 3), (1, 2, 2), (3, 2, 1)):
        x, W, b, dy = (
            torch.randn(*shape, dtype=torch.float64, generator=gen)
            for shape in ((n, d_in), (d_out, d_in), (d_out,), (n, d_out))
        )
        leaves = tuple(t.clone().requires_grad_() for t in (x, W, b))
        y = _run_torch(lambda: answer.apply(*leaves), "forward")
        if not isinstance(y, torch.Tensor):
            raise AssertionError(
                f"{_LINEAR}: forward must return a torch tensor, got "
                f"{type(y).__name__}. Hint: convert the NumPy result with "
                "torch.from_numpy."
            )
        xn, Wn, bn, dyn = (t.numpy() for t in (x, W, b, dy))
        inputs = f"x {tuple(x.shape)}, W {tuple(W.shape)}, b {tuple(b.shape)}"
        forward_mistakes = [
            (xn @ Wn.T, "the bias b is missing: y = x W^T + b."),
        ]
        if d_in == d_out:
            forward_mistakes.append(
                (
                    xn @ Wn + bn,
                    "W is stored as (out, in), as in PyTorch: "
                    "y = x W^T + b.",
                )
            )
        compare(
            y.detach().numpy(),
            xn @ Wn.T + bn,
            _LINEAR,
            "forward's output y",
            inputs,
            mistakes=tuple(forward_mistakes),
        )
        grads = _run_torch(
            lambda: torch.autograd.grad(y, leaves, dy, allow_unused=True),
            "backward",
        )
        ones = np.ones_like(dyn)
        no_upstream = "multiply by the upstream gradient dy."
        expected = {
            "dx": (
                dyn @ Wn,
                [(ones @ Wn, no_upstream)]
                + (
                    [(dyn @ Wn.T, "transposed: dx = dy W, shape (N, in).")]
                    if d_in == d_out
                    else []
                ),
            ),
            "dW": (
                dyn.T @ xn,
                [(ones.T @ xn, no_upstream)]
                + (
                    [
                        (
                            xn.T @ dyn,
                            "transposed: dW = dy^T x has W's shape (out, in).",
                        )
                    ]
                    if d_in == d_out
                    else []
                ),
            ),
            "db": (
                dyn.sum(0),
                [
                    (dyn.mean(0), "sum dy over the batch, do not average."),
                    (ones.sum(0), no_upstream),
                ],
            ),
        }
        for grad, (name, (right, mistakes)) in zip(grads, expected.items()):
            if grad is None:
                raise AssertionError(
                    f"{_LINEAR}: backward returned None for {name}; return "
                    "the gradients of all three inputs, in the order "
                    "(dx, dW, db)."
                )
            compare(
                grad.numpy(),
                right,
                _LINEAR,
                name,
                f"{inputs}, dy = {fmt(dyn)}",
                mistakes=tuple(mistakes),
                hint="backward returns (dx, dW, db) in the order of "
                "forward's inputs (x, W, b).",
            )
    return (
        "y and the gradients of x, W and b agree with "
        "torch.nn.functional.linear and autograd."
    )


# ------------------------------------------ ex-frameworks-2: the shuffle buffer
def _first_output_probabilities(n, buffer_size):
    held = min(n, buffer_size)
    p = np.zeros(n)
    p[:held] = 1.0 / held
    return p


@exercise(
    "ex-frameworks-2",
    "a function first_output_probabilities(n, buffer_size) returning the "
    "array of the n probabilities P(first output = input j), j = 0..n-1",
    lambda: _first_output_probabilities,
)
def _check_first_output(answer):
    label = "ex-frameworks-2"
    probabilities = require_callable(
        answer,
        label,
        "a function first_output_probabilities(n, buffer_size) -> array (n,)",
    )
    for n, b in ((10, 4), (6, 1), (5, 5), (4, 9), (7, 3)):
        given = call(probabilities, label, n, b)
        uniform = np.full(n, 1.0 / n)
        first = np.eye(n)[0]
        mistakes = [
            (
                first,
                "the output is drawn at random from the buffer, not the "
                "oldest element in it.",
            )
        ]
        if b < n:
            mistakes.append(
                (
                    uniform,
                    "a buffer is not a full shuffle: the first output is "
                    "drawn from the first b inputs only.",
                )
            )
            mistakes.append(
                (
                    _first_output_probabilities(n, b + 1),
                    "the buffer holds the b inputs 0..b-1 before the first "
                    "output (not b + 1).",
                )
            )
        if b > n:
            wrong = np.full(n, 1.0 / b)
            mistakes.append(
                (
                    wrong,
                    "with b >= n the buffer holds all n inputs, so each has "
                    "probability 1/n.",
                )
            )
        compare(
            given,
            _first_output_probabilities(n, b),
            label,
            "the vector of probabilities",
            f"n = {n}, buffer_size = {b}",
            mistakes=tuple(mistakes),
            hint="before the first output the buffer holds inputs "
            "0..min(b, n)-1, and the output is drawn uniformly from it.",
        )
    return "P(first output = j) is 1/min(b, n) for j < min(b, n), else 0."


# ------------------------------------------------ ex-frameworks-5: prefetching
def _total_time(n, t_load, t_step, prefetch):
    if prefetch:
        return n * max(t_load, t_step) + min(t_load, t_step)
    return n * (t_load + t_step)


@exercise(
    "ex-frameworks-5",
    "a function total_time(n, t_load, t_step, prefetch) returning the time "
    "of n training steps, without (prefetch=False) or with prefetching",
    lambda: _total_time,
)
def _check_total_time(answer):
    label = "ex-frameworks-5"
    total_time = require_callable(
        answer, label, "a function total_time(n, t_load, t_step, prefetch)"
    )
    rng = np.random.default_rng(15)
    cases = [(24, 6.4, 6.0), (10, 1.0, 5.0), (1, 2.0, 3.0), (5, 2.0, 2.0)]
    cases += [
        (int(rng.integers(2, 30)), *np.round(rng.uniform(0.5, 10, 2), 2))
        for _ in range(3)
    ]
    for n, t_load, t_step in cases:
        t_load, t_step = float(t_load), float(t_step)
        inputs = f"n = {n}, t_load = {t_load}, t_step = {t_step}"
        slow = max(t_load, t_step)
        compare(
            call(total_time, label, n, t_load, t_step, False),
            _total_time(n, t_load, t_step, False),
            label,
            "the time without prefetching",
            inputs,
            mistakes=(
                (
                    n * slow,
                    "without prefetching nothing overlaps: every step waits "
                    "for its batch to be loaded.",
                ),
                (n * t_load + t_step, "each of the n steps takes t_step."),
            ),
            rtol=1e-9,
        )
        compare(
            call(total_time, label, n, t_load, t_step, True),
            _total_time(n, t_load, t_step, True),
            label,
            "the time with prefetching",
            inputs,
            mistakes=(
                (
                    n * slow,
                    "one of the two cannot be overlapped: the first step "
                    "waits for the first batch, and the last step runs after "
                    "the last load. Add min(t_load, t_step).",
                ),
                (
                    n * (t_load + t_step),
                    "with prefetching batch k + 1 is loaded during step k: "
                    "the two overlap.",
                ),
                (
                    n * slow + slow,
                    "only the shorter of the two is left over: add "
                    "min(t_load, t_step), not the max.",
                ),
                (
                    n * slow + t_load,
                    "when loading is the slower side, what is left after the "
                    "last load is one step, t_step.",
                ),
            ),
            rtol=1e-9,
        )
    return "T = n (t_load + t_step) serially, n max + min with prefetching."


# ---------------------------------------------------- ex-frameworks-6: freezing
def _trainable(model, n_layers):
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    return [
        p
        for layer in linears[len(linears) - n_layers :]
        for p in layer.params()
    ]


def _names(model) -> dict:
    """id(array) -> 'Linear k weight' for every parameter of ``model``."""
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    return {
        id(p): f"Linear {k} {name}"
        for k, layer in enumerate(linears, 1)
        for name, p in zip(("weight", "bias"), layer.params())
    }


@exercise(
    "ex-frameworks-6",
    "a function trainable(model, n_layers) returning the list of the "
    "parameter arrays of the last n_layers Linear layers of a "
    "dlbook.training.Sequential",
    lambda: _trainable,
)
def _check_trainable(answer):
    label = "ex-frameworks-6"
    trainable = require_callable(
        answer, label, "a function trainable(model, n_layers) -> list"
    )
    rng = np.random.default_rng(16)
    for sizes, n_layers in (
        ([6, 5, 4, 3], 1),
        ([6, 5, 4, 3], 2),
        ([5, 4, 4, 4, 2], 3),
        ([3, 2], 1),
        ([4, 3, 2], 2),
    ):
        layers = []
        for d_in, d_out in zip(sizes[:-2], sizes[1:-1]):
            layers += [Linear(d_in, d_out, rng), Activation("relu")]
        model = Sequential(layers + [Linear(sizes[-2], sizes[-1], rng)])
        given = call(trainable, label, model, n_layers)
        inputs = (
            f"a Sequential of Linear layers {sizes} with ReLUs between, "
            f"n_layers = {n_layers}"
        )
        names = _names(model)
        expected = _trainable(model, n_layers)
        if not isinstance(given, (list, tuple)) or not all(
            isinstance(p, np.ndarray) for p in given
        ):
            raise AssertionError(
                f"{label}: return a list of the model's parameter arrays, "
                f"got {fmt(given)}\n  input: {inputs}"
            )
        ids = [id(p) for p in given]
        if len(set(ids)) != len(ids):
            raise AssertionError(
                f"{label}: an array appears twice in your list.\n  input: "
                f"{inputs}\n  Hint: list each parameter once (an optimizer "
                "given one twice updates it twice)."
            )
        if set(ids) == {id(p) for p in expected}:
            continue
        got = [names.get(i, "an array that is not in the model") for i in ids]
        message = (
            f"{label}: the trainable parameters are wrong.\n  input: "
            f"{inputs}\n  expected: {[names[id(p)] for p in expected]}\n"
            f"  got:      {got}"
        )
        linears = [layer for layer in model.layers if isinstance(layer, Linear)]
        first = [p for layer in linears[:n_layers] for p in layer.params()]
        weights = [layer.weight for layer in linears[-n_layers:]]
        mistakes = [
            (
                [
                    p
                    for layer in model.layers[-n_layers:]
                    for p in getattr(layer, "params", list)()
                ],
                "model.layers[-n_layers:] also counts the activations: "
                "pick the Linear layers first, then the last n_layers of "
                "them.",
            ),
            (
                first,
                "count from the output end: fine-tuning trains the "
                "last n_layers Linear layers, the lower ones stay frozen.",
            ),
            (weights, "the biases of those layers are trained too."),
            (
                model.params(),
                "the other layers must stay frozen: leave "
                "their arrays out of the list.",
            ),
            (
                (
                    _trainable(model, n_layers + 1)
                    if n_layers < len(linears)
                    else None
                ),
                "one layer too many: the new output layer is one of "
                "the n_layers.",
            ),
            (
                _trainable(model, n_layers - 1) if n_layers > 1 else None,
                "one layer too few: the new "
                "output layer is one of the n_layers.",
            ),
            ([], "the list is empty: the optimizer would train nothing."),
        ]
        for wrong, hint in mistakes:
            if wrong is not None and set(ids) == {id(p) for p in wrong}:
                raise AssertionError(f"{message}\n  Hint: {hint}")
        if len(given) == len(expected) and all(
            p.shape == q.shape and np.array_equal(p, q)
            for p, q in zip(given, expected)
        ):
            raise AssertionError(
                f"{message}\n  Hint: return the model's own arrays, not "
                "copies: the optimizer updates them in place."
            )
        raise AssertionError(message)
    return (
        "the optimizer receives exactly the weights and biases of the last "
        "n_layers Linear layers; the others stay frozen."
    )
