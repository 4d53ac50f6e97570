# Two commands for a fresh machine:
#   make start   set everything up, load the demo data and serve the back office
#   make test    run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
SITE_PORT ?= 8001

.PHONY: start test install clean

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(BIN)/flask

install: $(BIN)/flask

start: install
	@bash scripts/start.sh $(HOST) $(PORT) $(SITE_PORT)

test: install
	@bash scripts/test.sh

clean:
	rm -rf $(VENV) instance .pytest_cache
