"""The package itself: every module listed in dlbook.__all__ imports and documents its names."""

import importlib
from pathlib import Path

import pytest

import dlbook


@pytest.mark.parametrize("name", dlbook.__all__)
def test_module_imports_and_documents_its_public_names(name):
    module = importlib.import_module(f"dlbook.{name}")
    assert module.__doc__ and module.__doc__.strip(), f"dlbook.{name} has no module docstring"
    for public in getattr(module, "__all__", []):
        obj = getattr(module, public)
        if callable(obj):
            assert obj.__doc__ and obj.__doc__.strip(), f"dlbook.{name}.{public} has no docstring"


def test_all_lists_every_public_module():
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(dlbook.__path__) if not m.name.startswith("_")}
    assert modules == set(dlbook.__all__)


def _long_code_lines(path, limit=80):
    """Line numbers of ``path`` longer than ``limit`` characters outside docstrings."""
    import io
    import tokenize

    source = path.read_text()
    in_docstring, previous = set(), None
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        statement_start = previous is None or previous.type in (
            tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE, tokenize.NL)
        if tok.type == tokenize.STRING and statement_start:
            in_docstring.update(range(tok.start[0], tok.end[0] + 1))
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok
    return [n for n, line in enumerate(source.splitlines(), 1)
            if len(line) > limit and n not in in_docstring]


MODULE_FILES = sorted(Path(dlbook.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("path", MODULE_FILES, ids=[p.name for p in MODULE_FILES])
def test_code_lines_fit_in_80_columns(path):
    """The chapters print dlbook's source (inspect.getsource): code must fit the page."""
    long = _long_code_lines(path)
    assert not long, f"{path.name}: code lines over 80 characters: {long}"


def test_long_line_check_can_fail(tmp_path):
    sample = tmp_path / "sample.py"
    docstring = '"""A docstring' + ", long" * 12 + '."""\n'
    sample.write_text(docstring + "x = 1\n"
                      "y = [" + ", ".join(["12345"] * 14) + "]\n")
    assert _long_code_lines(sample) == [3]
