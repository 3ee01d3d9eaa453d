"""deploy/nginx.conf, run by nginx in front of two gunicorn servers (a smoke test).

nginx_server.py takes the file as it is and replaces only ports, upstream addresses,
the certificate, the static folder and the logs. The requests come over HTTPS, as a
browser's would, to the host name of the file (vision.example.lg.jp).
"""

import gzip
import re
import secrets
import sqlite3
import urllib.parse

import pytest

from tests.deploy.nginx_server import HOST, nginx
from tests.deploy.servers import copy_sqlite_database, gunicorn, production_env

pytestmark = pytest.mark.slow  # nginx and gunicorn

GZIP = {"Accept-Encoding": "gzip"}
# A client on another loopback address than nginx's own, so that the address the
# application records can only have come from nginx's X-Forwarded-For.
CLIENT = "127.0.0.2"
COMPRESSED = [
    pytest.param("/", "text/html", id="html"),
    pytest.param("/opendata/municipalities.json", "application/json", id="json"),
    pytest.param("/opendata/kpis.csv", "text/csv", id="csv"),
]


@pytest.fixture(scope="module")
def site(deployed_site, tmp_path_factory):
    database_url, static_root = deployed_site
    folder = tmp_path_factory.mktemp("nginx-site")
    path = folder / "site.sqlite3"
    url = copy_sqlite_database(database_url, path)
    # One machine's two gunicorn servers: the public cache's version in a folder they share.
    env = production_env(url, static_root, CACHE_DIR=folder / "cache")
    return env, path, static_root, folder


@pytest.fixture(scope="module")
def app_servers(site):
    env, _, _, folder = site
    with gunicorn(env, folder / "a.log") as a, gunicorn(env, folder / "b.log") as b:
        yield a, b


@pytest.fixture(scope="module")
def proxy(site, app_servers):
    _, _, static_root, _ = site
    ports = [int(server.url.rsplit(":", 1)[1]) for server in app_servers]
    with nginx(upstreams=ports, static_root=static_root) as server:
        yield server


def get_ok(proxy, path, **kwargs):
    status, headers, body = proxy.get(path, **kwargs)
    assert status == 200, f"{path}: {status}\n{proxy.log_text()[-3000:]}"
    return headers, body


def app_logs(app_servers) -> str:
    return "\n".join(server.log_text() for server in app_servers)


# --- HTTPS and static files ----------------------------------------------------------------


def test_plain_http_is_sent_to_https(proxy):
    status, headers, _ = proxy.get("/plan/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/plan/"


def test_static_files_come_from_nginx_compressed_and_kept_for_good(proxy, site, app_servers):
    _, _, static_root, _ = site
    _, page = get_ok(proxy, "/")
    css = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    headers, body = get_ok(proxy, css, headers=GZIP)
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (static_root / css.removeprefix("/static/")).read_bytes()
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert css not in app_logs(app_servers)  # nginx's own, gunicorn never asked


def test_a_static_file_without_a_hash_is_kept_for_a_minute(proxy):
    headers, _ = get_ok(proxy, "/static/css/site.css")
    assert headers["Cache-Control"] == "max-age=60, public"


# --- compression -------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "content_type"), COMPRESSED)
def test_pages_and_open_data_are_compressed(proxy, path, content_type):
    plain_headers, plain = get_ok(proxy, path)
    headers, body = get_ok(proxy, path, headers=GZIP)
    assert headers["Content-Type"].startswith(content_type)
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    assert "Content-Encoding" not in plain_headers
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain) / 2


def test_pages_with_a_csrf_token_are_not_compressed(proxy):
    headers, body = get_ok(proxy, "/admin/login/", headers=GZIP)
    assert "Content-Encoding" not in headers
    assert b"csrfmiddlewaretoken" in body


# --- what the application trusts from nginx ------------------------------------------------


def test_the_application_sees_https(proxy):
    headers, _ = get_ok(proxy, "/opendata/")
    # No redirect to HTTPS (SECURE_SSL_REDIRECT), and HSTS, which Django sends only on
    # a request it considers secure: X-Forwarded-Proto: https reached it and was trusted.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_the_application_records_the_clients_address_not_a_forged_one(proxy, site):
    _, database, _, _ = site
    username = f"nginx-{secrets.token_hex(4)}"
    forged = {"X-Forwarded-For": "203.0.113.66"}
    headers, body = get_ok(proxy, "/admin/login/", headers=forged, source=CLIENT)
    csrf = headers["Set-Cookie"].split("csrftoken=", 1)[1].split(";", 1)[0]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = {"csrfmiddlewaretoken": token, "username": username, "password": "wrong-password"}
    status, _, _ = proxy.request(
        "POST",
        "/admin/login/",
        body=urllib.parse.urlencode(form),
        headers={
            **forged,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"https://{HOST}/admin/login/",
        },
        source=CLIENT,
    )
    assert status == 200  # the form again, with its error: a failed login
    with sqlite3.connect(database) as db:
        addresses = db.execute(
            "SELECT ip_address FROM axes_accessfailurelog WHERE username = ?", [username]
        ).fetchall()
    assert addresses == [(CLIENT,)]


def test_requests_are_spread_over_both_app_servers(proxy, app_servers):
    path = f"/opendata/?spread={secrets.token_hex(4)}"  # not cached: each one reaches gunicorn
    for _ in range(10):
        get_ok(proxy, path)
    assert all(path in server.log_text() for server in app_servers)


# --- an upload over the limit --------------------------------------------------------------


def test_an_upload_over_the_limit_gets_the_sites_own_413_page(proxy, app_servers):
    upload = b"x" * (7 * 1024 * 1024)  # over client_max_body_size 6m
    status, headers, body = proxy.request(
        "POST",
        "/returns/upload/",
        body=upload,
        headers={"Content-Type": "application/octet-stream"},
    )
    page = body.decode()
    assert status == 413
    assert "送信されたデータが大きすぎます" in page
    assert "ファイルは 5 MB 以下にしてください。" in page
    assert '<html lang="ja"' in page
    assert '"POST /returns/upload/ HTTP/1.1" 413' in app_logs(app_servers)


def test_the_413_page_is_in_the_language_of_the_url(proxy):
    status, _, body = proxy.request("POST", "/en/kpis/", body=b"x" * (7 * 1024 * 1024))
    assert status == 413
    assert '<html lang="en"' in body.decode()
