"""A small made-up year for report tests (a vision of its own, so figures are known).

Field 1, 事業A (新庄市・金山町): 事業費見込 R7 新庄市 600 + 金山町 400 (計 1,000 as printed),
予算 650 + 420 approved, 新庄市's 決算 640 only a draft; KPIs 開催回数 10 → 20 (R7 approved 12:
◎) and 受診者数 100 → 50 (R7 approved 98: ×), and an approved R8 actual that a R7 report
must ignore. Field 2, 事業B (新庄市): 事業費見込 300; KPIs 施設利用者 with no target (評価対象外)
and 参加者数 with no actual (未把握).
"""

import pytest

from core.models import FigureStatus
from municipalities.models import Municipality
from programs.models import CostShare
from tests.constants import KANEYAMA, SHINJO
from tests.factories import (
    make_actual,
    make_item,
    make_kpi,
    make_program,
    make_share,
    make_total,
    make_vision,
)
from vision.models import AgreementItem, Category, ItemParty, PolicyField, ReportingYear

YEAR = 2025


@pytest.fixture
def made_up_year(db):
    vision = make_vision()
    item_a = make_item(vision)
    field_2 = PolicyField.objects.create(vision=vision, number=2, title="結びつき")
    category_2 = Category.objects.create(policy_field=field_2, number=1, title="交通")
    item_b = AgreementItem.objects.create(category=category_2, number=901, title="項目B")
    for town in Municipality.objects.towns():
        ItemParty.objects.create(item=item_b, municipality=town, status="party")
    a = make_program(item_a, participants=[SHINJO, KANEYAMA], name="事業A")
    b = make_program(item_b, participants=[SHINJO], name="事業B")
    make_share(a, SHINJO, 600)
    make_share(a, KANEYAMA, 400)
    make_total(a, 1000)
    make_share(a, SHINJO, 650, kind=CostShare.Kind.BUDGET)
    make_share(a, KANEYAMA, 420, kind=CostShare.Kind.BUDGET)
    make_share(a, SHINJO, 640, kind=CostShare.Kind.SETTLEMENT, approved=False)
    make_share(b, SHINJO, 300)
    meetings = make_kpi(a, baseline="10", target="20", name="開催回数", order=1)
    patients = make_kpi(a, baseline="100", target="50", name="受診者数", unit="人", order=2)
    make_kpi(b, baseline="5", target=None, name="施設利用者", unit="人", order=1)
    make_kpi(b, baseline="3", target="6", name="参加者数", unit="人", order=2)
    make_actual(meetings, "12", status=FigureStatus.APPROVED)
    make_actual(meetings, "30", year=2026, status=FigureStatus.APPROVED)
    make_actual(patients, "98", status=FigureStatus.APPROVED)
    ReportingYear.objects.create(vision=vision, fiscal_year=YEAR)
    return {"vision": vision, "a": a, "b": b, "meetings": meetings}
