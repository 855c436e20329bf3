"""`make live`: a chapter's live code runs on a local Jupyter kernel, with no outside request.

``tools/live_server.py`` serves the built book (``DLBOOK_HTML``, default ``_build/html``) with
Thebe from ``.cache/thebe`` and starts a Jupyter server.  In headless Chromium the test opens
the first chapter, presses its "Live code" button, runs the chapter's first cell (its imports)
as the book shows it, then a cell of its own that imports dlbook and prints from the kernel,
and reads that output in the page.  Every request for a host other than 127.0.0.1 is aborted
and fails the test; the kernel's websocket must go to 127.0.0.1 too.
"""

import importlib.util
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("DLBOOK_HTML", ROOT / "_build" / "html"))
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
_spec = importlib.util.spec_from_file_location("live_server", ROOT / "tools" / "live_server.py")
live_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(live_server)
CHAPTER = re.search(r"file:\s*(chapters/\S+)", (ROOT / "_toc.yml").read_text()).group(1) + ".html"
PROBE = 'import os, dlbook\nprint("live kernel:", dlbook.__name__, os.path.basename(os.getcwd()), 6 * 7)'

pytestmark = pytest.mark.browser


def test_pages_are_rewritten_for_the_local_kernel():
    config = live_server.thebe_config("http://127.0.0.1:9999", "abc")
    page = (HTML / CHAPTER).read_text(encoding="utf-8")
    assert live_server.THEBE_URL.search(page) and live_server.CONFIG_BLOCK.search(page), \
        "sphinx-thebe's script and configuration are no longer where live_server.py expects them"
    assert '"useBinder": false' in config and '"wsUrl": "ws://127.0.0.1:9999"' in config


def test_live_code_runs_on_the_local_kernel():
    from playwright.sync_api import sync_playwright

    outside, sockets, errors = [], [], []

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).hostname in ("127.0.0.1", "localhost") or url.startswith("data:"):
            request_route.continue_()
        else:
            outside.append(url)
            request_route.abort()

    with live_server.serve(HTML) as urls, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync", "--disable-quic"])
        tab = browser.new_page()
        tab.route("**/*", route)
        tab.on("websocket", lambda ws: sockets.append(ws.url))
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(f"{urls['site']}/{CHAPTER}", wait_until="load")
        tab.locator(".btn-launch-thebe").first.dispatch_event("click")  # the "Live Code" item
        # sphinx-thebe writes Thebe's status into the button's .status: "ready" once the kernel
        # runs and its websocket is open (not "server-ready", which comes first).
        tab.wait_for_function("""() => document.querySelectorAll('.CodeMirror').length > 1 &&
            (document.querySelector('.thebe-launch-button .status') || {textContent: ''}).textContent.trim() === 'ready'""",
                              timeout=120_000)
        # Run the chapter's first cell as it is, then put the probe into the second and run it:
        # the kernel runs requests in order, so the probe's output means the first cell is done.
        runs = tab.locator(".thebe-run-button, .thebelab-run-button")
        assert runs.count() >= 2, "Thebe made fewer than two runnable cells"
        tab.evaluate("(code) => document.querySelectorAll('.CodeMirror')[1].CodeMirror.setValue(code)", PROBE)
        runs.nth(0).click()
        runs.nth(1).click()
        tab.wait_for_function("() => document.body.innerText.includes('live kernel: dlbook')", timeout=180_000)
        # Thebe renders what the kernel sends into .thebe-output areas (beside the cells).
        outputs = tab.evaluate("() => [...document.querySelectorAll('.thebe-output')].map(o => o.innerText)")
        browser.close()
    failed = [o for o in outputs if "Traceback" in o or "Error:" in o]
    assert not failed, f"a cell failed on the live kernel:\n{failed[0][-2000:]}"
    assert any("live kernel: dlbook chapters 42" in o for o in outputs), outputs
    assert not outside, f"requests left the machine: {outside[:5]}"
    assert sockets and all(urlparse(u).hostname == "127.0.0.1" for u in sockets), sockets
    assert not errors, errors
