"""Live code without the internet (run by `make live`).

Starts two servers on 127.0.0.1 and waits for Ctrl-C:

- a Jupyter server (``jupyter server``) with a random token, whose root is ``chapters/``, that
  accepts requests from the book's origin (``allow_origin``, ``disable_check_xsrf``; as root it
  needs ``--allow-root``);
- the built HTML book, with Thebe's JavaScript (npm ``thebe`` 0.9.3, unpacked by the Makefile
  under ``.cache/thebe``) served under ``/_thebe/``.  Each page is rewritten as it is served:
  sphinx-thebe's CDN address becomes ``/_thebe/index.js`` and its Binder configuration
  becomes ``useBinder: false`` with the local server's address and token, so the page's
  "Live code" button runs the chapter's cells on this machine.

Usage: ``python tools/live_server.py [--html _build/html] [--port 8000] [--kernel-port 8888]``.
Another program can use :func:`serve` as a context manager (the browser test does).
"""

import argparse
import contextlib
import functools
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THEBE = ROOT / ".cache" / "thebe" / "package" / "lib"
CONFIG_BLOCK = re.compile(r'<script type="text/x-thebe-config">.*?</script>', re.S)
THEBE_URL = re.compile(r'const THEBE_JS_URL = "[^"]*"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def thebe_config(kernel_url: str, token: str) -> str:
    """The page's Thebe configuration (HTML): a local kernel, no Binder."""
    config = {
        "requestKernel": True,
        "useBinder": False,
        "useJupyterLite": False,
        "serverSettings": {"baseUrl": kernel_url, "wsUrl": "ws" + kernel_url.removeprefix("http"),
                           "token": token, "appendToken": True},
        "kernelOptions": {"name": "python3", "path": "."},
        "codeMirrorConfig": {"theme": "default", "mode": "python"},
        # Thebe would fetch MathJax 2 from a CDN for LaTeX outputs; the book prints none.
        "mathjaxUrl": "",
    }
    text = json.dumps(config, indent=1)
    # thebelab.bootstrap() lets its own defaults (Binder) win over the page's configuration
    # block, so the rewritten sphinx-thebe.js passes these options to it explicitly.
    return (f'<script type="text/x-thebe-config">\n{text}\n</script>\n'
            f'<script>window.DLBOOK_THEBE_OPTIONS = {text};</script>')


class BookHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the book, Thebe under /_thebe/, and pages rewritten for the local kernel."""

    thebe_root: Path
    config: str

    def log_message(self, *args):
        pass

    def translate_path(self, path):
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith("/_thebe/"):
            return str(self.thebe_root / path.removeprefix("/_thebe/"))
        return super().translate_path(path)

    def do_GET(self):
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            target = target / "index.html"
        rewrite = target.suffix == ".html" or target.name == "sphinx-thebe.js"
        if not rewrite or not target.is_file() or self.thebe_root in target.parents:
            return super().do_GET()
        text = target.read_text(encoding="utf-8")
        if target.suffix == ".html":
            text = THEBE_URL.sub('const THEBE_JS_URL = "/_thebe/index.js"', text)
            text = CONFIG_BLOCK.sub(lambda _: self.config, text)
        else:  # sphinx-thebe.js: the options, and the button's messages
            text = text.replace("thebelab.bootstrap();", "thebelab.bootstrap(window.DLBOOK_THEBE_OPTIONS);")
            text = text.replace("Launching from mybinder.org: ", "Local kernel: ").replace(
                "Loading thebe from CDN...", "Loading thebe...")
        body = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if target.suffix == ".html"
                         else "application/javascript")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"live_server: the Jupyter server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"live_server: no answer from {url} after {timeout:.0f} s")


@contextlib.contextmanager
def serve(html: Path, thebe: Path = THEBE, port: int = 0, kernel_port: int = 0, notebooks: Path = ROOT / "chapters"):
    """Run both servers; yields ``{"site": url, "kernel": url, "token": token}``."""
    if not (html / "intro.html").is_file():
        raise FileNotFoundError(f"live_server: no built book in {html} (run `make html`)")
    if not (thebe / "index.js").is_file():
        raise FileNotFoundError(f"live_server: no Thebe in {thebe} (run `make live`, which unpacks it)")
    port, kernel_port = port or free_port(), kernel_port or free_port()
    site, kernel, token = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{kernel_port}", secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1", f"--port={kernel_port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.allow_origin={site}", "--ServerApp.disable_check_xsrf=True",
           f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tempfile.TemporaryFile(mode="w+")  # read back only when the server fails to start
    jupyter = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    handler = type("Handler", (BookHandler,), {"thebe_root": thebe.resolve(),
                                               "config": thebe_config(kernel, token)})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(html)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        try:
            wait_for(f"{kernel}/api/status?token={token}", jupyter)
        except RuntimeError as error:
            log.seek(0)
            raise RuntimeError(f"{error}\n{log.read()[-3000:]}") from None
        yield {"site": site, "kernel": kernel, "token": token}
    finally:
        httpd.shutdown()
        httpd.server_close()
        jupyter.terminate()
        try:
            jupyter.wait(timeout=20)
        except subprocess.TimeoutExpired:
            jupyter.kill()
        log.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--thebe", type=Path, default=THEBE)
    parser.add_argument("--port", type=int, default=8000, help="the book's port")
    parser.add_argument("--kernel-port", type=int, default=8888, help="the Jupyter server's port")
    args = parser.parse_args(argv)
    # A plain `kill` (SIGTERM) stops both servers too: it leaves through serve()'s cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with serve(args.html, args.thebe, args.port, args.kernel_port) as urls:
        print(f"live_server: the book is at {urls['site']}/intro.html; open a chapter and choose\n"
              f"  the rocket button's 'Live code' to run its cells on the local kernel ({urls['kernel']}).\n"
              "  Ctrl-C (or SIGTERM) stops both servers.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
