#!/usr/bin/env bash
# The load run on the production stack (bench/LOADRUN.md): a throwaway PostgreSQL cluster,
# redis-server, two gunicorn servers behind nginx (deploy/nginx.conf, HTTPS); readers, the
# eight towns' officers and the secretariat; PostgreSQL restarted, Redis restarted and one
# gunicorn server killed along the way. Arguments go to `python -m bench.loadrun`
# (--seconds, --readers, --rounds, --workers, --pool, --grace, --redis-down,
# --gunicorn-down, --json FILE, --logs DIR; --help). At most 30 minutes in all.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec timeout --kill-after=30 1800 tests/with_postgres.sh .venv/bin/python -m bench.loadrun "$@"
