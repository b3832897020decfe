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

## Serve the tracker on http://127.0.0.1:5000 with the embedded SQLite database.
run: $(STAMP)
	$(BIN)/flask db upgrade
	$(BIN)/python run.py

## Like `run`, on a separate demo database with one account per role (passwords printed).
demo: $(STAMP)
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.db $(BIN)/flask db upgrade
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.db $(BIN)/flask seed-demo
	DATABASE_URL=sqlite:///$(CURDIR)/instance/demo.db $(BIN)/python run.py

## Run every test (SQLite; also PostgreSQL when TRACKER_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
