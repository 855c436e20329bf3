"""Checkers for the exercises of chapter 7, regularization."""

from __future__ import annotations

import numpy as np

from ._checking import (
    call,
    compare,
    compare_int,
    exercise,
    fmt,
    require_callable,
    require_keys,
    require_numbers,
)


def _dropout_penalty(w, X, p):
    return p / (1 - p) * float(np.sum(w**2 * np.sum(X**2, axis=0)))


@exercise(
    "ex-regularization-2",
    "a function dropout_penalty(w, X, p) returning the penalty term (a number)",
    lambda: _dropout_penalty,
)
def _check_dropout_penalty(answer):
    penalty = require_callable(
        answer,
        "ex-regularization-2",
        "a function dropout_penalty(w, X, p) -> float",
    )
    rng = np.random.default_rng(10)
    for n, d, p in ((3, 2, 0.5), (6, 5, 0.2)):
        X, w = rng.normal(size=(n, d)), rng.normal(size=d)
        given = require_numbers(
            call(penalty, "ex-regularization-2", w, X, p),
            None,
            "ex-regularization-2",
            "the penalty, a number",
        )
        energy = np.sum(X**2, axis=0)
        compare(
            given,
            _dropout_penalty(w, X, p),
            "ex-regularization-2",
            "the penalty",
            f"w = {fmt(w)}, X = {fmt(X)}, p = {p}",
            mistakes=(
                (
                    p * np.sum(w**2 * energy),
                    "inverted dropout scales the kept "
                    "features by 1/(1-p), which gives the factor p/(1-p), not p.",
                ),
                (
                    (1 - p) / p * np.sum(w**2 * energy),
                    "the factor is p/(1-p): more dropout, stronger penalty.",
                ),
                (
                    p / (1 - p) * np.sum((X @ w) ** 2),
                    "the penalty is per weight, "
                    "sum_j w_j^2 sum_n x_nj^2, not on the predictions.",
                ),
                (
                    p / (1 - p) * np.sum(w**2),
                    "each weight's penalty grows with the "
                    "energy sum_n x_nj^2 of its feature.",
                ),
            ),
        )
    return "an L2 penalty whose strength follows each feature's energy."


def _soft_threshold(a, lam):
    return np.sign(a) * np.maximum(np.abs(a) - lam, 0.0)


@exercise(
    "ex-regularization-3",
    "a function soft(a, lam) returning the soft threshold elementwise",
    lambda: _soft_threshold,
)
def _check_soft_threshold(answer):
    soft = require_callable(
        answer, "ex-regularization-3", "a function soft(a, lam)"
    )
    for a, lam in (
        (np.array([-2.0, -0.3, 0.0, 0.5, 3.0]), 0.5),
        (np.random.default_rng(11).normal(0, 2, (3, 4)), 1.2),
    ):
        compare(
            call(soft, "ex-regularization-3", a, lam),
            _soft_threshold(a, lam),
            "ex-regularization-3",
            "soft(a, lam)",
            f"a = {fmt(a)}, lam = {lam}",
            mistakes=(
                (
                    np.maximum(np.abs(a) - lam, 0.0),
                    "the sign of a is lost: multiply by sign(a).",
                ),
                (
                    a - lam * np.sign(a),
                    "entries with |a| < lam must become exactly 0, "
                    "not cross zero: use max(|a| - lam, 0).",
                ),
                (
                    np.clip(a, -lam, lam),
                    "that clips a; the soft threshold shrinks every "
                    "entry toward 0 by lam.",
                ),
            ),
        )
    return "soft thresholding: small entries become exactly zero, the others shrink by lam."


_STOP_KEYS = ("stop", "restored", "stop_min_delta_0", "restored_min_delta_0")


def _early_stopping_answers():
    return {
        "stop": 7,
        "restored": 4,
        "stop_min_delta_0": 7,
        "restored_min_delta_0": 4,
    }


@exercise(
    "ex-regularization-4",
    "a dict with the 0-based evaluation indices 'stop', "
    "'restored', 'stop_min_delta_0' and 'restored_min_delta_0'",
    _early_stopping_answers,
)
def _check_early_stopping(answer):
    answer = require_keys(
        answer,
        _STOP_KEYS,
        "ex-regularization-4",
        "a dict of evaluation indices",
    )
    right = _early_stopping_answers()
    for key in _STOP_KEYS:
        compare_int(
            answer[key],
            right[key],
            "ex-regularization-4",
            repr(key),
            mistakes={
                right[key] + 1: "count the evaluations from 0, as Python does."
            },
            hint="walk the list and count the evaluations without an improvement larger "
            "than min_delta since the best one; stop after patience = 3 of them.",
        )
    return "training stops at evaluation 7 and restores evaluation 4, with either min_delta."


@exercise(
    "ex-regularization-5",
    "the number E[1/beta_ML] for N = 20, M = 10, sigma = 0.25",
    lambda: (20 - 10) / 20 * 0.25**2,
)
def _check_noise_bias(answer):
    given = require_numbers(
        answer, None, "ex-regularization-5", "E[1/beta_ML], a number"
    )
    right = (20 - 10) / 20 * 0.25**2
    compare(
        given,
        right,
        "ex-regularization-5",
        "E[1/beta_ML]",
        "N = 20, M = 10, sigma = 0.25",
        rtol=1e-3,
        mistakes=(
            (
                0.25**2,
                "that is sigma^2 itself; the maximum-likelihood estimate is "
                "biased low by (N - M)/N.",
            ),
            (0.5, "that is the factor (N - M)/N; multiply it by sigma^2."),
            (
                (20 - 10) / 20 * 0.25,
                "1/beta is a variance: use sigma^2 = 0.0625.",
            ),
        ),
    )
    return f"E[1/beta_ML] = {right:g}, half the true noise variance."
