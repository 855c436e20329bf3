"""Merge the largest errors against PyTorch that the unit tests recorded into one table.

``tests/conftest.py``'s ``compare`` fixture writes ``.cache/max_errors/<worker>.json``; this
script (run by ``make unit``) merges them into ``appendices/max_errors_table.md``, which the
verification appendix of the book includes.
"""

import json
import platform
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / ".cache" / "max_errors"
TABLE = ROOT / "appendices" / "max_errors_table.md"


def main() -> None:
    merged = defaultdict(lambda: {"abs": 0.0, "rel": 0.0})
    for path in sorted(SOURCE.glob("*.json")):
        for key, entry in json.loads(path.read_text()).items():
            merged[key]["abs"] = max(merged[key]["abs"], entry["abs"])
            merged[key]["rel"] = max(merged[key]["rel"], entry["rel"])
    devices = sorted({key.rsplit(", ", 1)[1].rstrip("]") for key in merged})
    lines = [
        f"Largest differences from PyTorch over every comparison in the unit tests "
        f"({len(merged)} function/dtype/device combinations; devices: {', '.join(devices) or 'none'}; "
        f"{platform.machine()}). Tolerances: float64 rtol 1e-10, float32 rtol 1e-5.",
        "",
        "| Checked quantity [dtype, device] | Max abs. difference | Max rel. difference |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{key}` | {e['abs']:.2e} | {e['rel']:.2e} |" for key, e in sorted(merged.items())]
    TABLE.write_text("\n".join(lines) + "\n")
    print(f"wrote {TABLE.relative_to(ROOT)} ({len(merged)} rows)")


if __name__ == "__main__":
    main()
