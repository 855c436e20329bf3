"""Every chapter of the table of contents follows the book's conventions (DESIGN.md).

These are structural checks on the stored notebooks; nbval (``make nbval``) separately proves
that the stored outputs are what the code produces today.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [ROOT / f"{m}.ipynb" for m in re.findall(r"file:\s*(chapters/\S+)", (ROOT / "_toc.yml").read_text())]
# The repository's URL is checked against _config.yml by tests/test_install_cell.py.
COLAB_GUARD = '    %pip install -q "dlbook @ git+'
MIN_WORDS = 2000
MIN_EXERCISES = 4


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _markdown(path):
    return "\n".join("".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown")


def _prose_words(markdown):
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)        # directives and code blocks
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)          # display math
    return len(re.findall(r"[A-Za-z][A-Za-z'\-]+", text))


def test_toc_lists_the_nine_chapters():
    assert len(CHAPTERS) == 9 and all(p.exists() for p in CHAPTERS)
    assert sorted(CHAPTERS) == sorted((ROOT / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_structure(path):
    markdown = _markdown(path)
    assert re.match(r"\(ch-[a-z]+\)=\n# \S", markdown), "a chapter opens with its label and its title"
    for heading in ("## Check against PyTorch", "## Summary", "## Exercises", "## References"):
        assert re.search(rf"^{re.escape(heading)}\s*$", markdown, re.M), f"missing section {heading!r}"
    assert "{bibliography}" in markdown and ":filter: docname in docnames" in markdown
    assert _prose_words(markdown) >= MIN_WORDS, f"only {_prose_words(markdown)} words of prose"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_exercises_have_hidden_solutions(path):
    markdown = _markdown(path)
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", markdown)
    solutions = re.findall(r"```\{solution-start\} (\S+)\n:class: dropdown", markdown)
    assert len(exercises) >= MIN_EXERCISES, f"{len(exercises)} exercises"
    assert sorted(exercises) == sorted(solutions), "every exercise needs exactly one hidden solution"
    assert markdown.count("{solution-start}") == markdown.count("{solution-end}")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_is_stored_executed_and_clean(path):
    code = [c for c in _cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert COLAB_GUARD in "".join(code[0]["source"]), "the first code cell installs dlbook on Colab"
    assert "remove-cell" in code[0]["metadata"].get("tags", [])
    assert all(c["execution_count"] is not None for c in code), "every code cell is stored executed"
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), "executed top to bottom, once"
    outputs = [o for c in code for o in c["outputs"]]
    # The one error a chapter stores: the reader's exercise check, run before they have
    # written an answer (tagged raises-exception, its output removed from the pages).
    errors = [(c, o) for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert all(o["ename"] == "NotAnswered" and {"raises-exception", "remove-output"}
               <= set(c["metadata"].get("tags", [])) for c, o in errors), "no stored errors"
    assert not [o for o in outputs if o.get("name") == "stderr"], "no warnings or stderr in stored outputs"
    for c in code:
        if any("image/png" in o.get("data", {}) for o in c["outputs"]):
            figure = c["metadata"].get("mystnb", {}).get("figure", {})
            assert figure.get("caption") and figure.get("name"), (
                f"figure cell {''.join(c['source'])[:60]!r} needs a caption and a name")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_outputs_are_portable(path):
    # Cells that print library source (inspect.getsource) show code, not values: skip them.
    text = "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                     for c in _cells(path) if c["cell_type"] == "code"
                     and not re.search(r"getsource|show_source", "".join(c["source"]))
                     for o in c["outputs"])
    for pattern, what in [(r"np\.float(32|64)\(", "a NumPy scalar repr"), (r"/tmp/|/work/|/home/", "a path"),
                          (r"\bcuda\b|\bcpu\b", "a device name"), (r" at 0x[0-9a-f]+", "an object address")]:
        assert not re.search(pattern, text), f"stored output shows {what}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_checkable_exercises_have_an_answer_cell_and_a_checked_solution(path):
    from dlbook.exercises import available

    cells = _cells(path)
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", _markdown(path))
    checkable = [label for label in labels if label in available()]
    assert len(checkable) >= MIN_EXERCISES, f"only {len(checkable)} exercises with a checker"
    for label in checkable:
        calls = [c for c in cells if c["cell_type"] == "code"
                 and re.search(rf'exercises\.check\(\s*"{label}"', "".join(c["source"]))]
        reader = [c for c in calls if "raises-exception" in c["metadata"].get("tags", [])]
        solved = [c for c in calls if any(f"{label}: right." in "".join(o.get("text", ""))
                                          for o in c["outputs"])]
        assert len(reader) == 1, f"{label}: one check cell for the reader's answer"
        assert len(solved) == 1, f"{label}: the book's solution passes its own checker"


MAX_CODE_LINE = 80       # characters that fit a code block at 1280 px (_ext/typeset_static)
# A font size in figure code: fontsize=/labelsize= arguments and rcParams keys such as
# "font.size", "xtick.labelsize", "legend.fontsize"; the value a number or a relative size.
FONT_SIZE = re.compile(r"""(?:\b(?:fontsize|labelsize)\s*=\s*|["'](?:font\.size|[\w.]*(?:fontsize|labelsize))["']\s*:\s*)"""
                       r"""(?P<value>\d+(?:\.\d+)?|["'](?:xx-small|x-small|small|smaller)["'])""")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    code = [c for c in _cells(path) if c["cell_type"] == "code"]
    long = [f"cell {i}, line {n}: {len(line)} characters: {line[:60]!r}"
            for i, c in enumerate(code) for n, line in enumerate("".join(c["source"]).splitlines(), 1)
            if len(line) > MAX_CODE_LINE]
    assert not long, f"{len(long)} code lines longer than {MAX_CODE_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figure_text_is_at_least_10_pt(path):
    small = [f"cell {i}: {m.group(0)!r}"
             for i, c in enumerate(c for c in _cells(path) if c["cell_type"] == "code")
             for m in FONT_SIZE.finditer("".join(c["source"]))
             if m["value"][0] in "'\"" or float(m["value"]) < 10]
    assert not small, "font sizes below 10 pt in figure code:\n" + "\n".join(small)
