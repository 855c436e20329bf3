"""dlbook.reference: the helpers every comparison with PyTorch goes through."""

import numpy as np
import pytest
import torch

from dlbook.reference import assert_close, device, to_numpy, to_torch, tolerances


def test_device_matches_torch():
    assert device() == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("array", [np.arange(6.0).reshape(2, 3), np.arange(4, dtype=np.float32), np.arange(3)])
def test_to_torch_keeps_values_dtype_and_device(array, device):
    tensor = to_torch(array, device=device)
    assert tensor.device.type == device
    assert str(tensor.dtype) == f"torch.{array.dtype.name}"
    np.testing.assert_array_equal(to_numpy(tensor), array)


def test_to_torch_is_a_copy_and_can_require_grad(device):
    array = np.ones(3)
    tensor = to_torch(array, device=device, requires_grad=True)
    (tensor * 2).sum().backward()
    array[0] = 5.0
    assert tensor[0].item() == 1.0
    np.testing.assert_array_equal(to_numpy(tensor.grad), [2.0, 2.0, 2.0])


def test_assert_close_accepts_within_tolerance(device):
    expected = to_torch(np.array([1.0, 2.0, 3.0]), device=device)
    assert_close(np.array([1.0, 2.0, 3.0 + 1e-11]), expected, rtol=1e-10, atol=0.0)


def test_assert_close_reports_largest_differences():
    with pytest.raises(AssertionError, match=r"1 of 3 elements differ.*max abs diff 1\.000e-03 at index \(2,\).*max rel diff 3\.333e-04"):
        assert_close(np.array([1.0, 2.0, 3.001]), np.array([1.0, 2.0, 3.0]), rtol=1e-10, atol=0.0)


def test_assert_close_rejects_shape_and_nan_mismatch():
    with pytest.raises(AssertionError, match="shape mismatch"):
        assert_close(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(AssertionError, match="NaN mismatch"):
        assert_close(np.array([np.nan, 1.0]), np.array([0.0, 1.0]))
    assert_close(np.array([np.nan, np.inf]), np.array([np.nan, np.inf]), equal_nan=True)


INF, NAN = np.inf, np.nan
# (actual, expected): non-finite values and the edges of the tolerance
NON_FINITE_PAIRS = [
    (1.0, INF), (INF, 1.0), (INF, -INF), (-INF, INF), (INF, INF), (-INF, -INF),
    (1e308, INF), (-1e308, -INF), (NAN, NAN), (NAN, 1.0), (1.0, NAN), (NAN, INF), (INF, NAN),
    (1e308, -1e308), (0.0, 0.0), (1.0, 1.0 + 1e-11), (1.0, 1.0 + 1e-9), (0.0, 1e-13),
]


@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("actual, expected", NON_FINITE_PAIRS)
def test_assert_close_non_finite_like_torch_testing(actual, expected, equal_nan):
    """Pass/fail agrees with torch.testing.assert_close on every pair, element by element
    and inside a larger finite array (where one bad element must fail the whole check)."""
    a = np.array([2.0, actual, -3.0])
    e = np.array([2.0, expected, -3.0])
    for ours_a, ours_e in ((np.float64(actual), np.float64(expected)), (a, e)):
        try:
            torch.testing.assert_close(torch.as_tensor(ours_a), torch.as_tensor(ours_e),
                                       rtol=1e-10, atol=1e-12, equal_nan=equal_nan)
            torch_passes = True
        except AssertionError:
            torch_passes = False
        try:
            assert_close(ours_a, ours_e, rtol=1e-10, atol=1e-12, equal_nan=equal_nan)
            ours_passes = True
        except AssertionError:
            ours_passes = False
        assert ours_passes == torch_passes, (actual, expected, equal_nan)


def test_assert_close_infinity_is_not_within_any_tolerance():
    """The old bug: rtol * |inf| = inf made every finite value "close" to inf."""
    with pytest.raises(AssertionError, match=r"differ in an infinity: actual 1\.0 where inf is "
                                             r"expected, at index \(0,\)"):
        assert_close(np.array([1.0]), np.array([np.inf]), rtol=1.0, atol=1.0)
    with pytest.raises(AssertionError, match=r"actual inf where -inf is expected"):
        assert_close(np.array([np.inf]), np.array([-np.inf]))
    with pytest.raises(AssertionError, match=r"NaN mismatch: 1 NaNs in actual, 1 in expected "
                                             r"\(equal_nan=False\)"):
        assert_close(np.array([np.nan]), np.array([np.nan]))
    with pytest.raises(AssertionError, match=r"1 of 2 elements differ .* at index \(1,\)"):
        assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 2.0]), equal_nan=True)
    assert_close(np.array([np.inf, -np.inf, 5.0]), np.array([np.inf, -np.inf, 5.0]))


def test_assert_close_bad_arguments():
    with pytest.raises(TypeError, match=r"^assert_close: actual must hold real numbers, "
                                        r"got dtype complex128$"):
        assert_close(np.array([1j]), np.array([0.0]))
    with pytest.raises(TypeError, match=r"^assert_close: expected must hold real numbers, "
                                        r"got dtype <U1$"):
        assert_close(np.array([1.0]), np.array(["a"]))
    with pytest.raises(ValueError, match=r"^assert_close: rtol must be in \[0, inf\), got inf$"):
        assert_close(1.0, 1.0, rtol=np.inf)
    with pytest.raises(ValueError, match=r"^assert_close: atol must be in \[0, inf\), got -1"):
        assert_close(1.0, 1.0, atol=-1.0)
    with pytest.raises(TypeError, match=r"^assert_close: equal_nan must be a bool, got 'yes'$"):
        assert_close(1.0, 1.0, equal_nan="yes")


def test_tolerances_by_dtype():
    assert tolerances(np.float64) == (1e-10, 1e-12)
    assert tolerances(np.float32) == (1e-5, 1e-6)
