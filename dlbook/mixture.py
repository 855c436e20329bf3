"""Gaussian mixture models fitted by expectation-maximization (chapter 8).

The estimator mirrors scikit-learn's ``GaussianMixture`` (same parameters,
attributes, update formulas, stopping rule and error messages), so a fit started
from the same initial weights, means and precisions gives the same model.  All
arithmetic runs in float64; fitted attributes and returned arrays take the dtype
of the data.
"""

from __future__ import annotations

import numpy as np

from ._validation import (as_float_array, as_rng, check_choice, check_finite,
                          check_positive_int, check_real)

__all__ = ["GaussianMixture"]

_COVARIANCE_TYPES = ("full", "diag", "spherical")
_INIT_PARAMS = ("k-means++", "random")
_LOG_2PI = np.log(2.0 * np.pi)
_ILL_DEFINED = (
    "Fitting the mixture model failed because some components have ill-defined "
    "empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try "
    "to decrease the "
    "number of components, increase reg_covar, or scale the input data."
)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """Row-wise ``log(sum(exp(a)))`` without overflow; rows of ``-inf`` give
    ``-inf``."""
    top = np.max(a, axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - top), axis=1)) + top[:, 0]


class GaussianMixture:
    r"""Gaussian mixture model fitted by expectation-maximization (EM).

    The density is
    :math:`p(x) = \sum_{j=1}^K m_j \, \mathcal N(x \mid \mu_j, \Sigma_j)`.  EM
    alternates the E-step, the responsibilities :math:`w_{nj} = p(j \mid x_n)`,
    and the M-step

    .. math::

        m_j = \frac{1}{N}\sum_n w_{nj}, \qquad
        \mu_j = \frac{\sum_n w_{nj} x_n}{\sum_n w_{nj}}, \qquad
        \Sigma_j = \frac{\sum_n w_{nj} (x_n - \mu_j)(x_n - \mu_j)^\top}{\sum_n w_{nj}}
                   + \lambda I,

    with :math:`\lambda` = ``reg_covar``.  ``"diag"`` keeps only the diagonal of
    :math:`\Sigma_j` and ``"spherical"`` the mean of that diagonal,
    :math:`\sigma_j^2 I`. Iteration stops when the mean log-likelihood per
    sample changes by less than ``tol``.

    Parameters
    ----------
    n_components : int
        Number of mixture components ``K``.
    covariance_type : {"full", "diag", "spherical"}, default "full"
        Form of each component's covariance.
    max_iter : int, default 100
        Maximum number of EM iterations (0 keeps the initialization).
    tol : float, default 1e-3
        Convergence threshold on the change of the mean log-likelihood.
    reg_covar : float, default 1e-6
        Non-negative value added to the diagonal of every covariance.
    rng : numpy.random.Generator, optional
        Source of randomness for the initialization.
    init_params : {"k-means++", "random"}, default "k-means++"
        ``"k-means++"``: pick ``K`` centres by k-means++ seeding, assign every
        sample to its nearest centre and estimate the parameters from that hard
        assignment.  ``"random"``: random responsibilities (uniform, normalized
        per sample), as in scikit-learn.
    weights_init : ndarray, shape (K,), optional
        Initial mixing weights (non-negative, summing to 1); overrides the
        initialization.
    means_init : ndarray, shape (K, D), optional
        Initial means; overrides the initialization.
    precisions_init : ndarray, optional
        Initial precision (inverse covariance) of each component: shape
        ``(K, D, D)`` for ``"full"``, ``(K, D)`` for ``"diag"``, ``(K,)`` for
        ``"spherical"``, as in scikit-learn.  When all three ``*_init`` are
        given, ``rng`` is not used.

    Attributes
    ----------
    weights_ : ndarray
        Shape ``(K,)``. Mixing weights :math:`m_j`.
    means_ : ndarray
        Shape ``(K, D)``. Component means.
    covariances_ : ndarray
        ``(K, D, D)``, ``(K, D)`` or ``(K,)`` according to ``covariance_type``.
    converged_ : bool
        Whether the change of the log-likelihood fell below ``tol`` within
        ``max_iter``.
    n_iter_ : int
        Number of EM iterations run.
    lower_bound_ : float
        Mean log-likelihood per sample at the last E-step (scikit-learn's
        ``lower_bound_``).
    log_likelihood_history_ : ndarray
        Shape ``(n_iter_,)``. Mean log-likelihood per sample at the E-step of
        every iteration (scikit-learn's ``lower_bounds_``); EM with
        ``reg_covar=0`` never decreases it, and ``reg_covar > 0`` can cause
        decreases of the order of ``reg_covar``.

    Notes
    -----
    The E-step uses the Cholesky factor :math:`L_j` of :math:`\Sigma_j` and
    triangular solves, :math:`\log \mathcal N = -\tfrac12 (D \log 2\pi +
    \|L_j^{-1}(x-\mu_j)\|^2) - \sum_i \log (L_j)_{ii}`, and a log-sum-exp over
    components, so it never forms an inverse and never overflows.  PyTorch has
    no EM estimator; the density
    equals ``torch.distributions.MixtureSameFamily`` of ``MultivariateNormal``
    components.  Like scikit-learn, the mixing weights are ``N_j / sum(N_j)``
    with ``N_j = sum_n w_nj`` plus ``10 * machine epsilon`` (so that no
    component is exactly empty).  No warning is issued when EM stops without
    converging: check ``converged_``.

    References
    ----------
    A. P. Dempster, N. M. Laird and D. B. Rubin (1977), Maximum likelihood from incomplete data
    via the EM algorithm.
    C. M. Bishop (2006), Pattern Recognition and Machine Learning, section 9.2.
    """

    def __init__(self, n_components: int, covariance_type: str = "full",
                 max_iter: int = 100,
                 tol: float = 1e-3, reg_covar: float = 1e-6,
                 rng: np.random.Generator | None = None, *,
                 init_params: str = "k-means++",
                 weights_init=None, means_init=None, precisions_init=None):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.rng = rng
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init

    # ---------------------------------------------------------------- checks
    def _check_X(self, X, where: str) -> np.ndarray:
        X = as_float_array(X, "X", where, ndim=2)
        fitted = hasattr(self, "n_features_in_")
        if fitted and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{where}: X has {X.shape[1]} features, but the model was "
                f"fitted with {self.n_features_in_} features"
            )
        if X.shape[0] == 0:
            raise ValueError(f"{where}: X must hold at least one sample, "
                             f"got shape {X.shape}")
        check_finite(X, "X", where)
        return X

    def _check_fitted(self, where: str) -> None:
        if not hasattr(self, "_params"):
            raise ValueError(
                f"{where}: this GaussianMixture instance is not fitted yet; "
                "call 'fit' with "
                "appropriate arguments before using this estimator"
            )

    def _posterior(self, X,
                   where: str) -> tuple[np.ndarray, np.ndarray, np.dtype]:
        """E-step of the fitted model on validated ``X``: (log-likelihood (N,),
        log-responsibilities (N, K), dtype of ``X``), computed in float64."""
        self._check_fitted(where)
        X = self._check_X(X, where)
        log_like, log_resp = self._e_step(X.astype(np.float64, copy=False),
                                          self._params)
        return log_like, log_resp, X.dtype

    def _check_inits(self, K: int, D: int, where: str):
        """Validate ``weights_init``, ``means_init`` and ``precisions_init``
        (scikit-learn's rules)."""
        weights = means = covariances = None
        if self.weights_init is not None:
            weights = as_float_array(self.weights_init, "weights_init",
                                     where).astype(np.float64)
            if weights.shape != (K,):
                raise ValueError(f"{where}: weights_init must have shape "
                                 f"({K},), got {weights.shape}")
            check_finite(weights, "weights_init", where)
            if np.any(weights < 0) or np.any(weights > 1):
                raise ValueError(
                    f"{where}: weights_init must be in the range [0, 1], got "
                    "min value "
                    f"{weights.min():.5f}, max value {weights.max():.5f}"
                )
            if abs(1.0 - weights.sum()) > 1e-8:
                raise ValueError(f"{where}: weights_init must be normalized, "
                                 f"got sum {weights.sum():.5f}")
        if self.means_init is not None:
            means = as_float_array(self.means_init, "means_init",
                                   where).astype(np.float64)
            if means.shape != (K, D):
                raise ValueError(f"{where}: means_init must have shape ({K}, "
                                 f"{D}), got {means.shape}")
            check_finite(means, "means_init", where)
        if self.precisions_init is not None:
            shape = {"full": (K, D, D), "diag": (K, D),
                     "spherical": (K,)}[self.covariance_type]
            prec = as_float_array(self.precisions_init, "precisions_init",
                                  where).astype(np.float64)
            if prec.shape != shape:
                raise ValueError(
                    f"{where}: precisions_init for "
                    f"covariance_type={self.covariance_type!r} must "
                    f"have shape {shape}, got {prec.shape}"
                )
            check_finite(prec, "precisions_init", where)
            if self.covariance_type == "full":
                symmetric = np.allclose(prec, np.swapaxes(prec, 1, 2))
                if not symmetric or np.any(np.linalg.eigvalsh(prec) <= 0):
                    raise ValueError(f"{where}: precisions_init must be "
                                     "symmetric, positive-definite")
                # Sigma = P^-1 = L_P^-T L_P^-1 from the Cholesky factor of P
                # (one solve, once).
                inv_chol = np.linalg.solve(np.linalg.cholesky(prec), np.eye(D))
                covariances = np.swapaxes(inv_chol, 1, 2) @ inv_chol
            else:
                if np.any(prec <= 0):
                    raise ValueError(f"{where}: precisions_init must be "
                                     "positive")
                covariances = 1.0 / prec
        return weights, means, covariances

    # ------------------------------------------------------------- the model
    def _log_gaussians(self, X: np.ndarray, means: np.ndarray,
                       cov: np.ndarray) -> np.ndarray:
        """``log N(x_n | mu_j, Sigma_j)`` for every sample and component, shape (N, K)."""
        D = X.shape[1]
        # (K, N, D)
        diff = X[None, :, :] - means[:, None, :]
        if self.covariance_type == "full":
            try:
                # (K, D, D)
                L = np.linalg.cholesky(cov)
            except np.linalg.LinAlgError:
                raise ValueError(f"GaussianMixture: {_ILL_DEFINED}") from None
            # L z = (x - mu)^T
            z = np.linalg.solve(L, np.swapaxes(diff, 1, 2))
            maha = np.einsum("kdn,kdn->kn", z, z)
            half_logdet = np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
        else:
            if np.any(cov <= 0):
                raise ValueError(f"GaussianMixture: {_ILL_DEFINED}")
            if self.covariance_type == "diag":
                maha = np.einsum("knd,knd,kd->kn", diff, diff, 1.0 / cov)
                half_logdet = 0.5 * np.log(cov).sum(axis=1)
            else:
                maha = np.einsum("knd,knd->kn", diff, diff) / cov[:, None]
                half_logdet = 0.5 * D * np.log(cov)
        return (-0.5 * (D * _LOG_2PI + maha) - half_logdet[:, None]).T

    def _e_step(self, X: np.ndarray, params):
        """Return the per-sample log-likelihood (N,) and log-responsibilities
        (N, K)."""
        weights, means, cov = params
        with np.errstate(divide="ignore"):
            weighted = self._log_gaussians(X, means, cov) + np.log(weights)
        log_like = _logsumexp(weighted)
        with np.errstate(under="ignore"):
            log_resp = weighted - log_like[:, None]
        return log_like, log_resp

    def _m_step(self, X: np.ndarray, resp: np.ndarray):
        """Weights, means and covariances from responsibilities ``resp`` (N,
        K)."""
        nk = resp.sum(axis=0) + 10 * np.finfo(np.float64).eps
        means = resp.T @ X / nk[:, None]
        # (K, N, D)
        diff = X[None, :, :] - means[:, None, :]
        weighted = diff * resp.T[:, :, None]
        if self.covariance_type == "full":
            cov = np.swapaxes(weighted, 1, 2) @ diff / nk[:, None, None]
            idx = np.arange(X.shape[1])
            cov[:, idx, idx] += self.reg_covar
        else:
            cov = np.einsum("knd,knd->kd", weighted, diff) / nk[:, None]
            cov += self.reg_covar
            if self.covariance_type == "spherical":
                cov = cov.mean(axis=1)
        return nk / nk.sum(), means, cov

    def _initial_resp(self, X: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
        N, K = X.shape[0], self.n_components
        if self.init_params == "random":
            resp = rng.uniform(size=(N, K))
            return resp / resp.sum(axis=1, keepdims=True)
        # k-means++ seeding: each new centre is a sample drawn with probability
        # ~ squared distance to the nearest centre chosen so far.
        centres = [int(rng.integers(N))]
        closest = np.sum((X - X[centres[0]]) ** 2, axis=1)
        for _ in range(1, K):
            total = closest.sum()
            p = closest / total if total > 0 else np.full(N, 1.0 / N)
            centres.append(int(rng.choice(N, p=p)))
            closest = np.minimum(closest,
                                 np.sum((X - X[centres[-1]]) ** 2, axis=1))
        C = X[centres]
        sq = (np.sum(X**2, axis=1)[:, None] - 2 * X @ C.T
              + np.sum(C**2, axis=1)[None, :])
        resp = np.zeros((N, K))
        resp[np.arange(N), np.argmin(sq, axis=1)] = 1.0
        return resp

    # ------------------------------------------------------------ public API
    def fit(self, X) -> "GaussianMixture":
        """Estimate the mixture's parameters from ``X`` with EM.

        Parameters
        ----------
        X : ndarray, shape (N, D)
            Training data, ``N >= max(2, n_components)``.

        Returns
        -------
        GaussianMixture
            ``self``, fitted.

        Raises
        ------
        ValueError
            On invalid hyperparameters or data, and when a covariance becomes
            singular.
        """
        where = "GaussianMixture.fit"
        K = check_positive_int(self.n_components, "n_components", where)
        check_choice(self.covariance_type, "covariance_type", where,
                     _COVARIANCE_TYPES)
        check_choice(self.init_params, "init_params", where, _INIT_PARAMS)
        max_iter = check_positive_int(self.max_iter, "max_iter", where,
                                      minimum=0)
        tol = check_real(self.tol, "tol", where, low=0.0)
        check_real(self.reg_covar, "reg_covar", where, low=0.0)
        for name in ("_params", "n_features_in_"):
            self.__dict__.pop(name, None)
        X = self._check_X(X, where)
        N, D = X.shape
        if N < 2 or N < K:
            raise ValueError(
                f"{where}: expected n_samples >= max(2, n_components), got "
                f"n_components = {K}, n_samples = {N}"
            )
        X64 = X.astype(np.float64, copy=False)
        weights, means, cov = self._check_inits(K, D, where)
        if weights is None or means is None or cov is None:
            resp = self._initial_resp(X64, as_rng(self.rng, where))
            est = self._m_step(X64, resp)
            weights = est[0] if weights is None else weights
            means = est[1] if means is None else means
            cov = est[2] if cov is None else cov
        params = (weights, means, cov)
        history = []
        lower_bound, converged, n_iter = -np.inf, False, 0
        for n_iter in range(1, max_iter + 1):
            log_like, log_resp = self._e_step(X64, params)
            params = self._m_step(X64, np.exp(log_resp))
            previous, lower_bound = lower_bound, float(log_like.mean())
            history.append(lower_bound)
            if abs(lower_bound - previous) < tol:
                converged = True
                break
        self._params = params
        self._dtype = X.dtype
        self.n_features_in_ = D
        self.weights_, self.means_, self.covariances_ = (
            p.astype(X.dtype) for p in params)
        self.converged_ = converged
        self.n_iter_ = n_iter
        self.lower_bound_ = lower_bound
        self.log_likelihood_history_ = np.array(history)
        return self

    def score_samples(self, X) -> np.ndarray:
        r"""Log-density of every sample,
        :math:`\log \sum_j m_j \mathcal N(x_n \mid \mu_j, \Sigma_j)`.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N,)
            Log-likelihood of each sample, dtype of ``X``.
        """
        log_like, _, dtype = self._posterior(X, "GaussianMixture.score_samples")
        return log_like.astype(dtype)

    def score(self, X) -> float:
        """Mean log-likelihood per sample of ``X``.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        float
        """
        return float(self._posterior(X, "GaussianMixture.score")[0].mean())

    def predict_proba(self, X) -> np.ndarray:
        """Responsibilities :math:`p(j \\mid x_n)` of every component for every sample.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, K)
            Rows sum to one; dtype of ``X``.
        """
        _, log_resp, dtype = self._posterior(X, "GaussianMixture.predict_proba")
        return np.exp(log_resp).astype(dtype)

    def predict(self, X) -> np.ndarray:
        """Most responsible component of every sample.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray of int64, shape (N,)
        """
        return np.argmax(self._posterior(X, "GaussianMixture.predict")[1],
                         axis=1)

    def fit_predict(self, X) -> np.ndarray:
        """Fit to ``X`` and return ``predict(X)``.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray of int64, shape (N,)
        """
        return self.fit(X).predict(X)

    def n_parameters(self) -> int:
        r"""Number of free parameters, as scikit-learn's ``_n_parameters``.

        .. math::

            (K - 1) + K D + \begin{cases} K D (D+1)/2 & \text{full} \\ K D & \text{diag} \\
            K & \text{spherical} \end{cases}

        Returns
        -------
        int
        """
        self._check_fitted("GaussianMixture.n_parameters")
        K, D = self.n_components, self.n_features_in_
        cov = {"full": K * D * (D + 1) // 2, "diag": K * D,
               "spherical": K}[self.covariance_type]
        return int(cov + K * D + K - 1)

    def bic(self, X) -> float:
        r"""Bayesian information criterion, :math:`-2 \log L + p \log N` (lower
        is better).

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        float
        """
        score = self.score(X)
        N = np.shape(X)[0]
        return -2.0 * score * N + self.n_parameters() * np.log(N)

    def aic(self, X) -> float:
        r"""Akaike information criterion, :math:`-2 \log L + 2 p` (lower is
        better).

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        float
        """
        score = self.score(X)
        return -2.0 * score * np.shape(X)[0] + 2 * self.n_parameters()
