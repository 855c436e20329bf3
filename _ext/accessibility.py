"""Sphinx extension: fixes of the theme's and docutils' markup that axe-core reports (issue 12).

- docutils marks each reference of a bibliography ``role="doc-biblioentry"`` inside a
  ``role="list"``: DPUB-ARIA deprecated that role, so assistive technology sees a list whose
  children are the entries' back-links (axe: aria-required-children, critical).  The entries
  become ``role="listitem"``.
- ``accessibility_static/dlbook-a11y.js`` names the search field and the hidden-code toggles by
  the text they show, hides the colour-mode button's icons (whose titles it would show but its
  name lacks) from assistive technology (axe: label-content-name-mismatch, svg-img-alt, serious),
  and gives a code block that starts to scroll later (an opened solution) a tab stop
  (scrollable-region-focusable, serious).
- ``accessibility_static/dlbook-a11y.css`` darkens links on the tinted background of admonitions,
  where the theme's link blue has a contrast of 4.3 (axe: color-contrast, serious; 4.5 needed).
"""

from pathlib import Path

STATIC = Path(__file__).parent / "accessibility_static"


def _add_static_path(app):
    app.config.html_static_path.append(str(STATIC))


def _bibliography_roles(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    app.connect("builder-inited", _add_static_path)
    app.connect("html-page-context", _bibliography_roles)
    app.add_css_file("dlbook-a11y.css")
    app.add_js_file("dlbook-a11y.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
