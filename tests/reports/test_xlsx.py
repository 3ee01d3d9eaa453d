"""The report as Excel: opens with openpyxl, numbers as numbers, print-ready, no merged cells."""

import io

import pytest
from openpyxl import load_workbook

from reports.report import build_report
from reports.report_xlsx import render_xlsx
from tests.reports.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook(made_up_year):
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    return load_workbook(io.BytesIO(render_xlsx(report)))


def rows(sheet):
    header = [c.value for c in sheet[4]]
    return [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=5)]


def find(sheet, kind, name):
    return next(
        r
        for r in rows(sheet)
        if r["区分"].value == kind and r["市町村・指標・事業項目"].value == name
    )


def test_it_has_a_summary_and_one_sheet_per_policy_field(workbook):
    assert workbook.sheetnames == ["概要", "1. 分野", "2. 結びつき", "事業評価"]


def test_cost_shares_are_numbers_in_thousand_yen_format(workbook):
    row = find(workbook["1. 分野"], "負担額", "金山町")
    cells = [row["事業費見込（千円）"], row["予算（千円）"]]
    assert [(c.value, c.number_format) for c in cells] == [(400, "#,##0"), (420, "#,##0")]


def test_a_blank_figure_is_an_empty_cell_not_zero(workbook):
    row = find(workbook["1. 分野"], "負担額", "新庄市")
    assert row["決算（千円）"].value is None  # the draft settlement is not in the report


def test_kpi_values_and_rates_are_numbers(workbook):
    row = find(workbook["1. 分野"], "成果指標", "開催回数")
    values = [
        row[h].value for h in ("現状値", "R7実績", "目標値（R7に適用）", "達成率（%）", "評価")
    ]
    assert values == [10, 12, 20, 20, "◎ 目標達成"]


def test_no_sheet_has_merged_cells(workbook):
    assert [ws.title for ws in workbook if ws.merged_cells.ranges] == []


def test_every_sheet_prints_on_a4_fitted_to_the_width(workbook):
    setups = {
        (
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.sheet_properties.pageSetUpPr.fitToPage,
        )
        for ws in workbook
    }
    assert {(str(size), width, fit) for size, width, fit in setups} == {("9", 1, True)}


def test_the_header_row_repeats_on_every_printed_page(workbook):
    assert workbook["1. 分野"].print_title_rows.replace("$", "") == "4:4"


def test_the_summary_counts_grades_per_field(workbook):
    summary = workbook["概要"]
    header = next(r for r in summary.iter_rows(values_only=True) if r[0] == "政策分野")
    first = next(r for r in summary.iter_rows(values_only=True) if r[0] == "1. 分野")
    counts = dict(zip(header, first, strict=False))
    assert (counts["◎ 目標達成"], counts["× 遅れ"], counts["計"]) == (1, 1, 2)


@pytest.mark.parametrize("name", ["=1+1", "#N/A", '=HYPERLINK("http://example.invalid/","x")'])
def test_a_kpi_name_that_looks_like_a_formula_stays_text(made_up_year, name):
    kpi = made_up_year["meetings"]
    kpi.name = name
    kpi.save()
    report = build_report(vision=made_up_year["vision"], fiscal_year=YEAR)
    sheet = load_workbook(io.BytesIO(render_xlsx(report)))["1. 分野"]
    cell = find(sheet, "成果指標", name)["市町村・指標・事業項目"]
    assert (cell.value, cell.data_type) == (name, "s")
