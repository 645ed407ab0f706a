# The two commands a new user needs:  make lab   and   make test
# Everything else here is what those two are made of.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_FLAGS ?= -q

.PHONY: setup lab test unit notebooks browser student book strip bench lint clean

setup:
	@bash scripts/setup_env.sh

# --allow-root only where the user is root (as in containers); JupyterLab refuses root otherwise.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	@echo "[lab] opening JupyterLab on notebooks/ (Ctrl-C to stop); start with 00_start_here.ipynb"
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(LAB_FLAGS) notebooks/00_start_here.ipynb

test: setup
	@bash scripts/run_tests.sh

unit: setup
	$(BIN)/pytest $(PYTEST_FLAGS) -n 2 tests --ignore=tests/browser --ignore=tests/test_book.py

# nbval over every chapter (--nbval-lax: all cells must run; only `# NBVAL_CHECK_OUTPUT` cells are compared).
notebooks: setup
	$(BIN)/pytest $(PYTEST_FLAGS) --nbval-lax --nbval-current-env notebooks/

# Every chapter in JupyterLab + headless Chromium (installs Debian's chromium if missing).
browser: setup
	bash scripts/install_browser.sh
	$(BIN)/pytest $(PYTEST_FLAGS) tests/browser

strip: setup
	$(BIN)/python scripts/strip_notebooks.py notebooks

bench: setup
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check course_lib tests benchmarks scripts conftest.py

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts student _build


# Student edition in student/: each `solution` cell becomes a NotImplementedError stub.
student: setup
	rm -rf student
	$(BIN)/python scripts/make_student.py --src notebooks --out student

# Course site in _build/site/ (open _build/site/index.html): every chapter executed with its
# quick settings, rendered to static HTML; widgets shown as images of their initial state.
book: setup
	rm -rf _build
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 MPLBACKEND=Agg $(BIN)/python scripts/build_book.py --src notebooks --out _build --jobs 2
