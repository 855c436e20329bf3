"""`make bench` (tools/benchmark.py) end to end, with one round: the per-kernel child process,
its check of the kernel OpenBLAS chose, and the tables it writes."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from cpu_features import cpu_flags  # noqa: E402

FLAGS = cpu_flags()


def bench(tmp_path, *args):
    out = tmp_path / "table.md"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "benchmark.py"), "--rounds=1",
                          f"--output={out}", *args], capture_output=True, text=True, timeout=300)
    return run, out


@pytest.mark.skipif("avx2" not in FLAGS, reason="OpenBLAS's Haswell kernel needs AVX2")
def test_bench_writes_a_table_per_kernel_with_every_case(tmp_path):
    run, out = bench(tmp_path, "--kernels=Haswell")
    assert run.returncode == 0, run.stderr
    assert "OpenBLAS kernel Haswell" in run.stderr
    text = out.read_text()
    assert "**OpenBLAS kernel Haswell**" in text and "SkylakeX" not in text
    rows = re.findall(r"^\| ([^|]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+)–([\d.]+) \| "
                      r"([\d.]+) \| (met|\*\*missed\*\* \(note \d\)) \|$", text, re.MULTILINE)
    assert [r[0] for r in rows] == ["MLP training step", "Batch norm forward + backward",
                                    "Adam update", "PCA whitening, float32",
                                    "ZCA whitening, float32", "PCA whitening, float64",
                                    "ZCA whitening, float64", "Autodiff engine"]
    for name, ours, theirs, ratio, low, high, target, verdict in rows:
        assert float(low) <= float(ratio) <= float(high), name
        assert (verdict == "met") == (float(ratio) <= float(target)), name
    assert {r[6] for r in rows} == {"1.0", "1.25"}


def test_bench_refuses_a_kernel_openblas_does_not_take(tmp_path):
    # OpenBLAS ignores a core name it does not know and picks one itself: the child must say
    # so instead of timing under a kernel nobody asked for
    run, out = bench(tmp_path, "--kernels=Pentium1")
    assert run.returncode != 0
    assert re.search(r"benchmark: asked OpenBLAS for Pentium1, it chose \w+", run.stderr)
    assert not out.exists()
