# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# In the environment too: settings build SITE_URL (links in notifications) from them when it is unset.
export HOST PORT

.PHONY: run demo test install migrate seed lint format worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py runserver_all --host $(HOST) --port $(PORT)

# The server (as `make run`), then the bot simulator against it: the funnel it produced and the invariant
# check; the server keeps running for the console until Ctrl-C. Options: `make demo ARGS="--candidates 80"`.
demo: seed
	$(BIN)/python manage.py simulate --serve --stay --base-url http://$(HOST):$(PORT) --candidates 40 --concurrency 4 --delay 0.1 $(ARGS)

test: install
	$(BIN)/python -m pytest $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var
