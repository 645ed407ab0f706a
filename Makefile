# The two commands a new user needs:  make lab   and   make test
# Everything else here is what those two are made of.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_FLAGS ?= -q
# Your working copy of the chapters (ignored by git): `make lab` serves it, never notebooks/.
WORK := work
# `make strip NOTEBOOKS=notebooks/03_ppo.ipynb` strips one chapter; `make refresh CHAPTER=03_ppo`
# brings a chapter's new version into $(WORK)/.
NOTEBOOKS ?= notebooks/*.ipynb
CHAPTER ?=
LINT_PATHS := course_lib tests benchmarks scripts conftest.py
# nbstripout removes outputs, execution counts, saved widget state and the metadata JupyterLab
# records while running (timings, scroll state); it keeps the rest of the cell metadata: tags and
# `nbval_reference` (the expected output of `# NBVAL_CHECK_OUTPUT` cells, see conftest.py).
# --keep-id: the cell ids stay as written, so a strip changes no line that a person wrote.
NBSTRIPOUT_FLAGS := --keep-id \
	--extra-keys "metadata.papermill metadata.execution cell.metadata.papermill cell.metadata.trusted"
# make test runs these targets in this order, each timed.
TEST_PHASES := lint unit notebooks browser book-check

# One BLAS/OpenMP thread per process. The numbers the chapters print depend on the thread count
# (same seed and same thread count give the same numbers), small networks run fastest on one
# thread, and two pytest workers then share two cores without fighting. To try another count:
# `make test OMP_NUM_THREADS=4 MKL_NUM_THREADS=4`.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# Tests and benchmarks draw off-screen; `make lab` keeps JupyterLab's inline plots.
lint unit notebooks browser book book-check bench test: export MPLBACKEND := Agg

.PHONY: setup lab refresh test unit notebooks browser student book book-check strip bench lint \
	hooks clean

setup:
	@bash scripts/setup_env.sh

# --allow-root only where the user is root (as in containers); JupyterLab refuses root otherwise.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab on $(WORK)/, a copy of notebooks/ made on the first run. Later runs keep your work and
# copy in only the chapters you do not have yet, so running a chapter never changes a tracked file.
lab: setup
	@$(BIN)/python scripts/working_copy.py sync --src notebooks --dest $(WORK)
	@echo "[lab] opening JupyterLab on $(WORK)/ (Ctrl-C to stop); start with 00_start_here.ipynb"
	$(BIN)/jupyter lab --ServerApp.root_dir=$(WORK) $(LAB_FLAGS) $(WORK)/00_start_here.ipynb

# Replace your copy of one chapter with the course's current version; yours is kept as a backup.
refresh: setup
	@$(BIN)/python scripts/working_copy.py refresh --src notebooks --dest $(WORK) "$(CHAPTER)"

# Every check of the course, phase by phase: lint, unit tests, every chapter under nbval
# (instructor and student editions), every chapter in a real browser, the course site.
test: setup
	@start=$$(date +%s); n=0; \
	for phase in $(TEST_PHASES); do \
	    n=$$((n + 1)); t0=$$(date +%s); \
	    echo "[test] $$n/$(words $(TEST_PHASES)) make $$phase"; \
	    $(MAKE) --no-print-directory $$phase || exit 1; \
	    echo "[test] $$phase took $$(( $$(date +%s) - t0 )) s"; \
	done; \
	echo "[test] all phases passed in $$(( $$(date +%s) - start )) s"

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

# The unit tests, tests/test_install.py included (it resolves an install against PyPI). The fonts
# let tests/test_characters.py rebuild Chapter 6's shipped character set and compare.
unit: setup
	bash scripts/install_fonts.sh
	$(BIN)/pytest $(PYTEST_FLAGS) -n 2 tests --ignore=tests/browser --ignore=tests/test_book.py

# nbval over every chapter, instructor (notebooks/) and student (student/) editions, two workers,
# one notebook per worker at a time (--dist loadscope). --nbval-lax: all cells must run; only
# `# NBVAL_CHECK_OUTPUT` cells are compared with their reference output.
notebooks: student
	$(BIN)/pytest $(PYTEST_FLAGS) -n 2 --dist loadscope --nbval-lax --nbval-current-env \
		notebooks/ student/

# Every chapter in JupyterLab + headless Chromium (installs Debian's chromium if missing).
browser: setup
	bash scripts/install_browser.sh
	$(BIN)/pytest $(PYTEST_FLAGS) tests/browser

# Student edition in student/: each `solution` cell becomes a NotImplementedError stub.
student: setup
	rm -rf student
	$(BIN)/python scripts/make_student.py --src notebooks --out student

# Course site in _build/site/ (open _build/site/index.html): every chapter executed with its
# quick settings, rendered to static HTML; widgets shown as images of their initial state.
book: setup
	rm -rf _build
	$(BIN)/python scripts/build_book.py --src notebooks --out _build --jobs 2

# The course site as make test checks it (tests/test_book.py): built from the chapters the
# browser phase executed (test-artifacts/executed, each reused only if it matches notebooks/).
book-check: setup
	$(if $(wildcard test-artifacts/executed),BOOK_EXECUTED_DIR=test-artifacts/executed) \
		$(BIN)/pytest $(PYTEST_FLAGS) tests/test_book.py

strip: setup
	$(BIN)/nbstripout $(NBSTRIPOUT_FLAGS) $(NOTEBOOKS)

bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Run ruff and the notebook stripper on every `git commit` (.pre-commit-config.yaml).
hooks: setup
	$(BIN)/pre-commit install

# Leaves $(WORK)/ alone: it holds your own runs of the chapters.
clean:
	rm -rf $(VENV) .pytest_cache test-artifacts student _build
