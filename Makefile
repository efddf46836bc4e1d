# Samtal: `make demo` runs the demo on SQLite; `make test` installs what the tests need and runs
# ruff, mypy and pytest on SQLite and PostgreSQL (with the browser tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The demo and the tests run with DEBUG on and the development secret; production sets its own.
DEV_ENV := DEBUG=true

.PHONY: demo test install install-dev lint typecheck test-sqlite test-postgres test-ops messages bench-import bench-rounds bench-plans bench-workenv bench load clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/base.txt requirements/dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $@ $(VENV)/.base

install: $(VENV)/.base

install-dev: $(VENV)/.dev node_modules/.installed
	./scripts/install-system-deps.sh test

node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

demo: install
	./scripts/install-system-deps.sh runtime
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo --base-url http://127.0.0.1:$(PORT)
	$(DEV_ENV) PY=$(PY) PORT=$(PORT) ./scripts/demo-run.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(DEV_ENV) $(VENV)/bin/mypy .

test-sqlite: install-dev
	$(DEV_ENV) DATABASE_URL=sqlite:///$(CURDIR)/.test.sqlite3 $(VENV)/bin/pytest

test-postgres: install-dev
	@url=$$(PY=$(PY) ./scripts/postgres-url.sh); \
	if [ -z "$$url" ]; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL is required under CI=true but none is reachable at 127.0.0.1:5432 (or DATABASE_URL)."; exit 1; fi; \
	  echo "No PostgreSQL reachable: skipping the PostgreSQL run (it is required under CI=true)."; \
	else \
	  echo "PostgreSQL suite on $$url"; \
	  $(DEV_ENV) DATABASE_URL=$$url $(VENV)/bin/pytest; \
	fi

test: lint typecheck test-sqlite test-postgres

# Two app instances, task worker and PostgreSQL faults (tests/ops, on request, a few minutes):
# gunicorn, db_worker and send_reminders as real processes on loopback, on the database
# samtal_ops (created and dropped) and a private cluster on port 55432. Needs PostgreSQL at
# 127.0.0.1:5432; a missing prerequisite fails the run.
OPS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/samtal_ops

test-ops: install-dev
	$(DEV_ENV) SAMTAL_OPS=1 DATABASE_URL=$(OPS_DATABASE_URL) $(VENV)/bin/pytest tests/ops -p no:cacheprovider

messages: install-dev
	$(DEV_ENV) $(PY) manage.py makemessages -l sv -l en --no-obsolete --add-location file \
	  --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=benchmarks
	$(PY) scripts/i18n_fill_en.py
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

bench-import: install-dev
	$(DEV_ENV) $(PY) benchmarks/import_people.py

bench-rounds: install-dev
	$(DEV_ENV) $(PY) benchmarks/rounds.py

bench-plans: install-dev
	$(DEV_ENV) $(PY) benchmarks/plans.py

bench-workenv: install-dev
	$(DEV_ENV) $(PY) benchmarks/workenv.py

# The key pages at 100 000 people and five years against their floors, on PostgreSQL (on
# request, about half an hour); writes docs/performance.md. BENCH_ARGS="--people 20000" etc.
bench: install-dev
	@url=$$(PY=$(PY) ./scripts/postgres-url.sh); \
	if [ -z "$$url" ]; then echo "make bench needs PostgreSQL at 127.0.0.1:5432 (or DATABASE_URL)."; exit 1; fi; \
	$(DEV_ENV) DATABASE_URL=$$url $(PY) benchmarks/bench.py $(BENCH_ARGS)

# The load test of the busy weeks (on request): gunicorn on PostgreSQL driven by locust, then
# every acknowledged write checked in the database. See benchmarks/README.md, "Load".
PEOPLE ?= 20000
USERS ?= 30
SPAWN_RATE ?= 2
RUN_TIME ?= 3m

$(VENV)/.load: requirements/load.txt $(VENV)/.dev
	$(PY) -m pip install --quiet -r requirements/load.txt
	touch $@

load: $(VENV)/.load
	$(DEV_ENV) $(PY) benchmarks/load/run.py --people $(PEOPLE) --users $(USERS) \
	  --spawn-rate $(SPAWN_RATE) --run-time $(RUN_TIME) $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules staticfiles .test.sqlite3
