# Samtal: `make demo` runs the demo on SQLite; `make test` installs what the tests need and runs
# ruff, mypy and pytest on SQLite and PostgreSQL (with the browser tests).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The demo and the tests run with DEBUG on and the development secret; production sets its own.
DEV_ENV := DEBUG=true

.PHONY: demo test install install-dev lint typecheck test-sqlite test-postgres messages bench-import bench-rounds bench-plans bench-workenv clean

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

clean:
	rm -rf $(VENV) node_modules staticfiles .test.sqlite3
