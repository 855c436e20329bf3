"""Make every place that names the book's repository agree with ``_config.yml``.

``repository.url`` (and ``repository.branch``) in ``_config.yml`` is the one place where the
repository is written.  Jupyter Book builds the repository, Binder and Colab buttons from it;
this tool writes it into the two places that cannot read it:

- the first code cell of every chapter listed in ``_toc.yml`` (hidden, tagged ``remove-cell``),
  which installs dlbook on Colab or in a fresh kernel when it is missing;
- ``[project.urls]`` of ``pyproject.toml``.

It rewrites only that cell's ``source`` and only those URL lines, writes the notebook back with
nbformat's JSON layout (one-space indent, sorted keys, a final newline), and changes nothing
when everything already agrees (so running it twice is a no-op).  ``--check`` changes nothing
and exits 1 when a file is out of date.

Usage: ``python tools/sync_install_cell.py [--check]``.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# Colab and fresh kernels: install dlbook"

CELL = '''\
# Colab and fresh kernels: install dlbook from the book's repository when it
# is missing (offline: from the folder of wheels that PIP_FIND_LINKS names).
try:
    import dlbook
except ImportError:
    import os
    if os.environ.get("PIP_FIND_LINKS"):
        %pip install -q --no-index dlbook
    else:
        %pip install -q "dlbook @ git+{url}@{branch}"
    import dlbook'''


def repository(config: Path = ROOT / "_config.yml") -> tuple:
    """``(url, branch)`` from ``_config.yml``'s ``repository`` section."""
    section = yaml.safe_load(config.read_text(encoding="utf-8")).get("repository") or {}
    url = str(section.get("url", "")).rstrip("/")
    if not re.fullmatch(r"https://[^\s\"'@]+", url):
        raise ValueError(f"sync_install_cell: _config.yml repository.url must be an https URL, got {url!r}")
    return url, str(section.get("branch", "main"))


def install_cell(url: str, branch: str) -> str:
    """The source of the install cell for a repository."""
    return CELL.format(url=url, branch=branch)


def chapters() -> list:
    """The notebooks listed in ``_toc.yml``, in its order."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return [ROOT / f"{name}.ipynb" for name in re.findall(r"file:\s*(\S+)", toc)
            if (ROOT / f"{name}.ipynb").is_file()]


def first_code_cell(nb: dict, path: Path) -> dict:
    cell = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    if cell is None or not "".join(cell["source"]).startswith(MARKER):
        raise ValueError(f"sync_install_cell: the first code cell of {path} is not the install cell "
                         f"(it must start with {MARKER!r})")
    return cell


def sync_notebook(path: Path, source: str, check: bool) -> bool:
    """Put ``source`` into the notebook's install cell; return whether it had to change."""
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    cell = first_code_cell(nb, path)
    if "".join(cell["source"]) == source:
        return False
    if not check:
        cell["source"] = source.splitlines(keepends=True)
        path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def pyproject_urls(url: str) -> dict:
    return {"Homepage": url, "Repository": url, "Issues": f"{url}/issues"}


def sync_pyproject(path: Path, url: str, check: bool) -> bool:
    """Rewrite the ``[project.urls]`` table's lines; return whether they had to change."""
    text = path.read_text(encoding="utf-8")
    table = "[project.urls]\n" + "".join(f'{k} = "{v}"\n' for k, v in pyproject_urls(url).items())
    match = re.search(r"^\[project\.urls\]\n(?:[^\[\n][^\n]*\n)*", text, re.M)
    if match is None:
        raise ValueError(f"sync_install_cell: {path} has no [project.urls] table")
    new = text[:match.start()] + table + text[match.end():]
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if out of date")
    args = parser.parse_args(argv)
    url, branch = repository()
    source = install_cell(url, branch)
    changed = [p for p in chapters() if sync_notebook(p, source, args.check)]
    if sync_pyproject(ROOT / "pyproject.toml", url, args.check):
        changed.append(ROOT / "pyproject.toml")
    verb = "out of date" if args.check else "updated"
    for path in changed:
        print(f"sync_install_cell: {verb}: {path.relative_to(ROOT)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
