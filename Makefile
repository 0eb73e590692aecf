# Continuity — the two commands a newcomer runs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/continuity
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: venv demo serve demo-outage demo-recover test test-fast lint format bench bench-scale clean messages

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

venv: $(BIN)/activate

demo: venv
	DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DEBUG=1 $(BIN)/python manage.py load_demo

# `make serve`: the whole loop on embedded parts (SQLite, the filesystem broker in var/):
# web, worker, beat, the prober of location `local` and the simulated AI provider, from the
# Procfile. Only this demo environment lets probes and webhooks reach loopback.
SERVE_ENV := DEBUG=1 OUTBOUND_ALLOWED_NETWORKS=127.0.0.1/32 \
	EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
	FALLBACK_SWEEP_SECONDS=5 DERIVATION_SWEEP_SECONDS=15 \
	NOTIFICATION_SWEEP_SECONDS=15 EVENT_SWEEP_SECONDS=15 PATH=$(abspath $(BIN)):$$PATH

serve: venv
	@DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	@DEBUG=1 $(BIN)/python manage.py shell -v0 -c "from continuity.models import Customer; \
		raise SystemExit(0 if Customer.objects.exists() else 1)" 2>/dev/null \
		|| DEBUG=1 $(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Console:   http://127.0.0.1:8000/console/  (login admin / continuity-demo)"
	@echo "  API docs:  http://127.0.0.1:8000/api/docs/  (ReDoc: /api/redoc/)"
	@echo "  Status:    http://127.0.0.1:8000/status/northwind/"
	@echo "  Break the simulated AI provider: make demo-outage   heal it: make demo-recover"
	@echo "  Emails land in var/mail/; webhook events in var/provider-hooks.log. Ctrl-C stops."
	@echo ""
	@env $(SERVE_ENV) $(BIN)/honcho start

demo-outage: venv
	$(BIN)/python -m console.simulated_provider outage

demo-recover: venv
	$(BIN)/python -m console.simulated_provider recover

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
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/single_post.py --broker redis://127.0.0.1:6379/12

# After changing a translatable string or a .po file: refresh the catalogs and compile the
# .mo files (committed). Needs gettext's xgettext and msgfmt (apt-get install gettext).
messages: venv
	DEBUG=1 $(BIN)/python manage.py makemessages -l de -l zh_Hans --no-wrap --no-location \
		--ignore=.venv --ignore=tests --ignore=bench --ignore=var
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# A year of results preloaded (generated in SQL): ingest and POST-to-outage latency next to an
# empty table, then the oldest month dropped. 50 M rows need ~12 GB and tens of minutes.
SCALE_PRELOAD ?= 50000000

bench-scale: venv
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/scale.py --preload $(SCALE_PRELOAD)

clean:
	rm -rf var/continuity.sqlite3* var/reports var/mail var/broker var/celerybeat-schedule* var/provider-*
