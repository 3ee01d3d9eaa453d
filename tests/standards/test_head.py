"""HEAD is answered with the headers of a GET and no body, as the WSGI server receives it
(Django's test client drops a HEAD's body itself, so these tests call the WSGI application)."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

pytestmark = pytest.mark.django_db

# Headers that differ between any two responses.
VOLATILE = {"date", "x-public-cache", "set-cookie", "content-security-policy"}


def wsgi(method: str, path: str) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = status
        started["headers"] = {k.lower(): v for k, v in headers if k.lower() not in VOLATILE}

    # As Django's test client does: the request's end must not close the test's database
    # connection (on PostgreSQL the test transaction lives on it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = WSGIHandler()(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started["status"], started["headers"], body


@pytest.mark.parametrize("path", ["/", "/en/statistics/", "/no-such-page/"])
def test_head_has_the_headers_of_get_and_no_body(path):
    get_status, get_headers, get_body = wsgi("GET", path)
    head_status, head_headers, head_body = wsgi("HEAD", path)
    assert get_body
    assert head_body == b""
    assert (head_status, head_headers) == (get_status, get_headers)


def test_head_of_a_cached_page_has_no_body(settings):
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    caches = {alias: {"BACKEND": locmem, "LOCATION": f"head-{alias}"} for alias in settings.CACHES}
    with override_settings(PUBLIC_PAGE_CACHE=True, CACHES=caches):
        wsgi("GET", "/plan/")  # stored
        status, headers, body = wsgi("HEAD", "/plan/")
    assert status.startswith("200")
    assert body == b""
