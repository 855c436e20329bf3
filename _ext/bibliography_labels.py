"""Sphinx extension: author-year labels in the reference lists, as in the text.

sphinxcontrib-bibtex cites author-year in the text (``bibtex_reference_style: author_year``:
"Ioffe and Szegedy, 2015") but labels its lists with pybtex's formatting style, whose default
(``alpha``) gives "[IS15]".  This registers the pybtex formatting style ``authoryear``
(``bibtex_default_style`` in ``_config.yml``): pybtex's ``alpha`` entries with labels written as
the text cites them, "Ioffe, 2015", "Ioffe and Szegedy, 2015", "LeCun et al., 1998", and sorted by
them.  An entry without authors or editors is labelled by its organization,
institution or title.

A label must name one work in the whole book (each chapter's list and the appendix's), so the
labels are made once from all of ``bibtex_bibfiles``: works that share one get "2012a", "2012b"
in the order of their keys.
"""

import unicodedata
from collections import defaultdict
from pathlib import Path
from string import ascii_lowercase

from pybtex.database import parse_file
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.alpha import Style as AlphaStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle

_LABELS: dict = {}     # citation key -> label, over every bib file of the book


def _last_name(person) -> str:
    return " ".join(str(part.render_as("text")) for part in person.rich_prelast_names + person.rich_last_names)


def _names(entry) -> str:
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    if not persons:
        for field in ("organization", "institution", "title"):
            if entry.fields.get(field):
                return str(Text.from_latex(entry.fields[field]).render_as("text"))
        return entry.key
    last = [_last_name(p) for p in persons]
    if len(last) == 1:
        return last[0]
    if len(last) == 2:
        return f"{last[0]} and {last[1]}"
    return f"{last[0]} et al."


def _label(entry) -> str:
    return f"{_names(entry)}, {entry.fields.get('year', 'n.d.')}"


def book_labels(entries) -> dict:
    """Key -> unique label for the ``entries`` (a mapping key -> pybtex Entry) of the whole book."""
    shared = defaultdict(list)
    for key in sorted(entries):
        shared[_label(entries[key])].append(key)
    labels = {}
    for label, keys in shared.items():
        for i, key in enumerate(keys):
            labels[key] = label + (ascii_lowercase[i] if len(keys) > 1 else "")
    return labels


class AuthorYearLabelStyle(BaseLabelStyle):
    """The book-wide author-year label of each entry."""

    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield _LABELS.get(entry.key) or _label(entry)


class LabelSortingStyle(BaseSortingStyle):
    """Entries in the alphabetical order of their labels (accents ignored), as a reader looks them up."""

    def sorting_key(self, entry):
        label = _LABELS.get(entry.key) or _label(entry)
        return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()


class AuthorYearStyle(AlphaStyle):
    """pybtex's alpha formatting, with author-year labels, sorted by label."""

    default_label_style = AuthorYearLabelStyle
    default_sorting_style = LabelSortingStyle


def _read_labels(app, config):
    entries = {}
    for bibfile in config.bibtex_bibfiles:
        entries.update(parse_file(str(Path(app.srcdir) / bibfile), "bibtex").entries)
    _LABELS.clear()
    _LABELS.update(book_labels(entries))


def setup(app):
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle, force=True)
    app.connect("config-inited", _read_labels)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
