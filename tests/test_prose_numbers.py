"""Every measured number that a chapter's prose states comes from the code.

nbval proves that each stored output is what the code prints today.  A number typed into the
markdown has no such check: it goes stale the day the code changes.  So every decimal,
percentage and scientific-notation number in a chapter's markdown must be one of

- glued (myst-nb's ``{glue:text}`` role: the value lives in a cell output, which nbval checks),
- a value that the chapter's code contains (a setting, such as a learning rate of 0.05),
- a value that the chapter's stored outputs print (checked by nbval, and caught here when a
  re-execution changes it), or
- listed in the notebook's metadata ``dlbook.literature_numbers``: the short, explicit list of
  numbers quoted from the cited literature or the lecture decks.

Plain integers ("10 layers", "chapter 3", "2015") are not checked; percentages are, whatever
their form.  Numbers compare by value at the precision the prose writes them: ``1.03`` in the
text matches a printed ``1.034`` (the prose rounds what the cell prints), ``0.20`` matches
``0.2``, and ``2e-3`` matches ``0.0021``.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOC = (ROOT / "_toc.yml").read_text()
NOTEBOOKS = [ROOT / f"{name}.ipynb" for name in re.findall(r"(chapters/[A-Za-z0-9_]+)", TOC)]
MAX_LITERATURE_NUMBERS = 40

# Text that is not prose: glue roles (the value is in an output), cross-reference, citation and
# eq roles, label targets, link targets, inline code and directive option lines.
NOT_PROSE = re.compile(
    r"\{glue(?::\w+)?\}`[^`]*`"
    r"|\{(?:ref|numref|eq|doc|cite(?::\w+)?|download|term)\}`[^`]*`"
    r"|^\([\w-]+\)=\s*$"
    r"|\]\([^)]*\)"
    r"|https?://\S+"
    r"|`[^`\n]*`"
    r"|^:[\w-]+:.*$",
    re.MULTILINE,
)
NUMBER = re.compile(
    r"(?<![\w.\\])(?:\d+(?:\.\d+)?[eE][-+\u2212]?\d+|\d+\.\d+)(?![\w.]*\d)"
    r"|(?<![\w.\\])\d+(?:\.\d+)?(?=\s?(?:\\?%|percent\b|per cent\b))"
)
ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+\u2212]?\d+)?")


def _value(token: str) -> float:
    return float(token.replace("\u2212", "-"))


def _text_of_outputs(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append("".join(output.get("text", "")))
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") or mime == "application/json":
                parts.append(value if isinstance(value, str) else "".join(value)
                             if isinstance(value, list) else json.dumps(value))
    return "\n".join(parts)


def _values_in(text: str) -> set:
    return {_value(t) for t in ANY_NUMBER.findall(text)}


def _half_unit(token: str) -> float:
    """Half a unit in the last place the token writes: the rounding it stands for."""
    mantissa, _, exponent = token.replace("\u2212", "-").lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def _explained(token: str, known: set) -> bool:
    value, tolerance = _value(token), _half_unit(token) * (1 + 1e-9)
    return any(abs(v - value) <= tolerance for v in known)


def prose_numbers(markdown: str) -> list:
    """The (token, context) pairs of checked numbers in one markdown cell."""
    text = NOT_PROSE.sub(" ", markdown)
    found = []
    for match in NUMBER.finditer(text):
        start, end = max(0, match.start() - 40), match.end() + 20
        found.append((match.group(0), " ".join(text[start:end].split())))
    return found


def test_the_checker_finds_typed_numbers_and_ignores_glued_ones():
    prose = ("Accuracy rose to 96.4 % and the loss fell by 3.2e-3. {glue:text}`acc` of runs, "
             "see {numref}`fig-x` and `lr=0.05`; 10 layers; about 20 percent.")
    assert [token for token, _ in prose_numbers(prose)] == ["96.4", "3.2e-3", "20"]


def test_a_prose_number_matches_a_printed_one_only_at_its_own_precision():
    printed = {1.0342, 0.2, 0.0021, 96.42}
    assert all(_explained(t, printed) for t in ("1.03", "0.20", "2e-3", "96.4", "96"))
    assert not any(_explained(t, printed) for t in ("1.04", "1.035", "3e-3", "96.5", "0.21"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_numbers_come_from_the_code(path):
    nb = json.loads(path.read_text())
    literature = nb.get("metadata", {}).get("dlbook", {}).get("literature_numbers", [])
    assert len(literature) <= MAX_LITERATURE_NUMBERS, (
        f"{path.name}: {len(literature)} literature numbers; the allow-list must stay short")
    code, outputs, markdown = [], [], []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            code.append(source)
            outputs.append(_text_of_outputs(cell))
        elif cell["cell_type"] == "markdown":
            markdown.append(source)
    known = _values_in("\n".join(code)) | _values_in("\n".join(outputs))
    allowed = {_value(n) for n in literature}
    typed = [(token, context) for cell in markdown for token, context in prose_numbers(cell)]
    unexplained = [f"{token!r} in: ...{context}..." for token, context in typed
                   if _value(token) not in allowed and not _explained(token, known)]
    assert not unexplained, (
        f"{path.name}: {len(unexplained)} numbers in the prose are neither glued, nor in the "
        "chapter's code or outputs, nor in metadata dlbook.literature_numbers:\n"
        + "\n".join(unexplained))
    stale = [n for n in literature if _value(n) not in {_value(t) for t, _ in typed}]
    assert not stale, f"{path.name}: literature numbers no longer in the prose: {stale}"
