"""Which cache the settings choose, from the environment (config/settings.py).

REDIS_URL is tried against a real redis-server (tests/deploy/redis_server.py);
tests/deploy/test_redis_cache.py runs two gunicorn servers on it."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core import cache
from tests.deploy.redis_server import RedisServer, cache_settings

ROOT = Path(__file__).resolve().parent.parent.parent
PROD = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "vision.example.jp",
    "DATABASE_URL": "postgres://u:p@db.example.jp/mogami",
}
CACHE_VARS = {
    "PUBLIC_PAGE_CACHE",
    "REDIS_URL",
    "MEMCACHED_LOCATION",
    "CACHE_DIR",
    "PUBLIC_CACHE_PAGES",
    "DEBUG",
}


SHOW_SETTINGS = (
    "from django.conf import settings as s; "
    "print(json.dumps([s.PUBLIC_PAGE_CACHE, s.CACHES['default'], "
    "s.PUBLIC_CACHE_VERSION_ALIAS, s.PUBLIC_CACHE_PAGES_ALIAS]))"
)


def load(env, code=SHOW_SETTINGS):
    """Run ``code`` in a new process with these settings (one process, one memory)."""
    clean = {k: v for k, v in os.environ.items() if k not in {*PROD, *CACHE_VARS}}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import json, django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def chosen(env):
    result = load(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.remove()


def test_development_caches_no_pages():
    on, default, *_ = chosen({})
    assert on is False
    assert default["BACKEND"].endswith("LocMemCache")


def test_production_keeps_the_version_in_a_folder_the_workers_share():
    on, default, version_alias, pages_alias = chosen(PROD)
    assert on is True
    assert default["BACKEND"].endswith("FileBasedCache")
    assert default["LOCATION"] == str(ROOT / ".make" / "cache")
    assert (version_alias, pages_alias) == ("default", "public_pages")


def test_cache_dir_chooses_the_folder():
    _on, default, *_ = chosen({**PROD, "CACHE_DIR": "/var/lib/mogami-vision/cache"})
    assert default["LOCATION"] == "/var/lib/mogami-vision/cache"


def test_redis_url_chooses_redis_with_short_timeouts():
    _on, default, *_ = chosen({**PROD, "REDIS_URL": "redis://cache.internal:6379/0"})
    assert default["BACKEND"] == "core.cache.RedisCache"
    assert default["LOCATION"] == "redis://cache.internal:6379/0"
    assert default["OPTIONS"] == {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def test_the_redis_tests_use_the_settings_of_redis_url():
    _on, default, *_ = chosen({**PROD, "REDIS_URL": "unix:///run/redis.sock"})
    expected = cache_settings("unix:///run/redis.sock")["default"]
    assert {**default, "KEY_PREFIX": "test"} == expected


@pytest.mark.slow
def test_with_redis_url_every_process_reads_the_version_from_redis(redis_server):
    env = {**PROD, "REDIS_URL": redis_server.url}
    code = "from core.cache import public_version; print(public_version())"
    first, second = (load(env, code) for _ in range(2))
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.split()[-1] == second.stdout.split()[-1]
    assert redis_server.keys(f"mogami:*{cache.VERSION_KEY}")


def test_memcached_is_refused():
    result = load({**PROD, "MEMCACHED_LOCATION": "10.0.0.5:11211"})
    assert result.returncode != 0
    assert "MEMCACHED_LOCATION is no longer supported: set REDIS_URL" in result.stderr


def test_shared_pages_go_to_the_shared_cache():
    *_, pages_alias = chosen({**PROD, "PUBLIC_CACHE_PAGES": "shared"})
    assert pages_alias == "default"


def test_an_unknown_page_store_is_refused():
    result = load({**PROD, "PUBLIC_CACHE_PAGES": "everywhere"})
    assert result.returncode != 0
    assert "PUBLIC_CACHE_PAGES must be local or shared" in result.stderr


def test_the_check_warns_when_the_version_lives_in_one_process(settings):
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_CACHE_VERSION_ALIAS = "default"
    assert [w.id for w in cache.check_shared_version()] == ["vision.W001"]


def test_the_check_warns_when_the_folder_is_not_writable(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }
    settings.PUBLIC_CACHE_VERSION_ALIAS = "default"
    assert [w.id for w in cache.check_shared_version()] == ["vision.W002"]


@pytest.mark.django_db
def test_bump_public_cache_replaces_the_version(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"}
    }
    before = cache.public_version()
    call_command("bump_public_cache", stdout=io.StringIO())
    assert cache.public_version() != before
