"""The public page cache: whole public pages, invalidated by a "public data version".

Residents all read the same pages, and those pages change only when somebody
changes the data (an approval, an import, an edit in the admin, a new plan).
So a public GET is answered from the cache when possible, before the session,
CSRF and authentication middleware run, and the rendered page is stored after
the first request.

Every key contains the current *public data version*, a token kept in a cache
that every process of the installation shares (``PUBLIC_CACHE_VERSION_ALIAS``:
Redis or Memcached when several servers serve the site, a cache directory
shared by the gunicorn workers of one machine otherwise). Any change to a model
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

Only pages listed in ``PUBLIC_VIEWS`` are stored, only as answers to a GET with
status 200 that set no cookie, did not touch the session (no ``Vary: Cookie``)
and did not ask not to be cached. Admin, returns and language-switch URLs are
never even looked up. A query string is accepted only for the KPI list's
filters, sort and downloads.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.checks import Tags, Warning, register
from django.core.exceptions import DisallowedHost
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import cc_delim_re
from simple_history.models import HistoricalChanges

log = logging.getLogger(__name__)

VERSION_KEY = "public-data-version"
PUBLIC_DATA_APPS = ("municipalities", "vision", "programs", "kpis")

# URL names whose pages are the same for everybody and change only with the data.
PUBLIC_VIEWS = frozenset(
    {
        "public:home",
        "public:plan",
        "public:agreement",
        "public:statistics",
        "public:progress_rules",
        "public:accessibility",
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
    }
)
# Not stored: the PDFs (public:reports:pdf, public:document:pdf). At 0.5–0.7 MB each,
# ten times a page, they would fill the per-worker page memory (MAX_ENTRIES counts
# entries, not bytes) once per language, and in a shared Memcached they come close to
# its 1 MB item limit. They are cheap without it: a published report's PDF is one
# stored file read from the database, and the document's PDF is kept by its content
# in the shared cache (core.pdf.cached_pdf).

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
HEADER = "X-Public-Cache"


# --- the version -------------------------------------------------------------------------


def _version_cache():
    return caches[settings.PUBLIC_CACHE_VERSION_ALIAS]


def _page_cache():
    return caches[settings.PUBLIC_CACHE_PAGES_ALIAS]


def _new_token() -> str:
    return f"{time.time_ns():x}-{secrets.token_hex(6)}"


def public_version() -> str:
    """The current public data version (created if the shared cache has none)."""
    cache = _version_cache()
    token = cache.get(VERSION_KEY)
    if token is None:
        candidate = _new_token()
        token = candidate if cache.add(VERSION_KEY, candidate, None) else cache.get(VERSION_KEY)
        if token is None:
            raise RuntimeError("the shared cache keeps no public data version")
    return token


def bump_public_version() -> None:
    """Make every cached public page obsolete, on every worker and server.

    Call it after the change is committed (``transaction.on_commit``), or use
    ``bump_public_version_on_commit()``: replacing the token before the commit
    would let a request render the old data and store it under the new token.
    """
    try:
        _version_cache().set(VERSION_KEY, _new_token(), None)
    except Exception:
        # The data is saved; only the cache could not be told. Pages expire after
        # PUBLIC_CACHE_SECONDS at the latest. Loud, because it needs a person.
        log.exception(
            "公開ページのキャッシュを無効にできませんでした（共有キャッシュに接続できません）"
        )


class _Commit:
    """The writes of one transaction; they replace the version once between them."""

    bumped = False


class _BumpAfterCommit:
    """The on-commit callback of one write."""

    def __init__(self, commit: _Commit):
        self.commit = commit

    def __call__(self) -> None:
        if not self.commit.bumped:
            self.commit.bumped = True
            bump_public_version()


def bump_public_version_on_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump when the current transaction commits (at once outside a transaction).

    Every write registers a callback (so that rolling back a savepoint leaves the
    others in place), and the callbacks of one transaction share one bump.
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


def _changed(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    bump_public_version_on_commit(using)


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
            key = f"{key}:{public_version()}"
            frozen = _page_cache().get(key)
        except Exception:
            log.exception("公開ページのキャッシュを読めません。キャッシュなしで表示します。")
            return self.get_response(request)
        if frozen is not None:
            return _thawed(frozen)
        response = self.get_response(request)
        if _storable(request, response):
            try:
                _page_cache().set(key, _frozen(response), settings.PUBLIC_CACHE_SECONDS)
            except Exception:
                log.exception("公開ページをキャッシュに保存できません。")
            else:
                response[HEADER] = MISS
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
                    "the others. Set REDIS_URL, MEMCACHED_LOCATION or CACHE_DIR "
                    "(deploy/README.md, 'Caching')."
                ),
                id="vision.W001",
            )
        ]
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
