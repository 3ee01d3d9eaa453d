#!/usr/bin/env bash
# The load run (bench/LOADRUN.md): a throwaway PostgreSQL cluster, gunicorn on 127.0.0.1,
# readers and the eight towns' officers, a database restart halfway. Arguments go to
# `python -m bench.loadrun` (--seconds, --readers, --rounds, --workers, --json FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec timeout --kill-after=30 1800 tests/with_postgres.sh .venv/bin/python -m bench.loadrun "$@"
