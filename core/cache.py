"""The public page cache: whole public pages, invalidated by a "public data version".

Residents all read the same pages, and those pages change only when somebody
changes the data (an approval, an import, an edit in the admin, a new plan).
So a public GET is answered from the cache when possible, before the session,
CSRF and authentication middleware run, and the rendered page is stored after
the first request.

Every key contains the current *public data version*, a token kept in a cache
that every process of the installation shares (``PUBLIC_CACHE_VERSION_ALIAS``:
Redis when several servers serve the site, a cache directory shared by the
gunicorn workers of one machine otherwise). Any change to a model
of the municipalities, vision, programs or kpis apps replaces the token after
its transaction commits (``bump_public_version``), so every page cached before
is never served again, by any worker on any server. Pages themselves may live
in a per-process cache (``PUBLIC_CACHE_PAGES_ALIAS``): a stale copy there is
unreachable once the token has changed.

Why a fresh random token and not an increment: an increment is not atomic on
the file cache, and a lost or reset increment could bring an old key back to
life; a token that has never existed before cannot. The token is replaced only
after the commit, so no request can render the old data and store it under the
new token.

Writes that bypass model signals (``QuerySet.update()``, ``bulk_create()``, raw
SQL) must call ``bump_public_version()`` themselves.

The cache is an optimisation, never a dependency: when the shared cache cannot
be reached, every page is rendered from the database, and no page stored before
an unrecorded change is served when it is back ("The shared cache away" below).

Only pages listed in ``PUBLIC_VIEWS`` are stored, only as answers to a GET with
status 200 that set no cookie, did not touch the session (no ``Vary: Cookie``)
and did not ask not to be cached. Admin, returns and language-switch URLs are
never even looked up. A query string is accepted only for the KPI list's
filters, sort and downloads.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import secrets
import threading
import time
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.checks import Tags, Warning, register
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import cc_delim_re
from django.utils.functional import cached_property
from redis.exceptions import RedisError
from simple_history.models import HistoricalChanges

from core.addresses import named_area

log = logging.getLogger(__name__)

VERSION_KEY = "public-data-version"
PUBLIC_DATA_APPS = ("municipalities", "vision", "programs", "kpis", "evaluations")

# URL names whose pages are the same for everybody and change only with the data.
PUBLIC_VIEWS = frozenset(
    {
        "public:home",
        "public:plan",
        "public:agreement",
        "public:statistics",
        "public:progress_rules",
        "public:accessibility",
        "public:areas",  # every area side by side: renewed by a change in any area
        "public:indicators",  # the shared catalogue and its comparisons, likewise
        "public:indicator",
        "public:programs:detail",
        "public:kpis:list",
        "public:municipalities:index",
        "public:municipalities:detail",
        "opendata:index",
        "opendata:json",
        "opendata:csv",
        "opendata:file_json",
        "opendata:file_csv",
        "opendata:datapackage",
        "opendata:catalog",
        "opendata:combined_csv",  # every area's rows: renewed by a change in any area
        "opendata:combined_json",
        # The yearly cycle: published reports (files stored when published), the vision
        # document and plan revisions: PublishedReport, ReportingYear, PlanRevision and
        # the plan itself, all in PUBLIC_DATA_APPS, so every save bumps the version.
        "public:reports:index",
        "public:reports:year",
        "public:reports:xlsx",
        "public:document:page",
        "public:revisions:index",
        "public:revisions:detail",
        "public:revisions:compare",  # the default comparison; with ?a=…&b=… never stored
        # The yearly evaluation (evaluations is in PUBLIC_DATA_APPS): approving a sheet,
        # a town's 取組状況 or a meeting renews them. Evidence downloads are never stored.
        "public:evaluations:index",
        "public:evaluations:year",
        "public:evaluations:program",
    }
)
# Not stored: the PDFs (public:reports:pdf, public:document:pdf). At 0.5–0.7 MB each,
# ten times a page, they would fill the per-worker page memory (MAX_ENTRIES counts
# entries, not bytes) once per language, and in a shared Redis they would cost a
# transfer of that size per request. They are cheap without it: a published report's
# PDF is one stored file read from the database, and the document's PDF is kept by its
# content in the shared cache (core.pdf.cached_pdf).

# The one page that takes a query string: the KPI list (filters, sort, download).
QUERY_VIEW = "public:kpis:list"
QUERY_PARAMETERS = {
    "field": re.compile(r"\d{0,6}"),
    "town": re.compile(r"\d{0,6}"),
    "grade": re.compile(r"[a-z_]{0,20}"),
    "sort": re.compile(r"-?[a-z_]{0,30}"),
    "_export": re.compile(r"csv|xlsx"),
}
HIT, MISS = "hit", "miss"
UNAVAILABLE = "unavailable"  # the shared cache is away: rendered from the database
HEADER = "X-Public-Cache"


# --- the shared cache away ---------------------------------------------------------------
#
# Redis (or the cache folder) may be stopped, restarted, paused or cut off by the network.
# Pages are then rendered from the database as if there were no cache: nothing that reads
# the cache fails, and an approval still succeeds (its bump is retried, below).
#
# The danger is afterwards: a change committed while its bump could not be written. If the
# shared cache comes back *with its data* (a paused server, a network cut, a Redis that
# saves to disk and restarts), the old token is valid again, and so is every page stored
# under it, in Redis or in a worker's memory: those pages predate the change. So, per
# process:
#
# 1. A process that has failed to reach the shared cache trusts no token until it has
#    replaced the token itself. The first request that gets through again bumps before it
#    reads: whatever change was missed while this process could not see the cache, by it
#    or by anybody, is covered. Every process that noticed the outage bumps once.
# 2. A process whose own bump failed retries it every RETRY_SECONDS in a background thread
#    until it succeeds, so the change reaches the shared cache within RETRY_SECONDS of its
#    return even when this process gets no further request, and processes that never
#    noticed the outage stop serving the old pages then.
# 3. While the cache is away a process tries it at most every RETRY_SECONDS, so a paused
#    server costs one socket timeout per process and second, not one per request.
#
# What remains: a process whose bump failed and which ended before the cache came back
# (a manage.py command; a worker replaced) cannot retry. Its error message asks for
# `manage.py bump_public_cache`; the other processes that noticed the outage bump anyway
# (1.), and a Redis without persistence (deploy/README.md) comes back empty, with no old
# token at all. PUBLIC_CACHE_SECONDS bounds a page's life in every case.

RETRY_SECONDS = 1.0


class SharedCacheUnavailable(Exception):
    """The shared cache cannot be used now: render from the database."""


class SharedCacheState:
    """This process's contact with the shared cache (the module keeps one: ``shared``).

    ``failures`` counts failed calls; a version replaced successfully ends an outage
    only if no call failed after it began, so a failure that races with a reconnect is
    never forgotten.
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.lost = False  # a call failed since this process last replaced the version
        self.failures = 0
        self.retry_at = 0.0
        self.retrying = False  # a thread retries a missed bump

    def failed(self, exc: Exception) -> None:
        with self.lock:
            first = not self.lost
            self.lost = True
            self.failures += 1
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            log.warning(
                "共有キャッシュに接続できません（%s）。公開ページはデータベースから表示します。",
                exc,
            )

    def waiting(self) -> bool:
        """True while the cache is away and not yet due for another try."""
        return self.lost and time.monotonic() < self.retry_at

    def replace_version(self) -> bool:
        """Write a fresh token; True if it was written (and then an outage is over)."""
        with self.lock:
            seen = self.failures
        try:
            _version_cache().set(VERSION_KEY, _new_token(), None)
        except Exception as exc:
            self.failed(exc)
            return False
        with self.lock:
            recovered = self.lost and self.failures == seen
            if recovered:
                self.lost = False
        if recovered:
            log.warning("共有キャッシュに再接続しました。公開データの版を置き換えました。")
        return True

    def usable(self) -> bool:
        """May this process read the shared cache now? (1. and 3. above)"""
        if not self.lost:
            return True
        if self.waiting():
            return False
        return self.replace_version()

    def retry_in_background(self) -> None:
        """Retry a missed bump until it is written (2. above)."""
        with self.lock:
            if self.retrying:
                return
            self.retrying = True
        threading.Thread(target=self._retry, name="public-cache-bump", daemon=True).start()

    def _retry(self) -> None:
        while shared is self:  # tests replace the state; a thread of an old one ends
            time.sleep(RETRY_SECONDS)
            if shared is self and self.replace_version():
                with self.lock:
                    if not self.lost:
                        self.retrying = False
                        return


shared = SharedCacheState()


class RedisCache(DjangoRedisCache):
    """Django's RedisCache, for which an unreachable Redis is a cache miss, not an error.

    Every reader of ``django.core.cache`` (the PDFs of core.pdf, anything added later)
    then works without Redis; a write is dropped. The public data version needs to know
    when Redis fails, so it reads and writes through ``strict``, which raises.
    """

    raises = False

    @cached_property
    def strict(self) -> DjangoRedisCache:
        """The same cache, raising Redis's errors."""
        strict = copy.copy(self)
        strict.raises = True
        return strict

    def _quietly(self, default, method, *args, **kwargs):
        if self.raises:
            return method(*args, **kwargs)
        if shared.waiting():
            return default
        try:
            return method(*args, **kwargs)
        except RedisError as exc:
            shared.failed(exc)
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._quietly(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._quietly(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._quietly({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._quietly(False, super().has_key, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._quietly(None, super().delete_many, keys, version)

    def clear(self):
        return self._quietly(None, super().clear)


# --- the version -------------------------------------------------------------------------


def _strict(cache):
    return getattr(cache, "strict", cache)


def _version_cache():
    return _strict(caches[settings.PUBLIC_CACHE_VERSION_ALIAS])


def _page_cache():
    return _strict(caches[settings.PUBLIC_CACHE_PAGES_ALIAS])


def _new_token() -> str:
    return f"{time.time_ns():x}-{secrets.token_hex(6)}"


def public_version() -> str:
    """The current public data version (created if the shared cache has none).

    Raises ``SharedCacheUnavailable`` when the shared cache cannot be reached, or when
    this process lost it and could not yet replace the version (see above).
    """
    if not shared.usable():
        raise SharedCacheUnavailable
    cache = _version_cache()
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            candidate = _new_token()
            token = candidate if cache.add(VERSION_KEY, candidate, None) else cache.get(VERSION_KEY)
    except Exception as exc:
        shared.failed(exc)
        raise SharedCacheUnavailable from exc
    if token is None:
        raise RuntimeError("the shared cache keeps no public data version")
    return token


def area_version_key(slug: str) -> str:
    """The key of one area's version ("" : the pages that name no area, /areas/ included)."""
    return f"{VERSION_KEY}:area:{slug}"


def page_versions(slug: str) -> str:
    """The versions a page of area ``slug`` is stored under: the whole site's and its area's.

    One round trip to the shared cache; a version it does not have yet is created. Raises
    ``SharedCacheUnavailable`` as ``public_version`` does.
    """
    if not shared.usable():
        raise SharedCacheUnavailable
    cache = _version_cache()
    keys = [VERSION_KEY, area_version_key(slug)]
    try:
        found = cache.get_many(keys)
        for key in keys:
            if found.get(key) is None:
                candidate = _new_token()
                found[key] = candidate if cache.add(key, candidate, None) else cache.get(key)
    except Exception as exc:
        shared.failed(exc)
        raise SharedCacheUnavailable from exc
    if any(found.get(key) is None for key in keys):
        raise RuntimeError("the shared cache keeps no public data version")
    return ":".join(found[key] for key in keys)


def bump_area_versions(slugs) -> None:
    """Renew the pages of these areas only (and those that name no area: /, /areas/, …).

    The other areas' pages stay cached. Falls back to ``bump_public_version`` (every
    page) when the shared cache cannot be written: the retry of a missed bump renews all.
    """
    if not shared.usable():
        bump_public_version()
        return
    tokens = {area_version_key(slug): _new_token() for slug in {*slugs, ""}}
    try:
        _version_cache().set_many(tokens, None)
    except Exception as exc:
        shared.failed(exc)
        bump_public_version()


def bump_public_version() -> None:
    """Make every cached public page obsolete, on every worker and server.

    Call it after the change is committed (``transaction.on_commit``), or use
    ``bump_public_version_on_commit()``: replacing the token before the commit
    would let a request render the old data and store it under the new token.
    Never raises: the data is saved whatever happens to the cache.
    """
    if shared.replace_version():
        return
    # Loud, because the change is not on the public pages of processes that still read
    # the old token once the shared cache is back, until the retry below gets through.
    log.error(
        "公開ページのキャッシュの版を置き換えられませんでした（共有キャッシュに接続できません）。"
        "接続が戻りしだい置き換えます。このプロセスがそれより先に終わる場合は、"
        "復旧後に manage.py bump_public_cache を実行してください。"
    )
    shared.retry_in_background()


# Which areas a write concerns: set by the vision app (vision.areas.areas_of). It
# answers a set of area slugs, or None when the write may show in any area (a
# municipality, a grade level, anything it cannot place): then every page is renewed.
area_resolver = None


class _Commit:
    """The writes of one transaction; they replace the version once between them.

    ``areas``: the slugs of the areas the writes concern; None once a write concerns
    the whole site. ``memo``: the resolver's answers within the transaction.
    """

    def __init__(self):
        self.bumped = False
        self.areas: set[str] | None = set()
        self.memo: dict = {}

    def add(self, instance) -> None:
        if self.areas is None:
            return
        slugs = None
        if instance is not None and area_resolver is not None:
            slugs = area_resolver(instance, self.memo)
        if slugs is None:
            self.areas = None
        else:
            self.areas |= slugs


class _BumpAfterCommit:
    """The on-commit callback of one write."""

    def __init__(self, commit: _Commit):
        self.commit = commit

    def __call__(self) -> None:
        if not self.commit.bumped:
            self.commit.bumped = True
            if self.commit.areas:
                bump_area_versions(self.commit.areas)
            else:  # None: the whole site; an empty set: nothing placed, so all as well
                bump_public_version()


def bump_public_version_on_commit(using: str = DEFAULT_DB_ALIAS, instance=None) -> None:
    """Bump when the current transaction commits (at once outside a transaction).

    Every write registers a callback (so that rolling back a savepoint leaves the
    others in place), and the callbacks of one transaction share one bump. With
    ``instance`` (the signals below), the bump renews only the areas the writes of the
    transaction concern, when every one of them can be placed in an area.
    """
    connection = transaction.get_connection(using)
    commit = None
    if connection.in_atomic_block:
        commit = next(
            (
                func.commit
                for _sids, func, _robust in reversed(connection.run_on_commit)
                if isinstance(func, _BumpAfterCommit)
            ),
            None,
        )
    if commit is None or commit.bumped:
        commit = _Commit()
    commit.add(instance)
    transaction.on_commit(_BumpAfterCommit(commit), using=using, robust=True)


# --- signals -----------------------------------------------------------------------------


def _is_historical(model) -> bool:
    return issubclass(model, HistoricalChanges)


def public_data_models() -> list:
    """Every model whose rows can show on a public page (history tables excluded)."""
    return [
        model
        for label in PUBLIC_DATA_APPS
        for model in apps.get_app_config(label).get_models()
        if not _is_historical(model)
    ]


def _changed(sender, instance=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    bump_public_version_on_commit(using, instance)


def _m2m_changed(sender, instance, action, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear") and (
        instance._meta.app_label in PUBLIC_DATA_APPS
    ):
        bump_public_version_on_commit(using)


def _migrated(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    # A deployment runs migrate: pages rendered by the previous code are dropped too.
    bump_public_version()


def connect_signals(app_config) -> None:
    for model in public_data_models():
        post_save.connect(_changed, sender=model, dispatch_uid=f"public-cache-save-{model._meta}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"public-cache-delete-{model._meta}"
        )
    m2m_changed.connect(_m2m_changed, dispatch_uid="public-cache-m2m")
    post_migrate.connect(_migrated, sender=app_config, dispatch_uid="public-cache-migrate")


# --- the middleware ----------------------------------------------------------------------


def _excluded_prefixes() -> tuple[str, ...]:
    return (
        "/" + settings.ADMIN_URL,
        "/returns/",
        "/i18n/",
        "/" + settings.STATIC_URL.lstrip("/"),
    )


def canonical_query(query_string: str) -> str | None:
    """The KPI list's parameters in a fixed order; None when anything else is asked."""
    if not query_string:
        return ""
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    seen = set()
    for name, value in pairs:
        pattern = QUERY_PARAMETERS.get(name)
        if pattern is None or name in seen or not pattern.fullmatch(value):
            return None
        seen.add(name)
    return urlencode(sorted(pairs))


def page_key(request) -> str | None:
    """The cache key of a public GET/HEAD without the version; None: never cached."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.path_info
    if path.startswith(_excluded_prefixes()):
        return None
    query = canonical_query(request.META.get("QUERY_STRING", ""))
    if query is None:
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the inner middleware answers 400
    language = translation.get_language_from_path(path) or settings.LANGUAGE_CODE
    raw = "\n".join([language, request.scheme, host, path, query])
    return "public-page:" + hashlib.sha256(raw.encode()).hexdigest()


def area_of_request(request) -> str:
    """The area the URL names ("" for none), read from the path and host alone."""
    try:
        host = request.get_host()
    except DisallowedHost:
        host = ""
    return named_area(request.path_info, host)[0]


def _storable(request, response) -> bool:
    match = getattr(request, "resolver_match", None)
    if request.method != "GET" or match is None or match.view_name not in PUBLIC_VIEWS:
        return False
    if request.META.get("QUERY_STRING") and match.view_name != QUERY_VIEW:
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Vary"):
        vary = {v.strip().lower() for v in cc_delim_re.split(response["Vary"])}
        if "cookie" in vary or "*" in vary:
            return False  # the page read the session: it may differ per user
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


def _frozen(response) -> tuple:
    return (response.status_code, list(response.items()), response.content)


def _thawed(frozen) -> HttpResponse:
    status, headers, content = frozen
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    response[HEADER] = HIT
    return response


class PublicPageCacheMiddleware:
    """Serve whole public pages from the cache (placed right after WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PUBLIC_PAGE_CACHE:
            return self.get_response(request)
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        try:
            key = f"{key}:{page_versions(area_of_request(request))}"
            frozen = _page_cache().get(key)
        except Exception as exc:
            if not isinstance(exc, SharedCacheUnavailable):
                shared.failed(exc)
            return _unavailable(self.get_response(request))
        if frozen is not None:
            return _thawed(frozen)
        response = self.get_response(request)
        if _storable(request, response):
            try:
                _page_cache().set(key, _frozen(response), settings.PUBLIC_CACHE_SECONDS)
            except Exception as exc:
                shared.failed(exc)
            else:
                response[HEADER] = MISS
        return response


def _unavailable(response):
    """A page rendered from the database because the shared cache is away (not stored)."""
    response[HEADER] = UNAVAILABLE
    return response


# --- system check --------------------------------------------------------------------------


@register(Tags.caches, deploy=True)
def check_shared_version(app_configs=None, **kwargs):
    """With several workers, the version must live in a cache they all share."""
    if not settings.PUBLIC_PAGE_CACHE:
        return []
    backend = settings.CACHES[settings.PUBLIC_CACHE_VERSION_ALIAS]["BACKEND"]
    if backend.endswith(("LocMemCache", "DummyCache")):
        return [
            Warning(
                "公開ページのキャッシュの版が、プロセスごとのキャッシュにあります。",
                hint=(
                    "With several gunicorn workers or servers an approval would not reach "
                    "the others. Set REDIS_URL or CACHE_DIR "
                    "(deploy/README.md, 'Caching')."
                ),
                id="vision.W001",
            )
        ]
    if backend == f"{__name__}.RedisCache":
        try:
            _version_cache().get(VERSION_KEY)
        except Exception as exc:
            # A warning, not an error: the site works without Redis (slower), and a
            # Redis started after the app is used as soon as it answers.
            return [
                Warning(
                    f"共有キャッシュ（Redis）に接続できません（{exc}）。",
                    hint="Pages are rendered from the database until it answers. Check "
                    "REDIS_URL and that Redis runs (deploy/README.md, 'Caching').",
                    id="vision.W003",
                )
            ]
        return []
    if backend.endswith("FileBasedCache"):
        try:
            cache = _version_cache()
            cache.get(VERSION_KEY)
            cache.add("public-cache-check", 1, 1)
        except Exception as exc:
            return [
                Warning(
                    f"公開ページのキャッシュのフォルダに書き込めません（{exc}）。",
                    hint="Set CACHE_DIR to a folder the service may write to, e.g. "
                    "/var/lib/mogami-vision/cache.",
                    id="vision.W002",
                )
            ]
    return []
