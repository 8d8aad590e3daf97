# Leading Edge — everything a fresh Debian + Python 3.11 machine needs, idempotently.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Workbooks print in Debian's Chromium (fast, kept open) or WeasyPrint, which draws with pango;
# DejaVu covers Latin, Hebrew, Arabic and symbols, Noto the emoji.
DEMO_DEBS := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-color-emoji
# Tests also read PDFs back with poppler's pdftotext, and check pages with the W3C Nu HTML checker,
# which runs on Java.
TEST_DEBS := $(DEMO_DEBS) poppler-utils acl default-jre-headless
OUT    ?= build/workbooks

NODE   := node_modules/.installed

.PHONY: demo test test-fast lint lab app setup hub-demo clean help

help:
	@echo "make demo   set up .venv; build the sample cohort's workbooks into $(OUT)/ and its"
	@echo "            calendar, cohort report and certificates into $(FAC)/"
	@echo "make test   set up and run the whole test suite (lint, unit, notebooks, PDF, browser, hub)"
	@echo "make test-fast  the tests without a browser, a hub, Dask or PDF builds (under a minute)"
	@echo "make lint   ruff and mypy only"
	@echo "make lab    open JupyterLab on notebooks/"
	@echo "make app    open the sessions as forms without code in your browser (offline; Ctrl+C stops it)"
	@echo "make hub-demo  a local JupyterHub with the facilitator dashboard and demo logins"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

setup: $(STAMP)

# JupyterHub's proxy (configurable-http-proxy) from the npm registry, into the project.
$(NODE): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || scripts/ensure-debian-packages.sh nodejs npm
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

SAMPLE := datasets/sample_cohort
FAC    ?= build/facilitator

demo: setup
	@scripts/ensure-debian-packages.sh $(DEMO_DEBS)
	$(BIN)/llc build --roster $(SAMPLE)/roster.csv --answers-dir $(SAMPLE)/answers \
	    --cohort $(SAMPLE)/cohort.yaml --out $(OUT)
	$(BIN)/llc calendar --cohort $(SAMPLE)/cohort.yaml --out $(FAC)/cohort.ics
	$(BIN)/llc report --cohort $(SAMPLE)/cohort.yaml --answers-dir $(SAMPLE)/answers --out $(FAC)/report
	$(BIN)/llc certificates --cohort $(SAMPLE)/cohort.yaml --roster $(SAMPLE)/roster.csv \
	    --answers-dir $(SAMPLE)/answers --out $(FAC)/certificates
	@echo
	@echo "Workbooks (HTML and PDF, one per participant) are in $(OUT)/"
	@echo "  open $(OUT)/index.html for the cohort overview."
	@echo "The facilitator's files are in $(FAC)/: the calendar (cohort.ics), the anonymous cohort"
	@echo "  report (report/), and certificates with who has not yet qualified (certificates/)."
	@echo "To work through the sessions yourself: make lab   (JupyterLab on notebooks/)"
	@echo "  or make app   (the sessions as forms without code, in your browser, offline)"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint $(NODE)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env tests notebooks

# The marks are declared in pyproject.toml; each test file says which it needs.
test-fast: setup $(NODE)
	$(BIN)/python -m pytest -n 2 -q -m "not browser and not hub and not dask and not slow" tests

hub-demo: setup $(NODE)
	@scripts/ensure-debian-packages.sh $(DEMO_DEBS)
	$(BIN)/llc hub-demo

lab: setup
	$(BIN)/jupyter lab notebooks/

app: setup
	$(BIN)/llc app

clean:
	rm -rf build .pytest_cache
