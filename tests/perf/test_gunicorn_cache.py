"""Through real processes: gunicorn with two workers, an approval made by a third
process, and every worker serves the new figure at once (production settings,
the version in the shared cache folder)."""

import pytest

from tests.deploy.servers import fresh_database, gunicorn, manage_ok, production_env

pytestmark = pytest.mark.slow  # gunicorn with two workers

VALUE, SHOWN = "98765", "98,765"

SUBMIT = f"""
from kpis.models import KPI, KPIActual
from core.models import FigureStatus
kpi = KPI.objects.get(name="年間事業開催数")
KPIActual.objects.create(kpi=kpi, fiscal_year=2026, value={VALUE}, status=FigureStatus.SUBMITTED)
"""

APPROVE = """
from django.contrib.auth.models import User
from kpis.models import KPIActual
from municipalities.models import Profile
from returns import services
user = User.objects.create_user("perf-secretariat", is_staff=True, is_superuser=True)
Profile.objects.create(user=user, role=Profile.Role.SECRETARIAT)
figures = list(KPIActual.objects.filter(fiscal_year=2026, status="submitted"))
print(services.approve_figures(user=user, figures=figures))
"""


@pytest.fixture
def site(tmp_path):
    with fresh_database(tmp_path, "perf_cache") as url:
        env = production_env(
            url,
            tmp_path / "static",
            SECURE_SSL_REDIRECT="false",
            TRUSTED_PROXY_COUNT="0",
            CACHE_DIR=tmp_path / "cache",
        )
        manage_ok("migrate", "--noinput", env=env)
        manage_ok("load_vision", env=env)
        manage_ok("collectstatic", "--noinput", env=env)
        manage_ok("shell", "-c", SUBMIT, env=env)
        yield env


def kpi_pages(server, times=12):
    pages = []
    for _ in range(times):
        status, headers, body = server.get("/kpis/")
        assert status == 200
        pages.append((headers.get("X-Public-Cache"), body.decode()))
    return pages


def test_an_approval_in_another_process_reaches_every_worker(site, tmp_path):
    with gunicorn(site, tmp_path / "gunicorn.log", workers=2) as server:
        before = kpi_pages(server)
        manage_ok("shell", "-c", APPROVE, env=site)
        after = kpi_pages(server)
    assert [state for state, _ in before].count("hit") >= len(before) - 2
    assert not any(SHOWN in body for _, body in before)
    assert all(SHOWN in body for _, body in after)
