"""Tests for dlbook.whitening (chapter 8): PCA and ZCA against torch.linalg and scikit-learn."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA as SklearnPCA

from dlbook.reference import to_numpy, to_torch
from dlbook.whitening import PCA, ZCA


def correlated_data(rng, n=300, d=6, shift=3.0):
    """Gaussian data with a well-separated covariance spectrum and a non-zero mean."""
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = np.geomspace(4.0, 0.25, d)
    return (rng.normal(size=(n, d)) * scales) @ q.T + shift * rng.normal(size=d)


def torch_eigh_reference(X, device, dtype=np.float64):
    """Descending eigenvalues (ddof=1) and sign-fixed eigenvectors (rows) from torch.linalg.eigh,
    computed in ``dtype``."""
    t = to_torch(np.asarray(X, dtype=dtype), device=device)
    centred = t - t.mean(dim=0)
    cov = centred.T @ centred / (t.shape[0] - 1)
    lam, vec = torch.linalg.eigh(cov)
    lam, rows = torch.flip(lam, [0]), torch.flip(vec, [1]).T
    biggest = torch.argmax(rows.abs(), dim=1)
    signs = torch.sign(rows[torch.arange(rows.shape[0]), biggest])
    return lam, rows * signs[:, None], cov


def as_accurate_as_torch_float32(name, ours, reference, torch_float32):
    """A float32 result is at most twice as far from the float64 ``reference`` as PyTorch's own
    float32 result, plus 4 float32 ulps of the largest entry (eigenvectors and near-zero
    outputs of float32 products cannot meet a fixed relative tolerance: PyTorch does not)."""
    reference = np.asarray(to_numpy(reference), dtype=np.float64)
    ours_error = np.max(np.abs(np.asarray(ours, dtype=np.float64) - reference))
    torch_error = np.max(np.abs(np.asarray(to_numpy(torch_float32), np.float64) - reference))
    bound = 2 * torch_error + 4 * np.finfo(np.float32).eps * np.max(np.abs(reference))
    assert ours_error <= bound, (f"{name}: float32 error {ours_error:.3g} > {bound:.3g} "
                                 f"(PyTorch float32: {torch_error:.3g})")


def compare_dtype(compare, dtype, name, ours, reference, torch_float32):
    """``compare`` at the float64 tolerance for float64; against PyTorch's float32 error for
    float32."""
    if dtype == np.float64:
        compare(name, ours, reference, dtype=dtype)
    else:
        as_accurate_as_torch_float32(name, ours, reference, torch_float32)


def test_float32_accuracy_check_can_fail(rng):
    X = correlated_data(rng).astype(np.float32)
    lam, rows, _ = torch_eigh_reference(X, "cpu")
    _, rows32, _ = torch_eigh_reference(X, "cpu", np.float32)
    as_accurate_as_torch_float32("float32 components", PCA().fit(X).components_, rows, rows32)
    half = PCA().fit(X.astype(np.float16).astype(np.float32)).components_
    with pytest.raises(AssertionError, match="float32 error"):
        as_accurate_as_torch_float32("float16 data", half, rows, rows32)


# ------------------------------------------------------------------------------------ PCA
def test_pca_matches_torch_eigh(device, dtype, rng, compare):
    X = correlated_data(rng).astype(dtype)
    pca = PCA().fit(X)
    lam, rows, _ = torch_eigh_reference(X, device)
    lam32, rows32, _ = torch_eigh_reference(X, device, np.float32)
    assert pca.components_.dtype == dtype and pca.explained_variance_.dtype == dtype
    compare_dtype(compare, dtype, "PCA.explained_variance_ vs torch.linalg.eigh",
                  pca.explained_variance_, lam, lam32)
    compare_dtype(compare, dtype, "PCA.components_ vs torch.linalg.eigh", pca.components_, rows,
                  rows32)


def test_pca_matches_torch_svd(device, dtype, rng, compare):
    X = correlated_data(rng, n=200, d=5).astype(dtype)
    pca = PCA(n_components=3).fit(X)
    s, vh, projected = torch_svd_reference(X, device, np.float64)
    # N >= 10 D: dlbook takes the covariance route, so the float32 baseline is PyTorch's
    # float32 covariance eigh (its float32 SVD is more accurate than any covariance method)
    lam32, vh32, _ = torch_eigh_reference(X, device, np.float32)
    s32 = torch.sqrt(lam32 * (X.shape[0] - 1))
    t32 = to_torch(X.astype(np.float32), device=device)
    projected32 = (t32 - t32.mean(dim=0)) @ vh32[:3].T
    compare_dtype(compare, dtype, "PCA.singular_values_ vs torch.linalg.svd",
                  pca.singular_values_, s[:3], s32[:3])
    compare_dtype(compare, dtype, "PCA.components_ vs torch.linalg.svd", pca.components_,
                  vh[:3], vh32[:3])
    compare_dtype(compare, dtype, "PCA.transform vs torch.linalg.svd", pca.transform(X),
                  projected, projected32)


def torch_svd_reference(X, device, dtype):
    """Singular values, sign-fixed right singular vectors and the 3-component projection of the
    centred data, from torch.linalg.svd in ``dtype``."""
    t = to_torch(np.asarray(X, dtype=dtype), device=device)
    centred = t - t.mean(dim=0)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    biggest = torch.argmax(vh.abs(), dim=1)
    vh = vh * torch.sign(vh[torch.arange(vh.shape[0]), biggest])[:, None]
    return s, vh, centred @ vh[:3].T


@pytest.mark.parametrize("n_samples", [150, 40], ids=["eigh-path", "svd-path"])
@pytest.mark.parametrize("whiten", [False, True])
@pytest.mark.parametrize("n_components", [None, 4])
def test_pca_matches_sklearn(n_samples, whiten, n_components, rng, compare):
    X = correlated_data(rng, n=n_samples, d=7)
    X_new = correlated_data(np.random.default_rng(1), n=20, d=7)
    ours = PCA(n_components=n_components, whiten=whiten).fit(X)
    ref = SklearnPCA(n_components=n_components, whiten=whiten, svd_solver="full").fit(X)
    assert ours.n_components_ == ref.n_components_
    compare("PCA.mean_ vs sklearn", ours.mean_, ref.mean_)
    compare("PCA.components_ vs sklearn", ours.components_, ref.components_)
    compare("PCA.explained_variance_ vs sklearn", ours.explained_variance_, ref.explained_variance_)
    compare("PCA.explained_variance_ratio_ vs sklearn", ours.explained_variance_ratio_,
            ref.explained_variance_ratio_)
    compare("PCA.transform vs sklearn", ours.transform(X_new), ref.transform(X_new), atol=1e-11)
    Y = ref.transform(X_new)
    compare("PCA.inverse_transform vs sklearn", ours.inverse_transform(Y), ref.inverse_transform(Y))
    compare("PCA.fit_transform vs sklearn", PCA(n_components, whiten=whiten).fit_transform(X),
            ref.transform(X), atol=1e-11)


def test_pca_sign_convention_largest_entry_positive(rng):
    pca = PCA().fit(correlated_data(rng))
    rows = np.arange(pca.components_.shape[0])
    biggest = pca.components_[rows, np.argmax(np.abs(pca.components_), axis=1)]
    assert np.all(biggest > 0)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(6), atol=1e-13)


def test_pca_whitened_covariance_is_identity_and_rotated_is_diagonal(dtype, rng):
    X = correlated_data(rng).astype(dtype)
    rotated = PCA().fit(X)
    Y = rotated.transform(X)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    scale = rotated.explained_variance_.astype(np.float64)
    np.testing.assert_allclose(np.cov(Y.T.astype(np.float64)), np.diag(scale), rtol=tol, atol=tol * scale[0])
    Z = PCA(whiten=True).fit_transform(X)
    assert Z.dtype == dtype
    np.testing.assert_allclose(np.cov(Z.T.astype(np.float64)), np.eye(6), rtol=tol, atol=tol)


def test_pca_round_trip_and_truncation(rng):
    X = correlated_data(rng)
    for whiten in (False, True):
        pca = PCA(whiten=whiten).fit(X)
        np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, rtol=1e-12, atol=1e-12)
    # k components: the reconstruction error per sample is the sum of the discarded variances.
    full = PCA().fit(X)
    pca = PCA(n_components=2).fit(X)
    error = np.sum((X - pca.inverse_transform(pca.transform(X))) ** 2) / (len(X) - 1)
    assert error == pytest.approx(full.explained_variance_[2:].sum(), rel=1e-12)


def test_pca_eps_shrinks_whitened_variance(rng):
    X = correlated_data(rng)
    eps = 0.5
    pca = PCA(whiten=True, eps=eps).fit(X)
    d = pca.explained_variance_
    np.testing.assert_allclose(np.cov(pca.transform(X).T), np.diag(d / (d + eps)), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, rtol=1e-12, atol=1e-12)


def test_pca_rank_deficient_and_constant_features(rng):
    X = correlated_data(rng, n=50, d=4)
    X = np.column_stack([X, X[:, 0] + X[:, 1], np.full(50, 7.0)])  # rank 4 of 6 features
    with pytest.raises(ValueError, match=r"zero variance along 2 of the 6 principal directions.*"
                                         r"set eps > 0 or reduce n_components to at most 4"):
        PCA(whiten=True).fit(X)
    Z = PCA(n_components=4, whiten=True).fit_transform(X)       # the non-degenerate part is fine
    np.testing.assert_allclose(np.cov(Z.T), np.eye(4), atol=1e-10)
    Z = PCA(whiten=True, eps=1e-3).fit_transform(X)            # eps > 0: finite, zero directions stay 0
    assert np.all(np.isfinite(Z)) and np.abs(Z[:, 4:]).max() < 1e-5
    pca = PCA().fit(X)                                           # no whitening: zero variances are fine
    assert np.all(np.isfinite(pca.transform(X))) and pca.explained_variance_[4:].max() < 1e-20
    constant = np.ones((10, 3))
    pca = PCA().fit(constant)
    assert np.all(pca.explained_variance_ratio_ == 0) and np.all(pca.transform(constant) == 0)
    with pytest.raises(ValueError, match="zero variance along 3 of the 3"):
        PCA(whiten=True).fit(constant)
    assert np.all(np.isfinite(PCA(whiten=True, eps=1e-8).fit_transform(constant)))


def test_pca_rank_deficient_tall_data(rng):
    X = correlated_data(rng, n=400, d=5)
    X = np.column_stack([X, 2 * X[:, 0] - X[:, 3]])          # N >= 10 D: the eigh path
    with pytest.raises(ValueError, match="zero variance along 1 of the 6 principal directions"):
        PCA(whiten=True).fit(X)
    pca = PCA(whiten=True, eps=1e-6).fit(X)
    assert np.all(np.isfinite(pca.transform(X))) and pca.explained_variance_[-1] < 1e-12
    np.testing.assert_allclose(np.cov(PCA(n_components=5, whiten=True).fit_transform(X).T), np.eye(5), atol=1e-10)


def test_pca_more_features_than_samples(rng):
    X = rng.normal(size=(5, 12))
    pca = PCA().fit(X)
    ref = SklearnPCA(svd_solver="full").fit(X)
    assert pca.n_components_ == 5
    np.testing.assert_allclose(pca.components_[:4], ref.components_[:4], atol=1e-12)
    # Whitening keeps min(N, D) = 5 components, as scikit-learn: the 5th direction, emptied
    # by centring, whitens to 0 (scikit-learn divides rounding noise by rounding noise).
    white = PCA(whiten=True).fit(X)
    ref = SklearnPCA(whiten=True, svd_solver="full").fit(X)
    Z = white.transform(X)
    assert white.n_components_ == 5 and Z.shape == (5, 5)
    np.testing.assert_allclose(Z[:, :4], ref.transform(X)[:, :4], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(Z[:, 4], 0.0)
    np.testing.assert_allclose(np.cov(Z[:, :4].T), np.eye(4), atol=1e-12)
    np.testing.assert_allclose(white.inverse_transform(Z), X, rtol=1e-12, atol=1e-12)
    # A second empty direction is the data's own (a repeated sample): still refused.
    with pytest.raises(ValueError, match="zero variance along 2 of the 5"):
        PCA(whiten=True).fit(np.vstack([X[:4], X[:1]]))


def test_pca_bad_input(rng):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"PCA.fit: X must be 2-D, got shape \(20,\)"):
        PCA().fit(X[:, 0])
    with pytest.raises(ValueError, match="PCA.fit: X must have at least 2 samples"):
        PCA().fit(X[:1])
    with pytest.raises(ValueError, match="PCA.fit: X must be finite"):
        PCA().fit(np.where(X > 1, np.nan, X))
    with pytest.raises(TypeError, match="PCA.fit: X must be a NumPy array, got str"):
        PCA().fit("data")
    with pytest.raises(ValueError, match=r"n_components must be in \[1, min\(n_samples, n_features\)\] "
                                         r"= \[1, 3\], got 4"):
        PCA(n_components=4).fit(X)
    with pytest.raises(ValueError, match=r"got 0"):
        PCA(n_components=0).fit(X)
    with pytest.raises(TypeError, match="n_components must be an integer or None, got float"):
        PCA(n_components=1.5).fit(X)
    with pytest.raises(ValueError, match=r"PCA.fit: eps must be in \[0, inf\), got -1"):
        PCA(eps=-1.0).fit(X)
    with pytest.raises(ValueError, match="PCA.transform: this PCA instance is not fitted yet"):
        PCA().transform(X)
    with pytest.raises(ValueError, match="PCA.inverse_transform: this PCA instance is not fitted yet"):
        PCA().inverse_transform(X)
    pca = PCA(n_components=2).fit(X)
    with pytest.raises(ValueError, match="X has 4 features, but the estimator was fitted with 3"):
        pca.transform(rng.normal(size=(5, 4)))
    with pytest.raises(ValueError, match=r"Y must have 2 columns, got shape \(5, 3\)"):
        pca.inverse_transform(rng.normal(size=(5, 3)))


# ------------------------------------------------------------------------------------ ZCA
def test_zca_matches_torch_eigh(device, dtype, rng, compare):
    X = correlated_data(rng).astype(dtype)
    eps = 1e-2
    zca = ZCA(eps=eps).fit(X)
    (lam, W, Y), (lam32, W32, Y32) = (
        torch_zca_reference(X, device, eps, precision) for precision in (np.float64, np.float32))
    assert zca.whitening_matrix_.dtype == dtype
    compare_dtype(compare, dtype, "ZCA.whitening_matrix_ vs torch.linalg.eigh",
                  zca.whitening_matrix_, W, W32)
    compare_dtype(compare, dtype, "ZCA.explained_variance_ vs torch.linalg.eigh",
                  zca.explained_variance_, lam, lam32)
    compare_dtype(compare, dtype, "ZCA.transform vs torch", zca.transform(X), Y, Y32)


def torch_zca_reference(X, device, eps, dtype):
    """Eigenvalues, the ZCA matrix and the whitened data, from torch.linalg.eigh in ``dtype``."""
    lam, rows, _ = torch_eigh_reference(X, device, dtype)
    W = rows.T @ torch.diag((lam + eps) ** -0.5) @ rows
    t = to_torch(np.asarray(X, dtype=dtype), device=device)
    return lam, W, (t - t.mean(dim=0)) @ W


def test_zca_covariance_identity_symmetric_and_invertible(rng):
    X = correlated_data(rng)
    zca = ZCA(eps=0.0).fit(X)
    W = zca.whitening_matrix_
    assert np.array_equal(W, W.T)
    Y = zca.transform(X)
    np.testing.assert_allclose(np.cov(Y.T), np.eye(6), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(W @ zca.dewhitening_matrix_, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(zca.inverse_transform(Y), X, rtol=1e-12, atol=1e-12)
    # W = Sigma^{-1/2}: W Sigma W = I and W^2 = Sigma^-1.
    cov = np.cov(X.T)
    np.testing.assert_allclose(W @ W @ cov, np.eye(6), atol=1e-11)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), d=st.integers(2, 5))
def test_zca_is_the_whitening_closest_to_the_data(seed, d):
    rng = np.random.default_rng(seed)
    X = correlated_data(rng, n=200, d=d, shift=0.0)
    Xc = X - X.mean(axis=0)
    zca = ZCA(eps=0.0).fit(X)
    Y_zca = zca.transform(X)
    Y_pca = PCA(whiten=True).fit_transform(X)
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    Y_rot = Y_zca @ q.T                                    # any other whitening: a rotation of ZCA
    for other in (Y_pca, Y_rot):
        np.testing.assert_allclose(np.cov(other.T), np.eye(d), atol=1e-9)
        assert np.mean((Y_zca - Xc) ** 2) <= np.mean((other - Xc) ** 2) + 1e-12


def test_zca_eps_behaviour(rng):
    X = correlated_data(rng)
    eps = 0.3
    zca = ZCA(eps=eps).fit(X)
    d, E = zca.explained_variance_, zca.components_.T
    expected = E @ np.diag(d / (d + eps)) @ E.T           # eps damps the small directions
    np.testing.assert_allclose(np.cov(zca.transform(X).T), expected, rtol=1e-11, atol=1e-13)
    assert ZCA().eps == 1e-5


def test_zca_rank_deficient_and_constant(rng):
    X = correlated_data(rng, n=40, d=3)
    X = np.column_stack([X, np.zeros(40)])
    with pytest.raises(ValueError, match=r"ZCA.fit: the data have zero variance along 1 of 4 directions.*"
                                         r"set eps > 0"):
        ZCA(eps=0.0).fit(X)
    Y = ZCA().fit_transform(X)
    assert np.all(np.isfinite(Y)) and np.all(Y[:, 3] == 0)
    Y = ZCA().fit_transform(np.full((6, 2), 3.0))
    assert np.all(Y == 0)
    Y = ZCA(eps=1e-3).fit_transform(rng.normal(size=(4, 9)))  # fewer samples than features
    assert np.all(np.isfinite(Y))


def test_zca_bad_input(rng):
    X = rng.normal(size=(10, 3))
    with pytest.raises(ValueError, match=r"ZCA.fit: eps must be in \[0, inf\), got -0.1"):
        ZCA(eps=-0.1).fit(X)
    with pytest.raises(ValueError, match="ZCA.fit: X must be 2-D"):
        ZCA().fit(X.ravel())
    with pytest.raises(ValueError, match="ZCA.fit: X must be finite"):
        ZCA().fit(np.full((4, 2), np.inf))
    with pytest.raises(ValueError, match="ZCA.transform: this ZCA instance is not fitted yet"):
        ZCA().transform(X)
    zca = ZCA().fit(X)
    with pytest.raises(ValueError, match="X has 2 features, but the estimator was fitted with 3"):
        zca.transform(X[:, :2])
    with pytest.raises(ValueError, match="Y has 2 features"):
        zca.inverse_transform(X[:, :2])


def torch_float32_whitening(X, kind):
    """PCA (whiten) or ZCA (eps 1e-5) in PyTorch float32, as the benchmark writes them."""
    if kind == "ZCA":
        return to_numpy(torch_zca_reference(X, "cpu", 1e-5, np.float32)[2])
    lam, rows, _ = torch_eigh_reference(X, "cpu", np.float32)
    t = to_torch(X.astype(np.float32), device="cpu")
    return to_numpy((t - t.mean(dim=0)) @ rows.T / torch.sqrt(lam))


@pytest.mark.parametrize("kind", ["PCA", "ZCA"])
@pytest.mark.parametrize("seed", [3, 4])
def test_float32_whitening_at_least_as_accurate_as_torch_float32(kind, seed):
    # ill-conditioned data like the benchmark's (covariance condition number ~1e5):
    # float32 products around a float64 mean and eigendecomposition
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((4000, 64)) @ rng.standard_normal((64, 64))).astype(np.float32)
    make = (lambda: PCA(whiten=True)) if kind == "PCA" else (lambda: ZCA(eps=1e-5))
    reference = make().fit_transform(X.astype(np.float64))
    ours = make().fit_transform(X)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, make().fit(X).transform(X))

    def error(Y):
        return np.linalg.norm(Y.astype(np.float64) - reference) / np.linalg.norm(reference)

    theirs = error(torch_float32_whitening(X, kind))
    assert theirs < 5e-3 and error(ours) < 5e-3
    assert error(ours) <= theirs
