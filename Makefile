# carepath: `make demo` and `make test` work on a fresh machine; they set up what they need.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c  # a failing command in a pipe fails the target
VENV := .venv
PY := $(VENV)/bin/python
CAREPATH := $(VENV)/bin/carepath
GUIDELINE := guidelines/leg_numbness_cramping.cpath

.PHONY: setup demo test fuzz bench golden examples clean

$(VENV)/.installed: pyproject.toml package-lock.json
	@command -v dot >/dev/null 2>&1 || { echo "installing Graphviz (dot)"; \
	  (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null) || \
	  { echo "could not install Graphviz: install the 'graphviz' package and retry" >&2; exit 1; }; }
	@command -v chromium >/dev/null 2>&1 || { echo "installing Chromium (the viewer's browser tests)"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  { echo "could not install Chromium: install the 'chromium' package and retry" >&2; exit 1; }; }
	@command -v java >/dev/null 2>&1 || { echo "installing Java 17 (Spark SQL tests)"; \
	  (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null) || \
	  echo "could not install Java: the Spark SQL tests will be skipped" >&2; }
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -e '.[test]'
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	  else echo "npm not found: the viewer's accessibility test (axe-core) will be skipped"; fi
	touch $@

# cql-execution, the peer CQL engine the ELM conformance tests run (pinned by its lock file)
ELM_ENGINE := targets/elm/node_modules/.installed
$(ELM_ENGINE): targets/elm/package-lock.json
	@if command -v npm >/dev/null 2>&1; then cd targets/elm && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	  else echo "npm not found: the cql-execution conformance tests will be skipped where node is missing too"; fi

setup: $(VENV)/.installed $(ELM_ENGINE)

demo: setup
	$(CAREPATH) check $(GUIDELINE)
	$(CAREPATH) test $(GUIDELINE) --coverage --min-coverage 100 | tail -n 2
	$(CAREPATH) run $(GUIDELINE) --facts examples/patients/absent_pulse_unilateral.json
	@mkdir -p build && $(CAREPATH) render $(GUIDELINE) -o build/flowchart.svg && echo "flowchart of the workup: build/flowchart.svg (published copies: examples/flowchart.svg, examples/flowchart.png)"
	@$(CAREPATH) export $(GUIDELINE) --format html -o build/viewer.html && echo "interactive viewer: open $(CURDIR)/build/viewer.html in a browser (works offline)"

# On every core (pytest-xdist, `-n logical`); tests sharing a Spark, browser or LSP session
# stay on one worker (`--dist loadgroup` in pyproject.toml, groups in tests/conftest.py).
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE, set
# in some images): the suite starts dozens of Python processes (workers, `carepath` commands,
# the wheel's venv), and each would otherwise compile carepath and its tests from source.
test: setup
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n logical

# The whole suite with the long budgets: thousands of generated guidelines and
# expressions per property, 100,000 patients through both runtimes.
# Then the seeded attack campaign of issue 14 (tests/fuzz/): the reproducer corpus and
# 5,000 random hostile inputs through the command line; one summary line of counts.
fuzz: setup
	CAREPATH_FUZZ=1 PYTHONDONTWRITEBYTECODE= $(PY) -m pytest tests --hypothesis-profile=fuzz -n logical
	$(PY) -m tests.fuzz.campaign --inputs 5000 --seed 14

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

golden: setup
	$(PY) -m tests.regenerate_golden

# The published charts in examples/ (README and docs link to them).
examples: setup
	$(CAREPATH) render $(GUIDELINE) -o examples/flowchart.svg
	$(CAREPATH) render $(GUIDELINE) -o examples/flowchart.png
	$(CAREPATH) render $(GUIDELINE) -o examples/flowchart.mmd
	$(CAREPATH) render $(GUIDELINE) -o examples/flowchart.pdf --paper a4
	$(CAREPATH) render examples/guidelines/dvt_wells.cpath -o examples/flowchart_dvt_wells.png
	$(CAREPATH) render examples/guidelines/dvt_wells.cpath -o examples/flowchart_dvt_wells.pdf --paper letter
	$(CAREPATH) render $(GUIDELINE) --facts examples/patients/claudication_abi_missing.json -o examples/flowchart_claudication_abi_missing.svg
	$(CAREPATH) render $(GUIDELINE) --facts examples/patients/claudication_abi_missing.json -o examples/flowchart_claudication_abi_missing.png
	$(CAREPATH) export $(GUIDELINE) --format html -o examples/viewer.html
	$(PY) -m tests.viewer_screenshots examples/viewer.html examples/patients/absent_pulse_unilateral.json examples

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
