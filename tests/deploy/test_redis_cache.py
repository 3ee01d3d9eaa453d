"""The shared cache against a real Redis: two gunicorn servers, one redis-server.

Both servers run the production settings with REDIS_URL, one worker each (so that
which process saw what is certain), pages in each worker's memory and the public
data version in Redis, as deploy/README.md describes for several app servers. The
figures are approved the way the secretariat does it: logged in through the admin
of server A, with the approve action of the list. Then server B's pages are looked at.

Redis is stopped (it comes back empty: no persistence, as recommended), cut off (it
comes back with all its keys, the old version included: the harder case for stale
pages) or paused (it answers nothing until a timeout).
"""

import itertools
import re
import sqlite3
import time
import urllib.parse

import pytest

from core import cache
from tests.deploy.redis_server import RedisServer
from tests.deploy.servers import (
    SITE_PASSWORD,
    copy_sqlite_database,
    gunicorn,
    manage,
    manage_ok,
    production_env,
)

pytestmark = pytest.mark.slow  # redis-server and gunicorn

HTTPS = {"X-Forwarded-Proto": "https"}
KPI_NAME = "年間事業開催数"
KPIS = "/kpis/"
# Every kind of public page: HTML in both languages, open data. (The document's PDF, the
# one page that uses the cache outside core/cache.py, is tested in test_redis_backend.py:
# WeasyPrint would take most of this test's time.)
PAGES = [
    "/",
    "/plan/",
    KPIS,
    "/towns/",
    "/statistics/",
    "/document/",
    "/reports/",
    "/revisions/",
    "/opendata/",
    "/opendata/municipalities.json",
    "/opendata/kpi_actuals.csv",
    "/en/",
    "/en/kpis/",
]
# A year per approval, later each time: the KPI list shows the latest approved value.
YEARS = itertools.count(2026)


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture(autouse=True)
def redis_running(redis_server):
    """Every test starts with Redis answering (a test before may have stopped it)."""
    redis_server.resume()
    redis_server.reconnect()
    if not redis_server.running:
        redis_server.start()
    return redis_server


@pytest.fixture(scope="module")
def site(deployed_site, tmp_path_factory, redis_server):
    """A copy of the deployed test site of its own (these tests approve figures)."""
    database_url, static_root = deployed_site
    folder = tmp_path_factory.mktemp("redis-site")
    path = folder / "site.sqlite3"
    url = copy_sqlite_database(database_url, path)
    return production_env(url, static_root, REDIS_URL=redis_server.url), path, folder


@pytest.fixture(scope="module")
def servers(site):
    env, _, folder = site
    with (
        gunicorn(env, folder / "a.log", workers=1) as a,
        gunicorn(env, folder / "b.log", workers=1) as b,
    ):
        yield a, b


def page(server, path=KPIS):
    """(X-Public-Cache, body) of a public page; anything but 200 fails with the server's log."""
    status, headers, body = server.get(path, HTTPS, timeout=60)
    assert status == 200, f"{path}: {status}\n{server.log_text()[-3000:]}"
    return headers.get(cache.HEADER), body


def cached_on(*servers):
    """Have the KPI list stored on every server; returns what they show."""
    shown = []
    for server in servers:
        # A server that lost Redis in the test before tries it again only RETRY_SECONDS
        # after its last failure: until then it answers from the database.
        cached_again(server)
        header, body = page(server)
        assert header == cache.HIT
        shown.append(body)
    return shown


def cached_again(server):
    """The server answers from the cache again (once the retries have settled)."""
    deadline = time.monotonic() + 3 * cache.RETRY_SECONDS + 5
    while page(server)[0] != cache.HIT:
        assert time.monotonic() < deadline, "the cache is not used again"
        time.sleep(0.1)


# --- figures ----------------------------------------------------------------------------


class Figure:
    """A KPI actual an officer has submitted, with a value seen nowhere else."""

    def __init__(self, site):
        self.env, self.path, _ = site
        self.year = next(YEARS)
        self.value = 90000 + self.year
        self.shown = f"{self.value:,}"  # as the public pages write it
        code = SUBMIT.format(kpi=KPI_NAME, year=self.year, value=self.value)
        self.pk = int(manage_ok("shell", "-c", code, env=self.env).split()[-1])

    def approve_by_command(self):
        """Approved by a short-lived process (a script, a manage.py command): if its bump
        fails, nothing is left to retry it once it has ended."""
        out = manage_ok("shell", "-c", APPROVE.format(pk=self.pk), env=self.env)
        assert out.split()[-1] == "approved", out
        return out

    def status(self) -> str:
        with sqlite3.connect(self.path) as db:
            return db.execute(
                "SELECT status FROM kpis_kpiactual WHERE id = ?", [self.pk]
            ).fetchone()[0]


SUBMIT = """
from decimal import Decimal
from core.models import FigureStatus
from kpis.models import KPI, KPIActual
actual = KPIActual.objects.create(
    kpi=KPI.objects.get(name="{kpi}"), fiscal_year={year}, value=Decimal({value}),
    status=FigureStatus.SUBMITTED,
)
print(actual.pk)
"""


APPROVE = """
from django.contrib.auth.models import User
from kpis.models import KPIActual
from returns import services
figure = KPIActual.objects.get(pk={pk})
services.approve_figures(user=User.objects.get(username="secretariat"), figures=[figure])
figure.refresh_from_db()
print(figure.status)
"""


class Secretariat:
    """The secretariat's browser on one server, behind the HTTPS proxy."""

    CHANGELIST = "/admin/kpis/kpiactual/?status__exact=submitted"

    def __init__(self, server):
        self.server = server
        self.origin = "https://" + server.url.split("://", 1)[1]
        self.cookies: dict[str, str] = {}

    def _headers(self, path):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**HTTPS, "Cookie": cookie, "Origin": self.origin, "Referer": self.origin + path}

    def _keep_cookies(self, headers):
        for header in headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value

    def get(self, path):
        status, headers, body = self.server.get(path, self._headers(path))
        self._keep_cookies(headers)
        return status, body.decode()

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        status, headers, body = self.server.post(path, data, self._headers(path))
        self._keep_cookies(headers)
        return status, body.decode()

    @staticmethod
    def token(body):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def log_in(self):
        _, body = self.get("/admin/login/")
        status, _ = self.post(
            "/admin/login/",
            {
                "csrfmiddlewaretoken": self.token(body),
                "username": "secretariat",
                "password": SITE_PASSWORD,
                "next": "/admin/",
            },
        )
        assert status == 302, self.server.log_text()[-3000:]
        assert "sessionid" in self.cookies
        return self

    def approve(self, figure: Figure):
        """Tick the figure in the list of submitted actuals and run 「承認する」."""
        status, body = self.get(self.CHANGELIST)
        assert status == 200
        version = re.search(rf'name="shown-version-{figure.pk}" value="(\d+)"', body).group(1)
        status, _ = self.post(
            self.CHANGELIST,
            {
                "csrfmiddlewaretoken": self.token(body),
                "action": "approve_selected",
                "index": "0",
                "_selected_action": str(figure.pk),
                f"shown-version-{figure.pk}": version,
            },
        )
        assert status == 302, self.server.log_text()[-3000:]
        assert figure.status() == "approved"


# --- Redis answering ----------------------------------------------------------------------


def test_the_version_lives_in_redis(servers, redis_running):
    a, _ = servers
    page(a)
    assert any(key.endswith(cache.VERSION_KEY) for key in redis_running.keys())


def test_an_approval_on_one_server_reaches_the_pages_of_the_other_at_once(site, servers):
    a, b = servers
    figure = Figure(site)
    before_a, before_b = cached_on(a, b)
    Secretariat(a).log_in().approve(figure)
    header, after = page(b)
    assert figure.shown not in before_b.decode() and figure.shown not in before_a.decode()
    assert header == cache.MISS
    assert figure.shown in after.decode()


# --- Redis stopped ------------------------------------------------------------------------


def test_with_redis_stopped_every_public_page_is_served_from_the_database(servers, redis_running):
    redis_running.stop()
    for server in servers:
        for path in PAGES:
            header, body = page(server, path)
            assert header in (cache.UNAVAILABLE, None), path  # None: not a cached page
            assert body


def test_with_redis_stopped_the_secretariat_logs_in_and_approves(site, servers, redis_running):
    a, b = servers
    figure = Figure(site)
    cached_on(a, b)
    redis_running.stop()
    Secretariat(a).log_in().approve(figure)
    for server in servers:
        header, body = page(server)
        assert header == cache.UNAVAILABLE
        assert figure.shown in body.decode()


def test_after_a_restart_no_page_from_before_the_approval_is_served(site, servers, redis_running):
    a, b = servers
    figure = Figure(site)
    cached_on(a, b)
    redis_running.stop()
    Secretariat(a).log_in().approve(figure)
    redis_running.start()  # empty: b, which saw nothing of it, reads a new version
    header, body = page(b)
    assert header == cache.MISS
    assert figure.shown in body.decode()
    header, body = page(a)  # a failed a moment ago: from the database, or a new version
    assert header in (cache.UNAVAILABLE, cache.MISS)
    assert figure.shown in body.decode()
    cached_again(b)


# --- Redis cut off: it comes back with every key, the old version included -------------------


def test_after_a_cut_a_server_that_saw_it_serves_no_old_page(site, servers, redis_running):
    """The approval's bump is lost for good (its process has ended): only b's own
    replacement of the version, before it reads again, keeps the old page away
    (core/cache.py, 1.)."""
    a, b = servers
    figure = Figure(site)
    cached_on(a, b)
    redis_running.cut()
    figure.approve_by_command()
    assert figure.shown in page(b)[1].decode()  # b notices: from the database
    redis_running.reconnect()
    # Within a second of its failure b still renders from the database; then it replaces
    # the version before it reads the cache again. Never the old page.
    headers = []
    for _ in range(3):
        header, body = page(b)
        assert figure.shown in body.decode()
        headers.append(header)
        time.sleep(cache.RETRY_SECONDS / 2)
    assert headers[-1] in (cache.MISS, cache.HIT)


def test_after_a_cut_the_missed_bump_is_made_within_a_second_or_two(site, servers, redis_running):
    """Server b sees nothing of the cut, so only a's retry tells it (core/cache.py, 2.)."""
    a, b = servers
    figure = Figure(site)
    cached_on(a, b)
    redis_running.cut()
    Secretariat(a).log_in().approve(figure)
    redis_running.reconnect()
    deadline = time.monotonic() + 3 * cache.RETRY_SECONDS + 2
    while figure.shown not in page(b)[1].decode():
        assert time.monotonic() < deadline, "the approval never reached server b's pages"
        time.sleep(0.1)
    assert "接続が戻りしだい置き換えます" in a.log_text()


# --- Redis paused: nothing answers until the socket's timeout -------------------------------


def test_a_paused_redis_delays_a_page_by_its_timeout_at_most(servers, redis_running):
    _, b = servers
    redis_running.pause()
    started = time.monotonic()
    header, _ = page(b)
    assert header == cache.UNAVAILABLE
    assert time.monotonic() - started < 5


def test_an_approval_with_redis_paused_succeeds(site, servers, redis_running):
    a, b = servers
    figure = Figure(site)
    redis_running.pause()
    Secretariat(a).log_in().approve(figure)
    assert figure.shown in page(b)[1].decode()


def test_the_deploy_check_only_warns_when_redis_is_away(site, redis_running):
    env, _, _ = site
    redis_running.stop()
    result = manage("check", "--deploy", "--fail-level", "ERROR", env=env)
    assert result.returncode == 0, result.stderr
    assert "vision.W003" in result.stderr + result.stdout
