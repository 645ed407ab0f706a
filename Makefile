# The two commands a new user needs:  make lab   and   make test
# Everything else here is what those two are made of.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTEST_FLAGS ?= -q
# Which chapters `make lab` serves: the student edition (exercises blank, built by `make student`)
# or, with `make lab EDITION=instructor`, the instructor notebooks with every answer filled in.
EDITION ?= student
ifeq ($(EDITION),student)
LAB_SRC := student
WORK := work
else ifeq ($(EDITION),instructor)
LAB_SRC := notebooks
WORK := work-instructor
else
$(error EDITION must be student or instructor, got '$(EDITION)')
endif
# The language: `make lab LANG=zh` serves the Chinese edition (中文版) in its own working copy,
# built from the same notebooks and the translation catalogs (notebooks/locale/zh/). Only a LANG
# given on the command line chooses: `make lab` stays English whatever the machine's locale.
COURSE_LANG := $(if $(and $(filter command line,$(origin LANG)),$(filter zh%,$(LANG))),zh,en)
ifeq ($(COURSE_LANG),zh)
LAB_SRC := $(LAB_SRC)-zh
WORK := $(WORK)-zh
# A locale name for JupyterLab's process ("zh" alone is none; Python falls back to UTF-8).
LAB_ENV := LANG=zh_CN.UTF-8
endif
# Your working copy (ignored by git): `make lab` serves it, never the edition it copies from.
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
TEST_PHASES := lint unit notebooks notebooks-other-cpu browser book-check
# A second CPU for the instructor edition: torch's generic kernels and MKL's compatible path round
# differently from this machine's own (AVX2, AVX-512), as a student's laptop does. A checkpoint
# that holds on one CPU only fails here (see the README, "Reproducible numbers").
OTHER_CPU := ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE
# The widgets' site frames, cached by widget code and data (course_lib/widgets/_grid.py).
SITE_FRAMES := $(CURDIR)/.cache/site-frames

# One BLAS/OpenMP thread per process. The numbers the chapters print depend on the thread count
# (same seed and same thread count give the same numbers), small networks run fastest on one
# thread, and two pytest workers then share two cores without fighting. To try another count:
# `make test OMP_NUM_THREADS=4 MKL_NUM_THREADS=4`.
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
# Tests and benchmarks draw off-screen; `make lab` keeps JupyterLab's inline plots.
lint unit notebooks notebooks-other-cpu browser book book-check bench test: export MPLBACKEND := Agg

.PHONY: setup lab refresh test unit notebooks notebooks-other-cpu browser student zh book book-check \
	strip bench robust lint hooks clean

setup:
	@bash scripts/setup_env.sh

# --allow-root only where the user is root (as in containers); JupyterLab refuses root otherwise.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab on $(WORK)/, a copy of the edition made on the first run. Later runs keep your work and
# copy in only the chapters you do not have yet, so running a chapter never changes a tracked file.
LAB_NEEDS := $(if $(filter student,$(EDITION)),student,$(if $(filter zh,$(COURSE_LANG)),zh,setup))
lab: $(LAB_NEEDS)
	@$(BIN)/python scripts/working_copy.py sync --src $(LAB_SRC) --dest $(WORK)
	@echo "[lab] the $(EDITION) edition ($(COURSE_LANG)): opening JupyterLab on $(WORK)/ (Ctrl-C to stop); start with 00_start_here.ipynb"
	$(LAB_ENV) $(BIN)/jupyter lab --ServerApp.root_dir=$(WORK) $(LAB_FLAGS) $(WORK)/00_start_here.ipynb

# Replace your copy of one chapter with the course's current version; yours is kept as a backup.
refresh: $(LAB_NEEDS)
	@$(BIN)/python scripts/working_copy.py refresh --src $(LAB_SRC) --dest $(WORK) "$(CHAPTER)"

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

# nbval over every chapter: the instructor edition (notebooks/) and both student editions (student/,
# student-zh/), two workers, one notebook per worker at a time (--dist loadscope). --nbval-lax: all
# cells must run; only `# NBVAL_CHECK_OUTPUT` cells are compared with their reference output.
notebooks: student
	$(BIN)/pytest $(PYTEST_FLAGS) -n 2 --dist loadscope --nbval-lax --nbval-current-env \
		notebooks/ student/ student-zh/

# The Chinese instructor edition (the same code cells as notebooks/) on a second CPU kernel path
# (OTHER_CPU): every checkpoint and every `# NBVAL_CHECK_OUTPUT` cell must hold there too.
notebooks-other-cpu: zh
	$(OTHER_CPU) $(BIN)/pytest $(PYTEST_FLAGS) -n 2 --dist loadscope --nbval-lax --nbval-current-env \
		notebooks-zh/

# Every chapter in JupyterLab + headless Chromium (installs Debian's chromium if missing), in
# English and in Chinese (notebooks-zh/, served as zh/). The kernels render each widget's site
# frames into $(SITE_FRAMES) as they build it, so book-check builds both languages of the site
# from these runs without executing a chapter again.
browser: export COURSE_SITE_FRAMES := $(SITE_FRAMES)
browser: zh
	bash scripts/install_browser.sh
	$(BIN)/pytest $(PYTEST_FLAGS) tests/browser --ignore=tests/browser/test_site.py

# The Chinese instructor edition in notebooks-zh/: each chapter with its prose from its catalog
# (notebooks/locale/zh/NN_name.po) and LANGUAGE = "zh"; code cells unchanged.
zh: setup
	rm -rf notebooks-zh
	$(BIN)/python scripts/translate.py build --src notebooks --out notebooks-zh

# Student editions in student/ and student-zh/: each `solution` cell becomes a NotImplementedError stub.
student: zh
	rm -rf student student-zh
	$(BIN)/python scripts/make_student.py --src notebooks --out student
	$(BIN)/python scripts/make_student.py --src notebooks-zh --out student-zh

# Course site in _build/site/ (open _build/site/index.html, no network needed), in English and,
# under _build/site/zh/, in Chinese (run from notebooks-zh/), a switch on every page: every
# chapter executed with its quick settings and rendered to static HTML; each widget's controls
# work there, over frames its own code drew for a grid of their values (cached in
# $(SITE_FRAMES) by the widget's code and data: an unchanged widget is not drawn again).
BOOK_LANGUAGES := --languages en zh --lang-src zh=notebooks-zh
book: zh
	rm -rf _build
	$(BIN)/python scripts/build_book.py --src notebooks --out _build --jobs 2 --frames $(SITE_FRAMES) \
		$(BOOK_LANGUAGES)

# The course site as make test checks it, both languages: built into test-artifacts/book/ from
# the chapters the browser phase executed (test-artifacts/executed, its zh/ for the Chinese, each
# reused only if it matches notebooks/ or notebooks-zh/ and its widgets' frames are cached),
# then tests/test_book.py and the site in headless Chromium from disk (tests/browser/test_site.py).
book-check: zh
	bash scripts/install_browser.sh
	rm -rf test-artifacts/book
	$(BIN)/python scripts/build_book.py --src notebooks --out test-artifacts/book --jobs 2 \
		--frames $(SITE_FRAMES) $(BOOK_LANGUAGES) \
		$(if $(wildcard test-artifacts/executed),--executed-dir test-artifacts/executed)
	BOOK_DIR=test-artifacts/book $(BIN)/pytest $(PYTEST_FLAGS) tests/test_book.py tests/browser/test_site.py

strip: setup
	$(BIN)/nbstripout $(NBSTRIPOUT_FLAGS) $(NOTEBOOKS)

bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The checkpoint audit: every chapter's claims on 9 CPU kernel paths and 10 training seeds
# (benchmarks/checkpoints.py; about half an hour on 2 cores).
robust: setup
	$(BIN)/python benchmarks/checkpoints.py --workers 2

# Run ruff and the notebook stripper on every `git commit` (.pre-commit-config.yaml).
hooks: setup
	$(BIN)/pre-commit install

# Leaves work/ and work-instructor/ alone: they hold your own runs of the chapters.
clean:
	rm -rf $(VENV) .pytest_cache test-artifacts student student-zh notebooks-zh _build .cache
