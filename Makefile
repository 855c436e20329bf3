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
HTML := _build/html/index.html
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

.PHONY: book test env unit nbval html browser notebooks portability bench clean

## book: build the HTML book into _build/html (warnings are errors)
book: $(HTML)

## test: unit tests, nbval (strict) on every notebook, the HTML build, the browser test
test: env
	$(MAKE) --keep-going unit nbval browser

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

# MathJax 3 is served by the site itself (taken from PyPI at set-up), never from a CDN.
$(MATHJAX): $(STAMP)
	rm -rf _mathjax && mkdir -p _mathjax/_static
	cp -r "$$($(BIN)/python -c 'import pathlib, mathjax; print(pathlib.Path(mathjax.__file__).parent / "static/mathjax/es5")')" _mathjax/_static/mathjax

$(HTML): env $(MATHJAX) _config.yml _toc.yml intro.md references.bib $(wildcard appendices/*.md) $(NOTEBOOKS) $(wildcard dlbook/*.py)
	$(BIN)/jupyter-book build . -W -n --keep-going
	touch $@

html: $(HTML)

unit: env
	rm -rf .cache/max_errors
	$(BIN)/python -m pytest tests -m "not browser" -n 2 -p no:cacheprovider
	$(BIN)/python tools/collect_max_errors.py

nbval: env
	$(NBVAL) $(NOTEBOOKS)

browser: $(HTML)
	$(BIN)/python -m pytest tests -m browser -p no:cacheprovider

## notebooks: re-execute every notebook in place (after changing dlbook) and record timings
notebooks: env
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

## portability: execute the notebooks under a matrix of CPU settings (OpenBLAS kernels, NumPy and
## PyTorch SIMD levels, two threads) and list every cell whose output differs from the stored one.
## Run it before committing executed notebooks; not part of `make test` (CI keeps its own CPU).
## `make portability NOTEBOOKS=chapters/05_batch_normalization.ipynb SETTINGS=sse-cpu,threads-2`
portability: env
	$(BIN)/python tools/portability.py $(if $(SETTINGS),--settings $(SETTINGS)) $(NOTEBOOKS)

## bench: time dlbook against PyTorch eager on CPU; writes appendices/benchmarks_table.md
bench: env
	$(BIN)/python tools/benchmark.py

clean:
	rm -rf _build _mathjax .cache
