"""Request-level security: login throttling glue, request size limit, Permissions-Policy.

The headers themselves are configured in settings (SecurityMiddleware, django-csp);
deploy/SECURITY.md describes the whole set.
"""

import ipaddress
import logging

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpResponse

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
            return HttpResponse(
                f"送信されたデータが大きすぎます。ファイルは {settings.MAX_UPLOAD_MB} MB 以下にしてください。\n",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switch off browser features the site never uses (camera, microphone, location…)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
