"""Settings for mogami-vision.

Development needs no environment at all (SQLite, DEBUG). Production
(DJANGO_ENV=production) refuses to start without SECRET_KEY, ALLOWED_HOSTS
and DATABASE_URL. Every variable is listed in .env.example; deploy/README.md
explains the deployment.
"""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envint, envlist, envstr, required

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = envstr("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

if PRODUCTION:
    SECRET_KEY = required("SECRET_KEY")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (see .env.example)")
    DATABASE_URL = required("DATABASE_URL")
    DEBUG = envbool("DEBUG", False)
else:
    SECRET_KEY = envstr("SECRET_KEY", "development-only-not-secret")  # noqa: S105
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    DEBUG = envbool("DEBUG", True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # /sitemap.xml (public/crawlers.py)
    "csp",
    "axes",
    "django_tables2",
    "import_export",
    "simple_history",
    "core",
    "municipalities",
    "vision",
    "programs",
    "kpis",
    "evaluations",
    "returns",
    "reports",
    "revisions",
    "public",
]

MIDDLEWARE = [
    # HEAD: the headers of a GET and no body; first, so that it sees every response.
    "core.security.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Whole public pages from the cache, before sessions, CSRF and authentication
    # run (core/cache.py). The headers set further in (CSP, …) are stored with them.
    "core.cache.PublicPageCacheMiddleware",
    # Which partnership area the request is about (/areas/<slug>/…, AREA_HOSTS): after the
    # cache (whose keys hold the whole path and host), before everything that reads the path.
    "vision.areas.AreaMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes turns a locked-out login into its response; it must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# PostgreSQL through psycopg 3 (or SQLite for a single machine). Connections are
# health-checked before reuse, so the app survives a database restart by itself.
# DB_POOL=true uses psycopg's connection pool instead of persistent connections
# (worth it with threaded workers); the pool checks each connection it hands out.
DB_POOL = envbool("DB_POOL", False)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0 if DB_POOL else envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = envint("DB_CONNECT_TIMEOUT", 5)
    if DB_POOL:
        # With CONN_HEALTH_CHECKS, Django gives the pool psycopg's check_connection.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": envint("DB_POOL_MIN_SIZE", 1),
            "max_size": envint("DB_POOL_MAX_SIZE", 4),
            "timeout": envint("DB_POOL_TIMEOUT", 10),
        }
elif DB_POOL:
    raise ImproperlyConfigured("DB_POOL needs PostgreSQL (DATABASE_URL=postgres://…)")
elif PRODUCTION and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers on one SQLite file: write-ahead log so readers never
    # wait for a writer, writers take the lock at BEGIN and wait for it up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ---------------------------------------------------------------------
# The public pages are cached whole (core/cache.py) under a "public data version"
# that every change to the data replaces. The version must live in a cache that
# every process serving the site shares: Redis (REDIS_URL) when several servers
# share one database, otherwise a folder the gunicorn workers of this machine share
# (CACHE_DIR). The pages themselves are kept in each worker's memory (an obsolete
# copy there is never reached again), or in Redis with PUBLIC_CACHE_PAGES=shared.
# Development caches no pages (PUBLIC_PAGE_CACHE=true turns it on), so template
# changes show at once. The cache is never a dependency: with Redis away, pages
# come from the database (core/cache.py, "The shared cache away").
# Partnership areas (vision/areas.py): each area at /areas/<slug>/; AREA_HOSTS maps a
# host name to an area served at the root of its own domain ("host=slug,host=slug");
# DEFAULT_AREA is the area served at / when several are installed (with one, / serves it).
AREA_HOSTS = envlist("AREA_HOSTS")
DEFAULT_AREA = envstr("DEFAULT_AREA")

PUBLIC_PAGE_CACHE = envbool("PUBLIC_PAGE_CACHE", PRODUCTION)
PUBLIC_CACHE_SECONDS = envint("PUBLIC_CACHE_SECONDS", 600)  # a safety net only
REDIS_URL = envstr("REDIS_URL")
CACHE_DIR = envstr("CACHE_DIR")
if envstr("MEMCACHED_LOCATION"):
    # Refused rather than ignored: ignored, every server would keep its own version
    # and an approval would not reach the pages of the others.
    raise ImproperlyConfigured(
        "MEMCACHED_LOCATION is no longer supported: set REDIS_URL (deploy/README.md, caching)"
    )
if REDIS_URL:
    SHARED_CACHE = {
        # Django's RedisCache, for which Redis being away is a miss, not an error.
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": REDIS_URL,
        # Redis answers in well under a millisecond: a stopped one is refused at once,
        # a paused or unreachable one is given up after half a second.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
elif CACHE_DIR or PRODUCTION:
    SHARED_CACHE = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR or str(BASE_DIR / ".make" / "cache"),
    }
else:  # development: one process (runserver)
    SHARED_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
PUBLIC_CACHE_PAGES = envstr("PUBLIC_CACHE_PAGES", "local")
if PUBLIC_CACHE_PAGES not in {"local", "shared"}:
    raise ImproperlyConfigured(
        f"PUBLIC_CACHE_PAGES must be local or shared, not {PUBLIC_CACHE_PAGES!r}"
    )
CACHES = {
    "default": {**SHARED_CACHE, "KEY_PREFIX": envstr("CACHE_KEY_PREFIX", "mogami")},
    "public_pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "public-pages",
        "TIMEOUT": PUBLIC_CACHE_SECONDS,
        # About 60 KB a page: at most ~30 MB per worker.
        "OPTIONS": {"MAX_ENTRIES": envint("PUBLIC_CACHE_MAX_ENTRIES", 500)},
    },
}
PUBLIC_CACHE_VERSION_ALIAS = "default"
PUBLIC_CACHE_PAGES_ALIAS = "public_pages" if PUBLIC_CACHE_PAGES == "local" else "default"

# --- Accounts, login throttling, sessions -------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes: refuses logins of a locked-out user name from the same address.
    "core.security.LoginThrottleBackend",
    # Django's ModelBackend, refusing the demo accounts' password in production.
    "core.security.AccountBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_MINUTES = envint("AXES_COOLOFF_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)
# Lock the pair (user name, client address): an attacker cannot lock an officer out
# from elsewhere, and the officers of one town hall behind one address do not lock
# each other out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # audit: every failed attempt, kept in the admin
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_USERNAME_CALLABLE = "core.security.login_username"
AXES_VERBOSE = False  # no start-up banner; lock-outs are still logged (user and address masked)
# The lock-out answers 429 with an error page in the site's layout (core/errors.py).
AXES_LOCKOUT_CALLABLE = "core.errors.locked_out"
AXES_COOLOFF_MESSAGE = (
    f"ログインに{AXES_FAILURE_LIMIT}回続けて失敗したため、{AXES_COOLOFF_MINUTES}分間ログインできません。"
    "時間をおいてからもう一度お試しいただくか、事務局にロックの解除を依頼してください。"
)
# Number of reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For
# gives the client's address for the lock-out; 0 means REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0)

# Staff sessions end when the browser closes, and at the latest after
# SESSION_COOKIE_AGE seconds (default: 8 hours, one working day).
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# The admin's address, e.g. ADMIN_URL=kanri-7f3a/ (default admin/).
ADMIN_URL = envstr("ADMIN_URL", "admin/")
if not re.fullmatch(r"([A-Za-z0-9_~-]+/)+", ADMIN_URL):
    raise ImproperlyConfigured(
        f"ADMIN_URL must be a relative path ending in '/', like 'admin/', not {ADMIN_URL!r}"
    )

# --- Uploads --------------------------------------------------------------------
# A spreadsheet upload may be at most MAX_UPLOAD_MB megabytes (forms check
# settings.MAX_UPLOAD_BYTES and say so in Japanese); a request larger than that
# plus 1 MB for the other fields is refused with 413 before it is read.
MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 5)
if MAX_UPLOAD_MB < 1:
    raise ImproperlyConfigured("MAX_UPLOAD_MB must be at least 1")
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES  # an allowed upload stays in memory
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the form fields without files (Django's default)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Language, time ---------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ---------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "media")))

LOGIN_URL = "admin:login"
# After logging in without a (safe) next page, officers land on their annual returns.
LOGIN_REDIRECT_URL = "returns:index"

# django-import-export: run each import in one transaction, roll back on any error.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# The KPI table names its own template (public/tables.py: kpis/_table.html, built on
# django-tables2's plain table.html), so no DJANGO_TABLES2_TEMPLATE is set here.

# Reverting a figure from its history would bypass the workflow's checks.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- E-mail ---------------------------------------------------------------------
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "mogami-vision@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMTP for production (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20  # seconds; a mail server that hangs must not hold a worker
# The site's public address, for links in e-mails (e.g. https://vision.example.lg.jp).
SITE_URL = envstr("SITE_URL")

# --- Security headers ---------------------------------------------------------
# Content-Security-Policy (django-csp 4): only this site's own files, no inline
# script or style, no framing. The same policy in development, so a violation
# shows up before it reaches production.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    # HTTPS is terminated by the reverse proxy, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # `make serve` on plain-HTTP loopback sets SECURE_SSL_REDIRECT=false; a real
    # deployment keeps the default.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload token only lets the owner of the registrable domain submit it to
    # the browsers' preload list; on a subdomain it changes nothing.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

# --- Logs -----------------------------------------------------------------------
# Everything to standard error: systemd's journal keeps it (journalctl -u mogami-vision).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        # Refused hosts, bad CSRF tokens, oversized requests: always worth a line.
        "django.security": {"level": "INFO"},
        "axes": {"level": envstr("AXES_LOG_LEVEL", "INFO")},
    },
}
