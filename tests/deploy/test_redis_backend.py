"""core.cache.RedisCache and the public data version in this process, against a real Redis.

test_redis_cache.py runs the same through gunicorn; here each rule is looked at on
its own: what a stopped or paused Redis does to a read, a write, the version, a
page and a PDF, and how the version is replaced when Redis is back.
"""

import time

import pytest
from django.core.cache import caches
from redis.exceptions import RedisError

from core import cache, pdf
from tests.deploy.redis_server import RedisServer, cache_settings

pytestmark = pytest.mark.slow  # redis-server

PDF = b"%PDF-1.7 test"


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def state(monkeypatch):
    """This process's contact with the shared cache, fresh for the test (and its retry
    thread, if the test starts one, ended with it)."""
    fresh = cache.SharedCacheState()
    monkeypatch.setattr(cache, "shared", fresh)
    yield fresh
    monkeypatch.undo()  # a retry thread of `fresh` sees it is not the state any more
    deadline = time.monotonic() + 5 * cache.RETRY_SECONDS
    while fresh.retrying and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def in_redis(settings, redis_server, state):
    """The settings REDIS_URL gives: the version in Redis, pages in this process."""
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = cache_settings(redis_server.url)
    settings.PUBLIC_CACHE_VERSION_ALIAS = "default"
    settings.PUBLIC_CACHE_PAGES_ALIAS = "public_pages"
    return redis_server


@pytest.fixture
def pages_in_redis(in_redis, settings):
    """PUBLIC_CACHE_PAGES=shared: the pages in Redis too."""
    settings.PUBLIC_CACHE_PAGES_ALIAS = "default"
    return in_redis


# --- the backend -------------------------------------------------------------------------


def test_values_are_kept_in_redis(in_redis):
    caches["default"].set("greeting", "こんにちは")
    assert caches["default"].get("greeting") == "こんにちは"
    assert in_redis.keys("test:*greeting")


def test_with_redis_stopped_a_read_is_a_miss_and_a_write_is_dropped(in_redis):
    in_redis.stop()
    default = caches["default"]
    assert default.get("greeting", "none") == "none"
    assert default.add("greeting", 1) is False
    default.set("greeting", 1)
    default.delete("greeting")
    assert default.get_many(["a", "b"]) == {}


def test_the_strict_cache_raises(in_redis):
    in_redis.stop()
    with pytest.raises(RedisError):
        caches["default"].strict.get("greeting")


def test_with_redis_away_the_cache_is_not_asked_again_for_a_second(in_redis, state):
    in_redis.pause()
    started = time.monotonic()
    for _ in range(20):
        caches["default"].get("greeting")
    assert time.monotonic() - started < 1.5  # one socket timeout (0.5 s), not twenty
    assert state.lost


def test_the_document_pdf_is_made_with_redis_stopped(in_redis, monkeypatch):
    made = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: made.append(html) or PDF)
    in_redis.stop()
    assert pdf.cached_pdf("<p>計画</p>", key_prefix="doc") == PDF
    assert made == ["<p>計画</p>"]


def test_the_document_pdf_is_kept_in_redis(in_redis, monkeypatch):
    made = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: made.append(html) or PDF)
    pdf.cached_pdf("<p>計画</p>", key_prefix="doc")
    assert pdf.cached_pdf("<p>計画</p>", key_prefix="doc") == PDF
    assert len(made) == 1


# --- the version -------------------------------------------------------------------------


def test_the_version_is_kept_in_redis(in_redis):
    version = cache.public_version()
    assert cache.public_version() == version
    assert in_redis.keys(f"test:*{cache.VERSION_KEY}")


def test_with_redis_stopped_there_is_no_version(in_redis):
    in_redis.stop()
    with pytest.raises(cache.SharedCacheUnavailable):
        cache.public_version()


def test_a_bump_with_redis_stopped_does_not_fail(in_redis, caplog):
    in_redis.stop()
    cache.bump_public_version()
    assert "接続が戻りしだい置き換えます" in caplog.text


def test_a_process_that_lost_redis_replaces_the_version_before_it_reads_again(in_redis):
    before = cache.public_version()
    in_redis.cut()
    with pytest.raises(cache.SharedCacheUnavailable):
        cache.public_version()
    in_redis.reconnect()
    time.sleep(cache.RETRY_SECONDS)
    assert cache.public_version() != before


def test_a_missed_bump_is_made_when_redis_is_back_without_any_request(in_redis, state):
    before = cache.public_version()
    in_redis.cut()
    cache.bump_public_version()
    in_redis.reconnect()
    deadline = time.monotonic() + 3 * cache.RETRY_SECONDS + 1
    while state.lost:
        assert time.monotonic() < deadline, "the missed bump was never made"
        time.sleep(0.05)
    assert caches["default"].strict.get(cache.VERSION_KEY) != before


def test_redis_back_with_its_data_and_no_process_that_saw_it_keeps_the_version(in_redis, state):
    """The other side of the two tests above: nothing replaces a version for nothing."""
    before = cache.public_version()
    in_redis.cut()
    in_redis.reconnect()
    time.sleep(cache.RETRY_SECONDS)
    assert cache.public_version() == before


# --- pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_kept_in_redis_are_served_from_it(pages_in_redis, client):
    first = client.get("/plan/")
    second = client.get("/plan/")
    assert (first[cache.HEADER], second[cache.HEADER]) == (cache.MISS, cache.HIT)
    assert second.content == first.content
    assert pages_in_redis.keys("test:*public-page:*")


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", ["in_redis", "pages_in_redis"])
def test_with_redis_stopped_pages_come_from_the_database(fixture, request, client):
    server = request.getfixturevalue(fixture)
    client.get("/plan/")
    server.stop()
    response = client.get("/plan/")
    assert response.status_code == 200
    assert response[cache.HEADER] == cache.UNAVAILABLE
    assert "成果指標は設定しない事業です" in response.content.decode()
