# dlbook: one entry point.  `make book` builds the HTML book, `make test` runs every test.
# Both create the environment they need first (.venv from requirements.txt, plus the
# Debian packages graphviz and chromium), so a fresh clone needs nothing installed by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSSTAMP := .cache/.system-packages
MATHJAX := _mathjax/_static/mathjax/tex-mml-chtml.js
NODE_MODULES := node_modules/.package-lock.json
HTML := _build/html/index.html
PDF := _build/pdf/dlbook.pdf
# Thebe (live code, `make live`) from the npm registry, checked against its published sha512.
# Not in package.json: `npm ci` would install its 959 dependencies (580 MB, 3 min), while its
# lib/ is a self-contained bundle (15 MB), which is all the site serves.
THEBE_VERSION := 0.9.3
THEBE_SHA512 := 45bffb91586d95f7d7adade421eeceb88184edac2c9b6fdf196c70db50e235f9d62e751088397d016a9876c84fc193c6ff90f32e9b0944f8b1db1b423ed26641
THEBE := .cache/thebe/package/lib/index.js
# The notebooks are exactly the chapters listed in the table of contents.
NOTEBOOKS := $(shell grep -oE 'chapters/[A-Za-z0-9_]+' _toc.yml | sed 's/$$/.ipynb/')

# Keep every cache inside the repository, and make runs reproducible.
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export IPYTHONDIR := $(CURDIR)/.cache/ipython
export JUPYTER_CONFIG_DIR := $(CURDIR)/.cache/jupyter
export JUPYTER_DATA_DIR := $(CURDIR)/.cache/jupyter-data
export PYTHONHASHSEED := 0
# One BLAS/OpenMP thread per process: results do not depend on the machine's core count, and
# two notebooks executing side by side (nbval -n 2) do not fight over the cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

NBVAL := $(BIN)/python -m pytest --nbval --nbval-current-env \
	--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider -n 2 --dist loadfile

.PHONY: book test env unit nbval html browser notebooks portability bench clean \
	pdf live release offline-test

## book: build the HTML book into _build/html (warnings are errors)
book: $(HTML)

## test: unit tests, nbval (strict) on every notebook, the HTML build, the browser test
test: env
	$(MAKE) --keep-going unit nbval browser offline-test

env: $(STAMP) $(SYSSTAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

$(SYSSTAMP): tools/install_system_packages.sh
	bash tools/install_system_packages.sh
	mkdir -p .cache && touch $@

# MathJax 4 (served by the site) and axe-core (injected by the browser test) come from the npm
# registry at set-up, pinned by package-lock.json.
$(NODE_MODULES): package.json package-lock.json | $(SYSSTAMP)
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# MathJax 4 is served by the site itself, never from a CDN: its components, and the CHTML half of
# its font under mathjax/fonts/ (the loader's font path in _config.yml).  Not in _static/ (DESIGN.md).
$(MATHJAX): $(NODE_MODULES)
	rm -rf _mathjax && mkdir -p _mathjax/_static/mathjax/fonts/mathjax-newcm-font
	cd node_modules/mathjax && cp -r LICENSE tex-mml-chtml.js a11y adaptors input output sre ui \
		$(CURDIR)/_mathjax/_static/mathjax/
	cd node_modules/@mathjax/mathjax-newcm-font && cp -r package.json chtml.js chtml \
		$(CURDIR)/_mathjax/_static/mathjax/fonts/mathjax-newcm-font/

$(HTML): env $(MATHJAX) _config.yml _toc.yml intro.md references.bib $(wildcard appendices/*.md) $(NOTEBOOKS) $(wildcard dlbook/*.py)
	$(BIN)/jupyter-book build . -W -n --keep-going
	touch $@

html: $(HTML)

unit: env
	rm -rf .cache/max_errors
	$(BIN)/python -m pytest tests -m "not browser and not pdf and not slow" -n 2 -p no:cacheprovider
	$(BIN)/python tools/collect_max_errors.py

nbval: env
	$(NBVAL) $(NOTEBOOKS)

browser: $(HTML) $(THEBE) $(NODE_MODULES)
	$(BIN)/python -m pytest tests -m browser -p no:cacheprovider

## offline-test: the PDF (tests/test_pdf.py) and the first-cell install from a wheel (slow)
offline-test: $(PDF)
	$(BIN)/python -m pytest tests -m "pdf or slow" -p no:cacheprovider

## pdf: the whole book as one PDF, printed offline by headless Chromium (_build/pdf/dlbook.pdf)
pdf: $(PDF)

$(PDF): $(HTML) tools/make_pdf.py _ext/singlehtml_fix.py
	$(BIN)/python tools/make_pdf.py --output $@ --build-dir _build/pdf-source

$(THEBE):
	rm -rf .cache/thebe && mkdir -p .cache/thebe
	cd .cache/thebe && npm pack --silent thebe@$(THEBE_VERSION) >/dev/null
	echo "$(THEBE_SHA512)  .cache/thebe/thebe-$(THEBE_VERSION).tgz" | sha512sum --check --quiet
	tar -xzf .cache/thebe/thebe-$(THEBE_VERSION).tgz -C .cache/thebe package/lib package/package.json
	touch $@

## live: the book at http://127.0.0.1:8000 with live code on a local Jupyter kernel (Ctrl-C stops)
live: $(HTML) $(THEBE)
	$(BIN)/python tools/live_server.py

## release: dist/release/ with the zipped site, the PDF, the notebooks, wheel, sdist and pins
release: $(HTML) $(PDF)
	$(BIN)/python tools/make_release.py

## notebooks: re-execute every notebook in place (after changing dlbook) and record timings
notebooks: env
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

## portability: execute the notebooks under a matrix of CPU settings (OpenBLAS kernels, NumPy and
## PyTorch SIMD levels, two threads) and list every cell whose output differs from the stored one.
## Run it before committing executed notebooks; not part of `make test` (CI keeps its own CPU).
## `make portability NOTEBOOKS=chapters/05_batch_normalization.ipynb SETTINGS=sse-cpu,threads-2`
portability: env
	$(BIN)/python tools/portability.py $(if $(SETTINGS),--settings $(SETTINGS)) $(NOTEBOOKS)

## bench: time dlbook against PyTorch eager on the CPU, interleaved, once per OpenBLAS kernel
## (Haswell, SkylakeX; OPENBLAS_CORETYPE is set for each run only); writes
## appendices/benchmarks_table.md. `make bench KERNELS=Haswell` runs one kernel.
bench: env
	$(BIN)/python tools/benchmark.py $(if $(KERNELS),--kernels $(KERNELS))

clean:
	rm -rf _build _mathjax .cache dist node_modules
