# mogami-vision: two commands on a fresh machine.
#   make run    set up everything and serve on http://127.0.0.1:8000/ (PORT=8123 for another port)
#   make test   set up what the tests need and run them on SQLite and on a throwaway PostgreSQL
# and one for production mode on this machine:
#   make serve  gunicorn, DEBUG off, hashed and compressed static files (PORT=… as above)
# and the benchmark (not part of make test; needs wrk: apt-get install wrk):
#   make bench  the public pages under load at 1× and 100× data → bench/RESULTS.md

PORT ?= 8000
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint security setup demo-data serve bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip setuptools
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

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

# Serves the synthetic 1× and 100× databases through `make serve` on loopback ports,
# measures with wrk, stops what it started (bench/run.py). About 10 minutes.
bench: setup .make/secret_key
	$(PY) -m bench.run

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# bandit on the code that is deployed, pip-audit on the installed packages
# (accepted findings and the pip-audit network need: deploy/SECURITY.md).
security: setup
	.ci/audit

# The test that restarts PostgreSQL runs only in the PostgreSQL pass.
test-sqlite: setup
	$(VENV)/bin/pytest -m "not postgres"

test-postgres: setup
	tests/with_postgres.sh $(VENV)/bin/pytest -m "not browser"

test: lint security test-sqlite test-postgres

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .make
