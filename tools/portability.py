"""Execute chapters under a matrix of CPU settings and list every cell whose output changes.

    python tools/portability.py [--settings NAME,...] [--jobs N] [notebook ...]

The stored outputs of the book must be what *any* CPU prints, not only the machine that executed
them.  One machine cannot become another CPU, but it can run the code paths another CPU would
take: OpenBLAS's kernels for older or other processors (``OPENBLAS_CORETYPE``), NumPy with its
AVX-512 or AVX2 loops switched off (``NPY_DISABLE_CPU_FEATURES``; NumPy 2.4 knows the groups
``X86_V4`` and ``X86_V3`` plus the targets ``AVX512_ICL`` and ``AVX512_SPR``, and silently
ignores the old names), PyTorch's and MKL's generic or AVX2 kernels (``ATEN_CPU_CAPABILITY``,
``MKL_ENABLE_INSTRUCTIONS``: PyTorch computes the chapters' references), and more than one
BLAS thread.
Each notebook is executed under each setting exactly as ``tools/execute_notebooks.py`` executes
it, and every code cell's output is compared with the stored one as nbval compares it (text,
HTML, LaTeX and SVG outputs and streams, PNG images skipped, the sanitizers of
``tests/nbval_sanitize.cfg`` applied, cells marked ``NBVAL_IGNORE_OUTPUT`` or ``NBVAL_SKIP``
left out).  A probe cell appended to each run reports the OpenBLAS kernel and thread count
(threadpoolctl) and NumPy's active SIMD dispatch targets, so the report shows what each run
really used.  Settings this CPU cannot run (the SkylakeX kernels or NumPy's AVX-512 paths without
AVX-512, say) are skipped and reported as skipped.

The exit status is 1 when any cell differs under any setting.  This is a developer tool, run
before committing executed notebooks (``make portability``); it is not part of ``make test``,
where CI keeps its machine's own settings.
"""

import argparse
import concurrent.futures
import configparser
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu_features import cpu_flags  # noqa: E402
from execute_notebooks import KERNELSPEC, merge_streams  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SANITIZE_CFG = ROOT / "tests" / "nbval_sanitize.cfg"
IGNORED_MIME_TYPES = {"image/png", "image/jpeg", "image/gif"}
IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
IGNORE_TAGS = {"nbval-ignore-output", "nbval-skip"}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
TWO_THREADS = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
# NumPy 2.4 dispatches to AVX512_ICL and AVX512_SPR loops besides the X86_V4 group: all three
# must be disabled to take the AVX-512 paths away.
NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"
NO_AVX2 = "X86_V3 " + NO_AVX512

# name -> (environment overrides, CPU flags the setting needs, what it stands for)
SETTINGS = {
    "machine": ({}, (), "this machine's own kernels and SIMD paths, one thread"),
    "openblas-Prescott": ({"OPENBLAS_CORETYPE": "Prescott"}, (), "OpenBLAS SSE3 kernels"),
    "openblas-Sandybridge": ({"OPENBLAS_CORETYPE": "Sandybridge"}, ("avx",),
                             "OpenBLAS AVX kernels"),
    "openblas-Haswell": ({"OPENBLAS_CORETYPE": "Haswell"}, ("avx2",), "OpenBLAS AVX2 kernels"),
    "openblas-SkylakeX": ({"OPENBLAS_CORETYPE": "SkylakeX"}, ("avx512f",),
                          "OpenBLAS AVX-512 kernels"),
    "openblas-Zen": ({"OPENBLAS_CORETYPE": "Zen"}, ("avx2",), "OpenBLAS AMD Zen kernels"),
    "numpy-no-avx512": ({"NPY_DISABLE_CPU_FEATURES": NO_AVX512}, ("avx512f",),
                        "NumPy without its AVX-512 loops"),
    "numpy-no-avx2": ({"NPY_DISABLE_CPU_FEATURES": NO_AVX2}, ("avx2",),
                      "NumPy without its AVX2 and AVX-512 loops"),
    "torch-avx2": ({"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
                   ("avx512f",), "PyTorch's AVX2 kernels and MKL's AVX2 code path"),
    "torch-default": ({"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
                      ("avx2",), "PyTorch's generic kernels and MKL's SSE4.2 code path"),
    "avx2-cpu": ({"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": NO_AVX512,
                  "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
                 ("avx512f",), "an AVX2 machine: all three libraries without AVX-512"),
    "sse-cpu": ({"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": NO_AVX2,
                 "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
                ("avx2",), "an old SSE machine: all three libraries without AVX2/AVX-512"),
    "threads-2": (TWO_THREADS, (), "two BLAS/OpenMP threads"),
}

PROBE = """\
import json as _json, threadpoolctl as _tp, torch as _torch
from numpy._core._multiarray_umath import __cpu_dispatch__ as _dispatch, __cpu_features__ as _feat
print(_json.dumps({
    "blas": [(i["filepath"].rsplit("/", 1)[-1].split(".so")[0], i.get("architecture"),
              i.get("num_threads"))
             for i in _tp.threadpool_info() if i.get("user_api") == "blas"],
    "numpy_dispatch": [t for t in _dispatch if _feat.get(t)],
    "torch": _torch.backends.cpu.get_cpu_capability(),
}))
"""


def sanitizers() -> list:
    """The (pattern, replacement) pairs of nbval's sanitize file, in order."""
    parser = configparser.ConfigParser()
    parser.read(SANITIZE_CFG)
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def cell_is_ignored(cell) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & IGNORE_TAGS) or any(m in cell.source for m in IGNORE_MARKERS)


def comparable(cell, rules) -> str:
    """The parts of a cell's outputs that nbval compares, as one sanitized text."""
    parts = []
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            parts.append(f"[{output['name']}]\n{output['text']}")
        elif kind in ("execute_result", "display_data"):
            for mime in sorted(output.get("data", {})):
                if mime not in IGNORED_MIME_TYPES:
                    value = output["data"][mime]
                    if not isinstance(value, str):
                        value = json.dumps(value, sort_keys=True)
                    parts.append(f"[{mime}]\n{value}")
        elif kind == "error":
            parts.append(f"[error]\n{output['ename']}: {output['evalue']}")
    text = "\n".join(parts)
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def run_worker(notebook: Path, result_path: Path) -> None:
    """Execute one notebook under the current environment and write its differences as JSON."""
    stored = nbformat.read(notebook, as_version=4)
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            allow_errors=True,
                            resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    probe = nb.cells.pop()
    probe_text = "".join(o.get("text", "") for o in probe.outputs if o.output_type == "stream")
    try:
        used = json.loads(probe_text.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        used = {"probe_failed": probe_text}
    rules = sanitizers()
    differences = []
    for index, (old, new) in enumerate(zip(stored.cells, nb.cells)):
        if old.cell_type != "code" or cell_is_ignored(old):
            continue
        merge_streams(new)
        before, after = comparable(old, rules), comparable(new, rules)
        if before != after:
            diff = difflib.unified_diff(before.splitlines(), after.splitlines(),
                                        "stored", "this run", lineterm="", n=1)
            differences.append({"cell": index, "source": old.source.splitlines()[:2],
                                "diff": "\n".join(diff)})
    result_path.write_text(json.dumps({"used": used, "differences": differences}))


def run_job(setting: str, notebook: Path, workdir: Path) -> dict:
    overrides = SETTINGS[setting][0]
    env = dict(os.environ, PYTHONHASHSEED="0", **ONE_THREAD)
    for variable in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES", "ATEN_CPU_CAPABILITY",
                     "MKL_ENABLE_INSTRUCTIONS"):
        env.pop(variable, None)
    env.update(overrides)
    result_path = workdir / f"{setting}--{notebook.stem}.json"
    process = subprocess.run([sys.executable, __file__, "--worker", str(notebook),
                              str(result_path)], env=env, capture_output=True, text=True)
    if process.returncode != 0:
        return {"setting": setting, "notebook": notebook.name, "used": {},
                "differences": [{"cell": None, "source": [],
                                 "diff": "the run failed:\n" + process.stderr[-3000:]}]}
    result = json.loads(result_path.read_text())
    return {"setting": setting, "notebook": notebook.name, **result}


def describe(used: dict) -> str:
    if "probe_failed" in used:
        return "probe failed"
    blas = ", ".join(f"{lib} {arch} x{threads}" for lib, arch, threads in used.get("blas", []))
    simd = " ".join(used.get("numpy_dispatch", [])) or "baseline only"
    return (f"BLAS {blas or 'unknown'}; NumPy dispatch: {simd}; "
            f"PyTorch kernels: {used.get('torch', 'unknown')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--settings", default=",".join(SETTINGS),
                        help="comma-separated names among: " + ", ".join(SETTINGS))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(*args.worker)
        return 0
    notebooks = args.notebooks or sorted((ROOT / "chapters").glob("*.ipynb"))
    chosen = [s.strip() for s in args.settings.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SETTINGS]
    if unknown:
        parser.error(f"unknown settings {unknown}; choose among {list(SETTINGS)}")
    flags = cpu_flags()
    runnable = []
    for setting in chosen:
        missing = [f for f in SETTINGS[setting][1] if f not in flags]
        if missing:
            print(f"SKIPPED {setting} ({SETTINGS[setting][2]}): this CPU lacks {', '.join(missing)}")
        else:
            runnable.append(setting)
    jobs = [(s, nb) for s in runnable for nb in notebooks]
    print(f"{len(jobs)} runs: {len(notebooks)} notebooks x {len(runnable)} settings, "
          f"{args.jobs} at a time", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(run_job, s, nb.resolve(), Path(tmp)) for s, nb in jobs]
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results.append(result)
            count = len(result["differences"])
            print(f"  {result['setting']:<22} {result['notebook']:<36} "
                  f"{'ok' if not count else f'{count} cells differ'}", flush=True)
    print("\nWhat each setting really ran with:")
    for setting in runnable:
        used = {describe(r["used"]) for r in results if r["setting"] == setting and r["used"]}
        print(f"  {setting:<22} {SETTINGS[setting][2]}\n  {'':<22} {'; '.join(sorted(used))}")
    total = 0
    for result in sorted(results, key=lambda r: (r["notebook"], r["setting"])):
        for difference in result["differences"]:
            total += 1
            print(f"\n=== {result['notebook']} cell {difference['cell']} under "
                  f"{result['setting']}: {' / '.join(difference['source'])}")
            print(difference["diff"])
    print(f"\n{total} differing cells over {len(results)} runs"
          f" ({len(chosen) - len(runnable)} settings skipped)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
