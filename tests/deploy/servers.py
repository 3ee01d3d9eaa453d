"""Run the application the way it is deployed: manage.py and gunicorn in subprocesses.

Used by the deployment tests (headers through gunicorn, the browser CSP check,
a database restart, backup and restore into a fresh database, Redis, nginx).
"""

import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent

# Variables of the test process that must not leak into a deployed process.
_CONFIG = {
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "DB_POOL",
    "ADMIN_URL",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "REDIS_URL",
    "MEMCACHED_LOCATION",
    "CACHE_DIR",
    "CACHE_KEY_PREFIX",
    "PUBLIC_PAGE_CACHE",
    "PUBLIC_CACHE_PAGES",
}


def base_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CONFIG}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def production_env(database_url: str, static_root: Path, **extra) -> dict[str, str]:
    """A realistic production environment (behind a proxy that terminates HTTPS)."""
    return base_env(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost,vision.example.lg.jp",
        CSRF_TRUSTED_ORIGINS="https://vision.example.lg.jp",
        DATABASE_URL=database_url,
        STATIC_ROOT=static_root,
        **extra,
    )


def manage(*args, env, timeout=300) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result


def manage_ok(*args, env, timeout=300) -> str:
    result = manage(*args, env=env, timeout=timeout)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


# The accounts' password on a deployed test site: production refuses the demo password
# (core.security), so the demo accounts get this one, as a real installation's would.
SITE_PASSWORD = "deploy-tests-2026-not-the-demo"  # noqa: S105  # nosec B105


def prepare_database(database_url: str, *, demo_accounts: bool = True) -> None:
    """migrate + load_vision (+ the demo accounts, with SITE_PASSWORD), as `make run` does."""
    env = base_env(DATABASE_URL=database_url)
    manage_ok("migrate", "--noinput", env=env)
    manage_ok("load_vision", env=env)
    if demo_accounts:
        manage_ok("create_demo_accounts", env=env)
        manage_ok("shell", "-c", SET_SITE_PASSWORD, env=env)


SET_SITE_PASSWORD = f"""
from django.contrib.auth.models import User
for user in User.objects.all():
    user.set_password({SITE_PASSWORD!r})
    user.save()
"""


def require_program(name: str, package: str, *folders: str) -> str:
    """The path of a program the test needs: skipped without it, failed under CI=true
    (.ci/run installs it), where nothing may be skipped."""
    path = shutil.which(name) or next(
        (str(Path(f) / name) for f in folders if (Path(f) / name).is_file()), None
    )
    if path is None:
        message = f"{name} not found (apt-get install {package})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def copy_sqlite_database(database_url: str, path: Path) -> str:
    """A consistent copy of a SQLite database (servers may be using it); returns its URL."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as source:
        with sqlite3.connect(path) as copy:
            source.backup(copy)
    return f"sqlite:///{path}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- PostgreSQL: a fresh database in the cluster of tests/with_postgres.sh -----------


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _admin_connection():
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    )


@contextmanager
def fresh_postgres_database(prefix: str):
    """A new, empty database in the test cluster; dropped afterwards. Yields its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    host = quote(config["HOST"], safe="")
    user = config["USER"]
    port = f":{config['PORT']}" if config["PORT"] else ""
    try:
        yield f"postgres://{user}@{host}{port}/{name}"
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(tmp_path: Path, prefix: str):
    """A new empty database on the engine of this test run (SQLite file or PostgreSQL)."""
    if on_postgres():
        with fresh_postgres_database(prefix) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / (prefix + '.sqlite3')}"


# --- gunicorn --------------------------------------------------------------------


class Server:
    def __init__(self, process: subprocess.Popen, url: str, log: Path):
        self.process = process
        self.url = url
        self.log = log

    def get(self, path: str, headers: dict | None = None, timeout: float = 30):
        """(status, headers, body) of a GET; redirects are not followed."""
        return self._open(urllib.request.Request(self.url + path, headers=headers or {}), timeout)

    def post(self, path: str, data: bytes, headers: dict | None = None, timeout: float = 30):
        """(status, headers, body) of a form POST; redirects are not followed."""
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method="POST")
        return self._open(request, timeout)

    def _open(self, request, timeout):
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:  # noqa: S310 (loopback)
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextmanager
def gunicorn(env: dict[str, str], log: Path, *, workers: int = 2):
    """gunicorn with deploy/gunicorn.conf.py on a free loopback port, until the block ends."""
    port = free_port()
    with open(log, "w") as out:
        process = subprocess.Popen(  # noqa: S603
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_until_listening(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _wait_until_listening(server: Server, attempts: int = 150) -> None:
    for _ in range(attempts):
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.log_text()}")
        try:
            with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1])), 1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start listening:\n{server.log_text()}")
