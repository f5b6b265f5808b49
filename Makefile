# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in e-mails and CSV exports point at the port `make run` serves on.
SITE_URL ?= http://127.0.0.1:$(PORT)
# The tests reach PostgreSQL through its Unix socket where it lets them in there (each query
# comes back sooner than over loopback TCP: the suite ran ~8 % faster), else on 127.0.0.1.
PG_SOCKET_URL := postgres://postgres@%2Fvar%2Frun%2Fpostgresql/oversight
ifeq ($(origin PG_URL),undefined)
PG_URL := $(shell command -v psql >/dev/null \
	&& psql "host=/var/run/postgresql user=postgres dbname=postgres" -tAc "SELECT 1" 2>/dev/null \
	| grep -qx 1 && echo '$(PG_SOCKET_URL)' || echo postgres://postgres@127.0.0.1:5432/oversight)
endif
REDIS_URL ?= redis://127.0.0.1:6379
# Tests run on PostgreSQL; the worker tests use their own Redis database number.
TEST_ENV := DATABASE_URL=$(PG_URL) TEST_REDIS_URL=$(REDIS_URL)/15 DJANGO_ALLOW_ASYNC_UNSAFE=true

.PHONY: run test install lint format services bench help

help:
	@echo "make run   install what is missing, load the demo and serve http://127.0.0.1:8000 (PORT=8310 for another port)"
	@echo "make test  install what is missing, start PostgreSQL and Redis, lint and run all tests"
	@echo "make bench national-size data, served by gunicorn, measured with wrk (see README)"

install:
	@scripts/bootstrap.sh

run: install
	SITE_URL=$(SITE_URL) $(PY) manage.py migrate --noinput
	SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C to stop). Mails are written to var/mail/."
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver --noreload 127.0.0.1:$(PORT)

services:
	@scripts/services.sh

# National-size data on PostgreSQL, gunicorn on loopback, wrk at concurrency 1 and 16.
# BENCH_ARGS="--size small" for a quick run, "--reuse" to keep the filled database.
bench:
	@scripts/bootstrap.sh --bench-deps
	@scripts/services.sh
	$(PY) scripts/bench.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test:
	@scripts/bootstrap.sh --system-test-deps
	@scripts/services.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='oversight'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U postgres oversight
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)
