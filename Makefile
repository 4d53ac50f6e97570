# Two commands for a fresh machine:
#   make start   set everything up, load the demo data and serve the back office
#   make test    run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
SITE_PORT ?= 8001

.PHONY: start test install clean translations

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e ".[test]"  # -qq: errors only (no notes from setuptools or pip)
	touch $(BIN)/flask

install: $(BIN)/flask

start: install
	@bash scripts/start.sh $(HOST) $(PORT) $(SITE_PORT)

test: install
	@bash scripts/test.sh

clean:
	rm -rf $(VENV) instance .pytest_cache

# The back office's words: extract the English msgids from admin/, merge them into
# the Italian catalogue (new ones come out empty: translate them), then compile.
# Then the same for the domain modules' messages (Italian msgids, English catalogue).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k lazy_pgettext:1c,2 --no-location \
		--sort-output --width 120 --project housing-first-catania -o admin/translations/messages.pot .
	$(BIN)/pybabel update -i admin/translations/messages.pot -d admin/translations -D messages -l it \
		--width 120 --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d admin/translations -D messages -l it
	$(BIN)/pybabel extract --no-default-keywords -k _ -k N_ --no-location --sort-output --width 120 \
		--project housing-first-catania -o housing/translations/housing.pot housing/
	test -f housing/translations/en/LC_MESSAGES/housing.po || $(BIN)/pybabel init \
		-i housing/translations/housing.pot -d housing/translations -D housing -l en --width 120
	$(BIN)/pybabel update -i housing/translations/housing.pot -d housing/translations -D housing -l en \
		--width 120 --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d housing/translations -D housing -l en
