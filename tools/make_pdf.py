"""Print the whole book as one PDF, offline (run by `make pdf`).

1. ``jupyter-book build --builder singlehtml`` puts every chapter on one page (the local
   extension ``_ext/singlehtml_fix.py`` lets that builder render hidden code cells).
2. The page is served on 127.0.0.1 and opened in headless Chromium (Debian's, driven by
   Playwright); any request for another host is aborted and makes the script fail.
3. Once ``MathJax.startup.promise`` has resolved (MathJax 3 and 4 both have it) and the fonts
   are loaded, the page is prepared for paper: the site's navigation is removed, hidden cells
   are opened, each chapter starts on a new page, every solution moves to a "Solutions"
   section at the end of its chapter (the exercise keeps a "Solution on page N" line), and a
   table of contents is inserted after the title.
4. The page is printed twice with ``page.pdf()``: the first print only serves to learn on which
   page every heading and solution lands (from the PDF's named destinations, one per internal
   link target); the second print carries those page numbers in the table of contents and in
   the solution references.  The numbers are fixed-width, so filling them in moves nothing;
   the script checks that the two prints agree.

Usage: ``python tools/make_pdf.py [--output PDF] [--build-dir DIR]``.
"""

import argparse
import functools
import http.server
import io
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("google-chrome") or "/usr/bin/chromium"
PLACEHOLDER = "000"  # as wide as any page number the book reaches: the layout never moves

PRINT_CSS = """
@page { size: A4; }
html, body { background: white !important; }
#jb-print-docs-body, .bd-header, .bd-header-announcement, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-content, .bd-footer-article, .header-article, .prev-next-area, .headerlink,
.bd-search, .search-button-field, .skip-link, .thebe-launch-button, .toggle-button,
.copybtn, #pst-back-to-top, .bd-header-article, .footer-article-items, .bd-toc,
button.toggle-button, .dropdown-toggle, .primary-toggle, .secondary-toggle { display: none !important; }
.bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article,
.bd-page-width { max-width: none !important; width: auto !important; margin: 0 !important;
  padding: 0 !important; display: block !important; }
body { font-size: 10.5pt; }
/* The theme's print style hides the page's title (it prints its own title block instead). */
.bd-main .bd-content .bd-article h1:first-of-type { display: block !important; text-align: center;
  font-size: 2.4em; margin: 2em 0 1.5em; }
section.pdf-chapter { break-before: page; }
h1, h2, h3, h4 { break-after: avoid; }
figure, img, .cell_output img { break-inside: avoid; max-width: 100% !important; height: auto; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; font-size: 8.5pt !important; }
div.cell_output, div.output { overflow: visible !important; max-height: none !important; }
mjx-container[display="true"] { overflow: visible !important; }
details > *:not(summary) { display: block; }
details > summary { display: none; }
.toggle-hidden { display: block !important; visibility: visible !important; height: auto !important; }
nav.pdf-toc { break-after: page; }
nav.pdf-toc h2 { margin-top: 0; }
nav.pdf-toc ol { list-style: none; padding-left: 0; margin: 0; }
nav.pdf-toc li { margin: 0; }
nav.pdf-toc li.level-2 { margin-top: 0.6em; font-weight: 600; }
nav.pdf-toc li.level-3 { padding-left: 2em; font-size: 0.95em; }
nav.pdf-toc a { display: flex; color: inherit; text-decoration: none; }
nav.pdf-toc .pdf-toc-title { flex: 1 1 auto; }
nav.pdf-toc .pdf-page, p.pdf-solution-ref .pdf-page { display: inline-block; width: 2.2em;
  text-align: right; font-variant-numeric: tabular-nums; }
section.pdf-solutions { break-before: page; }
p.pdf-solution-ref { font-style: italic; margin-top: 0.2em; }
"""

# Runs in the page once MathJax is done; the page keeps the new DOM, the caller gets counts.
PREPARE_JS = """(placeholder) => {
  // Hidden cells (myst-nb <details>) and toggled blocks (sphinx-togglebutton) are shown.
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  document.querySelectorAll('button.toggle-button').forEach(b => b.remove());
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const root = article.querySelector('section');
  // The sections whose heading is an <h2>: chapters, appendices and the front matter's sections
  // (singlehtml demotes every document's title to <h2>).
  const heading = s => s.querySelector(':scope > h2, :scope > h3');
  const chapters = [...article.querySelectorAll('section')].filter(s => s.querySelector(':scope > h2'));
  const title = t => [...t.childNodes].filter(n => !(n.classList && n.classList.contains('headerlink')))
      .map(n => n.textContent).join('').trim();
  // <a href="#pdf-target-N"><span>text</span><span class="pdf-page">000</span></a>, with an
  // empty <span id="pdf-target-N"> placed first in the target: the print makes the link a PDF
  // destination named "pdf-target-N", which tells on which page the target landed.  (Own ids,
  // because singlehtml repeats section ids such as "summary" in every chapter.)
  let targets = 0;
  const link = (target, text) => {
    const anchor = document.createElement('span');
    const id = anchor.id = 'pdf-target-' + (++targets);
    target.prepend(anchor);
    const a = document.createElement('a');
    a.href = '#' + id;
    const label = document.createElement('span');
    label.className = 'pdf-toc-title';
    label.textContent = text;
    const number = document.createElement('span');
    number.className = 'pdf-page';
    number.dataset.target = id;
    number.textContent = placeholder;
    a.append(label, number);
    return a;
  };
  let solutionCount = 0;
  for (const chapter of chapters) {
    // Each document of the book (chapter or appendix, not the front matter's sections) starts a page.
    const marker = chapter.previousElementSibling;
    if (marker && marker.id.startsWith('document-')) chapter.classList.add('pdf-chapter');
    const solutions = [...chapter.querySelectorAll('div.solution')];
    if (!solutions.length) continue;
    const part = document.createElement('section');
    part.className = 'pdf-solutions';
    part.id = 'pdf-solutions-' + chapter.id;
    const head = document.createElement('h3');
    const number = chapter.querySelector(':scope > h2 .section-number');
    head.textContent = 'Solutions to the exercises of chapter ' + (number ? number.textContent.trim().replace(/\\.$/, '') : title(heading(chapter)));
    part.appendChild(head);
    for (const solution of solutions) {
      const ref = document.createElement('p');
      ref.className = 'pdf-solution-ref';
      ref.appendChild(link(solution, 'Solution on page '));
      solution.replaceWith(ref);
      solution.classList.remove('dropdown');
      part.appendChild(solution);
      solutionCount += 1;
    }
    // After the last section of the chapter (its exercises) and before its references.
    const refs = [...chapter.querySelectorAll(':scope > section')].filter(s => heading(s) && /(^|\s)references$/i.test(title(heading(s))));
    chapter.insertBefore(part, refs.length ? refs[0] : null);
  }
  // The table of contents: every chapter/appendix (<h2>) and each of its sections (<h3>).
  const nav = document.createElement('nav');
  nav.className = 'pdf-toc';
  nav.innerHTML = '<h2>Contents</h2><ol></ol>';
  const list = nav.querySelector('ol');
  for (const section of article.querySelectorAll('section')) {
    const h = heading(section);
    if (!h || section.closest('nav')) continue;
    const li = document.createElement('li');
    li.className = 'level-' + h.tagName[1];
    li.appendChild(link(section, title(h)));
    list.appendChild(li);
  }
  const first = root.querySelector(':scope > h1');
  first.insertAdjacentElement('afterend', nav);
  return {chapters: chapters.length, solutions: solutionCount, entries: list.children.length};
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def build_singlehtml(build_dir: Path) -> Path:
    """Build the single-page HTML book under ``build_dir`` and return the page's path."""
    cmd = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--builder", "singlehtml",
           "--path-output", str(build_dir), "-W", "-n", "--keep-going", "-q"]
    subprocess.run(cmd, check=True, cwd=ROOT)
    page = build_dir / "_build" / "singlehtml" / "intro.html"
    if not page.is_file():
        raise SystemExit(f"make_pdf: the singlehtml build wrote no {page}")
    return page


def destination_pages(pdf: bytes) -> tuple:
    """Map each named destination (an element id) of a PDF to its 1-based page number.

    Returns ``(pages, page_count)``.
    """
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    # Chromium names each destination after the element's id; pypdf reads the name as "/id".
    return {name.removeprefix("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}, len(reader.pages)


def print_pdf(page_file: Path, output: Path, title: str) -> dict:
    """Print the single-page book to ``output``; return counts and timings for the log."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(page_file.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{page_file.name}"
    outside = []

    def route(request_route):
        host = urlparse(request_route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or request_route.request.url.startswith("data:"):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    footer = ('<div style="font-size:8pt;width:100%;text-align:center;color:#555;">'
              '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
    header = ('<div style="font-size:7pt;width:100%;text-align:right;color:#777;margin-right:14mm;">'
              f'{title}</div>')
    options = dict(format="A4", print_background=True, display_header_footer=True,
                   header_template=header, footer_template=footer, outline=True, tagged=True,
                   margin={"top": "16mm", "bottom": "16mm", "left": "16mm", "right": "16mm"})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                "--disable-component-update", "--disable-sync", "--disable-quic"])
            tab = browser.new_page(viewport={"width": 1000, "height": 1400})
            tab.route("**/*", route)
            start = time.perf_counter()
            tab.goto(url, wait_until="load", timeout=180_000)
            tab.wait_for_function("() => Boolean(window.MathJax && MathJax.startup && MathJax.startup.promise)",
                                  timeout=60_000)
            tab.evaluate("() => MathJax.startup.promise.then(() => document.fonts.ready).then(() => true)")
            errors = tab.evaluate("() => document.querySelectorAll('mjx-merror').length")
            raw = tab.evaluate("() => [...document.querySelectorAll('.math')].filter("
                               "n => !n.querySelector('mjx-container') && n.tagName !== 'MJX-CONTAINER').length")
            if errors or raw:
                raise SystemExit(f"make_pdf: MathJax left {raw} formulas unrendered and {errors} TeX errors")
            tab.emulate_media(media="print")
            tab.add_style_tag(content=PRINT_CSS)
            stats = tab.evaluate(PREPARE_JS, PLACEHOLDER)
            tab.evaluate("() => Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            loaded = time.perf_counter()
            first = tab.pdf(**options)
            printed = time.perf_counter()
            pages, count = destination_pages(first)
            targets = tab.evaluate("() => [...document.querySelectorAll('.pdf-page')].map(s => s.dataset.target)")
            missing = sorted({t for t in targets if t not in pages})
            if missing:
                raise SystemExit(f"make_pdf: no page found for {len(missing)} targets, e.g. {missing[:5]}")
            tab.evaluate("""(pages) => document.querySelectorAll('.pdf-page').forEach(
                s => { s.textContent = String(pages[s.dataset.target]); })""", pages)
            second = tab.pdf(**options)
            timings = (loaded - start, printed - loaded, time.perf_counter() - printed)
            pages2, count2 = destination_pages(second)
            moved = [t for t in targets if pages2.get(t) != pages[t]]
            if count2 != count or moved:
                raise SystemExit(f"make_pdf: filling in page numbers moved {len(moved)} targets "
                                 f"({count} -> {count2} pages)")
            browser.close()
    finally:
        httpd.shutdown()
    if outside:
        raise SystemExit(f"make_pdf: the page asked for {len(outside)} outside resources, e.g. {outside[:3]}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(second)
    return dict(stats, pages=count2, bytes=len(second), timings=timings)


def book_title() -> str:
    for line in (ROOT / "_config.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip('"')
    return "dlbook"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "_build" / "pdf" / "dlbook.pdf")
    parser.add_argument("--build-dir", type=Path, default=ROOT / "_build" / "pdf-source",
                        help="where the singlehtml build goes (jupyter-book's --path-output)")
    parser.add_argument("--no-build", action="store_true", help="print the existing singlehtml build")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    page = (args.build_dir / "_build" / "singlehtml" / "intro.html") if args.no_build \
        else build_singlehtml(args.build_dir)
    built = time.perf_counter()
    stats = print_pdf(page, args.output, book_title())
    done = time.perf_counter()
    print(f"make_pdf: {args.output}: {stats['pages']} pages, {stats['bytes'] / 1e6:.1f} MB, "
          f"{stats['chapters']} <h2> sections, {stats['entries']} contents entries, "
          f"{stats['solutions']} solutions moved; singlehtml {built - start:.0f} s, print {done - built:.0f} s "
          "(load and MathJax {:.0f} s, first pass {:.0f} s, second pass {:.0f} s)".format(*stats["timings"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
