"""Small data sets that ship with the book's dependencies, and mini-batching.

Nothing is downloaded: :func:`load_digits` reads the 8x8 handwritten digits
bundled with scikit-learn.  The ``tf.data``-style input pipeline
:class:`~dlbook.pipeline.Dataset` (chapter 9) is re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ._validation import (as_rng, check_float_dtype, check_positive_int,
                          check_real)
from .pipeline import Dataset

__all__ = ["load_digits", "minibatches", "train_test_split", "Dataset"]


def load_digits(dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Load scikit-learn's 8x8 handwritten digits, scaled to [0, 1].

    Parameters
    ----------
    dtype : numpy dtype, default float64
        Dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (1797, 64)
        Pixel intensities ``x / 16``, in [0, 1].
    y : ndarray of int64, shape (1797,)
        Digit labels 0-9.
    """
    from sklearn.datasets import load_digits as _sklearn_digits

    dtype = check_float_dtype(dtype, "load_digits")
    digits = _sklearn_digits()
    return (digits.data / 16.0).astype(dtype), digits.target.astype(np.int64)


def train_test_split(X: np.ndarray, y: np.ndarray, test_fraction: float = 0.25,
                     rng: np.random.Generator | None = None):
    """Shuffle and split ``(X, y)`` into a training and a test part.

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N,)
    test_fraction : float, default 0.25
        Fraction of samples that go to the test part, in (0, 1).
    rng : numpy.random.Generator, optional
        Source of the permutation.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
    """
    if len(X) != len(y):
        raise ValueError("train_test_split: X and y must have the same "
                         f"length, got {len(X)} and {len(y)}")
    check_real(test_fraction, "test_fraction", "train_test_split",
               low=0.0, high=1.0,
               low_inclusive=False, high_inclusive=False)
    order = as_rng(rng, "train_test_split").permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def minibatches(X: np.ndarray, y: np.ndarray, batch_size: int,
                rng: np.random.Generator | None = None,
                shuffle: bool = True
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs that cover the data once (one epoch).

    Parameters
    ----------
    X : ndarray, shape (N, ...)
    y : ndarray, shape (N,) or (N, ...)
    batch_size : int
        Samples per batch; the last batch holds the remaining
        ``N mod batch_size`` when that is not zero.
    rng : numpy.random.Generator, optional
        Source of the shuffling permutation (only used when ``shuffle``).
    shuffle : bool, default True
        Visit the samples in a random order (a new one at each call).

    Yields
    ------
    X_batch : ndarray, shape (B, ...)
    y_batch : ndarray, shape (B,) or (B, ...)
    """
    batch_size = check_positive_int(batch_size, "batch_size", "minibatches")
    if len(X) != len(y):
        raise ValueError("minibatches: X and y must have the same length, got "
                         f"{len(X)} and {len(y)}")
    if shuffle:
        order = as_rng(rng, "minibatches").permutation(len(X))
    else:
        order = np.arange(len(X))
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        yield X[index], y[index]
