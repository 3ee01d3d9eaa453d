"""The progress report prints legibly: landscape, nothing over the title row, the header
row repeated, every value whole, fitted to the width only at 7 pt or more."""

import io

import pytest
from openpyxl import load_workbook

from reports.report import build_report
from reports.report_xlsx import render_xlsx
from tests.core.test_xlsx_layout import (
    assert_cells_show_whole,
    assert_columns_as_wide_as_content,
    assert_prints_legibly,
    assert_short_headers_on_one_line,
    assert_title_clear,
    printed_points,
)
from tests.reports.conftest import YEAR

pytestmark = pytest.mark.django_db

SIZE = 10  # the report's font size
HEADER_ROW = 4
TEXT_CAPS = {  # the text columns' caps (past them a text wraps); other columns: 10
    "取組項目": 18,
    "事業名": 22,
    "区分": 12,
    "市町村・指標・事業項目": 26,
    "単位": 8,
    "評価": 14,
    "備考": 24,
}


def workbook(vision, year):
    return load_workbook(io.BytesIO(render_xlsx(build_report(vision=vision, fiscal_year=year))))


@pytest.fixture
def made_up(made_up_year):
    return workbook(made_up_year["vision"], YEAR)


@pytest.fixture(params=[2025, 2030], ids=["R7: one year of actuals", "R12: six years"])
def plan(vision, request):
    """The report of the whole plan (its real names), with one or six actual columns."""
    return workbook(vision, request.param)


def fields(book):
    return [ws for ws in book if ws.title not in ("概要", "事業評価")]


def test_every_sheet_prints_landscape_at_7_pt_or_more(made_up, plan):
    for ws in [*made_up, *plan]:
        assert_prints_legibly(ws, SIZE)


def test_a_policy_fields_table_is_not_shrunk_to_a4s_width(plan):
    # 18 or more columns fitted to A4 printed at about 5 pt.
    for ws in fields(plan):
        assert printed_points(ws, SIZE) >= 7, ws.title


def test_nothing_prints_over_the_title_row(made_up, plan):
    for ws in [*made_up, *plan]:
        assert_title_clear(ws)


def test_the_header_row_repeats_on_every_page_instead_of_a_page_header(plan):
    assert {ws.print_title_rows.replace("$", "") for ws in fields(plan)} == {"4:4"}


def test_the_header_row_is_tall_enough_for_its_wrapped_headers(plan):
    for ws in fields(plan):
        assert_cells_show_whole(ws, [HEADER_ROW], SIZE)
        assert_short_headers_on_one_line(ws, HEADER_ROW, SIZE)


def test_every_value_of_a_field_shows_whole(plan):
    for ws in fields(plan):
        assert_cells_show_whole(ws, range(HEADER_ROW + 1, ws.max_row + 1), SIZE)


def test_every_column_is_as_wide_as_its_content_up_to_its_cap(plan):
    for ws in fields(plan):
        headers = {cell.column: cell.value for cell in ws[HEADER_ROW]}
        caps = {column: TEXT_CAPS.get(header, 10) for column, header in headers.items()}
        assert_columns_as_wide_as_content(ws, range(HEADER_ROW + 1, ws.max_row + 1), SIZE, caps)


def test_the_summary_shows_its_tables_and_notes_whole(made_up, plan):
    for ws in (made_up["概要"], plan["概要"]):
        assert_cells_show_whole(ws, range(3, ws.max_row + 1), SIZE)
