"""What each town owes for a fiscal year (returns.permissions decides)."""

import pytest

from core.models import FigureStatus
from programs.models import CostShare
from returns import permissions
from tests.constants import CREMATION, HEALTH, SPECIAL_EDUCATION
from tests.factories import make_share
from tests.returns.helpers import kpi, program, the_return

pytestmark = pytest.mark.django_db


def test_it_asks_kaneyama_for_budget_and_settlement_of_each_of_its_programs(
    reporting_year, kaneyama
):
    ret = the_return(reporting_year, kaneyama)
    shares = ret.share_lines
    assert len(shares) == 2 * 19
    assert {line.kind for line in shares} == {CostShare.Kind.BUDGET, CostShare.Kind.SETTLEMENT}
    assert all(line.unit == "千円" for line in shares)


def test_it_does_not_ask_a_town_for_a_program_it_is_not_part_of(reporting_year, kaneyama):
    ret = the_return(reporting_year, kaneyama)
    special = program(SPECIAL_EDUCATION)
    assert not [line for line in ret.lines if line.program == special]


def test_only_shinjo_reports_the_programs_with_undecided_participants(
    reporting_year, kaneyama, shinjo
):
    undecided = program("関係人口の創出")
    assert [line.kind for line in the_return(reporting_year, shinjo).lines if line.program == undecided and line.is_share] == ["budget", "settlement"]  # fmt: skip
    assert not [line for line in the_return(reporting_year, kaneyama).lines if line.program == undecided]  # fmt: skip


def test_each_town_reports_its_own_part_of_the_summed_kpi(reporting_year, kaneyama):
    ret = the_return(reporting_year, kaneyama)
    [line] = ret.kpi_lines
    assert line.kpi == kpi("圏域内の新規就農者数")
    assert line.municipality == kaneyama and line.is_component


def test_a_town_reports_the_kpi_of_its_own_survey_as_the_area_figure(reporting_year, okura):
    ret = the_return(reporting_year, okura)
    lines = {line.kpi.name: line for line in ret.kpi_lines}
    assert set(lines) == {"利用者数", "圏域内の新規就農者数"}
    assert lines["利用者数"].municipality is None
    assert lines["圏域内の新規就農者数"].municipality == okura


def test_the_secretariat_enters_the_area_kpis_of_no_town(reporting_year, vision):
    area = the_return(reporting_year, None)
    names = [line.kpi.name for line in area.lines]
    assert not area.share_lines
    assert "年間事業開催数" in names and "職員の満足度" in names
    assert "圏域内の新規就農者数" not in names  # summed: the towns report their parts
    assert "利用者数" not in names  # 大蔵村 and 鮭川村 report their own
    assert "検討会の開催回数" not in names  # to be set after the program starts


def test_the_return_shows_the_plan_estimate_and_last_years_approved_value(reporting_year, kaneyama):
    health = program(HEALTH)
    make_share(health, kaneyama.code, 95, year=2024, kind=CostShare.Kind.BUDGET)
    ret = the_return(reporting_year, kaneyama)
    line = ret.line(f"budget-{health.pk}")
    assert line.plan_kyen == 110
    assert line.last_year == 95


def test_the_area_kpis_last_year_is_the_printed_baseline(reporting_year):
    area = the_return(reporting_year, None)
    line = area.line(f"kpi-{kpi('受診者数').pk}")
    assert line.last_year == 2717


def test_a_figure_belongs_to_the_return_of_its_reporter(kaneyama, okura):
    share = make_share(program(CREMATION), kaneyama.code, 5, kind="budget", approved=False)
    assert permissions.figure_reporter(share) == kaneyama
    assert share.status == FigureStatus.DRAFT


def test_a_program_ended_by_a_revision_is_due_only_in_the_years_it_runs(vision, kaneyama):
    from programs.models import Program

    marriage = Program.objects.get(name="結婚活動支援事業")
    marriage.last_year = 2026  # ended from 令和9年度 (2027) by a revision
    marriage.save()
    assert marriage in permissions.due_programs(vision, kaneyama, 2026)
    assert marriage not in permissions.due_programs(vision, kaneyama, 2027)
