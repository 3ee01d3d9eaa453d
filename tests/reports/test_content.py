"""What the progress report of a made-up year says: grades, totals, completeness."""

from decimal import Decimal

import pytest

from reports.report import build_report
from revisions import services as revisions
from tests.reports.conftest import YEAR
from tests.revisions.helpers import open_revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(made_up_year):
    return build_report(vision=made_up_year["vision"], fiscal_year=YEAR)


def program(report, name):
    return next(p for f in report.fields for p in f.programs if p.program.name == name)


def test_it_counts_grades_per_policy_field(report):
    assert [(f.field.number, dict(f.counts)) for f in report.fields] == [
        (1, {"A": 1, "D": 1}),
        (2, {"not_judged": 1, "no_data": 1}),
    ]


def test_it_judges_each_kpi_for_the_year(report):
    rows = {k.kpi.name: (k.rate, k.result) for k in program(report, "事業A").kpis}
    assert rows == {"開催回数": (20, "◎ 目標達成"), "受診者数": (4, "× 遅れ")}


def test_it_shows_why_a_kpi_is_not_graded(report):
    rows = {k.kpi.name: k.result for k in program(report, "事業B").kpis}
    assert rows == {"施設利用者": "評価対象外（目標未設定）", "参加者数": "−（未把握）"}


def test_it_sums_approved_shares_only_and_keeps_blank_apart_from_zero(report):
    totals = program(report, "事業A").totals
    assert (totals["plan"].value, totals["budget"].value, totals["settlement"].value) == (
        1000,
        1070,
        None,
    )


def test_it_keeps_the_stated_total_beside_the_sum(report):
    assert program(report, "事業A").stated_total == 1000


def test_it_totals_each_field(report):
    assert [f.totals["plan"].value for f in report.fields] == [1000, 300]


def test_it_never_uses_an_actual_of_a_later_year(report):
    meetings = program(report, "事業A").kpis[0]
    assert (report.years, [c.value for c in meetings.actuals]) == ([2025], [12])


def test_it_counts_the_reporting_status_per_town(report):
    """The same counts as the 提出状況 page: each participating town's budget and settlement
    of each program, and its 取組状況 of each program (新庄市: 2 programs, 金山町: 事業A)."""
    rows = {r.name: (r.due, r.approved, r.open, r.rate) for r in report.completeness if r.due}
    assert rows == {
        "新庄市": (6, 1, 5, Decimal("16.7")),
        "金山町": (3, 1, 2, Decimal("33.3")),
        "圏域（事務局入力）": (4, 2, 2, 50),
    }


def test_it_gives_the_completeness_total(report):
    total = report.completeness_total
    assert (total.due, total.reported, total.rate) == (13, 4, Decimal("30.8"))


def test_a_program_ended_before_the_year_is_left_out(made_up_year, secretariat):
    revision = open_revision(secretariat, made_up_year["vision"])
    revisions.end_program(
        user=secretariat, revision=revision, program=made_up_year["b"], effective_year=2025
    )
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    assert [p.program.name for f in report.fields for p in f.programs] == ["事業A"]
