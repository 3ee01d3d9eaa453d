"""Production settings read from a realistic environment, each in a fresh process."""

import sys

import pytest

from tests.deploy.servers import ROOT, base_env, production_env

PG_URL = "postgres://mogami:secret@db.example.lg.jp:5432/mogami"


def run_python(code: str, env: dict):
    import subprocess

    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_a_production_environment(tmp_path):
    import subprocess

    env = production_env(PG_URL, tmp_path / "static")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_admin_is_served_at_admin_url(tmp_path):
    env = production_env(PG_URL, tmp_path, ADMIN_URL="kanri-7f3a/")
    result = run_python("from django.urls import reverse; print(reverse('admin:index'))", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/kanri-7f3a/"


@pytest.mark.parametrize("bad", ["/admin/", "admin", "ad min/", "../admin/"])
def test_a_malformed_admin_url_is_refused(tmp_path, bad):
    result = run_python("", production_env(PG_URL, tmp_path, ADMIN_URL=bad))
    assert result.returncode != 0
    assert "ADMIN_URL must be a relative path" in result.stderr


def test_the_upload_limit_comes_from_max_upload_mb(tmp_path):
    env = production_env(PG_URL, tmp_path, MAX_UPLOAD_MB="7")
    result = run_python("from django.conf import settings; print(settings.MAX_UPLOAD_BYTES)", env)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == 7 * 1024 * 1024


def test_db_pool_gives_a_health_checked_pool_without_persistent_connections(tmp_path):
    env = production_env(PG_URL, tmp_path, DB_POOL="true")
    result = run_python(
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'], 'pool' in db['OPTIONS'])",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "True", "True"]


def test_db_pool_on_sqlite_is_refused(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", DB_POOL="true")
    result = run_python("", env)
    assert result.returncode != 0
    assert "DB_POOL needs PostgreSQL" in result.stderr


def test_every_variable_in_env_example_is_read_by_the_settings_or_gunicorn():
    import re

    names = re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    readers = (ROOT / "config" / "settings.py").read_text() + (
        ROOT / "deploy" / "gunicorn.conf.py"
    ).read_text()
    assert names
    assert [n for n in names if f'"{n}"' not in readers] == []
