"""The built HTML book, opened page by page in headless Chromium (run by `make browser`).

Every page of the built site (``$DLBOOK_HTML``, default ``_build/html``; a ``--path-output``
folder works too) must load with no console error, no failed request, no request leaving the
machine (the book is offline-correct: MathJax is served by the site itself), every image decoded,
every formula typeset by MathJax without a TeX error, and every internal link pointing at an
existing page and anchor.  A screenshot of each page is saved to ``screenshots/`` beside the
HTML folder for a person to look at.

Typesetting (issue 12), measured by ``tools/measure_pages.py`` at 1280 px (a laptop) and 390 px
(a phone), both at a device pixel ratio of 2, with hidden solutions revealed:

- no display equation is wider than its column.  At 390 px one that MathJax 4 cannot break
  (one unbreakable piece wider than a phone) may scroll, but only inside the visible scroll
  affordance (``_ext/typeset_static``: the display itself scrolls, with shadows at its edges);
- at 1280 px no code block (``pre``) scrolls sideways (on a phone code may, as in every book);
- no figure is blurry (fewer than 1.9 natural pixels per displayed CSS pixel) and, at 1280 px,
  none is shrunk below 0.65 of its intrinsic CSS width (its text would be below 9 px);
- every image has alt text that says something (not empty, not a file path);
- no page scrolls sideways on a phone;
- no raw label (``ch-graphs``, ``eq-optim-noise``) or unresolved reference is shown;
- axe-core (npm, from ``node_modules``) finds no serious or critical accessibility violation,
  in the light and in the theme's dark mode.
"""

import functools
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import measure_pages  # noqa: E402  (tools/ is not a package)

HTML = Path(os.environ.get("DLBOOK_HTML", ROOT / "_build" / "html"))
if not (HTML / "intro.html").exists() and (HTML / "_build" / "html").is_dir():
    HTML = HTML / "_build" / "html"
SCREENSHOTS = HTML.parent / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = measure_pages.pages(HTML) if HTML.exists() else []
ALL_PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts
                   and p.name != "index.html") if HTML.exists() else []
WIDTHS = list(measure_pages.WIDTHS)          # 1280, 390
PHONE = min(WIDTHS)
BLURRY = 1.9
SHRINK = measure_pages.SHRINK
RAW_LABEL = re.compile(r"\b(?:ch|sec|ex|eq|fig|sol|api)-[a-z0-9]+(?:-[a-z0-9]+)*\b")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    with measure_pages.serve(HTML) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = measure_pages.launch(p)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def measured(server, browser):
    """``measured(page, width)``: the page's typesetting measurements, each taken once."""
    cache = {}

    def get(page, width):
        if (page, width) not in cache:
            context = measure_pages.new_context(browser, width)
            tab = measure_pages.open_page(context, server + page)
            cache[page, width] = dict(measure_pages.measure(tab), text=tab.evaluate(_VISIBLE_TEXT_JS),
                                      unresolved=tab.evaluate(_UNRESOLVED_JS))
            context.close()
        return cache[page, width]

    return get


# Text a reader sees outside code and math (where a raw label would be a fault).
_VISIBLE_TEXT_JS = """() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const e = n.parentElement;
        if (!e || e.closest('pre, code, script, style, mjx-container, .math, kbd, samp, noscript')) continue;
        parts.push(n.textContent);
    }
    return parts.join(' ');
}"""

# Cross-references Sphinx left unresolved (a raw label in place of a title), e.g. in a
# contents list built from a heading that holds a {ref}.
_UNRESOLVED_JS = """() => [...document.querySelectorAll('.xref.std')].map(
    e => (e.closest('nav') ? 'contents list: ' : '') + e.textContent.trim())"""


@functools.lru_cache(maxsize=None)
def _anchors(page: str) -> frozenset:
    text = (HTML / page).read_text(encoding="utf-8")
    return frozenset(re.findall(r'\bid="([^"]+)"', text)) | frozenset(re.findall(r'\bname="([^"]+)"', text))


def test_book_was_built():
    assert PAGES, f"no HTML pages under {HTML}: run `make html` first (or set DLBOOK_HTML)"
    expected = {"intro.html", "appendices/api_reference.html", "appendices/bibliography.html",
                "appendices/verification.html"} | {
        f"{line.split('file:')[1].strip()}.html" for line in (ROOT / "_toc.yml").read_text().splitlines()
        if "file:" in line}
    assert expected <= set(PAGES), f"missing pages: {sorted(expected - set(PAGES))}"


def test_index_redirects_to_the_introduction():
    assert 'url=intro.html' in (HTML / "index.html").read_text()


def test_axe_core_is_installed():
    assert AXE.is_file(), f"{AXE} is missing: run `make browser` (npm ci installs it)"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_renders_offline(page, server, browser):
    problems = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).hostname in ("127.0.0.1", "localhost") or url.startswith("data:"):
            request_route.continue_()
        else:
            problems.append(f"request leaves the machine: {url}")
            request_route.abort()

    context.route("**/*", route)
    tab.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("requestfailed", lambda req: urlparse(req.url).hostname == "127.0.0.1" and problems.append(
        f"request failed: {req.url} ({req.failure})"))
    tab.on("response", lambda resp: resp.status >= 400 and problems.append(f"HTTP {resp.status}: {resp.url}"))

    tab.goto(server + page, wait_until="load")
    has_math = tab.evaluate("() => document.querySelectorAll('.math').length") > 0
    if has_math:
        tab.wait_for_function("() => Boolean(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                              timeout=20000)
        tab.evaluate("() => MathJax.startup.promise.then(() => true)")
        math = tab.evaluate("""() => {
            const nodes = [...document.querySelectorAll('.math')];
            return {total: nodes.length,
                    unrendered: nodes.filter(n => !n.querySelector('mjx-container') && n.tagName !== 'MJX-CONTAINER').length,
                    errors: [...document.querySelectorAll('mjx-merror')].map(n => n.getAttribute('data-mjx-error') || n.textContent)};
        }""")
        if math["unrendered"]:
            problems.append(f"{math['unrendered']} of {math['total']} formulas left unrendered")
        problems.extend(f"TeX error: {e}" for e in math["errors"])
    broken_images = tab.evaluate(
        "() => [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    problems.extend(f"image failed to load: {src}" for src in broken_images)

    for href in tab.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"):
        target = urlparse(urljoin(server + page, href))
        if target.scheme not in ("http", "https") or target.hostname != "127.0.0.1":
            continue
        path = unquote(target.path).lstrip("/") or "index.html"
        if path.endswith("/"):
            path += "index.html"
        if not (HTML / path).is_file():
            problems.append(f"link to a missing page: {href}")
        elif target.fragment and path.endswith(".html") and target.fragment not in _anchors(path):
            problems.append(f"link to a missing anchor: {href}")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / (page.replace("/", "__").removesuffix(".html") + ".png")))
    context.close()
    assert not problems, f"{page}:\n" + "\n".join(dict.fromkeys(problems))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_equations_fit_their_column(page, width, measured):
    wide = measured(page, width)["equations"]
    if width == PHONE:
        wide = [e for e in wide if not e["affordance"]]
    assert not wide, f"{page} at {width} px: display equations wider than their column:\n" + "\n".join(
        f"  {e['width']} px in {e['column']} px ({_equation_fault(e)}) "
        f"#{e['id']}: {e['tex'][:160]}" for e in wide)


def _equation_fault(e):
    if e["width"] <= e["column"]:
        return "covered by its number"
    return "scrolls, no affordance" if e["scrolls"] else "cut"


@pytest.mark.parametrize("page", PAGES)
def test_code_does_not_scroll(page, measured):
    code = measured(page, 1280)["code"]
    assert not code, f"{page} at 1280 px: code blocks that scroll sideways:\n" + "\n".join(
        f"  {b['chars']} characters: {b['longest']!r}" for b in code)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_figures_are_crisp_and_readable(page, width, measured):
    problems = []
    for f in measured(page, width)["figures"]:
        if not f["svg"] and f["ratio"] < BLURRY:
            problems.append(f"  blurry: {f['natural']} natural px shown at {f['shown']} CSS px "
                            f"({f['ratio']} < {BLURRY} px per CSS px): {f['src']}")
        if width == 1280 and f["shrink"] < SHRINK:
            problems.append(f"  unreadable: shrunk to {f['shrink']} of its size (< {SHRINK}): {f['src']}")
    assert not problems, f"{page} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_images_have_alt_text(page, measured):
    bad = measured(page, 1280)["alt"]
    assert not bad, f"{page}: images without real alt text:\n" + "\n".join(
        f"  alt={a['alt']!r}: {a['src']}" for a in bad)


@pytest.mark.parametrize("page", PAGES)
def test_page_does_not_scroll_sideways_on_a_phone(page, measured):
    scroll = measured(page, PHONE)["page_scroll"]
    assert not scroll["scrolls"], (
        f"{page} at {PHONE} px scrolls sideways: {scroll['scroll_width']} px > {scroll['viewport']} px, "
        f"widened by {', '.join(scroll['elements']) or 'an element'}")


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_labels(page, measured):
    result = measured(page, 1280)
    raw = sorted(set(RAW_LABEL.findall(result["text"])))
    assert not raw and not result["unresolved"], (
        f"{page}: raw labels in the text: {raw}; unresolved references: {result['unresolved']}")


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_accessibility(page, mode, server, browser):
    context = measure_pages.new_context(browser, 1280, dark=mode == "dark")
    tab = measure_pages.open_page(context, server + page)
    theme = tab.evaluate("() => document.documentElement.dataset.theme")
    # The theme fades colours in when the mode is set; measure the settled colours, not a
    # frame of the fade (a dark-mode run once caught code text mid-transition).
    tab.add_style_tag(content="*, *::before, *::after { transition: none !important; "
                              "animation: none !important; }")
    tab.wait_for_timeout(100)
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.length, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    context.close()
    assert theme == mode, f"{page}: the page is in {theme!r} mode, not {mode!r}"
    assert not violations, f"{page} ({mode}): serious or critical axe-core violations:\n" + "\n".join(
        f"  {v['impact']} {v['id']} ({v['help']}), {v['nodes']} elements: {'; '.join(v['targets'])}"
        for v in violations)
