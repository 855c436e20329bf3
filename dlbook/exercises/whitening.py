"""Checkers for the exercises of chapter 8, whitening, PCA and Gaussian fitting."""

from __future__ import annotations

import numpy as np

from ._checking import (
    call,
    compare,
    compare_int,
    exercise,
    require_callable,
    require_keys,
    require_tuple,
)


def _test_data(n=40, d=3, seed=12):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d)) + 2 * np.eye(d)
    return rng.normal(size=(n, d)) @ A.T + rng.normal(0, 3, d)


def _zca_matrix(X):
    lam, E = np.linalg.eigh(np.cov(X, rowvar=False))
    return (E / np.sqrt(lam)) @ E.T


@exercise(
    "ex-whitening-1",
    "a function zca_matrix(X) returning the (D, D) ZCA whitening "
    "matrix E D^(-1/2) E^T of the data X (N, D)",
    lambda: _zca_matrix,
)
def _check_zca(answer):
    zca = require_callable(answer, "ex-whitening-1", "a function zca_matrix(X)")
    for n, d in ((40, 3), (25, 2)):
        X = _test_data(n, d)
        lam, E = np.linalg.eigh(np.cov(X, rowvar=False))
        inputs = f"X of shape {X.shape}"
        compare(
            call(zca, "ex-whitening-1", X),
            _zca_matrix(X),
            "ex-whitening-1",
            "the ZCA matrix",
            inputs,
            mistakes=(
                (
                    (E / lam) @ E.T,
                    "D^(-1/2): divide by the square roots of the eigenvalues.",
                ),
                (
                    E.T / np.sqrt(lam)[:, None],
                    "that is PCA whitening D^(-1/2) E^T; ZCA "
                    "rotates back with E: E D^(-1/2) E^T.",
                ),
                (
                    _zca_matrix(X) * np.sqrt(n / (n - 1)),
                    "use the covariance with "
                    "N - 1 (np.cov's default, ddof=1), as dlbook's PCA and ZCA do.",
                ),
                (
                    (E * np.sqrt(lam)) @ E.T,
                    "that is the de-whitening matrix; invert the square roots.",
                ),
            ),
            hint="centre the data, take the covariance, its eigendecomposition "
            "(np.linalg.eigh), then E diag(1/sqrt(lam)) E^T.",
        )
    return "W Sigma W^T = I, and W is symmetric: ZCA."


def _eigenvalues_from_svd(X):
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return s**2 / (X.shape[0] - 1)


@exercise(
    "ex-whitening-2",
    "a function eigenvalues_from_svd(X) returning the covariance "
    "eigenvalues, largest first, from the SVD of the centred data",
    lambda: _eigenvalues_from_svd,
)
def _check_svd_eigenvalues(answer):
    eig = require_callable(
        answer, "ex-whitening-2", "a function eigenvalues_from_svd(X)"
    )
    for n, d in ((40, 3), (6, 5)):
        X = _test_data(n, d)
        Xc = X - X.mean(axis=0)
        s = np.linalg.svd(Xc, compute_uv=False)
        s_raw = np.linalg.svd(X, compute_uv=False)
        right = s**2 / (n - 1)
        compare(
            call(eig, "ex-whitening-2", X),
            right,
            "ex-whitening-2",
            "the eigenvalues",
            f"X of shape {X.shape}",
            mistakes=(
                (
                    s**2 / n,
                    "divide by N - 1, as the sample covariance (ddof=1) does.",
                ),
                (
                    s,
                    "the eigenvalues are the squared singular values over N - 1.",
                ),
                (
                    s_raw**2 / (n - 1),
                    "centre the data first: X - X.mean(axis=0).",
                ),
                (right[::-1], "sort from the largest to the smallest."),
            ),
        )
    return (
        "lambda_i = s_i^2 / (N - 1): the SVD of the centred data gives PCA."
    )


_GAUSSIAN_KEYS = ("full", "min_samples", "diag", "spherical", "mixture_diag_10")


def _gaussian_counts(d=3072):
    return {
        "full": d + d * (d + 1) // 2,
        "min_samples": d + 1,
        "diag": 2 * d,
        "spherical": d + 1,
        "mixture_diag_10": 10 * 2 * d + 9,
    }


@exercise(
    "ex-whitening-3",
    "a dict with the parameter counts 'full', 'diag', 'spherical', "
    "'mixture_diag_10' and the sample count 'min_samples' for d = 3072",
    _gaussian_counts,
)
def _check_gaussian_counts(answer):
    answer = require_keys(
        answer, _GAUSSIAN_KEYS, "ex-whitening-3", "a dict of counts"
    )
    d, right = 3072, _gaussian_counts()
    mistakes = {
        "full": {
            d
            + d
            * d: "a covariance is symmetric: d(d+1)/2 free entries, not d^2.",
            d * (d + 1) // 2: "the mean's d parameters are missing.",
        },
        "min_samples": {
            d: "the sample covariance of N points has rank at most N - 1, "
            "so N = d + 1 at the very least."
        },
        "diag": {d: "the mean's d parameters are missing."},
        "spherical": {
            1: "the mean's d parameters are missing.",
            2 * d: "that is the diagonal form; spherical has one variance.",
        },
        "mixture_diag_10": {
            10 * 2 * d: "the 10 mixture weights add 9 free parameters "
            "(they sum to 1)."
        },
    }
    for key in _GAUSSIAN_KEYS:
        compare_int(
            answer[key],
            right[key],
            "ex-whitening-3",
            repr(key),
            mistakes=mistakes[key],
        )
    return (
        f"a full Gaussian needs {right['full']:,} parameters and at least "
        f"{right['min_samples']:,} images; diagonal {right['diag']:,}."
    )


def _ml_gaussian(X, reg_covar):
    mean = X.mean(axis=0)
    Xc = X - mean
    return mean, Xc.T @ Xc / X.shape[0] + reg_covar * np.eye(X.shape[1])


@exercise(
    "ex-whitening-4",
    "a function ml_gaussian(X, reg_covar) returning (mean, cov)",
    lambda: _ml_gaussian,
)
def _check_ml_gaussian(answer):
    ml = require_callable(
        answer, "ex-whitening-4", "a function ml_gaussian(X, reg_covar)"
    )
    for n, d, reg in ((5, 2, 0.1), (30, 4, 1e-6)):
        X = _test_data(n, d)
        mean, cov = require_tuple(
            call(ml, "ex-whitening-4", X, reg),
            ("mean", "cov"), "ex-whitening-4", "ml_gaussian",
        )
        right_mean, right_cov = _ml_gaussian(X, reg)
        inputs = f"X of shape {X.shape}, reg_covar = {reg}"
        compare(mean, right_mean, "ex-whitening-4", "mean", inputs)
        compare(
            cov,
            right_cov,
            "ex-whitening-4",
            "cov",
            inputs,
            mistakes=(
                (
                    np.cov(X, rowvar=False) + reg * np.eye(d),
                    "the maximum-likelihood "
                    "covariance divides by N (ddof=0), not N - 1.",
                ),
                (
                    right_cov - reg * np.eye(d),
                    "reg_covar is missing on the diagonal.",
                ),
                (
                    right_cov - reg * np.eye(d) + reg,
                    "add reg_covar to the diagonal only.",
                ),
            ),
        )
    return "one EM step with K = 1 lands on the maximum-likelihood Gaussian."
