"""Sphinx extension: the book's typesetting stylesheet (issue 12), added to every HTML page.

``typeset_static/dlbook-typeset.css`` lets MathJax 4 measure the text column (so it breaks long
displays at the column's width), gives a display that still does not fit a visible scroll
affordance, sizes code so that 80 characters fit at 1280 px, and keeps figures readable in the
theme's dark mode.  The folder is added to ``html_static_path`` here rather than in
``_config.yml``, so the stylesheet lives beside the code that registers it.
"""

from pathlib import Path

STATIC = Path(__file__).parent / "typeset_static"


def _add_static_path(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", _add_static_path)
    app.add_css_file("dlbook-typeset.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
