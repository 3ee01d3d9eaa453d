"""Comparing areas by the shared indicator catalogue: only KPIs with the same code."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import FigureStatus
from kpis.models import KPI, Indicator
from tests.factories import make_actual, make_item, make_kpi, make_program, make_vision
from vision.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def farmers():
    return Indicator.objects.create(
        code="new-farmers",
        name="新規就農者数",
        name_en="New farmers",
        definition="その年度に新たに農業を始めた人の数（45歳未満）。",
        unit="人",
    )


def area_with_kpi(slug, name, indicator, *, baseline="10", target="20", actual=None):
    area = Area.objects.create(slug=slug, name=name)
    vision = make_vision(area=area, slug=f"{slug}-1", edition=1)
    program = make_program(make_item(vision), participants=["063614"])
    kpi = make_kpi(
        program, name=f"{name}の新規就農者", baseline=baseline, target=target, indicator=indicator
    )
    if actual is not None:
        make_actual(kpi, actual, year=2025, status=FigureStatus.APPROVED)
    return area, kpi


def test_only_kpis_with_the_code_are_compared(client, farmers, vision):
    area_with_kpi("kaku", "架空圏", farmers, actual="15")
    area_with_kpi("yume", "夢圏", farmers, baseline="5", target="8")
    local = KPI.objects.filter(program__item__category__policy_field__vision=vision).first()
    html = client.get("/indicators/new-farmers/").content.decode()
    assert "架空圏の新規就農者" in html and "夢圏の新規就農者" in html
    assert local.name not in html  # a local KPI of 新庄最上, without the code
    assert "15" in html  # kaku's approved actual
    assert 'href="/areas/kaku/"' in html


def test_a_kpi_of_an_area_s_earlier_vision_is_not_compared(client, farmers):
    area, old = area_with_kpi("kaku", "架空圏", farmers)
    newer = make_vision(area=area, slug="kaku-2", edition=2)
    make_kpi(make_program(make_item(newer), participants=["063614"]), name="第2次の新規就農者")
    KPI.objects.filter(name="第2次の新規就農者").update(indicator=farmers)
    html = client.get("/indicators/new-farmers/").content.decode()
    assert "第2次の新規就農者" in html and old.name not in html


def test_a_draft_actual_is_never_shown(client, farmers):
    _area, kpi = area_with_kpi("kaku", "架空圏", farmers)
    make_actual(kpi, "987654", year=2025)  # a draft
    html = client.get("/indicators/new-farmers/").content.decode()
    assert "架空圏の新規就農者" in html and "987,654" not in html and "987654" not in html


def test_the_catalogue_counts_the_areas_reporting_each_indicator(client, farmers):
    Indicator.objects.create(
        code="migrants", name="移住者数", definition="転入者のうち…", unit="人"
    )
    area_with_kpi("kaku", "架空圏", farmers)
    area_with_kpi("yume", "夢圏", farmers)
    html = client.get("/indicators/").content.decode()
    assert 'href="/indicators/new-farmers/"' in html and "移住者数" in html
    row = html[html.index("/indicators/new-farmers/") :]
    assert '<td class="num">2</td>' in row[: row.index("</tr>")]
    english = client.get("/en/indicators/").content.decode()
    assert "New farmers" in english


def test_unknown_codes_and_area_addresses_are_not_found(client, farmers):
    assert client.get("/indicators/nothing/").status_code == 404
    area_with_kpi("kaku", "架空圏", farmers)
    assert client.get("/areas/kaku/indicators/new-farmers/").status_code == 404


def test_the_comparison_does_not_query_per_area(client, farmers):
    area_with_kpi("kaku", "架空圏", farmers, actual="1")
    with CaptureQueriesContext(connection) as one:
        client.get("/indicators/new-farmers/")
    for n in range(4):
        area_with_kpi(f"more-{n}", f"追加圏{n}", farmers, actual="2")
    with CaptureQueriesContext(connection) as five:
        html = client.get("/indicators/new-farmers/").content.decode()
    assert html.count('href="/areas/more-') == 4
    assert len(five) == len(one)


def test_only_the_platform_administrator_changes_the_catalogue(client, secretariat, reviewer):
    from django.contrib.auth.models import User

    client.force_login(reviewer)
    assert client.get("/admin/kpis/indicator/").status_code == 200  # read
    assert client.get("/admin/kpis/indicator/add/").status_code == 403
    platform = User.objects.create_superuser("platform", password="x-pass-123")
    client.force_login(platform)
    assert client.get("/admin/kpis/indicator/add/").status_code == 200
