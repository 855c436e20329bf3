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
    assert_close(np.array([np.nan, np.inf]), np.array([np.nan, np.inf]))


def test_tolerances_by_dtype():
    assert tolerances(np.float64) == (1e-10, 1e-12)
    assert tolerances(np.float32) == (1e-5, 1e-6)
