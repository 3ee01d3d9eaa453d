"""Public pages are cheap: their number of queries does not grow with the data."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from programs.models import CostShare, Program
from tests.constants import FARMING, OKURA

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_many_approved_figures():
    now = timezone.now()
    towns = list(Municipality.objects.all())
    actuals = []
    for kpi in KPI.objects.all():
        for year in (2025, 2026, 2027):
            if kpi.is_sum_of_municipalities:
                actuals += [
                    KPIActual(
                        kpi=kpi,
                        fiscal_year=year,
                        municipality=t,
                        value=Decimal(5),
                        approved_value=Decimal(5),
                        approved_at=now,
                        status=FigureStatus.APPROVED,
                    )
                    for t in towns
                ]
            else:
                actuals.append(
                    KPIActual(
                        kpi=kpi,
                        fiscal_year=year,
                        value=Decimal(30),
                        approved_value=Decimal(30),
                        approved_at=now,
                        status=FigureStatus.APPROVED,
                    )
                )
    KPIActual.objects.bulk_create(actuals)
    CostShare.objects.bulk_create(
        CostShare(
            program=p,
            municipality=t,
            fiscal_year=2026,
            kind=CostShare.Kind.BUDGET,
            amount_kyen=100,
            approved_amount_kyen=100,
            approved_at=now,
            status=FigureStatus.APPROVED,
        )
        for p in Program.objects.all()
        for t in p.participants.all()
    )


def test_query_counts_do_not_grow_with_approved_figures(client):
    with translation.override("ja"):
        program = reverse(
            "public:programs:detail",
            args=[Program.objects.get(name=FARMING).pk],
        )
        urls = [
            "/",
            "/plan/",
            "/kpis/",
            "/kpis/?_export=csv",
            f"/towns/{OKURA}/",
            "/statistics/",
            "/agreement/",
            program,
        ]
    before = {url: count(client, url) for url in urls}
    add_many_approved_figures()
    after = {url: count(client, url) for url in urls}
    assert after == before
    assert max(after.values()) <= 15
