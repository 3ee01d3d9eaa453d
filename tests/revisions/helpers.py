"""A small made-up plan for revision tests: one program, one KPI (10 → 20, R6 → R12)."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.models import FigureStatus
from kpis.models import KPIActual
from revisions import services as revisions
from tests.constants import KANEYAMA, SHINJO
from tests.factories import make_item, make_kpi, make_program, make_vision
from vision.models import ReportingYear

D = Decimal


def made_up_plan():
    vision = make_vision()
    item = make_item(vision)
    program = make_program(item, participants=[SHINJO, KANEYAMA], name="テスト事業")
    kpi = make_kpi(program, baseline="10", target="20", name="開催回数", order=1)
    return vision, item, program, kpi


def approve(kpi, year, value):
    return KPIActual.objects.create(
        kpi=kpi,
        fiscal_year=year,
        value=D(value),
        approved_value=D(value),
        approved_at=timezone.now(),
        status=FigureStatus.APPROVED,
    )


def open_revision(user, vision, title="令和9年3月変更", decided_on=date(2027, 3, 25)):
    return revisions.create_revision(
        user=user,
        vision=vision,
        title=title,
        decided_on=decided_on,
        basis="共生ビジョン懇談会（令和9年2月）",
    )


def publish_year(vision, year):
    return ReportingYear.objects.create(
        vision=vision, fiscal_year=year, is_locked=True, report_published_at=timezone.now()
    )
