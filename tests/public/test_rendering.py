"""The faster rendering paths: tables built in Python, public actuals without working values.

The public pages render their data tables (core.charts.Table.html) and the KPI table's
rows (public.tables.KPITable.html_rows) in Python rather than cell by cell in templates.
These tests hold them to what the templates did: every text escaped, header cells
scoped, totals in a <tfoot>, and nothing but approved values loaded for the public.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core import charts
from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from kpis.selectors import PublicActual, load_public_actuals, public_kpis
from tests.pages import loaded_page
from tests.public.html import table

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def a_table(**kwargs):
    values = {
        "caption": "人口 <表>",
        "columns": ["市町村", "R7 <予算>"],
        "rows": [["新庄市 & 金山町", "1,358"], [format_html("<b>{}</b>", "計"), "2,000"]],
        "total_rows": 1,
        "note": "単位：<千円>",
    }
    values.update(kwargs)
    return charts.Table(**values)


def test_it_escapes_every_text_of_a_data_table():
    html = a_table().html("t1")
    assert isinstance(html, SafeString)
    assert '<caption id="t1-caption">人口 &lt;表&gt;</caption>' in html
    assert '<th scope="col" class="num">R7 &lt;予算&gt;</th>' in html
    assert '<th scope="row">新庄市 &amp; 金山町</th>' in html
    assert '<p class="table-note">単位：&lt;千円&gt;</p>' in html


def test_it_keeps_html_that_is_already_safe():
    assert '<th scope="row"><b>計</b></th>' in a_table().html("t1")


def test_it_puts_total_rows_in_the_table_foot():
    parsed = table(a_table().html("t1"), "人口 <表>")
    assert parsed["headers"] == ["市町村", "R7 <予算>"]
    assert parsed["rows"] == [["新庄市 & 金山町", "1,358"], ["計", "2,000"]]
    html = a_table().html("t1")
    assert html.index("<tfoot>") < html.index("<b>計</b>") < html.index("</tfoot>")


def test_a_table_without_totals_has_no_foot_and_no_note():
    html = a_table(total_rows=0, note="").html("t2")
    assert "<tfoot>" not in html
    assert "table-note" not in html


def test_the_kpi_table_escapes_a_kpi_name_and_heads_its_row_with_it(client):
    kpi = KPI.objects.order_by("pk").first()
    kpi.name = "<script>alert(1)</script>"
    kpi.save()
    body = loaded_page(client.get("/kpis/"), "成果指標の一覧")
    assert "<script>alert(1)</script>" not in body
    assert '<th scope="row"><a href="' in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_public_actuals_carry_the_approved_value_and_nothing_under_review(vision):
    kpi = KPI.objects.filter(is_sum_of_municipalities=False).order_by("pk").first()
    KPIActual.objects.create(
        kpi=kpi,
        fiscal_year=2025,
        value=Decimal("99"),  # changed after approval, not yet approved again
        approved_value=Decimal("42"),
        status=FigureStatus.SUBMITTED,
        comment="見直し中",
        approved_at=datetime(2026, 5, 1, tzinfo=TOKYO),
    )
    KPIActual.objects.create(kpi=kpi, fiscal_year=2026, value=Decimal("7"))  # a draft
    kpis = list(public_kpis(KPI.objects.filter(pk=kpi.pk)))
    load_public_actuals(kpis)
    [actual] = kpis[0].published
    assert isinstance(actual, PublicActual)
    assert (actual.fiscal_year, actual.approved_value) == (2025, Decimal("42"))
    assert not hasattr(actual, "value") and not hasattr(actual, "comment")


def test_public_actuals_come_by_year_then_in_the_towns_order(vision):
    kpi = KPI.objects.filter(is_sum_of_municipalities=True).order_by("pk").first()
    towns = list(kpi.program.participants.order_by("-sort_order"))[:3]
    for year in (2026, 2025):
        for town in towns:  # created in reverse order on purpose
            KPIActual.objects.create(
                kpi=kpi,
                municipality=town,
                fiscal_year=year,
                value=Decimal("1"),
                approved_value=Decimal("1"),
                status=FigureStatus.APPROVED,
                approved_at=datetime(2027, 5, 1, tzinfo=TOKYO),
            )
    kpis = list(public_kpis(KPI.objects.filter(pk=kpi.pk)))
    participants = load_public_actuals(kpis)
    order = sorted(towns, key=lambda m: (m.sort_order, m.code))
    assert [(a.fiscal_year, a.municipality) for a in kpis[0].published] == [
        (year, town) for year in (2025, 2026) for town in order
    ]
    assert participants[kpi.program_id] == sorted(
        kpi.program.participants.all(), key=lambda m: (m.sort_order, m.code)
    )
