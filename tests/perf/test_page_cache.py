"""The public page cache (core/cache.py): fast, and never a stale or draft figure."""

import pytest
from django.core.cache import caches
from django.test import Client

from core import cache
from core.models import FigureStatus
from kpis.models import KPI
from returns import services
from tests.constants import OKURA
from tests.factories import make_actual

pytestmark = pytest.mark.django_db

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
VALUE, SHOWN = "98765", "98,765"


def servers(tmp_path) -> dict:
    """Two app servers: each its own page memory, one version store they share
    (a folder here, as on one machine; tests/deploy/test_redis_cache.py runs two gunicorn
    servers on a real Redis)."""
    shared = str(tmp_path / "shared-cache")
    return {
        "default": {"BACKEND": LOCMEM, "LOCATION": f"default-{tmp_path.name}"},
        "version_a": {"BACKEND": FILE_CACHE, "LOCATION": shared},
        "version_b": {"BACKEND": FILE_CACHE, "LOCATION": shared},
        "pages_a": {"BACKEND": LOCMEM, "LOCATION": f"pages-a-{tmp_path.name}"},
        "pages_b": {"BACKEND": LOCMEM, "LOCATION": f"pages-b-{tmp_path.name}"},
    }


def on_server(settings, name: str) -> None:
    settings.PUBLIC_CACHE_VERSION_ALIAS = f"version_{name}"
    settings.PUBLIC_CACHE_PAGES_ALIAS = f"pages_{name}"


@pytest.fixture
def cached(settings, tmp_path):
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = servers(tmp_path)
    on_server(settings, "a")
    return settings


@pytest.fixture
def kpi():
    return KPI.objects.get(name="年間事業開催数")


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, response.content.decode()


def approve(user, figure, capture):
    with capture(execute=True):
        services.approve_figures(user=user, figures=[figure])


def submitted(kpi, capture):
    """A figure an officer has submitted (its own transaction, committed)."""
    with capture(execute=True):
        return make_actual(kpi, VALUE, year=2026, status=FigureStatus.SUBMITTED)


def test_it_serves_the_second_request_from_the_cache(cached, client):
    first, body = get(client, "/")
    second, again = get(client, "/")
    assert first[cache.HEADER] == cache.MISS
    assert second[cache.HEADER] == cache.HIT
    assert again == body


def test_a_cached_page_keeps_the_security_headers(cached, client):
    first, _ = get(client, "/plan/")
    second, _ = get(client, "/plan/")
    assert second[cache.HEADER] == cache.HIT
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
        assert second[header] == first[header]


def test_a_cached_page_changes_right_after_an_approval(
    cached, client, kpi, secretariat, django_capture_on_commit_callbacks
):
    figure = submitted(kpi, django_capture_on_commit_callbacks)
    get(client, "/kpis/")
    _, before = get(client, "/kpis/")
    approve(secretariat, figure, django_capture_on_commit_callbacks)
    response, after = get(client, "/kpis/")
    assert SHOWN not in before
    assert response[cache.HEADER] == cache.MISS
    assert SHOWN in after


def test_a_draft_or_submitted_figure_never_appears(
    cached, client, kpi, django_capture_on_commit_callbacks
):
    get(client, "/kpis/")
    with django_capture_on_commit_callbacks(execute=True):
        make_actual(kpi, VALUE, year=2026, status=FigureStatus.DRAFT)
        make_actual(kpi, "87654", year=2027, status=FigureStatus.SUBMITTED)
    _, body = get(client, "/kpis/")
    _, csv = get(client, "/opendata/kpi_actuals.csv")
    assert kpi.name in body and "実績値" in csv
    assert SHOWN not in body and "87,654" not in body
    assert VALUE not in csv and "87654" not in csv


def test_a_change_to_the_plan_shows_at_once(
    cached, client, kpi, django_capture_on_commit_callbacks
):
    url = f"/programs/{kpi.program_id}/"
    get(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        kpi.name = "年間事業開催数（改定）"
        kpi.save()
    _, body = get(client, url)
    assert "年間事業開催数（改定）" in body


def test_a_change_of_participants_shows_at_once(
    cached, client, kpi, okura, django_capture_on_commit_callbacks
):
    program = kpi.program
    url = f"/towns/{okura.code}/"
    _, before = get(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        program.participants.remove(okura)
    _, after = get(client, url)
    assert program.name in before
    assert after.count(program.name) < before.count(program.name)


def test_many_writes_in_one_transaction_bump_once(
    kpi, monkeypatch, django_capture_on_commit_callbacks
):
    bumps = []
    monkeypatch.setattr(cache, "bump_public_version", lambda: bumps.append("all"))
    monkeypatch.setattr(cache, "bump_area_versions", lambda slugs: bumps.append(set(slugs)))
    with django_capture_on_commit_callbacks(execute=True):
        make_actual(kpi, "1", year=2026)
        make_actual(kpi, "2", year=2027)
        kpi.save()
    # The actuals and the KPI all belong to the KPI's area: that area's pages, once.
    assert bumps == [{kpi.program.item.category.policy_field.vision.area.slug}]


def test_history_rows_are_not_watched():
    assert all("Historical" not in model.__name__ for model in cache.public_data_models())


def test_the_admin_is_never_cached(cached, admin_client):
    for _ in range(2):
        response = admin_client.get("/admin/")
        assert response.status_code == 200
        assert cache.HEADER not in response


def test_the_returns_are_never_cached(cached, client, kaneyama_officer):
    client.force_login(kaneyama_officer)
    for _ in range(2):
        response = client.get("/returns/")
        assert response.status_code == 200
        assert cache.HEADER not in response


def test_english_and_japanese_are_cached_separately(cached, client):
    get(client, "/")
    english, body = get(client, "/en/")
    japanese, _ = get(client, "/")
    assert english[cache.HEADER] == cache.MISS
    assert '<html lang="en">' in body
    assert japanese[cache.HEADER] == cache.HIT


def test_staff_and_residents_get_the_same_page(cached, client, secretariat):
    _, resident = get(client, "/statistics/")
    staff = Client()
    staff.force_login(secretariat)
    response, body = get(staff, "/statistics/")
    assert response[cache.HEADER] == cache.HIT
    assert body == resident


def test_public_pages_carry_no_session_or_csrf_token(cached, client):
    response, body = get(client, "/")
    assert "成果指標の進み具合" in body
    assert "csrfmiddlewaretoken" not in body
    assert not response.cookies


def test_the_kpi_filters_are_cached(cached, client):
    get(client, f"/kpis/?town={OKURA}")
    response, _ = get(client, f"/kpis/?town={OKURA}")
    assert response[cache.HEADER] == cache.HIT


def test_any_other_query_string_is_not_cached(cached, client):
    for _ in range(2):
        response, _ = get(client, "/?utm_source=paper")
        assert cache.HEADER not in response


def test_a_lost_version_never_brings_an_old_page_back(cached, client):
    get(client, "/")
    caches["version_a"].clear()
    response, _ = get(client, "/")
    assert response[cache.HEADER] == cache.MISS


def test_a_bump_on_one_server_is_seen_by_the_other(cached, tmp_path):
    before = cache.public_version()  # server a
    on_server(cached, "b")
    assert cache.public_version() == before
    on_server(cached, "a")
    cache.bump_public_version()
    on_server(cached, "b")
    assert cache.public_version() != before


def test_an_approval_on_one_server_reaches_the_pages_of_the_other(
    cached, client, kpi, secretariat, django_capture_on_commit_callbacks
):
    figure = submitted(kpi, django_capture_on_commit_callbacks)
    on_server(cached, "b")
    get(client, "/kpis/")
    cached_b, _ = get(client, "/kpis/")
    on_server(cached, "a")
    approve(secretariat, figure, django_capture_on_commit_callbacks)
    on_server(cached, "b")
    response, body = get(client, "/kpis/")
    assert cached_b[cache.HEADER] == cache.HIT
    assert response[cache.HEADER] == cache.MISS
    assert SHOWN in body


def test_pages_are_not_cached_when_it_is_off(settings, client):
    settings.PUBLIC_PAGE_CACHE = False
    for _ in range(2):
        response, _ = get(client, "/")
        assert cache.HEADER not in response
