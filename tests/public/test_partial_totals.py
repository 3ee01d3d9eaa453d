"""A total is a total only when every participant's value is in (issue 13 A).

Until then the program page and the KPI pages say 集計中 with who has reported (n/m),
in the same words for the same state, never a partial sum (the progress report:
tests/reports/test_partial_totals.py).
"""

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import FigureStatus
from kpis.models import KPI
from programs.models import CostShare, Program
from tests.constants import HEALTH, KANEYAMA, OKURA, TOWN_CODES
from tests.factories import make_actual, make_share
from tests.pages import loaded_page
from tests.public.html import row, table

pytestmark = pytest.mark.django_db

BUDGET = CostShare.Kind.BUDGET
SUMMED_KPI = "圏域内の新規就農者数"


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def health_costs(client) -> dict:
    program = Program.objects.get(name=HEALTH)
    url = reverse("public:programs:detail", args=[program.pk])
    page = loaded_page(client.get(url), HEALTH)
    return table(page, f"{HEALTH}の市町村別負担額")


def budget_total(costs: dict) -> str:
    return row(costs, "各市町村の合計")[costs["headers"].index("R7 予算")]


def test_program_total_of_one_town_in_eight_is_collecting(client, vision):
    make_share(Program.objects.get(name=HEALTH), KANEYAMA, 11761, kind=BUDGET)
    costs = health_costs(client)
    assert row(costs, "金山町")[costs["headers"].index("R7 予算")] == "11,761"
    assert budget_total(costs) == "集計中（1/8市町村が報告）"


def test_program_total_appears_when_every_participant_is_in(client, vision):
    for code in TOWN_CODES:
        make_share(Program.objects.get(name=HEALTH), code, 10, kind=BUDGET)
    assert budget_total(health_costs(client)) == "80"


def test_a_draft_does_not_count_as_reported(client, vision):
    program = Program.objects.get(name=HEALTH)
    for code in TOWN_CODES[:-1]:
        make_share(program, code, 10, kind=BUDGET)
    make_share(program, TOWN_CODES[-1], 10, kind=BUDGET, approved=False)
    assert budget_total(health_costs(client)) == "集計中（7/8市町村が報告）"


def summed_kpi_with_one_town(kaneyama):
    kpi = KPI.objects.get(name=SUMMED_KPI)
    make_actual(kpi, "3", municipality=kaneyama, status=FigureStatus.APPROVED)
    return kpi


def test_kpi_list_says_collecting_like_the_program_page(client, vision, kaneyama):
    summed_kpi_with_one_town(kaneyama)
    page = loaded_page(client.get("/kpis/"), "成果指標の一覧")
    kpi_row = row(table(page, "成果指標の一覧"), SUMMED_KPI)
    assert "集計中（1/8市町村が報告）" in kpi_row
    assert "−（未把握）" not in kpi_row


def test_program_page_badge_says_collecting_not_unknown(client, vision, kaneyama):
    kpi = summed_kpi_with_one_town(kaneyama)
    url = reverse("public:programs:detail", args=[kpi.program_id])
    page = loaded_page(client.get(url), SUMMED_KPI)
    badge = page.split('class="kpi__grade"', 1)[1].split("</p>", 1)[0]
    assert "集計中（1/8市町村が報告）" in badge


def test_a_summed_kpi_with_every_town_in_is_judged_not_collecting(client, vision):
    kpi = KPI.objects.get(name=SUMMED_KPI)
    participants = list(kpi.program.participants.all())
    for town in participants:
        make_actual(kpi, "1", municipality=town, status=FigureStatus.APPROVED)
    page = loaded_page(client.get("/kpis/"), "成果指標の一覧")
    assert "集計中" not in " ".join(row(table(page, "成果指標の一覧"), SUMMED_KPI))
    assert OKURA in {t.code for t in participants}
