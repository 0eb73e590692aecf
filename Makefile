# Continuity — the two commands a newcomer runs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/continuity
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: venv demo serve test test-fast lint format bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

venv: $(BIN)/activate

demo: venv
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo

serve: venv
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: venv
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

test-fast: venv
	$(BIN)/pytest -p no:cacheprovider tests/unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/continuity_bench

bench: venv
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/ingest.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/sla.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/api_latency.py
	DATABASE_URL=$(BENCH_DATABASE_URL) CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \
		$(BIN)/python bench/reports.py

clean:
	rm -rf var/continuity.sqlite3 var/reports var/mail
