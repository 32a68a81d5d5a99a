# The two front doors: `make demo` runs the whole pipeline on seeds/, `make test` runs the tests.
# Both create .venv and install the project (and, for tests, Debian's chromium) when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test studio studio-stop install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/annotation demo

studio: $(STAMP)
	$(BIN)/annotation ingest && $(BIN)/annotation segment && $(BIN)/annotation studio start && $(BIN)/annotation push

studio-stop: $(STAMP)
	$(BIN)/annotation studio stop

test: $(STAMP)
	$(BIN)/python -m pytest --doctest-modules annotation tests

clean:
	-$(BIN)/annotation studio stop
	rm -rf data dist .studio notebooks/output
