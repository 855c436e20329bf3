"""dlbook.data: the bundled digits and mini-batching."""

import numpy as np
import pytest

from dlbook.data import load_digits, minibatches, train_test_split


def test_load_digits_shape_range_and_labels():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(np.unique(y), np.arange(10))
    assert load_digits(dtype=np.float32)[0].dtype == np.float32


def test_minibatches_cover_every_sample_once(rng):
    X = np.arange(23.0).reshape(23, 1)
    y = np.arange(23)
    batches = list(minibatches(X, y, batch_size=5, rng=rng))
    assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, np.arange(23))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], yb)


def test_minibatches_without_shuffle_keep_order():
    y = np.arange(7)
    seen = np.concatenate([b for _, b in minibatches(y[:, None], y, batch_size=3, shuffle=False)])
    np.testing.assert_array_equal(seen, y)


def test_minibatches_reproducible_with_seed():
    X, y = np.arange(10.0)[:, None], np.arange(10)
    first = [b for _, b in minibatches(X, y, 4, rng=np.random.default_rng(3))]
    second = [b for _, b in minibatches(X, y, 4, rng=np.random.default_rng(3))]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_train_test_split_partitions(rng):
    X, y = np.arange(20.0)[:, None], np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, rng=rng)
    assert len(y_test) == 5 and len(y_train) == 15
    assert sorted(np.concatenate([y_train, y_test])) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], y_train)


@pytest.mark.parametrize("call, message", [
    (lambda: list(minibatches(np.zeros((3, 1)), np.zeros(3), 0)), r"minibatches: batch_size must be >= 1, got 0"),
    (lambda: list(minibatches(np.zeros((3, 1)), np.zeros(2), 2)), r"minibatches: X and y must have the same length, got 3 and 2"),
    (lambda: list(minibatches(np.zeros((3, 1)), np.zeros(3), 2, rng=3)), r"minibatches: rng must be a numpy.random.Generator or None, got int"),
    (lambda: train_test_split(np.zeros((3, 1)), np.zeros(3), test_fraction=1.0), r"train_test_split: test_fraction must be in \(0, 1\), got 1$"),
])
def test_bad_input_messages(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_batch_size_must_be_an_integer():
    with pytest.raises(TypeError, match="minibatches: batch_size must be an integer, got float"):
        list(minibatches(np.zeros((3, 1)), np.zeros(3), 2.5))
