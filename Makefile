# The two commands: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install unit integration e2e browser lint typecheck bench stop clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## set up and run the whole suite in the foreground (embedded servers unless DATABASE_URL/REDIS_URL)
run: $(STAMP)
	$(PY) -m common.devstack run

## run the whole test suite against real PostgreSQL and Redis
test: $(STAMP)
	$(PY) -m common.devstack exec -- $(PY) -m pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

integration: $(STAMP)
	$(PY) -m common.devstack exec -- $(PY) -m pytest tests/integration $(PYTEST_ARGS)

e2e: $(STAMP)
	$(PY) -m common.devstack exec -- $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

## the browser tests (Debian's chromium; `.ci/run` installs it and fonts-noto-cjk)
browser: $(STAMP)
	$(PY) -m common.devstack exec -- $(PY) -m pytest tests/browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m common.devstack exec -- $(PY) -m bench.run

stop:
	$(PY) -m common.devstack stop

clean: stop
	rm -rf var
