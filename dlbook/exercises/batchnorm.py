"""Checkers for the exercises of chapter 5, batch normalization."""

from __future__ import annotations

import numpy as np

from ..batchnorm import batchnorm_backward, batchnorm_forward
from ._checking import (
    call,
    compare,
    exercise,
    fmt,
    require_callable,
    require_tuple,
)


def _fold(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    s = gamma / np.sqrt(running_var + eps)
    return W * s[:, None], s * (b - running_mean) + beta


@exercise(
    "ex-batchnorm-3",
    "a function fold(W, b, gamma, beta, running_mean, running_var, "
    "eps) returning (W_folded, b_folded)",
    lambda: _fold,
)
def _check_fold(answer):
    fold = require_callable(
        answer, "ex-batchnorm-3", "a function fold(...) -> (W, b)"
    )
    rng = np.random.default_rng(5)
    for out, inp, eps in ((2, 3, 0.5), (6, 4, 1e-5)):
        W, b = rng.normal(size=(out, inp)), rng.normal(size=out)
        gamma, beta = rng.uniform(0.5, 2, out), rng.normal(size=out)
        mean, var = rng.normal(size=out), rng.uniform(0.01, 0.2, out)
        args = (W, b, gamma, beta, mean, var, eps)
        W_f, b_f = require_tuple(
            call(fold, "ex-batchnorm-3", *args),
            ("W_folded", "b_folded"), "ex-batchnorm-3", "fold",
        )
        s = gamma / np.sqrt(var + eps)
        inputs = f"W {W.shape}, running_var = {fmt(var)}, eps = {eps}"
        compare(
            W_f,
            W * s[:, None],
            "ex-batchnorm-3",
            "W_folded",
            inputs,
            mistakes=(
                (
                    W * (gamma / np.sqrt(var))[:, None],
                    "eps belongs inside the square root: "
                    "gamma / sqrt(running_var + eps).",
                ),
                (
                    W * (gamma / (var + eps))[:, None],
                    "divide by the standard deviation "
                    "sqrt(running_var + eps), not by the variance.",
                ),
            ),
            hint="scale each row of W (one output unit) by gamma / sqrt(running_var + eps).",
        )
        compare(
            b_f,
            s * (b - mean) + beta,
            "ex-batchnorm-3",
            "b_folded",
            inputs,
            mistakes=(
                (
                    s * b + beta,
                    "subtract the running mean: b' = s (b - running_mean) + beta.",
                ),
                (
                    s * (b - mean),
                    "beta is missing: b' = s (b - running_mean) + beta.",
                ),
                (
                    b - mean + beta,
                    "scale the shifted bias by s = gamma / sqrt(var + eps).",
                ),
            ),
        )
    return (
        "the folded layer equals Linear followed by BatchNorm1d in eval mode."
    )


def _layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@exercise(
    "ex-batchnorm-4",
    "a function layer_norm(x, gamma, beta, eps) returning y, x of shape (N, D)",
    lambda: _layer_norm,
)
def _check_layer_norm(answer):
    layer_norm = require_callable(
        answer,
        "ex-batchnorm-4",
        "a function layer_norm(x, gamma, beta, eps) -> y",
    )
    rng = np.random.default_rng(6)
    for n, d, eps in ((3, 4, 0.1), (1, 5, 1e-5), (6, 3, 1e-5)):
        x = rng.normal(2.0, 3.0, (n, d))
        gamma, beta = rng.uniform(0.5, 2, d), rng.normal(size=d)
        y = call(layer_norm, "ex-batchnorm-4", x, gamma, beta, eps)
        mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
        mistakes = [
            (
                (x - mean)
                / np.sqrt(x.var(1, ddof=1, keepdims=True) + eps)
                * gamma
                + beta,
                "use the biased variance (divide by D), as batch norm does.",
            ),
            (
                (x - mean) / (np.sqrt(var) + eps) * gamma + beta,
                "eps belongs inside the square root: sqrt(var + eps).",
            ),
            ((x - mean) / np.sqrt(var + eps), "gamma and beta are missing."),
        ]
        if n > 1:
            mistakes.append(
                (
                    batchnorm_forward(x, gamma, beta, eps)[0],
                    "that normalizes each unit over the batch (axis 0); layer norm "
                    "normalizes each example over its units (axis 1).",
                )
            )
        compare(
            y,
            _layer_norm(x, gamma, beta, eps),
            "ex-batchnorm-4",
            "y",
            f"x = {fmt(x)}, eps = {eps}",
            mistakes=tuple(mistakes),
        )
    return "y equals torch.nn.functional.layer_norm, for a batch of one as for many."


def _population_statistics(batches):
    m = batches[0].shape[0]
    means = np.mean([b.mean(axis=0) for b in batches], axis=0)
    variances = np.mean([b.var(axis=0) for b in batches], axis=0)
    return means, m / (m - 1) * variances


@exercise(
    "ex-batchnorm-5",
    "a function population_statistics(batches) returning "
    "(mean, var) from a list of (m, D) mini-batches",
    lambda: _population_statistics,
)
def _check_population_statistics(answer):
    stats = require_callable(
        answer,
        "ex-batchnorm-5",
        "a function population_statistics(batches) -> (mean, var)",
    )
    rng = np.random.default_rng(7)
    # Batches with different means, so that the variance of the pooled data differs from the
    # average of the batch variances.
    batches = [rng.normal(loc, 1.0, (4, 3)) for loc in (-1.0, 0.0, 2.0)]
    mean, var = require_tuple(
        call(stats, "ex-batchnorm-5", batches),
        ("mean", "var"), "ex-batchnorm-5", "population_statistics",
    )
    right_mean, right_var = _population_statistics(batches)
    pooled = np.concatenate(batches)
    inputs = "3 mini-batches of shape (4, 3)"
    compare(mean, right_mean, "ex-batchnorm-5", "mean", inputs)
    compare(
        var,
        right_var,
        "ex-batchnorm-5",
        "var",
        inputs,
        mistakes=(
            (
                right_var * 3 / 4,
                "the m/(m-1) correction is missing: Var[x] = m/(m-1) "
                "E_B[sigma_B^2], the unbiased estimate.",
            ),
            (
                pooled.var(axis=0, ddof=1),
                "average the variances of the mini-batches; the "
                "variance of all the data pooled also counts the spread between batch means.",
            ),
            (
                np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0)
                * 4
                / 3,
                "the batch variances are corrected twice: take biased batch variances, then "
                "multiply their mean by m/(m-1) once.",
            ),
        ),
    )
    return "the population statistics of Ioffe and Szegedy's Algorithm 2."


def _backward(dy, x, gamma, eps=1e-5):
    _, cache = batchnorm_forward(x, gamma, np.zeros_like(gamma), eps)
    return batchnorm_backward(dy, cache)


@exercise(
    "ex-batchnorm-backward",
    "a function bn_backward(dy, x, gamma, eps) returning (dx, dgamma, dbeta)",
    lambda: _backward,
)
def _check_backward(answer):
    backward = require_callable(
        answer,
        "ex-batchnorm-backward",
        "a function bn_backward(dy, x, gamma, eps)",
    )
    rng = np.random.default_rng(8)
    for n, d in ((3, 2), (8, 5)):
        x, dy = rng.normal(1.0, 2.0, (n, d)), rng.normal(size=(n, d))
        gamma, eps = rng.uniform(0.5, 2, d), 1e-5
        dx, dgamma, dbeta = require_tuple(
            call(backward, "ex-batchnorm-backward", dy, x, gamma, eps),
            ("dx", "dgamma", "dbeta"), "ex-batchnorm-backward", "bn_backward",
        )
        right = _backward(dy, x, gamma, eps)
        sigma = np.sqrt(x.var(0) + eps)
        x_hat = (x - x.mean(0)) / sigma
        inputs = f"x = {fmt(x)}, dy = {fmt(dy)}, gamma = {fmt(gamma)}"
        compare(
            dbeta,
            right[2],
            "ex-batchnorm-backward",
            "dbeta",
            inputs,
            mistakes=((dy.mean(0), "sum over the batch, do not average."),),
        )
        compare(
            dgamma,
            right[1],
            "ex-batchnorm-backward",
            "dgamma",
            inputs,
            mistakes=(
                (
                    (dy * x).sum(0),
                    "dgamma = sum_n dy_n * x_hat_n, with the normalized x_hat.",
                ),
            ),
        )
        compare(
            dx,
            right[0],
            "ex-batchnorm-backward",
            "dx",
            inputs,
            mistakes=(
                (
                    dy * gamma / sigma,
                    "only the direct path: x also reaches the output "
                    "through the batch mean and the batch variance.",
                ),
                (
                    gamma / sigma * (dy - dy.mean(0)),
                    "the path through the variance is "
                    "missing: subtract x_hat * mean(dy * x_hat) too.",
                ),
                (
                    gamma / sigma * (dy - x_hat * (dy * x_hat).mean(0)),
                    "the path through the "
                    "mean is missing: subtract mean(dy) too.",
                ),
            ),
        )
    return "dx, dgamma and dbeta agree with torch.autograd."
