"""Gather one release of the book into one folder (run by `make release`).

``dist/release/`` receives, each name carrying dlbook's version:

- ``dlbook-V-html.zip``: the built HTML site (``_build/html``), readable offline;
- ``dlbook-V.pdf``: the whole book (``make pdf``);
- ``dlbook-V-notebooks.zip``: the chapters of ``_toc.yml``, stored executed;
- ``dlbook-V-py3-none-any.whl`` and ``dlbook-V.tar.gz``: the library (``python -m build``,
  checked by ``twine check --strict``);
- ``requirements.txt`` (the pin list) and ``pip-freeze.txt`` (every package of the environment
  that built the release);
- ``SHA256SUMS``.

Nothing is downloaded: the wheel and sdist are built without isolation, with the pinned
setuptools of ``.venv``.  Usage: ``python tools/make_release.py [--out DIR]``.
"""

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def zip_tree(folder: Path, archive: Path, prefix: str) -> int:
    """Zip every file under ``folder`` as ``prefix/...``; return the number of files."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in files:
            z.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")
    return len(files)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "release")
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--pdf", type=Path, default=ROOT / "_build" / "pdf" / "dlbook.pdf")
    args = parser.parse_args(argv)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    for needed in (args.html / "intro.html", args.pdf):
        if not needed.is_file():
            raise SystemExit(f"make_release: {needed} is missing (run `make html` and `make pdf`)")
    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    pages = zip_tree(args.html, out / f"dlbook-{version}-html.zip", f"dlbook-{version}-html")
    shutil.copyfile(args.pdf, out / f"dlbook-{version}.pdf")
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    notebooks = [ROOT / f"{name}.ipynb" for name in re.findall(r"file:\s*(chapters/\S+)", toc)]
    with zipfile.ZipFile(out / f"dlbook-{version}-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for path in notebooks:
            z.write(path, f"dlbook-{version}-notebooks/{path.name}")

    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                   check=True, stdout=subprocess.DEVNULL)
    packages = sorted(out.glob("dlbook-*.whl")) + sorted(out.glob("dlbook-*.tar.gz"))
    if len(packages) != 2:
        raise SystemExit(f"make_release: expected one wheel and one sdist, found {[p.name for p in packages]}")
    subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, packages)], check=True)

    shutil.copyfile(ROOT / "requirements.txt", out / "requirements.txt")
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                            capture_output=True, text=True).stdout
    (out / "pip-freeze.txt").write_text(freeze, encoding="utf-8")

    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
            for p in sorted(out.iterdir()) if p.is_file()]
    (out / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")
    print(f"make_release: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}: "
          f"{pages} site files, {len(notebooks)} notebooks, " + ", ".join(p.name for p in packages))
    for path in sorted(out.iterdir()):
        print(f"  {path.name:40s} {path.stat().st_size / 1e6:8.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
