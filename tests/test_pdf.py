"""The PDF edition (built by `make pdf`, checked by `make offline-test`).

The expectations come from the book's sources, not from the PDF: the chapter and section titles
are the ``#``/``##`` headings of every file in ``_toc.yml``, and the figures are the images the
notebooks show.  ``DLBOOK_PDF`` names another PDF to check (default ``_build/pdf/dlbook.pdf``).
"""

import functools
import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PDF = Path(os.environ.get("DLBOOK_PDF", ROOT / "_build" / "pdf" / "dlbook.pdf"))
HIDDEN = {"remove-cell", "remove-output"}

pytestmark = pytest.mark.pdf


def toc_files() -> list:
    """The book's source files in reading order: the root, then every ``file:`` of _toc.yml."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    names = re.findall(r"^root:\s*(\S+)", toc, re.M) + re.findall(r"^\s*-?\s*file:\s*(\S+)", toc, re.M)
    files = []
    for name in names:
        path = next(p for p in (ROOT / f"{name}.ipynb", ROOT / f"{name}.md") if p.is_file())
        files.append(path)
    return files


def markdown_of(path: Path) -> list:
    """The markdown text blocks of a notebook or a .md file."""
    if path.suffix == ".md":
        return [path.read_text(encoding="utf-8")]
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"
            and not HIDDEN & set(c.get("metadata", {}).get("tags", []))]


def headings(path: Path) -> list:
    """The level-1 and level-2 headings of a source file, outside code fences."""
    found = []
    for text in markdown_of(path):
        fence = None
        for line in text.splitlines():
            marker = re.match(r"^\s*(```+|~~~+|:::+)", line)
            if marker:
                token = marker.group(1)[:3]
                fence = None if fence == token else (fence or token)
                continue
            if fence is None:
                match = re.match(r"^(#{1,2})\s+(.+?)\s*#*\s*$", line)
                if match:
                    found.append(match.group(2))
    return found


def normalize(text: str) -> str:
    """NFKC, no whitespace: line breaks and justification do not matter."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def literal_fragments(heading: str) -> list:
    """The parts of a MyST heading printed as written: roles ({ref}`x` prints the target's
    title) and math are left out, inline-code backticks and bold/italic stars dropped."""
    pieces = re.split(r"\{[a-z:]+\}`[^`]*`|\$[^$]*\$", heading)
    return [p for p in (normalize(re.sub(r"`|\*{1,2}", "", piece)) for piece in pieces) if len(p) >= 3]


@functools.lru_cache(maxsize=None)
def reader():
    from pypdf import PdfReader

    assert PDF.is_file(), f"no PDF at {PDF}: run `make pdf` first"
    return PdfReader(str(PDF))


@functools.lru_cache(maxsize=None)
def page_texts() -> tuple:
    """The text layer, page by page, as poppler's pdftotext reads it with the page's layout
    (a line keeps its page number; pypdf's extract_text takes minutes for a book)."""
    assert PDF.is_file(), f"no PDF at {PDF}: run `make pdf` first"
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(PDF), "-"], check=True,
                          capture_output=True, text=True).stdout
    return tuple(text.split("\f")[:len(reader().pages)])


def image_count(resources, seen) -> int:
    """Image XObjects reachable from a page's resources (through form XObjects too)."""
    count = 0
    xobjects = resources.get("/XObject") if resources else None
    for ref in (xobjects.get_object().values() if xobjects else []):
        key = getattr(ref, "idnum", None)
        if key in seen:
            continue
        seen.add(key)
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            count += 1
        elif obj.get("/Subtype") == "/Form":
            count += image_count(obj.get("/Resources"), seen)
    return count


def test_page_count_is_sane():
    # About 30 pages a chapter; far fewer means lost content, far more a broken layout
    # (for instance every formula or figure on a page of its own).
    chapters = sum(1 for p in toc_files() if p.suffix == ".ipynb")
    pages = len(reader().pages)
    assert 15 * chapters <= pages <= 60 * chapters + 100, f"{pages} pages for {chapters} chapters"


def test_every_title_is_present_in_order_in_contents_and_body():
    text = normalize("".join(page_texts()))
    titles = [(path.relative_to(ROOT).as_posix(), h) for path in toc_files() for h in headings(path)]
    assert len(titles) > 2 * len(toc_files()), "too few headings found in the sources"
    position = 0
    # Twice through the sequence: once in the table of contents, once in the body.
    for where in ("contents", "body"):
        for source, title in titles:
            for fragment in literal_fragments(title):
                found = text.find(fragment, position)
                assert found >= 0, f"{where}: {title!r} ({source}) not found after position {position}"
                position = found + len(fragment)


def test_contents_carry_page_numbers():
    first = page_texts()[0]
    assert "Contents" in first
    numbers = [int(n) for n in re.findall(r"\s(\d{1,3})\s*$", first, re.M)]
    assert len(numbers) >= 10, f"few page numbers on the contents page: {numbers}"
    assert numbers == sorted(numbers) and numbers[-1] <= len(reader().pages)


@pytest.mark.parametrize("pattern", [r"\frac", "$$", r"\(", r"\[", r"\begin{", r"\mathbf", r"\texttt"])
def test_no_raw_tex_in_the_text_layer(pattern):
    hits = [i + 1 for i, text in enumerate(page_texts()) if pattern in text]
    assert not hits, f"raw TeX {pattern!r} on pages {hits[:10]}"


def test_every_figure_is_present():
    figures = 0
    for path in toc_files():
        if path.suffix != ".ipynb":
            figures += sum(len(re.findall(r"!\[|```\{(?:figure|image)\}", t)) for t in markdown_of(path))
            continue
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if HIDDEN & set(cell.get("metadata", {}).get("tags", [])):
                continue
            if cell["cell_type"] == "markdown":
                figures += len(re.findall(r"!\[|```\{(?:figure|image)\}", "".join(cell["source"])))
            for output in cell.get("outputs", []):
                figures += any(kind.startswith("image/") for kind in output.get("data", {}))
    seen: set = set()
    images = sum(image_count(page.get("/Resources"), seen) for page in reader().pages)
    assert figures > 0
    assert images >= figures, f"{images} images in the PDF, {figures} figures in the sources"


def test_every_solution_is_on_the_page_its_exercise_names():
    references, solutions = [], []
    for page, text in enumerate(page_texts(), start=1):
        references += [int(n) for n in re.findall(r"Solution on page\s+(\d+)", text)]
        solutions += [page for _ in re.findall(r"Solution to\s*Exercise \d+\.\d+", text)]
    assert references, "no exercise points to its solution"
    assert references == solutions
