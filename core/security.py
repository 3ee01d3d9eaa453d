"""Request-level security: login throttling glue, request size limit, Permissions-Policy,
bodiless HEAD responses.

The headers themselves are configured in settings (SecurityMiddleware, django-csp);
deploy/SECURITY.md describes the whole set.
"""

import ipaddress
import logging

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from core.errors import request_too_large

log = logging.getLogger("django.security")


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lock-out check for every login that comes with an HTTP request.

    Every login form (the admin's, Django's LoginView) passes the request, so
    every attempt from the web is counted and refused while locked out. A call
    without a request (Django's test client ``login()``, a shell) has no client
    address to throttle, and is left to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


# The password of the demo accounts `make run` creates (create_demo_accounts). It is printed
# in the README, so production refuses it: at login (AccountBackend), and in
# `manage.py check --deploy`, which gunicorn runs before it serves (deploy/gunicorn.conf.py).
DEMO_PASSWORD = "mogami-demo-2026"  # noqa: S105  # nosec B105
DEMO_USERNAMES = r"^(secretariat|reviewer|officer-[0-9]{6})$"


class AccountBackend(ModelBackend):
    """Django's accounts, except that production refuses the demo password to everybody."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.PRODUCTION and password == DEMO_PASSWORD:
            log.warning("Login with the demo accounts' password refused (production)")
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def active_demo_accounts() -> list[str]:
    """User names of the active accounts that still log in with the demo password."""
    candidates = get_user_model().objects.filter(is_active=True, username__regex=DEMO_USERNAMES)
    return [user.username for user in candidates if user.check_password(DEMO_PASSWORD)]


@register(Tags.security, deploy=True)
def check_no_demo_accounts(app_configs=None, **kwargs):
    """`check --deploy`: an Error while demo accounts can log in (gunicorn will not start)."""
    try:
        names = active_demo_accounts()
    except DatabaseError:
        return []  # no tables yet: migrate has not run, so there are no accounts either
    if not names:
        return []
    return [
        Error(
            f"デモアカウントが有効です（{', '.join(names)}）。公開されたパスワードでログインできます。",
            hint=(
                "Deactivate or delete them before serving: manage.py shell -c "
                '"from core.security import disable_demo_accounts; disable_demo_accounts()" '
                "(or untick 'active' in the admin's users). deploy/README.md, 'Demo accounts'."
            ),
            id="core.E001",
        )
    ]


def disable_demo_accounts() -> list[str]:
    """Deactivate every active demo account; returns their user names."""
    names = active_demo_accounts()
    get_user_model().objects.filter(username__in=names).update(is_active=False)
    return names


def login_username(request, credentials=None) -> str | None:
    """The user name django-axes records: what was typed, cut to what its tables hold.

    Django's login form does not limit the length of what it passes on, and a
    hostile user name longer than axes' 255 characters would otherwise end the
    request with a database error (PostgreSQL) instead of a failed login.
    """
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if not isinstance(username, str):
        return username
    return username.replace("\x00", "")[:255]


def client_ip(request) -> str | None:
    """The client's address, as seen by the outermost of our reverse proxies.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right of
    X-Forwarded-For is the one our first proxy saw; addresses further left
    were written by the client and are not trusted.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than settings.MAX_REQUEST_BYTES before reading it.

    The limit is the spreadsheet upload limit (MAX_UPLOAD_MB) plus room for the
    other fields; the reverse proxy should refuse the same size first
    (nginx: client_max_body_size).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            log.warning(
                "Request body of %d bytes refused (limit %d)", length, settings.MAX_REQUEST_BYTES
            )
            return request_too_large(request)
        return self.get_response(request)


class HeadWithoutBodyMiddleware:
    """Answer HEAD with the headers a GET would have, and no body (RFC 9110 §9.3.2).

    Django renders a HEAD like a GET and its WSGI handler sends the body on; gunicorn
    then drops it and logs a warning for every HEAD (monitors send many). Django's
    development server and test client drop the body themselves, which hid this.
    First in MIDDLEWARE, so the page cache's and error pages' responses pass through it;
    the Content-Length of the GET stays.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []  # a file is still closed by close()
            else:
                response.content = b""
        return response


class PermissionsPolicyMiddleware:
    """Switch off browser features the site never uses (camera, microphone, location…)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
