# The two front doors: `make demo` runs the whole pipeline on seeds/, `make test` runs the tests.
# Both create .venv and install the project (and, for tests, Debian's chromium) when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's chromium drives the browser tests (Playwright uses it; it never downloads a browser).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test studio studio-stop install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/annotation demo

studio: $(STAMP)
	$(BIN)/annotation ingest && $(BIN)/annotation segment && $(BIN)/annotation studio start && $(BIN)/annotation push

studio-stop: $(STAMP)
	$(BIN)/annotation studio stop

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest --doctest-modules annotation tests

clean:
	-$(BIN)/annotation studio stop
	rm -rf data dist .studio notebooks/output
