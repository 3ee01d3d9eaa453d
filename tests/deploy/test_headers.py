"""Security headers and cookies of the production settings, through gunicorn.

The server sits where nginx would put it: requests arrive from 127.0.0.1 with
X-Forwarded-Proto: https when the visitor used HTTPS.
"""

import re
import urllib.parse

import pytest

from tests.deploy.servers import SITE_PASSWORD

pytestmark = pytest.mark.slow  # every test asks gunicorn (tests/deploy/conftest.py)

HTTPS = {"X-Forwarded-Proto": "https"}
PUBLIC = "/opendata/"
ADMIN_LOGIN = "/admin/login/"
PAGES = [PUBLIC, ADMIN_LOGIN]


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_plain_http_is_redirected_to_https(proxied_server):
    status, headers, _ = proxied_server.get(PUBLIC)
    assert status == 301
    assert headers["Location"].startswith("https://")


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_hsts_for_a_year_with_subdomains(proxied_server, path):
    status, headers, _ = proxied_server.get(path, HTTPS)
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.parametrize("path", PAGES)
def test_the_csp_allows_only_the_sites_own_files_and_nothing_inline(proxied_server, path):
    status, headers, _ = proxied_server.get(path, HTTPS)
    assert status == 200  # the page itself, not an error page's header
    header = headers["Content-Security-Policy"]
    directives = csp_directives(header)
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert directives["default-src"] == directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_it_forbids_content_sniffing(proxied_server, path):
    _, headers, _ = proxied_server.get(path, HTTPS)
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_the_referrer_only_to_itself(proxied_server, path):
    _, headers, _ = proxied_server.get(path, HTTPS)
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", PAGES)
def test_it_may_not_be_framed(proxied_server, path):
    _, headers, _ = proxied_server.get(path, HTTPS)
    assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PAGES)
def test_it_switches_off_camera_microphone_and_location(proxied_server, path):
    _, headers, _ = proxied_server.get(path, HTTPS)
    policy = headers["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_the_csrf_cookie_is_secure_and_httponly(proxied_server):
    _, headers, _ = proxied_server.get(ADMIN_LOGIN, HTTPS)
    cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    attributes = {a.strip().lower() for a in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= attributes


def _log_in(server, username, password):
    """Log in through the admin form as a browser behind the proxy would."""
    _, headers, body = server.get(ADMIN_LOGIN, HTTPS)
    csrf_cookie = next(c for c in headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    csrf_cookie = csrf_cookie.split(";")[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    origin = "https://" + server.url.split("://", 1)[1]
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    return server.post(
        ADMIN_LOGIN,
        data,
        {**HTTPS, "Cookie": csrf_cookie, "Origin": origin, "Referer": origin + ADMIN_LOGIN},
    )


def _session_cookie(headers) -> str:
    return next(c for c in headers.get_all("Set-Cookie") if c.startswith("sessionid="))


def test_the_session_cookie_is_secure_httponly_and_ends_with_the_browser(proxied_server):
    status, headers, _ = _log_in(proxied_server, "reviewer", SITE_PASSWORD)
    assert status == 302
    attributes = {a.strip().split("=")[0].lower() for a in _session_cookie(headers).split(";")}
    assert {"secure", "httponly"} <= attributes
    assert "expires" not in attributes and "max-age" not in attributes


def test_admin_pages_for_a_logged_in_user_are_never_cached(proxied_server):
    _, headers, _ = _log_in(proxied_server, "reviewer", SITE_PASSWORD)
    session = _session_cookie(headers).split(";")[0]
    status, headers, _ = proxied_server.get("/admin/", {**HTTPS, "Cookie": session})
    assert status == 200
    assert "no-store" in headers["Cache-Control"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def test_static_files_are_hashed_compressed_and_cached_for_long(proxied_server):
    _, _, body = proxied_server.get(PUBLIC, HTTPS)
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body).group(1).decode()
    status, headers, _ = proxied_server.get(css, {**HTTPS, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
