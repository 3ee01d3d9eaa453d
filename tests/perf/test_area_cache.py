"""Per-area freshness: a change in one area renews that area's pages only.

Pages that name no area (/, /areas/, the installation's default) are renewed by a
change in any area; a change that cannot be placed in one area (a municipality, the
grade levels) renews every page, as before areas.
"""

import pytest

from core import cache
from core.models import FigureStatus
from kpis.models import GradeLevel
from municipalities.models import Municipality
from tests.factories import make_actual, make_item, make_kpi, make_program, make_vision
from vision.models import Area

pytestmark = pytest.mark.django_db

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
PAGES = ["/areas/kaku/kpis/", "/areas/shinjo-mogami/kpis/", "/kpis/", "/areas/"]


@pytest.fixture
def cached(settings, tmp_path):
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = {
        alias: {"BACKEND": LOCMEM, "LOCATION": f"{alias}-{tmp_path.name}"}
        for alias in settings.CACHES
    }
    return settings


@pytest.fixture
def kaku_kpi(kaneyama, okura, django_capture_on_commit_callbacks):
    # Committed (its callbacks run) before the test's own writes: in a test everything is
    # one transaction, and the writes of one transaction share their bump.
    with django_capture_on_commit_callbacks(execute=True):
        area = Area.objects.create(slug="kaku", name="架空定住自立圏")
        vision = make_vision(area=area, slug="kaku-2", edition=2, title="架空ビジョン")
        vision.municipalities.set([kaneyama, okura])
        program = make_program(make_item(vision), participants=[kaneyama.code])
        return make_kpi(program, name="架空の指標")


def headers(client) -> dict[str, str]:
    return {path: client.get(path)[cache.HEADER] for path in PAGES}


def stored(client):
    for path in PAGES:
        client.get(path)
    assert set(headers(client).values()) == {cache.HIT}


def test_an_approval_in_one_area_leaves_the_other_areas_pages_cached(
    cached, client, kaku_kpi, django_capture_on_commit_callbacks
):
    stored(client)
    with django_capture_on_commit_callbacks(execute=True):
        make_actual(kaku_kpi, "4321", year=2026, status=FigureStatus.APPROVED)
    assert headers(client) == {
        "/areas/kaku/kpis/": cache.MISS,  # renewed: shows the new figure
        "/areas/shinjo-mogami/kpis/": cache.HIT,  # another area: still cached
        "/kpis/": cache.MISS,  # the default (no area named) is renewed by any area
        "/areas/": cache.MISS,  # the comparison of all areas too
    }
    assert "4,321" in client.get("/areas/kaku/kpis/").content.decode()


def test_a_change_that_concerns_every_area_renews_every_page(
    cached, client, kaku_kpi, django_capture_on_commit_callbacks
):
    stored(client)
    with django_capture_on_commit_callbacks(execute=True):
        town = Municipality.objects.get(code="063614")
        town.slogan = "新しいスローガン"
        town.save()
    assert set(headers(client).values()) == {cache.MISS}
    with django_capture_on_commit_callbacks(execute=True):
        GradeLevel.objects.update_or_create(
            code="A", defaults={"symbol": "◎", "label": "達成", "min_percent": 100, "order": 1}
        )
    assert set(headers(client).values()) == {cache.MISS}


def test_writes_of_two_areas_in_one_transaction_renew_both(
    cached, client, kaku_kpi, vision, django_capture_on_commit_callbacks
):
    stored(client)
    shinjo_program = vision.policy_fields.first().categories.first().items.first().programs.first()
    with django_capture_on_commit_callbacks(execute=True):
        make_actual(kaku_kpi, "1", year=2026, status=FigureStatus.APPROVED)
        make_actual(shinjo_program.kpis.first(), "2", year=2026, status=FigureStatus.APPROVED)
    assert set(headers(client).values()) == {cache.MISS}


def test_the_slug_of_a_write_is_found_through_its_kpi_program_or_vision(kaku_kpi, vision):
    from vision.areas import areas_of

    actual = make_actual(kaku_kpi, "1")
    assert areas_of(actual, {}) == {"kaku"}
    assert areas_of(kaku_kpi, {}) == {"kaku"}
    assert areas_of(vision.population_figures.first(), {}) == {"shinjo-mogami"}
    assert areas_of(Municipality.objects.first(), {}) is None
    assert areas_of(vision, {}) is None  # a vision itself: everything (its area may change)
