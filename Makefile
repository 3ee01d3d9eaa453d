# mogami-vision: two commands on a fresh machine.
#   make run    set up everything and serve on http://127.0.0.1:8000/ (PORT=8123 for another port)
#   make test   set up what the tests need and run them on SQLite and on a throwaway PostgreSQL

PORT ?= 8000
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint setup demo-data serve clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo-data: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_vision
	$(PY) manage.py create_demo_accounts

run: demo-data
	@echo "→ http://127.0.0.1:$(PORT)/ （管理画面は /admin/、デモアカウントは README を参照）"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: setup
	$(VENV)/bin/pytest

test-postgres: setup
	tests/with_postgres.sh $(VENV)/bin/pytest -m "not browser"

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
