"""What /proc/cpuinfo says about this machine's CPU, for the portability and benchmark tools."""

import platform
import re
from pathlib import Path


def _cpuinfo_field(name: str) -> str | None:
    """The first value of ``name`` in /proc/cpuinfo, or None where there is no such file or
    field."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    match = re.search(rf"^{name}\s*:(.*)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def cpu_flags() -> set:
    """The CPU feature flags of this machine (empty where /proc/cpuinfo has none)."""
    return set((_cpuinfo_field("flags") or "").split())


def cpu_model() -> str:
    """The CPU's model name, or the processor/architecture name Python reports."""
    return (_cpuinfo_field("model name") or platform.processor()
            or platform.machine())
