"""Sphinx extension: let the ``singlehtml`` builder (the PDF's source) render hidden code cells.

myst-nb registers its ``HideCodeCellNode`` (the ``<details>`` around a cell tagged
``hide-input``/``hide-output``/``hide-cell``) for the ``html`` builder only.  Every other
builder falls back on the translator's generic handler, and sphinx-exercise registers its own
``singlehtml`` handlers, so ``jupyter-book build . --builder singlehtml`` stopped with
``NotImplementedError: Unknown node: HideCodeCellNode``.  Registering myst-nb's own visit and
depart functions for ``singlehtml`` too gives both builders the same markup.
"""

from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput, visit_HideCellInput


def setup(app):
    app.setup_extension("myst_nb")  # register after myst-nb, so this registration wins
    handlers = (visit_HideCellInput, depart_HideCellInput)
    app.add_node(HideCodeCellNode, override=True, html=handlers, singlehtml=handlers)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
