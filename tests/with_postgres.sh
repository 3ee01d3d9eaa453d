#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster, then remove the cluster.
#
#   tests/with_postgres.sh .venv/bin/pytest
#
# Uses the installed server binaries (initdb, pg_ctl). The cluster lives in a
# temporary folder, listens only on a Unix socket there (no TCP port), and is
# stopped and deleted when the command ends, whether it passed or not.
# initdb refuses to run as root: as root the cluster runs as the `postgres` user.
set -euo pipefail

# Debian keeps the server binaries out of PATH (package postgresql).
if ! command -v initdb >/dev/null; then
  for bindir in /usr/lib/postgresql/*/bin; do
    [ -x "$bindir/initdb" ] && PATH="$bindir:$PATH"
  done
fi

for bin in initdb pg_ctl; do
  command -v "$bin" >/dev/null || { echo "with_postgres: $bin not found on PATH (install the PostgreSQL server)" >&2; exit 2; }
done

dir=$(mktemp -d /tmp/mogami-pg.XXXXXX)
as_db_user=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres: "$dir"
  as_db_user=(runuser -u postgres --)
fi

cleanup() {
  "${as_db_user[@]}" pg_ctl -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

"${as_db_user[@]}" initdb -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# In the configuration file rather than on the command line, so that a test may
# stop and start the server again with a plain `pg_ctl start`.
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
full_page_writes = off
CONF
"${as_db_user[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@${dir//\//%2F}/mogami"
# For tests that restart the server (tests/deploy/test_database_restart.py):
# its data folder, its log and the user that runs pg_ctl (empty: the current user).
export MOGAMI_PGDATA="$dir/data"
export MOGAMI_PGLOG="$dir/server.log"
export MOGAMI_PGUSER="${as_db_user:+postgres}"
echo "with_postgres: $(postgres --version) on socket $dir"
"$@"
