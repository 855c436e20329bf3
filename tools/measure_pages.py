"""Measure the typesetting of the built HTML book in headless Chromium, page by page.

    .venv/bin/python tools/measure_pages.py [HTML_DIR] [PAGE_SUBSTRING ...] [--width W] [--dark]
                                            [--json FILE] [--screens DIR]

``HTML_DIR`` defaults to ``_build/html``; with substrings, only the pages whose path contains one
of them are opened (``tools/measure_pages.py /tmp/b/_build/html 05_ 03_``).  Each page is opened at
1280 and at 390 px wide with a device pixel ratio of 2 (a retina laptop and a phone), every
hidden solution and toggled cell revealed, MathJax finished, and the tool prints:

- display equations wider than their column (their TeX source from MathJax's list of math items);
- code blocks (``pre``) that scroll sideways (the start of their longest line);
- figures whose natural pixel width is below 2x their displayed CSS width (blurry at DPR 2);
- figures shrunk below 0.65 of their intrinsic CSS width (with fonts of at least 10 pt at 100 dpi
  their text is then below 9 px); the intrinsic CSS width of a figure is its ``width`` attribute,
  else half its natural width (a retina PNG), or its natural width when it is blurry (a 1x PNG);
- images without real alt text (empty, a file path, or a word such as "png");
- whether the page scrolls sideways (``documentElement.scrollWidth`` > the viewport width).

Its last line is ``SUMMARY {json}``: the counts per width over all pages, and per page.
``tests/test_browser.py`` imports this module, so the test and the tool measure the same things.
"""

import argparse
import contextlib
import functools
import http.server
import json
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
               "--disable-component-update", "--disable-sync", "--disable-quic"]
WIDTHS = {1280: 900, 390: 844}      # viewport width -> height (a laptop, a phone)
DPR = 2
BLURRY = 2.0                        # natural px per displayed CSS px below which a PNG is blurry
SHRINK = 0.65                       # displayed / intrinsic CSS width below which text is < 9 px

# Reveal what a reader can open (hidden solutions, toggled cells) so that it is measured too.
REVEAL_JS = """() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
}"""

WAIT_MATH_JS = """async () => {
    if (document.querySelector('.math') && window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    await document.fonts.ready;
    return true;
}"""

MEASURE_JS = """(limits) => {
    const tex = new Map();
    try {
        for (const item of MathJax.startup.document.math) {
            if (item.typesetRoot) tex.set(item.typesetRoot, item.math);
        }
    } catch (e) {}
    const short = s => (s || '').replace(/\\s+/g, ' ').trim();
    const equations = [];
    for (const node of document.querySelectorAll('mjx-container[display="true"]')) {
        const math = node.querySelector('mjx-math');
        if (!math) continue;
        const box = node.closest('div.math') || node.parentElement;
        const style = getComputedStyle(box);
        const column = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        if (column <= 0) continue;                      // not laid out (display: none)
        // The typeset width: the widest line of the math (MathJax 4 breaks lines into mjx-linebox).
        const lines = [...node.querySelectorAll('mjx-linebox')];
        const parts = lines.length ? lines : [math];
        const width = Math.max(...parts.map(p => p.getBoundingClientRect().width));
        // The equation number must not cover the math (it sits in the padding, or above).
        const eqno = box.querySelector('.eqno');
        const m = math.getBoundingClientRect();
        const n = eqno ? eqno.getBoundingClientRect() : null;
        const covered = Boolean(n && n.width && n.left < m.right - 1 && n.right > m.left + 1
                                && n.top < m.bottom - 1 && n.bottom > m.top + 1);
        if (width <= column + 1 && !covered) continue;
        // Does it scroll, and does it show that it does?  The affordance (_ext/typeset_static):
        // the display itself scrolls and has shadows (gradients) at the edges that have more.
        let scroller = null;
        for (let e = node; e && !e.matches('article'); e = e.parentElement) {
            const ox = getComputedStyle(e).overflowX;
            if ((ox === 'auto' || ox === 'scroll') && e.scrollWidth > e.clientWidth + 1) { scroller = e; break; }
        }
        const affordance = scroller === node && getComputedStyle(node).backgroundImage.includes('gradient');
        equations.push({
            tex: short(tex.get(node) || box.getAttribute('data-tex') || node.getAttribute('aria-label')
                        || node.textContent).slice(0, 240),
            id: box.id || (box.closest('[id]') || {}).id || '',
            width: Math.round(width), column: Math.round(column), covered: covered,
            scrolls: Boolean(scroller),
            affordance: affordance,
        });
    }
    const code = [];
    for (const pre of document.querySelectorAll('article pre')) {
        if (pre.clientWidth === 0 || pre.scrollWidth <= pre.clientWidth + 1) continue;
        const lines = pre.textContent.split('\\n');
        const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
        code.push({start: short(pre.textContent).slice(0, 60), longest: longest.slice(0, 80),
                   chars: longest.length, scroll: pre.scrollWidth, width: pre.clientWidth});
    }
    const figures = [];
    const alt = [];
    for (const img of document.images) {
        const src = img.getAttribute('src') || '';
        const text = (img.getAttribute('alt') || '').trim();
        const base = src.split('/').pop();
        if (img.getAttribute('role') !== 'presentation' &&
            (!text || text.includes('/') || /\\.(png|jpe?g|svg|gif|webp)$/i.test(text)
             || /^(png|image|img|figure|fig|svg|output|plot)$/i.test(text) || text === base)) {
            alt.push({src: src, alt: text});
        }
        if (!img.closest('article')) continue;
        const shown = img.getBoundingClientRect().width;
        if (shown < 1 || !img.naturalWidth) continue;
        const svg = /\\.svg(\\?|#|$)/i.test(img.currentSrc || src);
        const ratio = img.naturalWidth / shown;
        const blurry = !svg && ratio < limits.blurry;
        const attr = parseFloat(img.getAttribute('width')) || parseFloat(img.style.width) || 0;
        const intrinsic = svg ? shown : (attr || (blurry ? img.naturalWidth : img.naturalWidth / 2));
        const shrink = shown / intrinsic;
        figures.push({src: src, natural: img.naturalWidth, shown: Math.round(shown),
                      ratio: +ratio.toFixed(2), shrink: +shrink.toFixed(2), blurry: blurry,
                      small_text: shrink < limits.shrink, svg: svg});
    }
    const vw = window.innerWidth;
    const overflowing = [];
    if (document.documentElement.scrollWidth > vw) {
        for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.right > vw + 1 && r.width > 0 && getComputedStyle(e).position !== 'fixed') {
                let clipped = false;
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
                }
                if (!clipped) overflowing.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
            }
            if (overflowing.length >= 5) break;
        }
    }
    return {equations, code, figures, alt,
            page_scroll: {scroll_width: document.documentElement.scrollWidth, viewport: vw,
                          scrolls: document.documentElement.scrollWidth > vw, elements: overflowing}};
}"""

DARK_JS = """() => {
    localStorage.setItem('mode', 'dark');
    localStorage.setItem('theme', 'dark');
    document.documentElement.dataset.mode = 'dark';
    document.documentElement.dataset.theme = 'dark';
}"""


def pages(html: Path, substrings=()) -> list:
    """The book's pages under ``html`` (relative paths), optionally those containing a substring."""
    found = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if "_static" not in p.parts and "_sources" not in p.parts
                   and p.name not in ("index.html", "genindex.html", "search.html", "py-modindex.html"))
    return [p for p in found if not substrings or any(s in p for s in substrings)]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(html: Path):
    """Serve ``html`` on a free local port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()


def launch(playwright):
    """Headless Debian Chromium, as DESIGN.md describes (Playwright's own browser is not used)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)


def new_context(browser, width: int, dark: bool = False):
    """A browser context at ``width`` CSS px and DPR 2, in the theme's dark mode if asked."""
    context = browser.new_context(viewport={"width": width, "height": WIDTHS.get(width, 900)},
                                  device_scale_factor=DPR, color_scheme="dark" if dark else "light")
    if dark:
        context.add_init_script(f"({DARK_JS})()")
    return context


def open_page(context, url: str, reveal: bool = True):
    """Open ``url`` in ``context``, reveal hidden content, and wait for MathJax and the fonts."""
    tab = context.new_page()
    tab.goto(url, wait_until="load")
    if reveal:
        tab.evaluate(REVEAL_JS)
    tab.evaluate(WAIT_MATH_JS)
    return tab


def measure(tab) -> dict:
    """The measurements of the open page (see the module docstring)."""
    return tab.evaluate(MEASURE_JS, {"blurry": BLURRY, "shrink": SHRINK})


def counts(result: dict) -> dict:
    """The number of faults of each kind in one page's measurements."""
    return {"wide_equations": len(result["equations"]),
            "scrolling_code": len(result["code"]),
            "blurry_figures": sum(f["blurry"] for f in result["figures"]),
            "small_text_figures": sum(f["small_text"] for f in result["figures"]),
            "figures": len(result["figures"]),
            "bad_alt": len(result["alt"]),
            "page_scrolls": int(result["page_scroll"]["scrolls"])}


def _report(page: str, width: int, result: dict) -> None:
    c = counts(result)
    print(f"== {page} @ {width}px: " + ", ".join(f"{k}={v}" for k, v in c.items()))
    for e in result["equations"]:
        mark = " [scrolls, affordance]" if e["affordance"] else (" [scrolls]" if e["scrolls"] else " [cut]")
        if e["width"] <= e["column"]:
            mark = " [covered by its number]"
        print(f"  equation {e['width']}px in {e['column']}px{mark} #{e['id']}: {e['tex'][:160]}")
    for b in result["code"]:
        print(f"  code scrolls ({b['chars']} chars, {b['scroll']}px > {b['width']}px): {b['longest']!r}")
    for f in result["figures"]:
        if f["blurry"] or f["small_text"]:
            what = " ".join(w for w, bad in (("blurry", f["blurry"]), ("small-text", f["small_text"])) if bad)
            print(f"  figure {what}: natural {f['natural']}px shown {f['shown']}px "
                  f"(ratio {f['ratio']}, shrink {f['shrink']}): {f['src']}")
    for a in result["alt"]:
        print(f"  alt text {a['alt']!r}: {a['src']}")
    if result["page_scroll"]["scrolls"]:
        p = result["page_scroll"]
        print(f"  page scrolls sideways: {p['scroll_width']}px > {p['viewport']}px: {', '.join(p['elements'])}")


def _screenshots(tab, folder: Path, page: str, width: int, selectors) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = page.replace("/", "__").removesuffix(".html")
    tab.screenshot(path=str(folder / f"{name}-{width}.png"))
    for selector in selectors:
        for i, element in enumerate(tab.query_selector_all(selector)):
            tag = "".join(c if c.isalnum() or c in "-_" else "_" for c in selector).strip("_")
            path = folder / f"{name}-{tag}{'-%d' % i if i else ''}-{width}.png"
            element.scroll_into_view_if_needed()
            element.screenshot(path=str(path))
            print(f"  screenshot {path}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("pages", nargs="*", help="only pages whose path contains one of these")
    parser.add_argument("--width", type=int, action="append", help="viewport width(s), default 1280 and 390")
    parser.add_argument("--dark", action="store_true", help="the theme's dark mode")
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument("--screens", help="save screenshots here: the top of each page and width, and"
                        " every element that --element selects")
    parser.add_argument("--element", action="append", default=[],
                        help="CSS selector of elements to screenshot (with --screens), e.g. '#fig-init-tanh-hist'")
    args = parser.parse_args(argv)
    html = Path(args.html)
    if not (html / "intro.html").exists() and (html / "_build" / "html").is_dir():
        html = html / "_build" / "html"          # a --path-output folder was given
    selected = pages(html, args.pages)
    if not selected:
        print(f"no pages under {html} match {args.pages}", file=sys.stderr)
        return 2
    widths = args.width or list(WIDTHS)
    from playwright.sync_api import sync_playwright

    everything, summary = {}, {str(w): {} for w in widths}
    with serve(html) as base, sync_playwright() as p:
        browser = launch(p)
        for width in widths:
            context = new_context(browser, width, dark=args.dark)
            for page in selected:
                tab = open_page(context, base + page)
                result = measure(tab)
                if args.screens:
                    _screenshots(tab, Path(args.screens), page, width, args.element)
                tab.close()
                everything.setdefault(page, {})[str(width)] = result
                summary[str(width)][page] = counts(result)
                _report(page, width, result)
            context.close()
        browser.close()
    totals = {w: {k: sum(c[k] for c in per_page.values()) for k in next(iter(per_page.values()))}
              for w, per_page in summary.items()}
    if args.json:
        Path(args.json).write_text(json.dumps(everything, indent=1))
    print("SUMMARY " + json.dumps({"totals": totals, "pages": summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
