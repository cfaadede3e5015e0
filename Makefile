# One command each: `make chat` sets up and starts the chat; `make test` sets up
# and runs every test; `make check` adds formatting, lint and type checks.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: setup chat test check lint format bench fuzz clean safety-report

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

chat: setup
	$(BIN)/mbcbot chat

test: setup
	$(BIN)/mbcbot check
	$(PY) -m pytest
	$(BIN)/mbcbot replay transcripts --junit reports/replay.xml

lint: setup
	$(BIN)/ruff format --check src tests benchmarks fuzz
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/mypy

check: lint test

format: setup
	$(BIN)/ruff format src tests benchmarks fuzz
	$(BIN)/ruff check --fix src tests benchmarks fuzz

# The web benchmark loads the server with Debian's wrk: installed here when it is missing.
bench: setup
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(PY) benchmarks/run.py --write BENCHMARKS.md
	$(PY) benchmarks/web.py --write BENCHMARKS.md
	$(PY) benchmarks/metrics.py --write BENCHMARKS.md
	$(PY) -m pip install --quiet -e '.[bench]' && $(PY) benchmarks/peers.py --write BENCHMARKS.md
	$(PY) benchmarks/growth.py --write BENCHMARKS.md
	$(PY) benchmarks/soak.py --write BENCHMARKS.md

# The figures docs/clinical-safety.md quotes: the latest blind round, every question set scored now, the safety
# rules the transcripts exercise, review ages, typing slips and the hazard-to-test map (exit 1: a path is missing).
safety-report: setup
	$(PY) benchmarks/safety_report.py --slips

fuzz: setup
	$(PY) -m pip install --quiet -e '.[fuzz]' && $(PY) fuzz/fuzz.py all --seconds 600

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis reports
