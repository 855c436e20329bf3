"""Re-execute notebooks in place, deterministically, and record how long each took.

    python tools/execute_notebooks.py chapters/01_computational_graphs.ipynb [...]

Uses nbclient with ``record_timing=False`` and merges the stream chunks that the kernel splits
at timing-dependent points, so re-running an unchanged notebook gives a byte-identical file.  Wall times go to ``appendices/execution_times.json`` and the table
``appendices/execution_times_table.md`` that the verification appendix includes.
"""

import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

# One BLAS/OpenMP thread in the kernels, as under `make` (see the Makefile): outputs do not
# depend on the core count.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

ROOT = Path(__file__).resolve().parent.parent
TIMES_JSON = ROOT / "appendices" / "execution_times.json"
TIMES_TABLE = ROOT / "appendices" / "execution_times_table.md"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CHAPTER_BUDGET_S = 60.0
BOOK_BUDGET_S = 180.0


def merge_streams(cell) -> None:
    """Merge consecutive stdout/stderr chunks, which the kernel splits at timing-dependent points."""
    merged = []
    for output in cell.get("outputs", []):
        previous = merged[-1] if merged else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            merged.append(output)
    cell.outputs = merged


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    for key in ("widgets", "jupytext"):
        nb.metadata.pop(key, None)
    client = NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            merge_streams(cell)
    nb.metadata["language_info"] = {k: v for k, v in nb.metadata.get("language_info", {}).items()
                                    if k in ("name", "file_extension", "mimetype")}
    nbformat.write(nb, path)
    return seconds


def write_table(times: dict) -> None:
    total = sum(times.values())
    lines = [
        f"Measured by `make notebooks` on {os.cpu_count()} CPU cores ({platform.machine()}, "
        f"Python {platform.python_version()}); budget {CHAPTER_BUDGET_S:.0f} s per chapter, "
        f"{BOOK_BUDGET_S:.0f} s for the book.",
        "",
        "| Notebook | Execution time (s) | Within budget |",
        "|---|---:|:---:|",
    ]
    for name, seconds in sorted(times.items()):
        lines.append(f"| `{name}` | {seconds:.1f} | {'yes' if seconds < CHAPTER_BUDGET_S else 'NO'} |")
    lines.append(f"| **whole book** | **{total:.1f}** | {'yes' if total < BOOK_BUDGET_S else 'NO'} |")
    TIMES_TABLE.write_text("\n".join(lines) + "\n")


def main(paths: list[str]) -> None:
    times = json.loads(TIMES_JSON.read_text()) if TIMES_JSON.exists() else {}
    for name in paths:
        path = Path(name).resolve()
        seconds = execute(path)
        times[path.relative_to(ROOT).as_posix()] = round(seconds, 1)
        print(f"{path.relative_to(ROOT)}: {seconds:.1f} s", flush=True)
    TIMES_JSON.write_text(json.dumps(dict(sorted(times.items())), indent=1) + "\n")
    write_table(times)


if __name__ == "__main__":
    main(sys.argv[1:])
