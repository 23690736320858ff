# The README's commands. `make run` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test test-fast lint format worker beat bench clean check prod-smoke

# The laptop configuration: debug is off unless asked for, so these targets ask; links in email
# point at the port the demo serves on. Values already in the environment win.
DEV_TARGETS := run worker beat check test test-fast
$(DEV_TARGETS): export DJANGO_DEBUG ?= 1
$(DEV_TARGETS): export CHARTEROPS_BASE_URL ?= http://127.0.0.1:$(PORT)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Admin: http://127.0.0.1:$(PORT)/admin/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	node --test guestpages/cloudfront/ marketplaces/node/
	$(BIN)/pytest $(PYTEST_ARGS)

# Everything but the slow subprocess and browser tests.
test-fast: $(VENV)/.dev
	$(BIN)/pytest -m "not integration and not browser" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.runtime
	$(BIN)/python manage.py check

worker: $(VENV)/.runtime
	$(BIN)/celery -A charterops worker --loglevel=INFO

beat: $(VENV)/.runtime
	$(BIN)/celery -A charterops beat --loglevel=INFO

bench: $(VENV)/.dev
	$(BIN)/python bench/run_all.py

# The production layout on this machine (gunicorn, a celery worker and beat, PostgreSQL, Redis,
# SeaweedFS as S3, moto for SES and CloudFront), debug off, one booking walked through over HTTP.
prod-smoke: $(VENV)/.dev
	$(BIN)/python scripts/prod_smoke.py

clean:
	rm -rf $(VENV) db.sqlite3 media .pytest_cache
