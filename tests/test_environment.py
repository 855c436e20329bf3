"""The pinned environment is one list used everywhere (Makefile, CI, Binder, GitHub Actions).

Binder itself cannot be reached from the test machines, so these tests check that its
configuration is consistent with the pins instead.
"""

import re
from importlib.metadata import version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+)==([A-Za-z0-9_.+\-]+)$")


def _pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = REQUIREMENT.match(line)
            assert match, f"requirements.txt: every requirement must be pinned with ==, got {line!r}"
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_reproducibility_critical_packages_are_pinned():
    assert {"numpy", "scipy", "matplotlib", "scikit-learn", "torch", "jupyter-book", "nbval"} <= set(_pins())


@pytest.mark.parametrize("package", ["numpy", "scipy", "matplotlib", "scikit-learn", "torch", "nbval", "sphinx"])
def test_installed_versions_match_the_pins(package):
    assert version(package).split("+")[0] == _pins()[package]


def test_binder_environment_installs_the_pins_and_dlbook():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*-\s*python=3\.11\s*$", text, re.M), "Binder must use Python 3.11, as the pins do"
    assert re.search(r"^\s*-\s*-r requirements\.txt\s*$", text, re.M), "environment.yml must install requirements.txt"
    assert re.search(r"^\s*-\s*-e \.\s*$", text, re.M), "environment.yml must install dlbook itself"
    assert "download.pytorch.org/whl/cpu" in text, "Binder must take PyTorch's CPU build"
    # No second, drifting list of versions in environment.yml.
    dependencies = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not any(re.search(r"\b(numpy|torch|matplotlib|scipy)\s*[=<>]", line) for line in dependencies)


def test_binder_system_packages():
    assert "graphviz" in (ROOT / "apt.txt").read_text().split()


def test_every_entry_point_uses_the_one_pin_list():
    assert "-r requirements.txt" in (ROOT / "Makefile").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    workflow = (ROOT / ".github" / "workflows" / "book.yml").read_text()
    assert "make test" in workflow and "make book" in workflow


def test_project_version_matches_package():
    import dlbook

    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{dlbook.__version__}"' in pyproject
