"""Helpers for checking dlbook against PyTorch on any device.

The book's "Check against PyTorch" cells and the test suite both use these, so
the same code verifies on a GPU when PyTorch sees one and on the CPU otherwise.
PyTorch is imported lazily: the rest of dlbook needs only NumPy.
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
        Data to copy; float32 stays float32, float64 stays float64, integers
        stay integers.
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

    arr = np.asarray(a)
    if arr.dtype.kind not in "biufc":
        raise TypeError("to_torch: a must hold numbers (bool, integer, float "
                        f"or complex), got dtype {arr.dtype}")
    # torch warns about sharing read-only memory
    if not arr.flags.writeable:
        arr = arr.copy()
    tensor = torch.as_tensor(arr).clone().to(device or globals()["device"]())
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def to_numpy(t) -> np.ndarray:
    """Return a NumPy copy of a tensor on any device (or ``np.asarray`` of
    anything else)."""
    if hasattr(t, "detach"):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def _first(flat: np.ndarray, shape: tuple) -> tuple:
    """The multi-index of the first flat index in ``flat``."""
    return tuple(int(i) for i in np.unravel_index(int(flat[0]), shape))


def tolerances(dtype) -> tuple[float, float]:
    """Return the ``(rtol, atol)`` the book uses to compare results of ``dtype``
    with PyTorch.

    Float64 comparisons are tight (``rtol=1e-10``); float32 ones allow float32
    rounding (``rtol=1e-5``).
    """
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise TypeError("tolerances: dtype must be float32 or float64, got "
                        f"{dt}")
    return (1e-10, 1e-12) if dt == np.float64 else (1e-5, 1e-6)


def _as_real64(x, name: str) -> np.ndarray:
    arr = np.asarray(to_numpy(x))
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"assert_close: {name} must hold real numbers, got "
                        f"dtype {arr.dtype}")
    return arr.astype(np.float64)


def assert_close(actual, expected, rtol: float = 1e-10, atol: float = 1e-12,
                 equal_nan: bool = False) -> None:
    """Assert ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

    Non-finite values follow ``torch.testing.assert_close``: an infinity matches
    only the same infinity (the tolerance never makes ``inf`` close to a finite
    number or to ``-inf``), and a NaN matches nothing, unless ``equal_nan=True``
    is asked, when a NaN matches a NaN.

    Parameters
    ----------
    actual, expected : ndarray, torch.Tensor or float
        Real arrays of the same shape; tensors may live on any device.
    rtol, atol : float
        Relative and absolute tolerance, finite and ``>= 0``.
    equal_nan : bool, default False
        Whether NaNs in the same positions count as equal.

    Raises
    ------
    AssertionError
        When the shapes differ, when a non-finite value is not matched, or when
        any element is outside the tolerance; the message gives the largest
        absolute and relative difference and where the largest absolute one
        occurs.
    """
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if (isinstance(tol, bool)
                or not isinstance(tol, (int, float, np.floating))):
            raise TypeError(f"assert_close: {name} must be a real number, "
                            f"got {type(tol).__name__}")
        if not 0 <= tol < np.inf:
            raise ValueError(f"assert_close: {name} must be in [0, inf), got "
                             f"{tol}")
    if not isinstance(equal_nan, (bool, np.bool_)):
        raise TypeError("assert_close: equal_nan must be a bool, got "
                        f"{equal_nan!r}")
    a, e = _as_real64(actual, "actual"), _as_real64(expected, "expected")
    if a.shape != e.shape:
        raise AssertionError(f"shape mismatch: actual {a.shape}, expected "
                             f"{e.shape}")
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    both_nan = nan_a & nan_e if equal_nan else np.zeros(a.shape, dtype=bool)
    if np.any((nan_a | nan_e) & ~both_nan):
        raise AssertionError(
            f"NaN mismatch: {int(nan_a.sum())} NaNs in actual, "
            f"{int(nan_e.sum())} in "
            f"expected (equal_nan={equal_nan}); first at index "
            f"{_first(np.flatnonzero((nan_a | nan_e) & ~both_nan), a.shape)}")
    inf_a, inf_e = np.isinf(a), np.isinf(e)
    inf_bad = (inf_a | inf_e) & ~(inf_a & inf_e & (a == e))
    if inf_bad.any():
        i = _first(np.flatnonzero(inf_bad), a.shape)
        raise AssertionError(
            f"{int(inf_bad.sum())} of {a.size} elements differ in an infinity: "
            "actual "
            f"{float(a[i])!r} where {float(e[i])!r} is expected, at index {i}")
    finite = ~(nan_a | nan_e | inf_a | inf_e)
    diff = np.zeros(a.shape)
    with np.errstate(over="ignore"):
        np.subtract(a, e, out=diff, where=finite)
    np.abs(diff, out=diff)
    bad = diff > atol + rtol * np.where(finite, np.abs(e), 0.0)
    if bad.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(diff == 0, 0.0, diff / np.abs(e))
        where = _first(np.array([np.argmax(diff)]), diff.shape)
        raise AssertionError(
            f"{int(bad.sum())} of {bad.size} elements differ beyond "
            f"rtol={rtol:g}, atol={atol:g}: "
            f"max abs diff {diff.max():.3e} at index {where}, max rel diff "
            f"{np.max(rel):.3e}"
        )
