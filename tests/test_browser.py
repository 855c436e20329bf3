"""The built HTML book, opened page by page in headless Chromium (run by `make browser`).

Every page of ``_build/html`` must load with no console error, no failed request, no request
leaving the machine (the book is offline-correct: MathJax is served by the site itself), every
image decoded, every formula typeset by MathJax without a TeX error, and every internal link
pointing at an existing page and anchor.  A screenshot of each page is saved to
``_build/screenshots/`` for a person to look at.
"""

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
PAGES = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
               if "_static" not in p.parts and "_sources" not in p.parts
               and p.name != "index.html") if HTML.exists() else []

pytestmark = pytest.mark.browser


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--disable-quic"],
        )
        yield browser
        browser.close()


@functools.lru_cache(maxsize=None)
def _anchors(page: str) -> frozenset:
    text = (HTML / page).read_text(encoding="utf-8")
    return frozenset(re.findall(r'\bid="([^"]+)"', text)) | frozenset(re.findall(r'\bname="([^"]+)"', text))


def test_book_was_built():
    assert PAGES, f"no HTML pages under {HTML}: run `make html` first"
    expected = {"intro.html", "appendices/api_reference.html", "appendices/bibliography.html",
                "appendices/verification.html"} | {
        f"{line.split('file:')[1].strip()}.html" for line in (ROOT / "_toc.yml").read_text().splitlines()
        if "file:" in line}
    assert expected <= set(PAGES), f"missing pages: {sorted(expected - set(PAGES))}"


def test_index_redirects_to_the_introduction():
    assert 'url=intro.html' in (HTML / "index.html").read_text()


@pytest.mark.parametrize("page", PAGES)
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

    tab.route("**/*", route)
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
