"""dlbook.exercises: right answers pass, typical wrong answers fail with the hint for that
mistake, junk never passes, and the checkers' expected values equal PyTorch's."""

import math
import re

import numpy as np
import pytest
import torch

from dlbook import exercises
from dlbook.exercises._checking import REGISTRY, NotAnswered
from dlbook.graph import Value
from dlbook.nn import MLP

LABELS = exercises.available()
CHAPTER_PREFIXES = (
    "graphs",
    "backprop",
    "init",
    "activations",
    "batchnorm",
    "optim",
    "regularization",
    "whitening",
    "frameworks",
)


def zeros(*args, **kwargs):
    return 0.0


def zeros_like_first(*args, **kwargs):
    return np.zeros_like(np.asarray(args[0], dtype=float))


JUNK = [
    None,
    0,
    0.0,
    True,
    "42",
    zeros,
    zeros_like_first,
    (zeros, zeros),
    (zeros, zeros, zeros),
    {},
    (0.0, 0.0),
    (0.0, 0.0, 0.0, 0.0),
    np.zeros(3),
    np.zeros((2, 3)),
    [],
    {"x": 0},
]


# --------------------------------------------------------------------- wrong answers
def _sin_with(backward_rule):
    """A sin(a) node whose backward rule is ``backward_rule(a, g)`` (a wrong one)."""
    def sin(a):
        out = Value(math.sin(a.data))
        out.parents, out.op = (a,), "sin"
        out._backward = lambda g: backward_rule(a, g)
        return out
    return sin


def _add_grad(a, value):
    a.grad += value


_sin_no_upstream = _sin_with(lambda a, g: _add_grad(a, math.cos(a.data)))
_sin_minus = _sin_with(lambda a, g: _add_grad(a, -math.cos(a.data) * g))
_sin_assigned = _sin_with(lambda a, g: setattr(a, "grad", math.cos(a.data) * g))


def _topo_children_first(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            for p in node.parents:
                visit(p)

    visit(root)
    return order


def _topo_no_visited_set(root):
    order = []

    def visit(node):
        for p in node.parents:
            visit(p)
        order.append(node)

    visit(root)
    return order


def _topo_leaves_only(root):
    return [root]


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _softsign_pair(backward):
    return (lambda x: (x / (1 + np.abs(x)), x), backward)


def _collapse_transposed(model):
    W1, b1, W2, b2, W3, b3 = model.params()
    return W1.T @ W2.T @ W3.T, W3 @ (W2 @ b1 + b2) + b3


def _collapse_last_bias(model):
    W1, b1, W2, b2, W3, b3 = model.params()
    return W3 @ W2 @ W1, b3


def _collapse_no_b2(model):
    W1, b1, W2, b2, W3, b3 = model.params()
    return W3 @ W2 @ W1, W3 @ W2 @ b1 + b3


def _shapes(**changes):
    right = REGISTRY["ex-backprop-4"].reference()
    return {**right, **changes}


def _prelu(dz_rule, da_rule):
    def backward(dy, z, a):
        return dz_rule(dy, z, a), da_rule(dy, z, a)

    return backward


_right_dz = lambda dy, z, a: dy * np.where(z > 0, 1.0, a)
_right_da = lambda dy, z, a: float(np.sum(dy * np.minimum(z, 0)))


def _fold(w_rule, b_rule):
    def fold(W, b, gamma, beta, mean, var, eps=1e-5):
        return w_rule(W, gamma, var, eps), b_rule(
            b, gamma, beta, mean, var, eps
        )

    return fold


_fold_w = lambda W, g, v, e: W * (g / np.sqrt(v + e))[:, None]
_fold_b = lambda b, g, be, m, v, e: g / np.sqrt(v + e) * (b - m) + be


def _ln(norm):
    def layer_norm(x, gamma, beta, eps=1e-5):
        return norm(x, eps) * gamma + beta

    return layer_norm


def _pop(var_rule):
    def population_statistics(batches):
        return np.mean([b.mean(0) for b in batches], axis=0), var_rule(batches)

    return population_statistics


def _bn_backward(dx_rule):
    def backward(dy, x, gamma, eps=1e-5):
        sigma = np.sqrt(x.var(0) + eps)
        x_hat = (x - x.mean(0)) / sigma
        return dx_rule(dy, x_hat, gamma, sigma), (dy * x_hat).sum(0), dy.sum(0)

    return backward


def _momentum(update):
    def momentum(grad, w0, lrs, beta=0.9):
        w, m, out = np.array(w0, float), np.zeros(len(w0)), []
        for lr in lrs:
            w, m = update(w, m, grad(w), lr, beta)
            out.append(w.copy())
        return np.array(out)

    return momentum


def _adam(rule):
    def first_step(grad, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        return rule(grad, lr, betas, eps)

    return first_step


def _clip_per_tensor(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    for g in grads:
        g *= min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))
    return total


def _clip_always(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    for g in grads:
        g *= max_norm / (total + 1e-6)
    return total


def _clip_new_arrays(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    factor = min(1.0, max_norm / (total + 1e-6))
    for k in range(len(grads)):
        grads[k] = grads[k] * factor
    return total


def _clip_returns_clipped(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    factor = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g *= factor
    return min(total, max_norm)


def _eig(rule):
    def eigenvalues_from_svd(X):
        return rule(X)

    return eigenvalues_from_svd


def _centred_sv(X):
    return np.linalg.svd(X - X.mean(0), compute_uv=False)


def _ml(cov_rule):
    def ml_gaussian(X, reg):
        Xc = X - X.mean(0)
        return X.mean(0), cov_rule(Xc, X.shape[0], reg)

    return ml_gaussian


def _zca(rule):
    def zca_matrix(X):
        lam, E = np.linalg.eigh(np.cov(X, rowvar=False))
        return rule(lam, E, X.shape[0])

    return zca_matrix


_counts = REGISTRY["ex-whitening-3"].reference()


def _linear_function(forward, backward):
    """A torch.autograd.Function for y = x W^T + b with the given rules."""

    class Linear(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, W, b):
            ctx.save_for_backward(x, W)
            return forward(x, W, b)

        @staticmethod
        def backward(ctx, dy):
            x, W = ctx.saved_tensors
            return backward(dy, x, W)

    return Linear


_lin_forward = lambda x, W, b: x @ W.T + b
_lin_backward = lambda dy, x, W: (dy @ W, dy.T @ x, dy.sum(0))


def _first_probs(rule):
    def first_output_probabilities(n, buffer_size):
        p = np.zeros(n)
        held, value = rule(n, buffer_size)
        p[:held] = value
        return p

    return first_output_probabilities


def _timing(serial, prefetched):
    def total_time(n, t_load, t_step, prefetch):
        return (prefetched if prefetch else serial)(n, t_load, t_step)

    return total_time


_serial = lambda n, tl, ts: n * (tl + ts)
_prefetched = lambda n, tl, ts: n * max(tl, ts) + min(tl, ts)


def _linears(model):
    return [layer for layer in model.layers if hasattr(layer, "weight")]

WRONG = {
    "ex-graphs-1": [
        ((1.5922327514838093, 2.0595697955721652), "swapped"),
        (
            (
                2.0595697955721652 - 1 / (1 / (1 + math.exp(-3)) + 1),
                1.5922327514838,
            ),
            "three times",
        ),
        ((1.0, 1.0), "reverse, adding"),
    ],
    "ex-graphs-2": [
        (_sin_no_upstream, "upstream gradient g"),
        (_sin_assigned, "accumulated (+=)"),
        (_sin_minus, "+cos, not -cos"),
    ],
    "ex-graphs-3": [
        (np.zeros((3, 2)), "transposed"),
        (
            np.array(
                [
                    [-1, 0.5, 1 / math.cosh(2.0)],
                    [2 * math.exp(0.5), 0, math.exp(0.5)],
                ]
            ),
            "1 - tanh^2",
        ),
        (np.ones((2, 3)), "row i holds"),
    ],
    "ex-graphs-5": [
        (_topo_children_first, "after all its parents"),
        (_topo_no_visited_set, "more than once"),
        (_topo_leaves_only, "visit every parent"),
    ],
    "ex-backprop-1": [
        (lambda z, t: t - _sig(z), "sign is reversed"),
        (lambda z, t: z - t, "not z"),
        (lambda z, t: (_sig(z) - t) / z.size, "do not average"),
    ],
    "ex-backprop-2": [
        (_softsign_pair(lambda dy, x: dy / (1 + np.abs(x))), "square"),
        (
            _softsign_pair(lambda dy, x: 1 / (1 + np.abs(x)) ** 2),
            "upstream gradient dy",
        ),
        (
            _softsign_pair(
                lambda dy, x: dy * np.sign(x) / (1 + np.abs(x)) ** 2
            ),
            "no sign(x)",
        ),
        ((lambda x: (x / (1 + x), x), lambda dy, x: dy), "|x|"),
    ],
    "ex-backprop-3": [
        (_collapse_transposed, "transposed"),
        (_collapse_last_bias, "earlier biases"),
        (_collapse_no_b2, "b2 is missing"),
    ],
    "ex-backprop-4": [
        (_shapes(dW=[(784, 256), (256, 128), (128, 10)]), "transposed"),
        (_shapes(Delta=[(256,), (128,), (10,)]), "shape of its pre-activation"),
        (_shapes(n_params=784 * 256 + 256 * 128 + 128 * 10), "biases"),
        (_shapes(db=[(64, 256), (64, 128), (64, 10)]), "summed over"),
    ],
    "ex-init-1": [
        (lambda a: 2 / (1 + a * a), "square root"),
        (lambda a: math.sqrt(2 / (1 + a)), "alpha^2"),
        (lambda a: math.sqrt((1 + a * a) / 2), "inverted"),
    ],
    "ex-init-2": [
        ((32, 64, 1 / 12, 1 / 12), "receptive field"),
        ((576, 288, 1 / 12, 1 / 12), "swapped"),
        ((288, 576, math.sqrt(2 / 864), 1 / 12), "sqrt(3) times"),
        ((288, 576, 1 / 12, math.sqrt(2 / 576)), "uses fan_in"),
    ],
    "ex-init-3": [
        ((0.99, 1.01), "one layer"),
        ((0.99**200, 1.01**200), "square roots"),
        ((0.99**99, 1.01**99), "100 factors"),
    ],
    "ex-init-5": [
        (16 * (REGISTRY["ex-init-5"].reference() / 16 - 0.25), "mean of x"),
        (4.0, "add 16 Var(x)"),
        (1.0, ""),
    ],
    "ex-activations-1": [
        (-5.9864, "positive number"),
        (4.5848, "0.01"),
        (0.99749, "log(s / (1 - s))"),
    ],
    "ex-activations-2": [
        (_prelu(lambda dy, z, a: dy * (z > 0), _right_da), "slope is a"),
        (
            _prelu(_right_dz, lambda dy, z, a: dy * np.minimum(z, 0)),
            "one number",
        ),
        (
            _prelu(_right_dz, lambda dy, z, a: float(np.sum(dy * z))),
            "negative inputs",
        ),
        (
            _prelu(
                _right_dz,
                lambda dy, z, a: float(np.mean(dy * np.minimum(z, 0))),
            ),
            "do not average",
        ),
    ],
    "ex-activations-3": [
        ((-0.2785, -1.2785), "swapped"),
        ((1.2785, 0.2785), "negative z"),
        ((-1.0, -0.25), ""),
    ],
    "ex-activations-5": [
        ((0.448, 6.894), "swapped"),
        (
            (6.0, 2 / 6 * math.log(6 * (1 + math.sqrt(1 - 4 / 6)) / 2 - 1)),
            "w = 6",
        ),
        ((4.0, 0.0), ""),
    ],
    "ex-batchnorm-3": [
        (
            _fold(lambda W, g, v, e: W * (g / np.sqrt(v))[:, None], _fold_b),
            "inside the square root",
        ),
        (
            _fold(lambda W, g, v, e: W * (g / (v + e))[:, None], _fold_b),
            "not by the variance",
        ),
        (
            _fold(
                _fold_w, lambda b, g, be, m, v, e: g / np.sqrt(v + e) * b + be
            ),
            "subtract the running mean",
        ),
        (
            _fold(
                _fold_w, lambda b, g, be, m, v, e: g / np.sqrt(v + e) * (b - m)
            ),
            "beta is missing",
        ),
        (
            _fold(
                lambda W, g, v, e: (
                    W * (g / np.sqrt(v + e))[None, : W.shape[1]]
                    if W.shape[0] == W.shape[1]
                    else W * 2
                ),
                _fold_b,
            ),
            "each row",
        ),
    ],
    "ex-batchnorm-4": [
        (_ln(lambda x, e: (x - x.mean(0)) / np.sqrt(x.var(0) + e)), "axis 1"),
        (
            _ln(
                lambda x, e: (
                    (x - x.mean(1, keepdims=True))
                    / np.sqrt(x.var(1, ddof=1, keepdims=True) + e)
                )
            ),
            "biased",
        ),
        (
            _ln(
                lambda x, e: (
                    (x - x.mean(1, keepdims=True))
                    / (x.std(1, keepdims=True) + e)
                )
            ),
            "inside the square root",
        ),
    ],
    "ex-batchnorm-5": [
        (_pop(lambda bs: np.mean([b.var(0) for b in bs], axis=0)), "m/(m-1)"),
        (_pop(lambda bs: np.concatenate(bs).var(0, ddof=1)), "pooled"),
        (
            _pop(lambda bs: np.mean([b.var(0, ddof=1) for b in bs], 0) * 4 / 3),
            "corrected twice",
        ),
    ],
    "ex-batchnorm-backward": [
        (_bn_backward(lambda dy, xh, g, s: dy * g / s), "only the direct path"),
        (
            _bn_backward(lambda dy, xh, g, s: g / s * (dy - dy.mean(0))),
            "through the variance",
        ),
        (
            _bn_backward(
                lambda dy, xh, g, s: g / s * (dy - xh * (dy * xh).mean(0))
            ),
            "through the mean",
        ),
    ],
    "ex-optim-1": [
        (
            _momentum(lambda w, m, g, lr, b: (w - lr * (b * m + g), b * m + g)),
            "PyTorch's form",
        ),
        (
            _momentum(lambda w, m, g, lr, b: (w - lr * g, lr * g)),
            "beta is not used",
        ),
        (
            _momentum(
                lambda w, m, g, lr, b: (w + (b * m + lr * g), b * m + lr * g)
            ),
            "",
        ),
    ],
    "ex-optim-2": [
        (
            _adam(lambda g, lr, b, e: lr * g / (np.abs(g) + e)),
            "against the gradient",
        ),
        (
            _adam(
                lambda g, lr, b, e: (
                    -lr * (1 - b[0]) * g / (np.sqrt(1 - b[1]) * np.abs(g) + e)
                )
            ),
            "bias corrections",
        ),
        (
            _adam(lambda g, lr, b, e: -lr * g / np.sqrt(g * g + e)),
            "outside the square",
        ),
    ],
    "ex-optim-5": [
        (
            lambda n, s2, g2, r: math.ceil(s2 / (r * r * g2)),
            "finite-population",
        ),
        (
            lambda n, s2, g2, r: math.ceil(n * s2 / (r * g2 * (n - 1) + s2)),
            "square rel",
        ),
        (lambda n, s2, g2, r: 1, "round up"),
    ],
    "ex-optim-clip-norm": [
        (_clip_per_tensor, "together"),
        (_clip_always, "under the limit stay unchanged"),
        (_clip_new_arrays, "in place"),
        (_clip_returns_clipped, "before clipping"),
    ],
    "ex-regularization-2": [
        (lambda w, X, p: p * np.sum(w**2 * np.sum(X**2, 0)), "1/(1-p)"),
        (
            lambda w, X, p: (1 - p) / p * np.sum(w**2 * np.sum(X**2, 0)),
            "more dropout",
        ),
        (
            lambda w, X, p: p / (1 - p) * np.sum((X @ w) ** 2),
            "not on the predictions",
        ),
        (lambda w, X, p: p / (1 - p) * np.sum(w**2), "energy"),
    ],
    "ex-regularization-3": [
        (lambda a, lam: np.maximum(np.abs(a) - lam, 0), "sign of a"),
        (lambda a, lam: a - lam * np.sign(a), "exactly 0"),
        (lambda a, lam: np.clip(a, -lam, lam), "clips"),
    ],
    "ex-regularization-4": [
        (
            {
                "stop": 8,
                "restored": 5,
                "stop_min_delta_0": 8,
                "restored_min_delta_0": 5,
            },
            "from 0",
        ),
        (
            {
                "stop": 9,
                "restored": 8,
                "stop_min_delta_0": 7,
                "restored_min_delta_0": 4,
            },
            "patience = 3",
        ),
        ({"stop": 7, "restored": 4}, "missing"),
    ],
    "ex-regularization-5": [
        (0.0625, "biased low"),
        (0.5, "multiply it by sigma^2"),
        (0.125, "variance"),
    ],
    "ex-whitening-1": [
        (_zca(lambda lam, E, n: (E / lam) @ E.T), "square roots"),
        (_zca(lambda lam, E, n: E.T / np.sqrt(lam)[:, None]), "PCA whitening"),
        (
            _zca(lambda lam, E, n: (E / np.sqrt(lam * (n - 1) / n)) @ E.T),
            "N - 1",
        ),
        (_zca(lambda lam, E, n: (E * np.sqrt(lam)) @ E.T), "de-whitening"),
    ],
    "ex-whitening-2": [
        (_eig(lambda X: _centred_sv(X) ** 2 / X.shape[0]), "N - 1"),
        (_eig(_centred_sv), "squared singular values"),
        (
            _eig(
                lambda X: (
                    np.linalg.svd(X, compute_uv=False) ** 2 / (X.shape[0] - 1)
                )
            ),
            "centre the data",
        ),
        (
            _eig(lambda X: (_centred_sv(X) ** 2 / (X.shape[0] - 1))[::-1]),
            "largest",
        ),
    ],
    "ex-whitening-3": [
        ({**_counts, "full": 3072 + 3072**2}, "symmetric"),
        ({**_counts, "min_samples": 3072}, "rank at most"),
        ({**_counts, "mixture_diag_10": 61440}, "mixture weights"),
        ({**_counts, "spherical": 6144}, "one variance"),
    ],
    "ex-whitening-4": [
        (
            _ml(lambda Xc, n, r: Xc.T @ Xc / (n - 1) + r * np.eye(Xc.shape[1])),
            "divides by N",
        ),
        (_ml(lambda Xc, n, r: Xc.T @ Xc / n), "reg_covar is missing"),
        (_ml(lambda Xc, n, r: Xc.T @ Xc / n + r), "diagonal only"),
    ],
    "ex-frameworks-1": [
        (
            _linear_function(
                _lin_forward, lambda dy, x, W: (dy @ W, dy.T @ x, dy.mean(0))
            ),
            "do not average",
        ),
        (
            _linear_function(
                _lin_forward, lambda dy, x, W: (dy @ W.T, dy.T @ x, dy.sum(0))
            ),
            "transposed: dx",
        ),
        (
            _linear_function(
                _lin_forward, lambda dy, x, W: (dy @ W, x.T @ dy, dy.sum(0))
            ),
            "transposed: dW",
        ),
        (
            _linear_function(
                _lin_forward, lambda dy, x, W: (dy.T @ x, dy @ W, dy.sum(0))
            ),
            "in the order (x, W, b)",
        ),
        (
            _linear_function(lambda x, W, b: x @ W.T, _lin_backward),
            "bias b is missing",
        ),
        (
            _linear_function(lambda x, W, b: x @ W + b, _lin_backward),
            "stored as (out, in)",
        ),
        (
            _linear_function(
                lambda x, W, b: (x @ W.T + b).numpy(), _lin_backward
            ),
            "torch.from_numpy",
        ),
    ],
    "ex-frameworks-2": [
        (_first_probs(lambda n, b: (n, 1 / n)), "not a full shuffle"),
        (
            _first_probs(lambda n, b: (min(b + 1, n), 1 / min(b + 1, n))),
            "not b + 1",
        ),
        (_first_probs(lambda n, b: (min(b, n), 1 / b)), "probability 1/n"),
        (_first_probs(lambda n, b: (1, 1.0)), "not the oldest"),
    ],
    "ex-frameworks-5": [
        (_timing(_serial, lambda n, tl, ts: n * max(tl, ts)), "Add min"),
        (_timing(_serial, _serial), "the two overlap"),
        (
            _timing(lambda n, tl, ts: n * max(tl, ts), _prefetched),
            "nothing overlaps",
        ),
        (
            _timing(_serial, lambda n, tl, ts: (n + 1) * max(tl, ts)),
            "not the max",
        ),
    ],
    "ex-frameworks-6": [
        (
            lambda model, n: [
                p
                for layer in model.layers[-n:]
                for p in getattr(layer, "params", list)()
            ],
            "also counts the activations",
        ),
        (
            lambda model, n: [
                p for layer in _linears(model)[:n] for p in layer.params()
            ],
            "count from the output end",
        ),
        (
            lambda model, n: [layer.weight for layer in _linears(model)[-n:]],
            "biases",
        ),
        (lambda model, n: model.params(), "must stay frozen"),
        (
            lambda model, n: [
                p.copy()
                for layer in _linears(model)[-n:]
                for p in layer.params()
            ],
            "not copies",
        ),
        (
            lambda model, n: 2
            * [p for layer in _linears(model)[-n:] for p in layer.params()],
            "once",
        ),
    ],
}


def test_every_chapter_has_at_least_four_checkers():
    for prefix in CHAPTER_PREFIXES:
        assert (
            sum(label.startswith(f"ex-{prefix}-") for label in LABELS) >= 4
        ), prefix


def test_every_checker_has_wrong_answer_fixtures():
    assert set(WRONG) == set(LABELS)
    assert all(len(cases) >= 3 for cases in WRONG.values())


@pytest.mark.parametrize("label", LABELS)
def test_the_right_answer_passes(label, capsys):
    assert exercises.check(label, REGISTRY[label].reference()) is True
    out = capsys.readouterr().out
    assert out.startswith(f"{label}: right.") and out.count("\n") <= 3
    assert max(len(line) for line in out.splitlines()) < 80


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("junk", range(len(JUNK)))
def test_junk_never_passes(label, junk):
    with pytest.raises(AssertionError, match=re.escape(label)):
        exercises.check(label, JUNK[junk])


@pytest.mark.parametrize(
    "label, case",
    [(label, k) for label in WRONG for k in range(len(WRONG[label]))],
)
def test_a_typical_mistake_fails_with_its_hint(label, case):
    answer, hint = WRONG[label][case]
    with pytest.raises(AssertionError) as info:
        exercises.check(label, answer)
    message = str(info.value)
    assert message.startswith(label)
    assert hint in message, message
    if hint:
        assert (
            "Hint:" in message or "missing" in message or "shape" in message
        ), message


@pytest.mark.parametrize("label", LABELS)
def test_an_unfilled_answer_asks_for_one(label):
    with pytest.raises(
        NotImplementedError, match="fill in|NotImplementedError"
    ):
        exercises.check(label, NotImplemented)


def test_a_function_that_still_raises_not_implemented_asks_for_an_answer():
    def softsign_forward(x):
        raise NotImplementedError("write your answer here")

    with pytest.raises(NotAnswered, match="still raises NotImplementedError"):
        exercises.check("ex-backprop-2", (softsign_forward, softsign_forward))


def test_an_unknown_label_names_the_closest_ones():
    with pytest.raises(ValueError, match="did you mean ex-batchnorm-4"):
        exercises.check("ex-batchnorm4", None)
    with pytest.raises(TypeError, match="label must be a str"):
        exercises.check(3, None)


def test_the_reader_sees_the_failing_input_and_both_values():
    with pytest.raises(AssertionError) as info:
        exercises.check("ex-regularization-3", lambda a, lam: a * 0 + 1)
    message = str(info.value)
    for part in ("input: a = ", "expected:", "got:"):
        assert part in message


def test_a_function_that_mutates_its_input_is_rejected():
    def soft(a, lam):
        a -= lam * np.sign(a)
        return np.sign(a) * np.maximum(np.abs(a), 0)

    with pytest.raises(AssertionError, match="modified its input in place"):
        exercises.check("ex-regularization-3", soft)


# ------------------------------------------------ the checkers' expected values vs PyTorch
def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_softsign_reference_equals_torch():
    forward, backward = REGISTRY["ex-backprop-2"].reference()
    x, dy = (
        np.random.default_rng(0).normal(size=(4, 3)),
        np.random.default_rng(1).normal(size=(4, 3)),
    )
    xt = _t(x, True)
    y = torch.nn.functional.softsign(xt)
    y.backward(_t(dy))
    np.testing.assert_allclose(forward(x)[0], y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        backward(dy, forward(x)[1]), xt.grad.numpy(), rtol=1e-12
    )


def test_prelu_reference_equals_torch():
    rng = np.random.default_rng(2)
    z, dy = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    zt, at = _t(z, True), _t([0.25], True)
    torch.nn.functional.prelu(zt, at).backward(_t(dy))
    dz, da = REGISTRY["ex-activations-2"].reference()(dy, z, 0.25)
    np.testing.assert_allclose(dz, zt.grad.numpy(), rtol=1e-12)
    assert da == pytest.approx(at.grad.item(), rel=1e-12)


def test_layer_norm_reference_equals_torch():
    rng = np.random.default_rng(3)
    x, g, b = (
        rng.normal(size=(4, 5)),
        rng.uniform(0.5, 2, 5),
        rng.normal(size=5),
    )
    y = torch.nn.functional.layer_norm(_t(x), (5,), _t(g), _t(b), 1e-5)
    np.testing.assert_allclose(
        REGISTRY["ex-batchnorm-4"].reference()(x, g, b, 1e-5),
        y.numpy(),
        rtol=1e-12,
    )


def test_fold_reference_equals_torch_eval_mode():
    rng = np.random.default_rng(4)
    lin, bn = torch.nn.Linear(3, 4).double(), torch.nn.BatchNorm1d(4).double()
    with torch.no_grad():
        bn.running_mean.copy_(_t(rng.normal(size=4)))
        bn.running_var.copy_(_t(rng.uniform(0.1, 2, 4)))
        bn.weight.copy_(_t(rng.uniform(0.5, 2, 4)))
        bn.bias.copy_(_t(rng.normal(size=4)))
    bn.eval()
    x = rng.normal(size=(6, 3))
    W, b = REGISTRY["ex-batchnorm-3"].reference()(
        *(
            p.detach().numpy()
            for p in (
                lin.weight,
                lin.bias,
                bn.weight,
                bn.bias,
                bn.running_mean,
                bn.running_var,
            )
        ),
        bn.eps,
    )
    np.testing.assert_allclose(
        x @ W.T + b, bn(lin(_t(x))).detach().numpy(), rtol=1e-12
    )


def test_batchnorm_backward_reference_equals_torch():
    rng = np.random.default_rng(5)
    x, dy, g = (
        rng.normal(size=(6, 3)),
        rng.normal(size=(6, 3)),
        rng.uniform(0.5, 2, 3),
    )
    xt, gt, bt = _t(x, True), _t(g, True), _t(np.zeros(3), True)
    torch.nn.functional.batch_norm(
        xt, None, None, gt, bt, training=True
    ).backward(_t(dy))
    dx, dg, db = REGISTRY["ex-batchnorm-backward"].reference()(dy, x, g, 1e-5)
    for ours, theirs in ((dx, xt), (dg, gt), (db, bt)):
        np.testing.assert_allclose(
            ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-13
        )


def test_adam_and_clipping_references_equal_torch():
    grad = np.array([3e4, -2.0, 1e-3, 1e-9, 0.0, -5e-8])
    w = torch.zeros(6, dtype=torch.float64, requires_grad=True)
    w.grad = _t(grad)
    torch.optim.Adam([w], lr=1e-3).step()
    np.testing.assert_allclose(
        REGISTRY["ex-optim-2"].reference()(grad),
        w.detach().numpy(),
        rtol=1e-12,
        atol=1e-18,
    )
    rng = np.random.default_rng(6)
    grads = [rng.normal(0, 3, (3, 2)), rng.normal(0, 3, 4)]
    params = [
        torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        for g in grads
    ]
    for p, g in zip(params, grads):
        p.grad = _t(g)
    total = torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert REGISTRY["ex-optim-clip-norm"].reference()(
        grads, 1.0
    ) == pytest.approx(total.item(), rel=1e-12)
    for p, g in zip(params, grads):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12)


def test_gain_graph_and_jacobian_references_equal_torch():
    for alpha in (0.0, 0.2, 3.0):
        assert REGISTRY["ex-init-1"].reference()(alpha) == pytest.approx(
            torch.nn.init.calculate_gain("leaky_relu", alpha), rel=1e-12
        )
    jac = torch.autograd.functional.jacobian(
        lambda t: torch.stack(
            [t[0] * t[1] + torch.tanh(t[2]), torch.exp(t[0]) * t[2]]
        ),
        _t([0.5, -1.0, 2.0]),
    )
    np.testing.assert_allclose(
        REGISTRY["ex-graphs-3"].reference(), jac.numpy(), rtol=1e-12
    )
    x, y = _t(3.0, True), _t(-4.0, True)
    ((x + torch.sigmoid(y)) / (torch.sigmoid(x) + (x + y) ** 2)).backward()
    np.testing.assert_allclose(
        REGISTRY["ex-graphs-1"].reference(),
        [x.grad.item(), y.grad.item()],
        rtol=1e-12,
    )


def test_number_references_from_first_principles():
    z, value = REGISTRY["ex-activations-3"].reference()
    zt = _t(z, True)
    torch.nn.functional.silu(zt).backward()
    assert abs(zt.grad.item()) < 1e-12 and value == pytest.approx(
        z + 1, abs=1e-12
    )
    s = torch.sigmoid(_t(REGISTRY["ex-activations-1"].reference()))
    assert (s * (1 - s)).item() == pytest.approx(0.0025, rel=1e-12)
    samples = torch.sigmoid(
        torch.randn(
            2_000_000,
            generator=torch.Generator().manual_seed(0),
            dtype=torch.float64,
        )
    )
    assert REGISTRY["ex-init-5"].reference() == pytest.approx(
        16 * (samples**2).mean().item(), rel=2e-3
    )


def test_shape_answers_match_an_mlp():
    model = MLP([784, 256, 128, 10], rng=np.random.default_rng(0))
    shapes = REGISTRY["ex-backprop-4"].reference()
    assert [p.shape for p in model.params()] == [
        s for pair in zip(shapes["dW"], shapes["db"]) for s in pair
    ]
    assert shapes["n_params"] == sum(p.size for p in model.params())


def test_linear_function_reference_equals_torch():
    function = REGISTRY["ex-frameworks-1"].reference()
    gen = torch.Generator().manual_seed(7)
    shapes = ((6, 4), (3, 4), (3,))
    args = [
        torch.randn(*s, dtype=torch.float64, generator=gen).requires_grad_()
        for s in shapes
    ]
    assert torch.autograd.gradcheck(function.apply, tuple(args))
    dy = torch.randn(6, 3, dtype=torch.float64, generator=gen)
    ours = torch.autograd.grad(function.apply(*args), args, dy)
    theirs = torch.autograd.grad(torch.nn.functional.linear(*args), args, dy)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_first_output_probabilities_match_the_pipeline_shuffle():
    from dlbook.pipeline import Dataset

    reference = REGISTRY["ex-frameworks-2"].reference()
    for n, b in ((10, 4), (4, 9), (6, 1)):
        ds = Dataset.from_tensor_slices(np.arange(n)).shuffle(
            b, rng=np.random.default_rng(n + b)
        )
        first = [int(next(iter(ds))) for _ in range(4000)]
        freq = np.bincount(first, minlength=n) / len(first)
        p = reference(n, b)
        assert np.array_equal(freq > 0, p > 0)
        # 5 standard errors of a frequency from 4,000 draws
        assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / 4000))


def _simulated_time(n, t_load, t_step, prefetch, queue_size=1):
    """Event times of a loader thread and a training loop, batch by batch."""
    load_end, step_end = [], []
    for k in range(n):
        if not prefetch:
            start = step_end[-1] if step_end else 0.0
        else:  # the loader waits while the queue is full
            start = load_end[-1] if load_end else 0.0
            if k > queue_size:
                start = max(start, step_end[k - queue_size - 1] - t_step)
        load_end.append(start + t_load)
        step_end.append(
            max(load_end[-1], step_end[-1] if step_end else 0.0) + t_step
        )
    return step_end[-1]


def test_total_time_reference_equals_an_event_simulation():
    reference = REGISTRY["ex-frameworks-5"].reference()
    rng = np.random.default_rng(8)
    for _ in range(50):
        n = int(rng.integers(1, 40))
        t_load, t_step = rng.uniform(0.1, 10, 2)
        for prefetch in (False, True):
            for queue_size in (1, 2, 5):
                assert reference(
                    n, t_load, t_step, prefetch
                ) == pytest.approx(
                    _simulated_time(n, t_load, t_step, prefetch, queue_size),
                    rel=1e-12,
                )


def test_trainable_reference_fine_tunes_as_torch_with_frozen_layers():
    from dlbook import optim
    from dlbook.nn import Linear
    from dlbook.training import Activation, Sequential

    rng = np.random.default_rng(9)
    model = Sequential(
        [Linear(5, 4, rng), Activation("relu"), Linear(4, 4, rng)]
        + [Activation("relu"), Linear(4, 3, rng)]
    )
    twin = torch.nn.Sequential(
        torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4),
        torch.nn.ReLU(), torch.nn.Linear(4, 3),
    ).double()
    twin.load_state_dict(
        {k: torch.from_numpy(v.copy()) for k, v in model.state_dict().items()}
    )
    for p in twin[0].parameters():
        p.requires_grad_(False)
    before = [p.copy() for p in model.params()]
    x, y = rng.normal(size=(8, 5)), rng.integers(0, 3, 8)
    trained = REGISTRY["ex-frameworks-6"].reference()(model, 2)
    model.compile("cross_entropy", optim.Adam(trained, lr=0.1))
    model.fit(x, y, epochs=3, batch_size=8, rng=rng, progress=False)
    topt = torch.optim.Adam(
        [p for p in twin.parameters() if p.requires_grad], lr=0.1
    )
    for _ in range(3):
        topt.zero_grad()
        torch.nn.functional.cross_entropy(
            twin(torch.from_numpy(x)), torch.from_numpy(y)
        ).backward()
        topt.step()
    for k, (ours, theirs) in enumerate(zip(model.params(), twin.parameters())):
        np.testing.assert_allclose(
            ours, theirs.detach().numpy(), rtol=1e-10, atol=1e-13
        )
        assert np.array_equal(ours, before[k]) == (k < 2)
