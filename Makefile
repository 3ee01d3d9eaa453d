# mogami-vision: two commands on a fresh machine.
#   make run    set up everything and serve on http://127.0.0.1:8000/ (PORT=8123 for another port)
#   make test   set up what the tests need and run them on SQLite and on a throwaway PostgreSQL
# and one for production mode on this machine:
#   make serve  gunicorn, DEBUG off, hashed and compressed static files (PORT=… as above)
# and the benchmark (not part of make test; needs wrk: apt-get install wrk):
#   make bench  the public pages under load at 1× and 130× data (SQLite and PostgreSQL) → bench/RESULTS.md
# Installs come from requirements.lock (every package pinned, with its hashes);
# pyproject.toml keeps the ranges. After changing a range, or to take newer releases:
#   make lock   resolve pyproject.toml (all extras) again with pip-tools → requirements.lock

PORT ?= 8000
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# pip-tools lives in a venv of its own, so .venv holds exactly what the lock lists.
PIP_TOOLS := .make/pip-tools

.PHONY: run test test-sqlite test-postgres lint security setup checkers demo-data serve bench lock mutation clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The lock pins every package, pip and setuptools included (a new venv's setuptools is
# old enough for pip-audit to flag it). The project itself goes in editable, without
# dependencies and built with the locked setuptools, so nothing comes in unpinned.
$(STAMP): $(LOCK) pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# The third-party checkers the tests run (tests/standards): axe-core and the Nu HTML
# Checker (vnu-jar, run with the system's Java), exact versions from package-lock.json.
# --ignore-scripts: vnu-jar's install script would fetch a Java runtime; Debian's is used.
CHECKERS := node_modules/.package-lock.json
$(CHECKERS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

checkers: $(CHECKERS)

$(PIP_TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(PIP_TOOLS)
	$(PIP_TOOLS)/bin/pip install --quiet pip-tools

# Locked: the dependencies, every extra (each is a set of development tools: test, …)
# and the build backend. No index URL is written: each machine's pip configuration applies.
lock: $(PIP_TOOLS)/bin/pip-compile
	$(PIP_TOOLS)/bin/pip-compile --quiet --upgrade --all-extras --all-build-deps \
		--strip-extras --generate-hashes --allow-unsafe --no-emit-index-url \
		--no-emit-find-links --output-file $(LOCK) pyproject.toml

demo-data: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_vision --if-missing
	$(PY) manage.py create_demo_accounts

run: demo-data
	@echo "→ http://127.0.0.1:$(PORT)/ （管理画面は /admin/、デモアカウントは README を参照）"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode on this machine. A variable already in the environment wins
# (DATABASE_URL=postgres://… serves from PostgreSQL); otherwise these local
# defaults apply, to this target only: a secret key generated once into
# .make/secret_key (ignored by git), ALLOWED_HOSTS=127.0.0.1,localhost, the
# SQLite file db.sqlite3, and no redirect to HTTPS, because gunicorn listens on
# plain HTTP on the loopback address. A real server keeps SECURE_SSL_REDIRECT on
# behind a reverse proxy that terminates HTTPS (deploy/README.md).
SERVE_ENV = DJANGO_ENV=production \
	SECRET_KEY="$${SECRET_KEY:-$$(cat .make/secret_key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-false}" \
	TRUSTED_PROXY_COUNT="$${TRUSTED_PROXY_COUNT:-0}"

.make/secret_key:
	@mkdir -p .make
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

serve: setup .make/secret_key
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py load_vision --if-missing
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "→ http://127.0.0.1:$(PORT)/ （本番モード・gunicorn。管理者は manage.py createsuperuser で作成）"
	$(SERVE_ENV) $(VENV)/bin/gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:$(PORT)

# Serves the synthetic 1× and 130× data (130 areas, about Japan's number of 定住自立圏)
# from SQLite and from a throwaway PostgreSQL cluster (bench/postgres.py; needs the
# PostgreSQL server binaries) through `make serve` on loopback ports, measures with wrk,
# stops what it started (bench/run.py). About 20 minutes on 2 cores. One database only:
# make bench BENCH_ARGS="--db sqlite" (or --db postgres).
bench: setup .make/secret_key
	$(PY) -m bench.run $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --cache-dir .make/import-linter
	$(PY) manage.py makemigrations --check --dry-run

# bandit on the code that is deployed, pip-audit on the installed packages
# (accepted findings and the pip-audit network need: deploy/SECURITY.md).
security: setup
	.ci/audit

# The test that restarts PostgreSQL runs only in the PostgreSQL pass.
test-sqlite: setup checkers
	$(VENV)/bin/pytest -m "not postgres"

test-postgres: setup checkers
	tests/with_postgres.sh $(VENV)/bin/pytest -m "not browser"

test: lint security test-sqlite test-postgres

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .make

# Mutation testing of the three rule modules with mutmut (the `mutation` extra, in the lock);
# not part of make test. municipalities/roles.py + returns/permissions.py, kpis/progress.py and
# core/japanese.py, each with the tests that exercise it (bench/mutation/run.py). About
# 12 minutes on 2 cores; fails when a group kills less than 90 % of its non-equivalent
# mutants. Report: bench/out/mutation/report.md; the survivors kept, and why:
# bench/mutation/survivors.toml. One group: make mutation MUTATION_GROUPS=progress
mutation: setup
	$(PY) -m bench.mutation.run $(MUTATION_GROUPS)
