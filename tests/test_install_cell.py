"""The chapters' first cell: it names the repository of _config.yml, and it installs dlbook.

The fast tests check that every place that names the repository agrees with ``_config.yml``
(``tools/sync_install_cell.py`` writes them).  The slow one (``make offline-test``) takes the
path a reader on Colab takes, offline: it builds dlbook's wheel, makes a fresh virtual
environment in which ``import dlbook`` fails, runs a chapter's first cell there with pip
pointed at the wheel (``PIP_NO_INDEX=1``, ``PIP_FIND_LINKS``), and then runs the imports of
every chapter's set-up cells.  The new environment reuses ``.venv``'s packages (NumPy, PyTorch,
Jupyter...) through a ``.pth`` file that names a folder of links to them, with dlbook left
out, so nothing needs downloading.
"""

import ast
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("sync_install_cell", ROOT / "tools" / "sync_install_cell.py")
sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sync)
CHAPTERS = sync.chapters()


def code_cells(path: Path) -> list:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_installs_from_the_configured_repository(path):
    url, branch = sync.repository()
    source = "".join(code_cells(path)[0]["source"])
    assert f'"dlbook @ git+{url}@{branch}"' in source
    assert source == sync.install_cell(url, branch), "run `python tools/sync_install_cell.py`"


def test_pyproject_urls_are_the_configured_repository():
    url, _ = sync.repository()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"] == sync.pyproject_urls(url), "run `python tools/sync_install_cell.py`"


def test_sync_is_idempotent_and_touches_only_the_cell(tmp_path):
    path = CHAPTERS[0]
    copy = tmp_path / path.name
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    before = json.loads(copy.read_text(encoding="utf-8"))
    assert sync.sync_notebook(copy, "# Colab and fresh kernels: install dlbook (test)", check=False)
    after = json.loads(copy.read_text(encoding="utf-8"))
    changed = [i for i, (a, b) in enumerate(zip(before["cells"], after["cells"])) if a != b]
    assert len(changed) == 1 and after["cells"][changed[0]]["source"] == [
        "# Colab and fresh kernels: install dlbook (test)"]
    assert {k: v for k, v in after.items() if k != "cells"} == {k: v for k, v in before.items() if k != "cells"}
    text = copy.read_text(encoding="utf-8")
    assert not sync.sync_notebook(copy, "# Colab and fresh kernels: install dlbook (test)", check=False)
    assert copy.read_text(encoding="utf-8") == text
    assert text == json.dumps(after, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def setup_imports(path: Path) -> str:
    """The import statements of the code cells between the install cell and the first prose."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    lines = []
    for cell in cells[first + 1:]:
        if cell["cell_type"] != "code":
            break
        # IPython's own transform first: set-up cells may hold magics such as %config.
        tree = ast.parse(TransformerManager().transform_cell("".join(cell["source"])))
        lines += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert any("dlbook" in line for line in lines), f"{path.name}: no dlbook import in its set-up cells"
    return "\n".join(lines)


def purelib(python: Path) -> str:
    """The site-packages folder of the environment whose interpreter is ``python``."""
    return subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()


def venv_without_dlbook(where: Path) -> Path:
    """A virtual environment that sees .venv's packages, except dlbook; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where / "venv")], check=True)
    shared = where / "shared-site-packages"
    shared.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.lower()
        if name.startswith(("dlbook", "__editable__")) or name.endswith(".pth"):
            continue
        (shared / entry.name).symlink_to(entry)
    python = where / "venv" / "bin" / "python"
    (Path(purelib(python)) / "dlbook-test-shared.pth").write_text(f"{shared}\n")
    return python


RUNNER = """
import sys, nbformat, nbclient
cells = [nbformat.v4.new_code_cell(open(p).read()) for p in sys.argv[2:]]
nb = nbformat.v4.new_notebook(cells=cells)
nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                        resources={"metadata": {"path": sys.argv[1]}}).execute()
for cell in nb.cells:
    for out in cell.outputs:
        print(out.get("text", "") or "".join(out.get("traceback", [])))
"""


@pytest.mark.slow
def test_first_cell_installs_dlbook_offline_from_its_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    assert [w.name for w in wheels.glob("dlbook-*.whl")], "no dlbook wheel was built"
    python = venv_without_dlbook(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_PATH=str(tmp_path / "jupyter"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"), IPYTHONDIR=str(tmp_path / "ipython"))
    missing = subprocess.run([str(python), "-c", "import dlbook"], cwd=tmp_path, env=env,
                             capture_output=True, text=True)
    assert missing.returncode != 0 and "No module named 'dlbook'" in missing.stderr
    assert subprocess.run([str(python), "-c", "import numpy, torch, ipykernel"], cwd=tmp_path, env=env).returncode == 0

    files = [tmp_path / "install.py", tmp_path / "imports.py", tmp_path / "where.py"]
    files[0].write_text("".join(code_cells(CHAPTERS[0])[0]["source"]))
    files[1].write_text("\n".join(setup_imports(p) for p in CHAPTERS))
    files[2].write_text("import dlbook\nprint('dlbook from', dlbook.__file__)")
    run = subprocess.run([str(python), "-c", RUNNER, str(tmp_path), *map(str, files)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"dlbook from {purelib(python)}/dlbook/__init__.py" in run.stdout, run.stdout[-2000:]
