"""Which cache the settings choose, from the environment (config/settings.py)."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from core import cache

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


def load(env, pythonpath=None):
    clean = {k: v for k, v in os.environ.items() if k not in {*PROD, *CACHE_VARS}}
    if pythonpath:
        clean["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps([s.PUBLIC_PAGE_CACHE, s.CACHES['default'], "
            "s.PUBLIC_CACHE_VERSION_ALIAS, s.PUBLIC_CACHE_PAGES_ALIAS]))",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def chosen(env, pythonpath=None):
    result = load(env, pythonpath)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def stub(tmp_path, name) -> Path:
    """A stand-in client package: the settings only check that it is installed."""
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    return tmp_path


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


def test_redis_url_chooses_redis(tmp_path):
    _on, default, *_ = chosen(
        {**PROD, "REDIS_URL": "redis://cache.internal:6379/0"}, stub(tmp_path, "redis")
    )
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == "redis://cache.internal:6379/0"


def test_memcached_location_chooses_memcached(tmp_path):
    _on, default, *_ = chosen(
        {**PROD, "MEMCACHED_LOCATION": "10.0.0.5:11211,10.0.0.6:11211"},
        stub(tmp_path, "pymemcache"),
    )
    assert default["BACKEND"] == "django.core.cache.backends.memcached.PyMemcacheCache"
    assert default["LOCATION"] == ["10.0.0.5:11211", "10.0.0.6:11211"]


def test_shared_pages_go_to_the_shared_cache():
    *_, pages_alias = chosen({**PROD, "PUBLIC_CACHE_PAGES": "shared"})
    assert pages_alias == "default"


def test_redis_and_memcached_together_are_refused():
    result = load({**PROD, "REDIS_URL": "redis://a", "MEMCACHED_LOCATION": "b:11211"})
    assert result.returncode != 0
    assert "not both" in result.stderr


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
