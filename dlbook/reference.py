"""Helpers for checking dlbook against PyTorch on any device.

The book's "Check against PyTorch" cells and the test suite both use these, so the same code
verifies on a GPU when PyTorch sees one and on the CPU otherwise.  PyTorch is imported lazily:
the rest of dlbook needs only NumPy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["device", "to_torch", "to_numpy", "assert_close", "tolerances"]


def device() -> str:
    """Return ``"cuda"`` when PyTorch sees a GPU, else ``"cpu"``.

    Returns
    -------
    str
        The device string to pass to ``torch.tensor(..., device=...)``.
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def to_torch(a, device: str | None = None, requires_grad: bool = False):
    """Copy a NumPy array (or number) into a torch tensor of the same dtype.

    Parameters
    ----------
    a : ndarray or float
        Data to copy; float32 stays float32, float64 stays float64, integers stay integers.
    device : str, optional
        Target device; default :func:`device`.
    requires_grad : bool, default False
        Whether autograd should track the tensor (a leaf).

    Returns
    -------
    torch.Tensor
        A tensor with ``a``'s shape and dtype on ``device``.
    """
    import torch

    tensor = torch.as_tensor(np.asarray(a)).clone().to(device or globals()["device"]())
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def to_numpy(t) -> np.ndarray:
    """Return a NumPy copy of a tensor on any device (or ``np.asarray`` of anything else)."""
    if hasattr(t, "detach"):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def tolerances(dtype) -> tuple[float, float]:
    """Return the ``(rtol, atol)`` the book uses to compare results of ``dtype`` with PyTorch.

    Float64 comparisons are tight (``rtol=1e-10``); float32 ones allow float32 rounding
    (``rtol=1e-5``).
    """
    return (1e-10, 1e-12) if np.dtype(dtype) == np.float64 else (1e-5, 1e-6)


def assert_close(actual, expected, rtol: float = 1e-10, atol: float = 1e-12) -> None:
    """Assert ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

    Parameters
    ----------
    actual, expected : ndarray, torch.Tensor or float
        Arrays of the same shape; tensors may live on any device.
    rtol, atol : float
        Relative and absolute tolerance.

    Raises
    ------
    AssertionError
        When the shapes differ, when NaNs do not coincide, or when any element is outside the
        tolerance; the message gives the largest absolute and relative difference and where
        the largest absolute one occurs.
    """
    a = np.asarray(to_numpy(actual), dtype=np.float64)
    e = np.asarray(to_numpy(expected), dtype=np.float64)
    if a.shape != e.shape:
        raise AssertionError(f"shape mismatch: actual {a.shape}, expected {e.shape}")
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    if not np.array_equal(nan_a, nan_e):
        raise AssertionError(f"NaN mismatch: {int(nan_a.sum())} NaNs in actual, {int(nan_e.sum())} in expected")
    same = nan_a | (np.isinf(a) & (a == e))
    with np.errstate(invalid="ignore"):
        diff = np.where(same, 0.0, np.abs(a - e))
    bad = diff > atol + rtol * np.abs(e)
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(diff == 0, 0.0, diff / np.abs(e))
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        raise AssertionError(
            f"{int(bad.sum())} of {bad.size} elements differ beyond rtol={rtol:g}, atol={atol:g}: "
            f"max abs diff {diff.max():.3e} at index {where}, max rel diff {np.max(rel):.3e}"
        )
