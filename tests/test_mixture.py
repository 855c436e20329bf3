"""Tests for dlbook.mixture (chapter 8): the Gaussian mixture against torch.distributions and
scikit-learn's GaussianMixture started from the same initialization."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from dlbook.mixture import GaussianMixture
from dlbook.reference import to_torch

COVARIANCE_TYPES = ["full", "diag", "spherical"]


def blobs(rng, n_per=80, d=2, k=3, spread=2.5):
    """Overlapping anisotropic Gaussian clusters (EM needs a few dozen iterations on them)."""
    parts = []
    for _ in range(k):
        A = rng.normal(size=(d, d)) * 0.8
        parts.append(rng.normal(size=(n_per, d)) @ A + spread * rng.normal(size=d))
    return np.vstack(parts)


def initial_parameters(rng, X, k, covariance_type):
    """Random but valid weights, means and precisions in scikit-learn's shapes."""
    d = X.shape[1]
    weights = rng.dirichlet(np.full(k, 5.0))
    means = X[rng.choice(len(X), k, replace=False)]
    if covariance_type == "full":
        A = rng.normal(size=(k, d, d))
        precisions = A @ np.swapaxes(A, 1, 2) + d * np.eye(d)
        precisions /= np.var(X)
    elif covariance_type == "diag":
        precisions = rng.uniform(0.5, 2.0, size=(k, d)) / np.var(X, axis=0)
    else:
        precisions = rng.uniform(0.5, 2.0, size=k) / np.var(X)
    return weights, means, precisions


def torch_mixture(gm, device):
    """The fitted mixture as torch.distributions.MixtureSameFamily of MultivariateNormal (float64)."""
    K, D = gm.means_.shape
    cov = np.asarray(gm.covariances_, dtype=np.float64)
    if gm.covariance_type == "diag":
        cov = np.stack([np.diag(c) for c in cov])
    elif gm.covariance_type == "spherical":
        cov = cov[:, None, None] * np.eye(D)
    mix = torch.distributions.Categorical(probs=to_torch(gm.weights_.astype(np.float64), device=device))
    comp = torch.distributions.MultivariateNormal(to_torch(gm.means_.astype(np.float64), device=device),
                                                  covariance_matrix=to_torch(cov, device=device))
    return torch.distributions.MixtureSameFamily(mix, comp), comp, mix


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_score_samples_matches_torch_distributions(covariance_type, device, dtype, rng, compare):
    X = blobs(rng, d=3)
    gm = GaussianMixture(3, covariance_type, rng=np.random.default_rng(0)).fit(X.astype(dtype))
    X_test = np.vstack([blobs(np.random.default_rng(5), n_per=10, d=3), [[40.0, -35.0, 50.0]]])
    dist, comp, mix = torch_mixture(gm, device)
    t = to_torch(X_test, device=device)
    expected = dist.log_prob(t)
    actual = gm.score_samples(X_test.astype(dtype))
    assert actual.dtype == dtype and np.all(np.isfinite(actual))
    compare("GaussianMixture.score_samples vs torch.distributions", actual, expected, dtype=dtype)
    joint = comp.log_prob(t[:, None, :]) + torch.log(mix.probs)
    resp = torch.softmax(joint, dim=1)
    compare("GaussianMixture.predict_proba vs torch.distributions", gm.predict_proba(X_test.astype(dtype)),
            resp, dtype=dtype, atol=1e-12 if dtype == np.float64 else 1e-6)
    assert gm.score(X_test.astype(dtype)) == pytest.approx(float(expected.mean()), rel=1e-10 if dtype == np.float64 else 1e-5)
    np.testing.assert_array_equal(gm.predict(X_test.astype(dtype)), resp.argmax(dim=1).cpu().numpy())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fit_equals_sklearn_from_same_initialization(covariance_type, seed, compare):
    rng = np.random.default_rng(100 + seed)
    X = blobs(rng, d=2 + seed, spread=2.0)
    k = 3
    weights, means, precisions = initial_parameters(rng, X, k, covariance_type)
    kwargs = dict(covariance_type=covariance_type, tol=1e-8, max_iter=50, reg_covar=1e-4,
                  weights_init=weights, means_init=means, precisions_init=precisions)
    ours = GaussianMixture(k, **kwargs).fit(X)
    ref = SklearnGaussianMixture(k, random_state=0, **kwargs).fit(X)
    assert ours.n_iter_ == ref.n_iter_ and ours.n_iter_ > 3, ours.n_iter_
    assert ours.converged_ == ref.converged_
    tight = dict(rtol=1e-8, atol=1e-10)
    compare("GaussianMixture.fit weights_ vs sklearn", ours.weights_, ref.weights_, **tight)
    compare("GaussianMixture.fit means_ vs sklearn", ours.means_, ref.means_, **tight)
    compare("GaussianMixture.fit covariances_ vs sklearn", ours.covariances_, ref.covariances_, **tight)
    compare("GaussianMixture.log_likelihood_history_ vs sklearn lower_bounds_",
            ours.log_likelihood_history_, np.array(ref.lower_bounds_), **tight)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-10)
    compare("GaussianMixture.score_samples vs sklearn", ours.score_samples(X), ref.score_samples(X), **tight)
    compare("GaussianMixture.predict_proba vs sklearn", ours.predict_proba(X), ref.predict_proba(X),
            rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.n_parameters() == ref._n_parameters()
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-9)
    assert ours.aic(X) == pytest.approx(ref.aic(X), rel=1e-9)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("k, d", [(1, 1), (2, 3), (4, 5)])
def test_n_parameters_equals_sklearn(covariance_type, k, d, rng):
    X = rng.normal(size=(60, d))
    ours = GaussianMixture(k, covariance_type, max_iter=2, rng=rng).fit(X)
    ref = SklearnGaussianMixture(k, covariance_type=covariance_type, max_iter=2, random_state=0).fit(X)
    assert ours.n_parameters() == ref._n_parameters()
    per_covariance = {"full": d * (d + 1) // 2, "diag": d, "spherical": 1}[covariance_type]
    assert ours.n_parameters() == k * per_covariance + k * d + k - 1


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 3), d=st.integers(1, 3),
       covariance_type=st.sampled_from(COVARIANCE_TYPES), init_params=st.sampled_from(["k-means++", "random"]))
def test_em_never_decreases_the_log_likelihood(seed, k, d, covariance_type, init_params):
    """EM's monotonicity theorem holds for the exact M-step, i.e. with reg_covar=0."""
    rng = np.random.default_rng(seed)
    X = blobs(rng, n_per=30, d=d, k=3)
    gm = GaussianMixture(k, covariance_type, reg_covar=0.0, tol=0.0, max_iter=40,
                         rng=rng, init_params=init_params)
    try:
        gm.fit(X)
    except ValueError:
        assume(False)                          # a component collapsed onto < d+1 points
    assume(np.min(gm.covariances_) > 1e-8 if covariance_type != "full"
           else np.min(np.linalg.eigvalsh(gm.covariances_)) > 1e-8)
    history = gm.log_likelihood_history_
    assert len(history) == 40 and np.all(np.isfinite(history))
    assert np.all(np.diff(history) >= -1e-10 * np.abs(history[1:]))


def test_em_recovers_separated_clusters_and_is_reproducible(rng):
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    X = np.vstack([rng.normal(size=(200, 2)) * 0.5 + c for c in centres])
    gm = GaussianMixture(3, rng=np.random.default_rng(3)).fit(X)
    order = np.lexsort(np.round(gm.means_).T[::-1])
    np.testing.assert_allclose(gm.means_[order], centres[np.lexsort(centres.T[::-1])], atol=0.1)
    np.testing.assert_allclose(gm.weights_, 1 / 3, atol=0.01)
    np.testing.assert_allclose(gm.covariances_, np.stack([0.25 * np.eye(2)] * 3), atol=0.05)
    assert gm.converged_ and gm.n_iter_ == len(gm.log_likelihood_history_)
    assert gm.lower_bound_ == gm.log_likelihood_history_[-1]
    again = GaussianMixture(3, rng=np.random.default_rng(3)).fit(X)
    np.testing.assert_array_equal(again.means_, gm.means_)
    proba = gm.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-13)


def test_dtype_follows_input_and_max_iter_zero(rng):
    X = blobs(rng).astype(np.float32)
    gm = GaussianMixture(2, "diag", rng=rng).fit(X)
    for a in (gm.weights_, gm.means_, gm.covariances_, gm.score_samples(X), gm.predict_proba(X)):
        assert a.dtype == np.float32
    assert isinstance(gm.score(X), float)
    w, m, p = initial_parameters(rng, X.astype(np.float64), 2, "diag")
    gm = GaussianMixture(2, "diag", max_iter=0, weights_init=w, means_init=m, precisions_init=p).fit(X)
    np.testing.assert_allclose(gm.covariances_, 1 / p, rtol=1e-6)
    assert gm.n_iter_ == 0 and not gm.converged_ and gm.lower_bound_ == -np.inf


def test_hard_inputs_stay_finite(rng):
    X = blobs(rng) * 1e4 + 1e4
    gm = GaussianMixture(3, rng=rng).fit(X)
    far = np.array([[1e6, -1e6], [0.0, 0.0]])
    assert np.all(np.isfinite(gm.score_samples(far))) and np.all(np.isfinite(gm.predict_proba(far)))
    X = np.repeat(rng.normal(size=(5, 2)), 10, axis=0)  # 5 distinct points, 3 components
    gm = GaussianMixture(3, "spherical", rng=rng).fit(X)
    assert np.all(np.isfinite(gm.covariances_))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_singular_covariance_message(covariance_type):
    X = np.array([[0.0, 0.0]] * 5 + [[1.0, 1.0]] * 5)
    with pytest.raises(ValueError, match=r"ill-defined empirical covariance.*Try to decrease the number "
                                         r"of components, increase reg_covar, or scale the input data"):
        GaussianMixture(2, covariance_type, reg_covar=0.0, rng=np.random.default_rng(0)).fit(X)


def test_bad_input(rng):
    X = rng.normal(size=(30, 2))
    with pytest.raises(ValueError, match=r"covariance_type must be one of 'full', 'diag', 'spherical', got 'tied'"):
        GaussianMixture(2, "tied").fit(X)
    with pytest.raises(ValueError, match="n_components must be >= 1, got 0"):
        GaussianMixture(0).fit(X)
    with pytest.raises(TypeError, match="n_components must be an integer, got float"):
        GaussianMixture(2.0).fit(X)
    with pytest.raises(ValueError, match=r"reg_covar must be in \[0, inf\], got -1"):
        GaussianMixture(2, reg_covar=-1.0).fit(X)
    with pytest.raises(ValueError, match=r"tol must be in \[0, inf\], got -0.1"):
        GaussianMixture(2, tol=-0.1).fit(X)
    with pytest.raises(ValueError, match="max_iter must be >= 0, got -1"):
        GaussianMixture(2, max_iter=-1).fit(X)
    with pytest.raises(ValueError, match="init_params must be one of 'k-means\\+\\+', 'random', got 'kmeans'"):
        GaussianMixture(2, init_params="kmeans").fit(X)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator or None, got int"):
        GaussianMixture(2, rng=0).fit(X)
    with pytest.raises(ValueError, match="expected n_samples >= max\\(2, n_components\\), got n_components = 40, n_samples = 30"):
        GaussianMixture(40).fit(X)
    with pytest.raises(ValueError, match=r"GaussianMixture.fit: X must be 2-D, got shape \(30,\)"):
        GaussianMixture(2).fit(X[:, 0])
    with pytest.raises(ValueError, match="X must be finite"):
        GaussianMixture(2).fit(np.where(X > 1, np.inf, X))
    with pytest.raises(ValueError, match="weights_init must be normalized, got sum 0.80000"):
        GaussianMixture(2, weights_init=[0.4, 0.4]).fit(X)
    with pytest.raises(ValueError, match=r"weights_init must be in the range \[0, 1\]"):
        GaussianMixture(2, weights_init=[1.5, -0.5]).fit(X)
    with pytest.raises(ValueError, match=r"weights_init must have shape \(2,\), got \(3,\)"):
        GaussianMixture(2, weights_init=[0.2, 0.3, 0.5]).fit(X)
    with pytest.raises(ValueError, match=r"means_init must have shape \(2, 2\), got \(2, 3\)"):
        GaussianMixture(2, means_init=np.zeros((2, 3))).fit(X)
    with pytest.raises(ValueError, match=r"precisions_init for covariance_type='diag' must have shape \(2, 2\)"):
        GaussianMixture(2, "diag", precisions_init=np.ones(2)).fit(X)
    with pytest.raises(ValueError, match="precisions_init must be symmetric, positive-definite"):
        GaussianMixture(2, precisions_init=np.stack([np.eye(2), -np.eye(2)])).fit(X)
    with pytest.raises(ValueError, match="precisions_init must be positive"):
        GaussianMixture(2, "spherical", precisions_init=np.array([1.0, 0.0])).fit(X)
    with pytest.raises(ValueError, match="GaussianMixture.predict: this GaussianMixture instance is not fitted yet"):
        GaussianMixture(2).predict(X)
    with pytest.raises(ValueError, match="GaussianMixture.n_parameters: this GaussianMixture instance is not fitted"):
        GaussianMixture(2).n_parameters()
    gm = GaussianMixture(2, rng=rng).fit(X)
    with pytest.raises(ValueError, match="X has 3 features, but the model was fitted with 2 features"):
        gm.score_samples(rng.normal(size=(4, 3)))
