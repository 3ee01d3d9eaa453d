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
"${as_db_user[@]}" pg_ctl -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c full_page_writes=off" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@${dir//\//%2F}/mogami"
echo "with_postgres: $(postgres --version) on socket $dir"
"$@"
