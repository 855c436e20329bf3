"""dlbook.schedules against the sequences of torch.optim.lr_scheduler."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbook import optim, schedules

N = 150


def torch_sequence(make_scheduler, n=N, lr=0.1, momentum=0.9):
    """``get_last_lr()[0]`` before each of ``n`` optimizer steps (a step per index)."""
    param = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr, momentum=momentum)
    sched = make_scheduler(opt)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            lrs.append(sched.get_last_lr()[0])
            opt.step()
            sched.step()
    return np.array(lrs)


@pytest.mark.parametrize("lr0, step_size, gamma", [(0.1, 10, 0.1), (0.5, 7, 0.5), (1.0, 1, 0.97)])
def test_step_lr(lr0, step_size, gamma, compare):
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), lr=lr0)
    ours = [schedules.step_lr(lr0, t, step_size, gamma) for t in range(N)]
    compare("step_lr", ours, expected, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("lr0, gamma", [(0.1, 0.95), (0.3, 0.99), (1.0, 1.0)])
def test_exponential_lr(lr0, gamma, compare):
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), lr=lr0)
    ours = [schedules.exponential_lr(lr0, t, gamma) for t in range(N)]
    compare("exponential_lr", ours, expected, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("lr0, warmup", [(0.1, 2), (0.4, 10), (1.0, 37)])
def test_linear_warmup_is_linear_lr(lr0, warmup, compare):
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.LinearLR(
        o, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1), lr=lr0)
    ours = [schedules.linear_warmup(lr0, t, warmup) for t in range(N)]
    compare("linear_warmup", ours, expected, rtol=1e-12, atol=0.0)
    assert ours[0] == pytest.approx(lr0 / warmup) and ours[warmup - 1] == lr0


def test_linear_warmup_of_one_step_is_constant():
    assert all(schedules.linear_warmup(0.3, t, 1) == 0.3 for t in range(5))


@pytest.mark.parametrize("kwargs", [
    {}, dict(pct_start=0.25, anneal_strategy="linear"), dict(three_phase=True),
    dict(div_factor=10.0, final_div_factor=100.0, pct_start=0.5)])
@pytest.mark.parametrize("total", [100, 151])
def test_one_cycle(kwargs, total, compare):
    expected = torch_sequence(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.8, total_steps=total, **kwargs),
        n=total)
    ours = [schedules.one_cycle(t, total, 0.8, **kwargs) for t in range(total)]
    compare("one_cycle", ours, expected, rtol=1e-13, atol=0.0)


def test_one_cycle_defaults_are_torch_defaults():
    import inspect
    ours = inspect.signature(schedules.one_cycle).parameters
    theirs = inspect.signature(torch.optim.lr_scheduler.OneCycleLR.__init__).parameters
    for name in ("pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase"):
        assert ours[name].default == theirs[name].default


@pytest.mark.parametrize("up, down", [(10, None), (7, 13), (1, 1)])
def test_triangular_is_cyclic_lr(up, down, compare):
    expected = torch_sequence(lambda o: torch.optim.lr_scheduler.CyclicLR(
        o, base_lr=0.01, max_lr=0.2, step_size_up=up, step_size_down=down, mode="triangular",
        cycle_momentum=False))
    ours = [schedules.triangular(t, 0.01, 0.2, up, down) for t in range(N)]
    compare("triangular", ours, expected, rtol=1e-13, atol=0.0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.01, 1.0), min_size=5, max_size=40), st.sampled_from([0.5, 0.1]),
       st.sampled_from([0.0, 0.01]))
def test_new_bob_is_reduce_on_plateau(errors, factor, threshold):
    param = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=factor, patience=0, threshold=threshold, threshold_mode="rel",
        cooldown=0, min_lr=1e-4)
    bob = schedules.NewBob(0.1, factor=factor, threshold=threshold, min_lr=1e-4)
    for e in errors:
        opt.step()
        plateau.step(e)
        assert bob.step(e) == opt.param_groups[0]["lr"]


def test_new_bob_halves_when_validation_error_rises():
    bob = schedules.NewBob(0.1)
    lrs = [bob.step(e) for e in [0.5, 0.4, 0.45, 0.3, 0.31]]
    assert lrs == [0.1, 0.1, 0.05, 0.05, 0.025]


def test_schedules_are_reexported_by_optim():
    assert optim.step_lr is schedules.step_lr and optim.one_cycle is schedules.one_cycle


@pytest.mark.parametrize("call, exc, message", [
    (lambda: schedules.step_lr(0.1, -1, 10), ValueError, "step_lr: step must be >= 0, got -1"),
    (lambda: schedules.step_lr(0.1, 1, 0), ValueError, "step_lr: step_size must be >= 1, got 0"),
    (lambda: schedules.step_lr(-0.1, 1, 3), ValueError, r"step_lr: lr0 must be in \[0, inf\), got -0.1"),
    (lambda: schedules.exponential_lr(0.1, 1.5, 0.9), TypeError, "exponential_lr: step must be an integer"),
    (lambda: schedules.exponential_lr(0.1, 1, -0.9), ValueError, "exponential_lr: gamma must be in"),
    (lambda: schedules.linear_warmup(0.1, 3, 0), ValueError, "linear_warmup: warmup_steps must be >= 1"),
    (lambda: schedules.one_cycle(101, 100, 0.1), ValueError, "one_cycle: step must be <= total_steps = 100, got 101"),
    (lambda: schedules.one_cycle(1, 100, 0.1, pct_start=1.5), ValueError, r"one_cycle: pct_start must be in \[0, 1\], got 1.5"),
    (lambda: schedules.one_cycle(1, 100, 0.1, anneal_strategy="exp"), ValueError, "anneal_strategy must be one of 'cos', 'linear'"),
    (lambda: schedules.triangular(1, 0.1, 0.2, 0), ValueError, "triangular: step_size_up must be >= 1"),
    (lambda: schedules.NewBob(0.1, factor=1.0), ValueError, r"NewBob: factor must be in \(0, 1\), got 1"),
    (lambda: schedules.NewBob(0.1).step(float("nan")), ValueError, "NewBob.step: val_error must be in"),
])
def test_bad_arguments(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_one_cycle_shape():
    """Starts at max_lr/25, peaks at max_lr after 30% of the steps, ends near max_lr/25e4."""
    lrs = np.array([schedules.one_cycle(t, 1000, 1.0) for t in range(1000)])
    assert math.isclose(lrs[0], 1 / 25) and int(np.argmax(lrs)) == 299 and lrs.max() == 1.0
    assert math.isclose(lrs[-1], 1 / 25 / 1e4)
