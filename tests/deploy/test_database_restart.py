"""The app survives a PostgreSQL restart without being restarted itself.

Runs in the PostgreSQL pass (tests/with_postgres.sh, which exports the cluster's
data folder as MOGAMI_PGDATA). gunicorn serves with one worker, so the request
after the restart reuses the very worker whose database connection the restart
cut: the health check (or the pool's check) must notice and reconnect.
"""

import os
import subprocess

import pytest
from django.db import connections

from tests.deploy.servers import (
    fresh_postgres_database,
    gunicorn,
    manage_ok,
    on_postgres,
    prepare_database,
    production_env,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]  # gunicorn, and PostgreSQL restarted

PAGE = "/opendata/municipalities.json"
HTTPS = {"X-Forwarded-Proto": "https"}


def pg_ctl(*args):
    data = os.environ.get("MOGAMI_PGDATA")
    if not data:
        pytest.fail("MOGAMI_PGDATA is not set: run under tests/with_postgres.sh")
    user = os.environ.get("MOGAMI_PGUSER")
    command = [*(["runuser", "-u", user, "--"] if user else []), "pg_ctl", "-D", data, "-w", *args]
    if args[0] in {"start", "restart"}:
        # The server's output goes to its log: a pipe kept open by it would never end.
        command += ["-l", os.environ["MOGAMI_PGLOG"]]
    subprocess.run(  # noqa: S603
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
    )


@pytest.fixture
def served(tmp_path, request):
    """gunicorn (one worker) in production mode on a fresh PostgreSQL database."""
    if not on_postgres():
        pytest.skip("needs PostgreSQL: tests/with_postgres.sh .venv/bin/pytest -m postgres")
    with fresh_postgres_database("mogami_restart") as url:
        prepare_database(url, demo_accounts=False)
        static = tmp_path / "static"
        # The page cache would answer from memory while the database is down: these
        # tests are about the database connection, so every request must reach it.
        env = production_env(url, static, PUBLIC_PAGE_CACHE="false", **request.param)
        manage_ok("collectstatic", "--noinput", env=env)
        with gunicorn(env, tmp_path / "gunicorn.log", workers=1) as server:
            yield server
        # The restart also cut this test process's own connections.
        connections.close_all()


MODES = [
    pytest.param({"DB_CONN_MAX_AGE": "600"}, id="persistent-connection"),
    pytest.param({"DB_POOL": "true"}, id="psycopg-pool"),
]


@pytest.mark.parametrize("served", MODES, indirect=True)
def test_the_next_request_after_a_database_restart_is_served(served):
    assert served.get(PAGE, HTTPS)[0] == 200, served.log_text()
    pg_ctl("restart", "-m", "fast")
    status, _, body = served.get(PAGE, HTTPS)
    assert status == 200, served.log_text()
    assert "金山町" in body.decode()


@pytest.mark.parametrize("served", MODES, indirect=True)
def test_while_the_database_is_down_it_answers_500_and_recovers_by_itself(served):
    assert served.get(PAGE, HTTPS)[0] == 200
    pg_ctl("stop", "-m", "fast")
    try:
        down = served.get(PAGE, HTTPS)[0]
    finally:
        pg_ctl("start")
    assert down == 500
    assert served.get(PAGE, HTTPS)[0] == 200
    assert served.process.poll() is None  # the same gunicorn, never restarted
