"""Chapter 9's map from dlbook to PyTorch: a dlbook forward/backward pair as a
torch.autograd.Function, and one network trained both ways with the same trajectory."""

import numpy as np
import torch

from dlbook import optim, schedules
from dlbook.batchnorm import batchnorm_backward, batchnorm_forward
from dlbook.clipping import clip_grad_norm
from dlbook.losses import softmax_cross_entropy
from dlbook.nn import MLP, linear_backward, linear_forward


class DlbookBatchNorm(torch.autograd.Function):
    """Training-mode batch normalization computed by dlbook inside PyTorch's autograd."""

    @staticmethod
    def forward(ctx, x, gamma, beta):
        y, cache = batchnorm_forward(x.detach().numpy(), gamma.detach().numpy(), beta.detach().numpy())
        ctx.cache = cache
        return torch.from_numpy(y)

    @staticmethod
    def backward(ctx, dy):
        return tuple(torch.from_numpy(g) for g in batchnorm_backward(dy.numpy(), ctx.cache))


class DlbookLinear(torch.autograd.Function):
    """y = x W^T + b by dlbook.nn.linear_forward / linear_backward."""

    @staticmethod
    def forward(ctx, x, W, b):
        y, ctx.cache = linear_forward(x.detach().numpy(), W.detach().numpy(), b.detach().numpy())
        return torch.from_numpy(y)

    @staticmethod
    def backward(ctx, dy):
        return tuple(torch.from_numpy(g) for g in linear_backward(dy.numpy(), ctx.cache))


def test_autograd_functions_pass_gradcheck():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 4, dtype=torch.float64, generator=gen, requires_grad=True)
    gamma = (1 + torch.rand(4, dtype=torch.float64, generator=gen)).requires_grad_()
    beta = torch.randn(4, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(DlbookBatchNorm.apply, (x, gamma, beta), eps=1e-6, atol=1e-8)
    W = torch.randn(3, 4, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(3, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(DlbookLinear.apply, (x, W, b), eps=1e-6, atol=1e-8)
    # and against PyTorch's own batch norm
    ours = DlbookBatchNorm.apply(x, gamma, beta)
    theirs = torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_clipped_nesterov_sgd_with_step_lr_follows_pytorch():
    # TensorFlow's compute_gradients / process / apply_gradients: backward, clip, step
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((120, 8)), rng.integers(0, 4, 120)
    ours = MLP([8, 16, 16, 4], activation="relu", rng=np.random.default_rng(2))
    net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                              torch.nn.ReLU(), torch.nn.Linear(16, 4)).double()
    with torch.no_grad():
        for p, q in zip(net.parameters(), ours.params()):
            p.copy_(torch.from_numpy(q))
    opt = optim.SGD(ours.params(), lr=0.5, momentum=0.9, nesterov=True)
    topt = torch.optim.SGD(net.parameters(), lr=0.5, momentum=0.9, nesterov=True)
    sched = torch.optim.lr_scheduler.StepLR(topt, step_size=10, gamma=0.3)
    order = np.random.default_rng(3).permutation(np.tile(np.arange(120), 3))
    for step in range(30):
        index = order[12 * step:12 * step + 12]
        opt.lr = schedules.step_lr(0.5, step, 10, 0.3)
        loss, dlogits = softmax_cross_entropy(ours.forward(X[index]), y[index])
        ours.backward(dlogits)
        norm = clip_grad_norm(ours.grads(), 1.0)
        opt.step(ours.grads())

        topt.zero_grad()
        tloss = torch.nn.functional.cross_entropy(net(torch.from_numpy(X[index])), torch.from_numpy(y[index]))
        tloss.backward()
        tnorm = torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        topt.step()
        sched.step()
        assert abs(loss - tloss.item()) <= 1e-10 * abs(tloss.item())
        assert abs(norm - tnorm.item()) <= 1e-10 * tnorm.item()
        for p, q in zip(ours.params(), net.parameters()):
            np.testing.assert_allclose(p, q.detach().numpy(), rtol=1e-10, atol=1e-12)
