"""Checkers for the exercises of chapter 6, optimizers and learning rates."""

from __future__ import annotations

import math

import numpy as np

from ..clipping import clip_grad_norm
from ..optim import Adam
from ._checking import (
    call,
    compare,
    compare_int,
    exercise,
    fmt,
    require_callable,
    require_numbers,
)


def _rosenbrock_grad(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def _momentum(grad, w0, lrs, beta=0.9, form="slides"):
    """Iterates of heavy-ball momentum, in the decks' form or PyTorch's."""
    w, m, out = np.array(w0, dtype=float), np.zeros(len(w0)), []
    for lr in lrs:
        g = grad(w)
        if form == "slides":  # m <- beta m + lr g ; w <- w - m
            m = beta * m + lr * g
            w = w - m
        else:  # b <- beta b + g ; w <- w - lr b
            m = beta * m + g
            w = w - lr * m
        out.append(w.copy())
    return np.array(out)


@exercise(
    "ex-optim-1",
    "a function momentum(grad, w0, lrs, beta) returning the iterates "
    "w_1 ... w_T (one row each) of the decks' heavy-ball form",
    lambda: _momentum,
)
def _check_momentum(answer):
    momentum = require_callable(
        answer,
        "ex-optim-1",
        "a function momentum(grad, w0, lrs, beta) -> (T, D) array",
    )
    lrs = [1e-3] * 20 + [5e-4] * 20
    w0 = np.array([-1.0, 1.5])
    given = call(momentum, "ex-optim-1", _rosenbrock_grad, w0, lrs, 0.9)
    right = _momentum(_rosenbrock_grad, w0, lrs, 0.9)
    compare(
        given,
        right,
        "ex-optim-1",
        "the iterates",
        "Rosenbrock from (-1, 1.5), 20 steps at lr 1e-3 then 20 at 5e-4, beta = 0.9",
        mistakes=(
            (
                _momentum(_rosenbrock_grad, w0, lrs, 0.9, form="torch"),
                "that is "
                "PyTorch's form (b <- beta b + g, w <- w - lr b); it agrees until the "
                "learning rate changes. The decks' form is m <- beta m + lr g, w <- w - m.",
            ),
            (
                _momentum(_rosenbrock_grad, w0, lrs, 0.0),
                "beta is not used: the "
                "velocity m must keep beta times its previous value.",
            ),
        ),
    )
    return "the decks' form carries the old learning rate in its velocity after the change."


def _adam_first_step(grad, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    w = np.zeros_like(grad)
    Adam([w], lr=lr, betas=betas, eps=eps).step([grad.copy()])
    return w


@exercise(
    "ex-optim-2",
    "a function adam_first_step(grad, lr, betas, eps) returning the "
    "change w_1 - w_0 of Adam's first step",
    lambda: _adam_first_step,
)
def _check_adam_first_step(answer):
    first_step = require_callable(
        answer, "ex-optim-2", "a function adam_first_step(grad, lr, betas, eps)"
    )
    grad = np.array([3e4, -2.0, 1e-3, 1e-9, 0.0, -5e-8])
    lr, betas, eps = 1e-3, (0.9, 0.999), 1e-8
    given = call(first_step, "ex-optim-2", grad, lr, betas, eps)
    right = _adam_first_step(grad, lr, betas, eps)
    no_correction = (
        -lr
        * (1 - betas[0])
        * grad
        / (np.sqrt(1 - betas[1]) * np.abs(grad) + eps)
    )
    compare(
        given,
        right,
        "ex-optim-2",
        "the step",
        f"grad = {fmt(grad)}, lr = {lr}",
        rtol=1e-6,
        atol=1e-15,
        mistakes=(
            (
                -right,
                "the step goes against the gradient: w <- w - lr m_hat / "
                "(sqrt(v_hat) + eps).",
            ),
            (
                no_correction,
                "the bias corrections are missing: divide m by "
                "1 - beta1^t and v by 1 - beta2^t (the step would be 3.16 lr).",
            ),
            (
                -lr * grad / np.sqrt(grad**2 + eps),
                "eps goes outside the square root, "
                "as in torch.optim.Adam: sqrt(v_hat) + eps.",
            ),
        ),
    )
    return "a step of lr in every coordinate whose gradient is well above eps."


def _min_batch(n, sigma2, grad_norm2, rel=0.1):
    return math.ceil(n * sigma2 / (rel**2 * grad_norm2 * (n - 1) + sigma2))


@exercise(
    "ex-optim-5",
    "a function min_batch_size(N, sigma2, grad_norm2, rel) returning "
    "the smallest batch size B",
    lambda: _min_batch,
)
def _check_min_batch(answer):
    min_batch = require_callable(
        answer,
        "ex-optim-5",
        "a function min_batch_size(N, sigma2, grad_norm2, rel)",
    )
    for n, sigma2, g2, rel in (
        (1000, 50.0, 1.0, 0.1),
        (200, 3.0, 2.0, 0.1),
        (10_000, 0.5, 4.0, 0.05),
    ):
        given = call(min_batch, "ex-optim-5", n, sigma2, g2, rel)
        without = math.ceil(sigma2 / (rel**2 * g2))
        linear = math.ceil(n * sigma2 / (rel * g2 * (n - 1) + sigma2))
        mistakes = {
            without: "the finite-population factor (N - B)/(N - 1) is missing: "
            "sampling without replacement from N examples.",
            linear: "the error bound is on the RMS error, so square rel: the "
            "variance must be at most rel^2 |g|^2.",
        }
        mistakes.pop(_min_batch(n, sigma2, g2, rel), None)
        compare_int(
            given,
            _min_batch(n, sigma2, g2, rel),
            "ex-optim-5",
            f"B for N = {n}, sigma^2 = {sigma2}, |g|^2 = {g2}, rel = {rel}",
            mistakes=mistakes,
            hint="solve sigma^2/B (N-B)/(N-1) <= rel^2 |g|^2 "
            "for B and round up.",
        )
    return "the smallest B with (sigma^2/B)(N-B)/(N-1) <= rel^2 |g|^2."


def _reference_clip(grads, max_norm):
    return clip_grad_norm(grads, max_norm)


@exercise(
    "ex-optim-clip-norm",
    "a function clip_norm(grads, max_norm) that rescales the "
    "list of arrays in place and returns the total norm before clipping",
    lambda: _reference_clip,
)
def _check_clip(answer):
    clip = require_callable(
        answer,
        "ex-optim-clip-norm",
        "a function clip_norm(grads, max_norm) -> total_norm",
    )
    rng = np.random.default_rng(9)
    for max_norm, scale in ((1.0, 3.0), (100.0, 1.0)):
        grads = [rng.normal(0, scale, (3, 2)), rng.normal(0, scale, 4)]
        arrays = list(grads)  # the objects that must be rescaled in place
        original = [g.copy() for g in grads]
        expected = [g.copy() for g in grads]
        total_expected = clip_grad_norm(expected, max_norm)
        total = call(clip, "ex-optim-clip-norm", grads, max_norm)
        norm = float(np.sqrt(sum(np.sum(g**2) for g in original)))
        inputs = (
            f"two gradients of total norm {norm:.4f}, max_norm = {max_norm}"
        )
        total = require_numbers(
            total,
            None,
            "ex-optim-clip-norm",
            "the total norm before clipping, a number",
        )
        compare(
            total,
            total_expected,
            "ex-optim-clip-norm",
            "the returned total norm",
            inputs,
            mistakes=(
                (
                    min(norm, max_norm),
                    "return the norm before clipping, "
                    "as torch.nn.utils.clip_grad_norm_ does.",
                ),
            ),
        )
        per_tensor = [
            g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))
            for g in original
        ]
        scaled_up = [g * max_norm / (norm + 1e-6) for g in original]
        for k, (g, e) in enumerate(zip(arrays, expected)):
            compare(
                g,
                e,
                "ex-optim-clip-norm",
                f"grads[{k}] after clipping",
                inputs,
                mistakes=(
                    (
                        original[k],
                        "the gradients must be rescaled in place "
                        "(g *= factor), not replaced by new arrays.",
                    ),
                    (
                        per_tensor[k],
                        "clip the norm of all gradients together, "
                        "not of each array on its own.",
                    ),
                    (
                        scaled_up[k],
                        "gradients under the limit stay unchanged: "
                        "the factor is min(1, max_norm / (norm + 1e-6)).",
                    ),
                ),
            )
    return "clipping by the global norm, in place, as torch.nn.utils.clip_grad_norm_."
