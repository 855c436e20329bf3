"""Time dlbook's NumPy code against PyTorch eager on the CPU, on the same machine, in one run.

    make bench          # or: .venv/bin/python tools/benchmark.py [--threads N] [--repeats R]

Each case runs a warm-up, then ``repeats`` timed rounds of ``number`` calls; the reported time
is the median per call.  Both libraries get the same thread count, set before NumPy is imported
(OMP/OpenBLAS/MKL variables) and with ``torch.set_num_threads``.  Writes
``appendices/benchmarks_table.md``, shown by the book's benchmark appendix.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "appendices" / "benchmarks_table.md"
TARGETS = {"MLP training step": 1.25}
DEFAULT_TARGET = 1.5
# Why a target can be missed, shown in the table when it is (profiled; see the appendix text).
EXPLANATIONS = {
    "Batch norm forward + backward": (
        "memory-bound: NumPy cannot fuse elementwise operations, so dlbook streams the (N, D) "
        "array through memory about 12 times (the corrected two-pass centring that keeps float32 "
        "accurate included); PyTorch's fused native_batch_norm kernels need about 5 passes"),
    "PCA whitening, float32": (
        "dlbook computes the covariance, its eigendecomposition and the projection in float64 even "
        "for float32 data (the accuracy the tests demand), PyTorch stays in float32; in float64 on "
        "both sides dlbook is faster (next rows)"),
    "ZCA whitening, float32": "as for PCA: float64 inside dlbook against float32 in PyTorch",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for both libraries (default 1: stable timings on a shared machine)")
    parser.add_argument("--repeats", type=int, default=15)
    return parser.parse_args()


ARGS = parse_args()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402  (after the thread variables)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from dlbook import batchnorm, graph, losses, nn, optim, whitening  # noqa: E402

torch.set_num_threads(ARGS.threads)


def median_time(fn, number: int) -> float:
    """Median seconds per call of ``fn`` over ``ARGS.repeats`` rounds of ``number`` calls."""
    for _ in range(max(1, number // 2)):
        fn()
    rounds = []
    for _ in range(ARGS.repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return float(np.median(rounds))


def mlp_step():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    model = nn.MLP([784, 256, 256, 10], activation="relu", rng=rng, dtype=np.float32)
    opt = optim.Adam(model.params(), lr=1e-3)

    def ours():
        _, dlogits = losses.softmax_cross_entropy(model.forward(x), y)
        model.backward(dlogits)
        opt.step(model.grads())

    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                              torch.nn.ReLU(), torch.nn.Linear(256, 10))
    topt = torch.optim.Adam(net.parameters(), lr=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def theirs():
        topt.zero_grad(set_to_none=True)
        F.cross_entropy(net(tx), ty).backward()
        topt.step()

    return ours, theirs, 50


def batchnorm_step():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((256, 1024)).astype(np.float32)
    dy = rng.standard_normal((256, 1024)).astype(np.float32)
    gamma, beta = np.ones(1024, np.float32), np.zeros(1024, np.float32)

    def ours():
        _, cache = batchnorm.batchnorm_forward(x, gamma, beta)
        batchnorm.batchnorm_backward(dy, cache)

    tx = torch.from_numpy(x).requires_grad_(True)
    tg = torch.ones(1024, requires_grad=True)
    tb = torch.zeros(1024, requires_grad=True)
    tdy = torch.from_numpy(dy)

    def theirs():
        out = F.batch_norm(tx, None, None, tg, tb, training=True)
        torch.autograd.grad(out, (tx, tg, tb), tdy)

    return ours, theirs, 100


def adam_update():
    rng = np.random.default_rng(2)
    p = rng.standard_normal(1_000_000).astype(np.float32)
    g = rng.standard_normal(1_000_000).astype(np.float32)
    opt = optim.Adam([p], lr=1e-3)
    tp = torch.from_numpy(p.copy()).requires_grad_(True)
    tp.grad = torch.from_numpy(g)
    topt = torch.optim.Adam([tp], lr=1e-3)
    return (lambda: opt.step([g])), topt.step, 50


def whitening_fit_transform(kind, dtype):
    rng = np.random.default_rng(3)
    X = (rng.standard_normal((10_000, 256)) @ rng.standard_normal((256, 256))).astype(dtype)
    tX = torch.from_numpy(X)

    def ours():
        (whitening.PCA(whiten=True) if kind == "PCA" else whitening.ZCA(eps=1e-5)).fit_transform(X)

    def theirs():
        centred = tX - tX.mean(dim=0)
        covariance = centred.T @ centred / (tX.shape[0] - 1)
        eigenvalues, vectors = torch.linalg.eigh(covariance)
        if kind == "PCA":
            eigenvalues, vectors = eigenvalues.flip(0), vectors.flip(1)
            return centred @ vectors / torch.sqrt(eigenvalues)
        return centred @ (vectors / torch.sqrt(eigenvalues + 1e-5) @ vectors.T)

    return ours, theirs, 5


def value_engine():
    def expression(w0, w1, w2, x0, x1):
        return (1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())) * (w0 * w0 + w1 * w1).tanh()

    numbers = (2.0, -3.0, -3.0, -1.0, -2.0)

    def ours():
        leaves = [graph.Value(v) for v in numbers]
        expression(*leaves).backward()

    def theirs():
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in numbers]
        expression(*leaves).backward()

    return ours, theirs, 2000


CASES = [
    ("MLP training step", "784-256-256-10 ReLU, batch 128, float32: forward, cross-entropy, backward, Adam", mlp_step),
    ("Batch norm forward + backward", "N=256, D=1024, float32, training mode", batchnorm_step),
    ("Adam update", "1,000,000 float32 parameters", adam_update),
    ("PCA whitening, float32", "fit + transform of 10,000 x 256 float32 (dlbook works in float64 inside)",
     lambda: whitening_fit_transform("PCA", np.float32)),
    ("ZCA whitening, float32", "fit + transform of 10,000 x 256 float32 (dlbook works in float64 inside)",
     lambda: whitening_fit_transform("ZCA", np.float32)),
    ("PCA whitening, float64", "fit + transform of 10,000 x 256 float64 (both in float64)",
     lambda: whitening_fit_transform("PCA", np.float64)),
    ("ZCA whitening, float64", "fit + transform of 10,000 x 256 float64 (both in float64)",
     lambda: whitening_fit_transform("ZCA", np.float64)),
    ("Autodiff engine", "scalar sigmoid-neuron expression (12 ops), forward + backward, vs torch scalar tensors",
     value_engine),
]


def main():
    rows = []
    for name, what, make in CASES:
        ours, theirs, number = make()
        t_ours, t_theirs = median_time(ours, number), median_time(theirs, number)
        ratio = t_ours / t_theirs
        target = TARGETS.get(name, DEFAULT_TARGET)
        rows.append((name, what, t_ours, t_theirs, ratio, target))
        print(f"{name:32s} dlbook {t_ours * 1e3:9.3f} ms   torch {t_theirs * 1e3:9.3f} ms   "
              f"ratio {ratio:5.2f} (target <= {target})", flush=True)
    lines = [
        f"Measured by `make bench` on {platform.machine()} with {os.cpu_count()} CPU cores, "
        f"{ARGS.threads} thread(s) for both NumPy (OMP/OpenBLAS/MKL variables) and PyTorch "
        f"(`torch.set_num_threads`); NumPy {np.__version__}, PyTorch {torch.__version__}, "
        f"Python {platform.python_version()}. Median of {ARGS.repeats} rounds per case.",
        "",
        "| Case | What | dlbook (ms) | PyTorch (ms) | Ratio | Target (at most) | Verdict |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    notes = []
    for name, what, t_ours, t_theirs, ratio, target in rows:
        verdict = "met"
        if ratio > target:
            notes.append(f"{len(notes) + 1}. {name}: {EXPLANATIONS.get(name, 'not explained')}.")
            verdict = f"**missed** (note {len(notes)})"
        lines.append(f"| {name} | {what} | {t_ours * 1e3:.3f} | {t_theirs * 1e3:.3f} | {ratio:.2f} | "
                     f"{target} | {verdict} |")
    if notes:
        lines += ["", "Why the missed targets are missed (profiled):", ""] + notes
    TABLE.write_text("\n".join(lines) + "\n")
    print(f"wrote {TABLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
