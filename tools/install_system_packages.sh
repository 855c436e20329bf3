#!/usr/bin/env bash
# Debian packages the book needs: graphviz (the `dot` binary behind dlbook.graph.draw) and
# chromium (the headless browser that tests the built HTML book).
set -euo pipefail
missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
# Any Chromium-based browser will do for the browser test (GitHub's Ubuntu runners ship Chrome).
command -v chromium >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
# npm installs MathJax 4 and axe-core (package-lock.json) for the book and its browser test.
command -v npm >/dev/null 2>&1 || missing+=(npm)
# pdftotext (the PDF test reads the text layer) and pdftoppm (PDF pages as PNG).
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
