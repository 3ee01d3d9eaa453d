"""The progress report's totals wait for every participant (issue 13 A).

In the made-up year 事業A's participants are 新庄市 and 金山町; the tests take back
金山町's approved budget, so one of two has reported.
"""

import io

import pytest
from openpyxl import load_workbook

from programs.models import CostShare
from reports.report import build_report
from reports.report_xlsx import render_xlsx
from tests.constants import KANEYAMA, SHINJO
from tests.factories import make_share
from tests.reports.conftest import YEAR

pytestmark = pytest.mark.django_db

BUDGET = CostShare.Kind.BUDGET


def test_report_program_total_of_one_town_in_two_is_collecting(made_up_year):
    a = made_up_year["a"]
    CostShare.objects.filter(program=a, kind=BUDGET, municipality__code=KANEYAMA).delete()
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    (program,) = report.fields[0].programs
    total = program.totals[BUDGET]
    assert (total.value, total.text) == (None, "集計中（1/2市町村が報告）")


def test_report_field_and_grand_totals_wait_for_every_program(made_up_year):
    a = made_up_year["a"]
    CostShare.objects.filter(program=a, kind=BUDGET, municipality__code=KANEYAMA).delete()
    make_share(made_up_year["b"], SHINJO, 50, kind=BUDGET)
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    assert report.fields[0].totals[BUDGET].text == "集計中（0/1事業が確定）"
    assert report.grand_totals[BUDGET].text == "集計中（1/2事業が確定）"
    assert report.grand_totals[BUDGET].value is None


def test_report_spreadsheet_writes_collecting_not_a_partial_sum(made_up_year):
    a = made_up_year["a"]
    CostShare.objects.filter(program=a, kind=BUDGET, municipality__code=KANEYAMA).delete()
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    workbook = load_workbook(io.BytesIO(render_xlsx(report)))
    cells = [c.value for ws in workbook.worksheets for r in ws.iter_rows() for c in r]
    assert "集計中（1/2市町村が報告）" in cells
    assert 650 in cells  # 新庄市's own budget is still shown on its row
