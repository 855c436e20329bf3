"""Principal component analysis, PCA whitening and ZCA whitening (chapter 8).

Both estimators follow scikit-learn's conventions: ``fit`` returns ``self``,
fitted attributes end with an underscore, and the sample covariance uses the
unbiased normalization ``1 / (N - 1)`` (``ddof=1``).  The means and the
small (D, D) eigendecompositions run in float64 whatever the input dtype; the
(N, D) products run in the dtype of the data, so float32 data get float32 BLAS
(accurate to float32 rounding, like PyTorch's float32).  Fitted attributes and
transformed data are returned in the dtype of the input.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import as_float_array, check_bool, check_finite, check_real

__all__ = ["PCA", "ZCA"]


def _check_data(X, where: str, n_features: int | None = None,
                min_samples: int = 1,
                name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite 2-D float array with the expected number of
    columns."""
    X = as_float_array(X, name, where, ndim=2)
    if X.shape[0] < min_samples:
        raise ValueError(f"{where}: {name} must have at least {min_samples} "
                         f"samples (rows), got shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{where}: {name} has {X.shape[1]} features, but the estimator was "
            f"fitted with {n_features} features"
        )
    check_finite(X, name, where)
    return X


def _check_fitted(estimator, where: str) -> None:
    if not hasattr(estimator, "mean_"):
        raise ValueError(
            f"{where}: this {type(estimator).__name__} instance is not fitted "
            "yet; "
            "call 'fit' with appropriate arguments before using this estimator"
        )


def _flip_rows(V: np.ndarray) -> np.ndarray:
    """Flip the sign of each row of ``V`` so that its largest-magnitude entry is
    positive.

    This is scikit-learn's ``svd_flip(..., u_based_decision=False)`` convention
    (the first entry wins a tie), so principal directions are deterministic.
    """
    biggest = np.argmax(np.abs(V), axis=1)
    signs = np.sign(V[np.arange(V.shape[0]), biggest])
    signs[signs == 0] = 1.0
    return V * signs[:, None]


def _centre(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the column mean of ``X`` (N, D), accumulated in float64, and the
    centred data (:func:`_centred`)."""
    mean = X.mean(axis=0, dtype=np.float64)
    return mean, _centred(X, mean)


def _centred(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``X - mean`` (N, D) in the dtype of ``X``, the float64 ``mean`` (D,)
    rounded once to it."""
    return X - mean.astype(X.dtype)


def _project(Xc: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Return ``Xc @ matrix`` (N, k) for centred data ``Xc`` (N, D).

    The float64 ``matrix`` (D, k) from the fit is rounded once to the dtype of
    ``Xc``, so float32 data get float32 matrix products (float32 BLAS speed,
    float32 rounding).
    """
    return Xc @ matrix.astype(Xc.dtype)


def _covariance_eigh(Xc: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                              np.ndarray]:
    """Eigendecomposition of the covariance (ddof=1) of centred data ``Xc`` (N,
    D).

    Returns the variances in decreasing order (clipped at 0), the eigenvectors
    as rows with deterministic signs (:func:`_flip_rows`), and the mask of the
    variances that are rounding noise (below ``d_max * D * eps``).
    """
    n, d = Xc.shape
    # the (D, D) product in the data's dtype (float32 data: float32 BLAS), the
    # small eigendecomposition in float64
    covariance = (Xc.T @ Xc).astype(np.float64, copy=False) / (n - 1)
    lam, vecs = np.linalg.eigh(covariance)
    variance = np.clip(lam[::-1], 0.0, None)
    zero = variance <= variance[0] * d * np.finfo(np.float64).eps
    return variance, _flip_rows(vecs[:, ::-1].T), zero


class PCA:
    r"""Principal component analysis, optionally with PCA whitening.

    The data are centred with the sample mean :math:`\mu` and rotated onto the
    eigenvectors of the sample covariance :math:`\Sigma = E D E^\top`, sorted by
    decreasing eigenvalue.  The first ``k`` eigenvectors are the rows of
    ``components_`` (:math:`E_k^\top`) and

    .. math::

        \Sigma = \frac{1}{N-1} \sum_{n=1}^N (x_n - \mu)(x_n - \mu)^\top, \qquad
        y = E_k^\top (x - \mu), \qquad
        y_\text{white} = (D_k + \varepsilon I)^{-1/2} E_k^\top (x - \mu).

    Parameters
    ----------
    n_components : int, optional
        Number of components ``k`` to keep, in ``[1, min(N, D)]``; default
        ``min(N, D)``.
    whiten : bool, default False
        Divide each projected coordinate by :math:`\sqrt{d_i + \varepsilon}` so
        that the training data get (nearly) unit covariance.
    eps : float, default 0.0
        Regularizer :math:`\varepsilon \ge 0` added to every variance before the
        square root when whitening.

    Attributes
    ----------
    mean_ : ndarray
        Shape ``(D,)``. Per-feature mean of the training data.
    components_ : ndarray
        Shape ``(k, D)``. Principal directions (unit rows), sorted by decreasing
        explained variance; the sign of each row makes its largest-magnitude
        entry positive.
    explained_variance_ : ndarray
        Shape ``(k,)``. Eigenvalues :math:`d_i` of the sample covariance
        (``ddof=1``).
    explained_variance_ratio_ : ndarray
        Shape ``(k,)``. :math:`d_i / \operatorname{tr}\Sigma` (all zeros when
        the data are constant).
    singular_values_ : ndarray
        Shape ``(k,)``. Singular values of the centred data,
        :math:`\sqrt{(N-1) d_i}`.
    n_components_ : int
        The number of components kept.
    n_features_in_ : int
        Number of features ``D`` seen in ``fit``.

    Raises
    ------
    ValueError
        From ``fit``, when ``whiten=True``, ``eps=0`` and a kept direction has
        zero variance (rank-deficient data or constant features): dividing by
        zero would give infinities. The one exception is the direction that
        centring always removes when ``N <= D``: like scikit-learn, the default
        keeps ``min(N, D)`` components, and the whitened coordinate along that
        last, zero-variance direction is 0.

    Notes
    -----
    PyTorch has no PCA class; ``torch.linalg.eigh`` of the covariance gives the same
    eigenvalues and, up to sign, eigenvectors (``torch.pca_lowrank`` is a randomized
    variant).  The results equal scikit-learn's ``PCA(svd_solver="full")``, including the
    signs of ``components_``; scikit-learn clips zero variances to machine epsilon when
    whitening, whereas this class asks for ``eps > 0`` instead.  Like scikit-learn's default
    solver, tall data (``N >= 10 D``) use ``eigh`` of the :math:`D \times D` covariance; other
    shapes use the SVD of the centred data, :math:`X_c = U S V^\top`, with :math:`E = V` and
    :math:`D = S^2 / (N-1)`, which avoids squaring the condition number.

    References
    ----------
    K. Pearson (1901), On lines and planes of closest fit to systems of points in space.
    A. Kessy, A. Lewin and K. Strimmer (2018), Optimal whitening and decorrelation.
    """

    def __init__(self, n_components: int | None = None, whiten: bool = False,
                 eps: float = 0.0):
        self.n_components = n_components
        self.whiten = whiten
        self.eps = eps

    def fit(self, X) -> "PCA":
        """Fit the principal directions to ``X``.

        Parameters
        ----------
        X : ndarray, shape (N, D)
            Training data, at least two samples, finite.

        Returns
        -------
        PCA
            ``self``, fitted.
        """
        self._fit(X)
        return self

    def _fit(self, X) -> np.ndarray:
        """Fit to ``X`` and return the centred data (N, D), dtype of ``X``."""
        where = "PCA.fit"
        X = _check_data(X, where, min_samples=2)
        eps = check_real(self.eps, "eps", where, low=0.0, high=np.inf,
                         high_inclusive=False)
        whiten = check_bool(self.whiten, "whiten", where)
        n, d = X.shape
        k_max = min(n, d)
        k = self.n_components
        if k is None:
            k = k_max
        elif isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"{where}: n_components must be an integer or "
                            f"None, got {type(k).__name__}")
        elif not 1 <= k <= k_max:
            raise ValueError(
                f"{where}: n_components must be in [1, min(n_samples, "
                f"n_features)] = [1, {k_max}], got {k}"
            )
        k = int(k)
        mean, Xc = _centre(X)
        if n >= 10 * d:
            # Tall data: eigendecomposition of the D x D covariance (cheap, like
            # scikit-learn's "covariance_eigh" solver).
            variance, vt, zero = _covariance_eigh(Xc)
            s = np.sqrt(variance * (n - 1))
        else:
            # Otherwise the SVD of the centred data, X_c = U S V^T
            # (scikit-learn's "full" solver), centred and factored in float64.
            _, s, vt = np.linalg.svd(X.astype(np.float64, copy=False) - mean,
                                     full_matrices=False)
            variance = s**2 / (n - 1)
            zero = s <= s[0] * max(n, d) * np.finfo(np.float64).eps
            vt = _flip_rows(vt)
        total = variance.sum()
        ratio = variance / total if total > 0 else np.zeros_like(variance)
        n_zero = int(np.count_nonzero(zero[:k]))
        # With N <= D, centring leaves at most N - 1 directions of variance: the
        # N-th kept direction is empty by construction, not a defect of the
        # data, and whitens to 0.
        centring_zero = k == n <= d and bool(zero[k - 1])
        if whiten and eps == 0.0 and n_zero > centring_zero:
            raise ValueError(
                f"{where}: the data have zero variance along {n_zero} of the "
                f"{k} principal "
                f"directions kept (rank {k - n_zero}); set eps > 0 or reduce "
                f"n_components to at most {k - n_zero} to whiten"
            )
        dtype = X.dtype
        self.mean_ = mean.astype(dtype)
        self.components_ = vt[:k].astype(dtype)
        self.explained_variance_ = variance[:k].astype(dtype)
        self.explained_variance_ratio_ = ratio[:k].astype(dtype)
        self.singular_values_ = s[:k].astype(dtype)
        self.n_components_ = k
        self.n_features_in_ = d
        self._eps, self._whiten = eps, whiten
        self._fit64 = (mean, vt[:k], variance[:k])
        self._empty = zero[:k] if eps == 0.0 else np.zeros(k, dtype=bool)
        return Xc

    def _projection(self) -> np.ndarray:
        r"""The float64 (D, k) matrix that maps centred data to the output:
        :math:`E_k`, or :math:`E_k (D_k + \varepsilon I)^{-1/2}` when
        whitening."""
        comps = self._fit64[1]
        return comps.T / self._scale() if self._whiten else comps.T

    def _scale(self) -> np.ndarray:
        """Per-component standard deviation used by whitening, sqrt(d_i + eps),
        in float64 (set to infinity along an empty direction, whose whitened
        coordinate is 0)."""
        return np.where(self._empty, np.inf,
                        np.sqrt(self._fit64[2] + self._eps))

    def transform(self, X) -> np.ndarray:
        r"""Project ``X`` onto the principal directions (and whiten when asked).

        .. math::

            Y = (X - \mu) E_k \quad\text{or, whitened,}\quad
            Y = (X - \mu) E_k (D_k + \varepsilon I)^{-1/2}

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, k)
            Coordinates in the principal basis, dtype of ``X``.
        """
        _check_fitted(self, "PCA.transform")
        X = _check_data(X, "PCA.transform", n_features=self.n_features_in_)
        return _project(_centred(X, self._fit64[0]), self._projection())

    def inverse_transform(self, Y) -> np.ndarray:
        r"""Map coordinates back to the data space.

        .. math::

            X = Y E_k^\top + \mu \quad\text{or, whitened,}\quad
            X = Y (D_k + \varepsilon I)^{1/2} E_k^\top + \mu

        With ``k < D`` this is the best rank-``k`` reconstruction, not the
        original data.

        Parameters
        ----------
        Y : ndarray, shape (N, k)

        Returns
        -------
        ndarray, shape (N, D)
            Reconstructed data, dtype of ``Y``.
        """
        where = "PCA.inverse_transform"
        _check_fitted(self, where)
        Y = as_float_array(Y, "Y", where, ndim=2)
        if Y.shape[1] != self.n_components_:
            raise ValueError(f"{where}: Y must have {self.n_components_} "
                             f"columns, got shape {Y.shape}")
        mean, comps, _ = self._fit64
        Y64 = Y.astype(np.float64, copy=False)
        if self._whiten:
            scale = self._scale()
            Y64 = Y64 * np.where(self._empty, 0.0, scale)
        return (Y64 @ comps + mean).astype(Y.dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        """Fit to ``X`` and return ``transform(X)``.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, k)
        """
        return _project(self._fit(X), self._projection())


class ZCA:
    r"""ZCA (zero-phase, Mahalanobis) whitening.

    With the sample covariance :math:`\Sigma = E D E^\top` (``ddof=1``, as in
    :class:`PCA`), the whitening matrix is the symmetric inverse square root of
    the regularized covariance

    .. math::

        W = E (D + \varepsilon I)^{-1/2} E^\top, \qquad y = W (x - \mu).

    It rotates into the principal basis, rescales each direction to unit
    variance and rotates back, so whitened images still look like images.  Among
    all whitening matrices (:math:`W \Sigma W^\top = I`) it is the one that
    changes the data least in mean squared distance.

    Parameters
    ----------
    eps : float, default 1e-5
        Regularizer :math:`\varepsilon \ge 0` added to every eigenvalue; it
        damps the low-variance directions (noise) instead of blowing them up.

    Attributes
    ----------
    mean_ : ndarray
        Shape ``(D,)``. Per-feature mean of the training data.
    whitening_matrix_ : ndarray
        Shape ``(D, D)``. The symmetric matrix :math:`W`.
    dewhitening_matrix_ : ndarray
        Shape ``(D, D)``. :math:`W^{-1} = E (D + \varepsilon I)^{1/2} E^\top`.
    components_ : ndarray
        Shape ``(D, D)``. Eigenvectors of :math:`\Sigma` as rows, by decreasing
        eigenvalue.
    explained_variance_ : ndarray
        Shape ``(D,)``. Eigenvalues of :math:`\Sigma` (``ddof=1``), decreasing,
        clipped at 0.
    n_features_in_ : int
        Number of features ``D`` seen in ``fit``.

    Raises
    ------
    ValueError
        From ``fit``, when ``eps=0`` and the covariance is singular (zero
        variance along some direction).

    Notes
    -----
    PyTorch has no whitening class; the matrix equals ``V @ diag((L + eps) ** -0.5) @ V.T``
    with ``L, V = torch.linalg.eigh(cov)``.  Some implementations normalize the covariance
    by ``N`` instead of ``N - 1``; here ``ddof=1`` throughout, like :class:`PCA`.

    References
    ----------
    A. J. Bell and T. J. Sejnowski (1997), The "independent components" of natural scenes are
    edge filters.
    A. Kessy, A. Lewin and K. Strimmer (2018), Optimal whitening and decorrelation.
    """

    def __init__(self, eps: float = 1e-5):
        self.eps = eps

    def fit(self, X) -> "ZCA":
        """Estimate the mean and the whitening matrix from ``X``.

        Parameters
        ----------
        X : ndarray, shape (N, D)
            Training data, at least two samples, finite.

        Returns
        -------
        ZCA
            ``self``, fitted.
        """
        self._fit(X)
        return self

    def _fit(self, X) -> np.ndarray:
        """Fit to ``X`` and return the centred data (N, D), dtype of ``X``."""
        where = "ZCA.fit"
        X = _check_data(X, where, min_samples=2)
        eps = check_real(self.eps, "eps", where, low=0.0, high=np.inf,
                         high_inclusive=False)
        d = X.shape[1]
        mean, Xc = _centre(X)
        lam, comps, zero = _covariance_eigh(Xc)
        n_zero = int(np.count_nonzero(zero))
        if eps == 0.0 and n_zero:
            raise ValueError(
                f"{where}: the data have zero variance along {n_zero} of {d} "
                "directions "
                "(the covariance is singular); set eps > 0 to whiten them"
            )
        E = comps.T
        W = (E / np.sqrt(lam + eps)) @ E.T
        W_inv = (E * np.sqrt(lam + eps)) @ E.T
        dtype = X.dtype
        self._fit64 = (mean, 0.5 * (W + W.T), 0.5 * (W_inv + W_inv.T))
        self.mean_ = mean.astype(dtype)
        self.whitening_matrix_ = self._fit64[1].astype(dtype)
        self.dewhitening_matrix_ = self._fit64[2].astype(dtype)
        self.components_ = comps.astype(dtype)
        self.explained_variance_ = lam.astype(dtype)
        self.n_features_in_ = d
        return Xc

    def transform(self, X) -> np.ndarray:
        r"""Whiten ``X``: :math:`Y = (X - \mu) W` (``W`` is symmetric).

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, D)
            Whitened data, dtype of ``X``.
        """
        _check_fitted(self, "ZCA.transform")
        X = _check_data(X, "ZCA.transform", n_features=self.n_features_in_)
        mean, W, _ = self._fit64
        return _project(_centred(X, mean), W)

    def inverse_transform(self, Y) -> np.ndarray:
        r"""Undo the whitening: :math:`X = Y W^{-1} + \mu`.

        Parameters
        ----------
        Y : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, D)
            Data in the original space, dtype of ``Y``.
        """
        _check_fitted(self, "ZCA.inverse_transform")
        Y = _check_data(Y, "ZCA.inverse_transform",
                        n_features=self.n_features_in_, name="Y")
        mean, _, W_inv = self._fit64
        X = Y.astype(np.float64, copy=False) @ W_inv + mean
        return X.astype(Y.dtype, copy=False)

    def fit_transform(self, X) -> np.ndarray:
        """Fit to ``X`` and return ``transform(X)``.

        Parameters
        ----------
        X : ndarray, shape (N, D)

        Returns
        -------
        ndarray, shape (N, D)
        """
        return _project(self._fit(X), self._fit64[1])
