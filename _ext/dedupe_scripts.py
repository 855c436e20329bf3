"""Sphinx extension: drop repeated inline ``<script>`` blocks from every page.

sphinx-thebe 0.3.1 registers its configuration script (``const THEBE_JS_URL = ...``) once per
read phase, and Jupyter Book's build runs that phase twice, so every page declared the same
``const`` twice and the browser raised "Identifier 'THEBE_JS_URL' has already been declared".
The copies differ only in ``filename`` being ``None`` or ``""``, so the key normalizes it.  The
handler runs early (priority 100) because ``html-page-context`` stops at the first handler that
returns a template name.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.attributes.get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # In place: handlers that run later (MathJax's, at priority 500) append to this same list.
    context["script_files"][:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
