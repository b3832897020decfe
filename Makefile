# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export FLASK_APP := tracker

.PHONY: run demo test lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The web server and a worker beside it (the queue is a SQLite file beside the database): Ctrl-C stops both.
SERVE = $(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; $(BIN)/python run.py

## Serve the tracker on http://127.0.0.1:5000 with the embedded SQLite database, and run its worker.
run: $(STAMP)
	$(BIN)/flask db upgrade
	$(SERVE)

## Like `run`, on a fresh demo database: one account per role (passwords printed) and
## DEMO_ENQUIRIES made-up enquiries (DEMO_SEED picks which). instance/demo.db is remade each time.
demo: DEMO_DB := $(CURDIR)/instance/demo.db
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/flask seed-demo --enquiries $(or $(DEMO_ENQUIRIES),2000) --seed $(or $(DEMO_SEED),1)
	export DATABASE_URL=sqlite:///$(DEMO_DB); $(SERVE)

## Run every test (SQLite; also PostgreSQL when TRACKER_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Measure page times, queries, throughput and growth at BENCH_SIZES (default 10000,100000; BENCH_LARGE=1 adds 1000000) on SQLite or BENCH_DATABASE_URL.
bench: $(STAMP)
	$(BIN)/python -m bench

## ruff, and the layer contracts (import-linter; docs/architecture.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
