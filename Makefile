# The two front doors: `make demo` runs the whole pipeline on a scratch copy of the seed campaign
# (demo/, simulated annotators), `make test` runs the tests.
# Both create .venv and install the project (and, for tests, Debian's chromium) when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test studio studio-stop install system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -e '.[dev,embedding]'
	touch $(STAMP)

# The tests need Debian's chromium (driven by Playwright, which never downloads a browser) and a
# PostgreSQL server (the tests start a throw-away one on loopback). Installed only when missing.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/annotation demo

# The seed campaign (this folder) for real annotators: ingest and segment only the first time, so a
# corpus ingested by hand is never replaced; then start Label Studio and push (idempotent).
studio: $(STAMP)
	test -f data/interim/sentences.parquet || { $(BIN)/annotation ingest && $(BIN)/annotation segment; }
	$(BIN)/annotation studio start && $(BIN)/annotation push

studio-stop: $(STAMP)
	$(BIN)/annotation studio stop

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n auto --maxprocesses=2 --doctest-modules annotation tests

# Removes the demo's scratch campaign and executed notebooks only: a campaign's raw exports are
# never deleted by make (`annotation clean --delete-raw-exports NAME` names the campaign).
clean:
	-test -f demo/campaign.yml && $(BIN)/annotation studio stop --campaign demo
	rm -rf demo notebooks/output
