"""The KPI list's .xlsx download: columns as wide as their Japanese text, long names
wrapped, printed landscape at a legible size with the header row repeated."""

import io

import pytest
from openpyxl import load_workbook

from core.xlsx_export import DATASET_MAX_WIDTH, display_width
from tests.core.test_xlsx_layout import (
    assert_cells_show_whole,
    assert_columns_as_wide_as_content,
    assert_prints_legibly,
    assert_short_headers_on_one_line,
    assert_title_clear,
    column_width,
)

pytestmark = pytest.mark.django_db

SIZE = 11  # Excel's default font


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


@pytest.fixture(params=["/kpis/?_export=xlsx", "/en/kpis/?_export=xlsx"], ids=["ja", "en"])
def sheet(client, request):
    return download(client, request.param)


def test_unit_and_item_columns_are_as_wide_as_their_full_width_headers(client):
    # They were 2 and 4 wide: the number of characters, not their width.
    ws = download(client, "/kpis/?_export=xlsx")
    columns = {cell.value: cell.column for cell in ws[1]}
    assert column_width(ws, columns["単位"]) >= display_width("単位")
    assert column_width(ws, columns["取組項目"]) >= display_width("取組項目")


def test_every_column_is_as_wide_as_its_content_up_to_the_cap(sheet):
    caps = dict.fromkeys(range(1, sheet.max_column + 1), DATASET_MAX_WIDTH)
    assert_columns_as_wide_as_content(sheet, range(2, sheet.max_row + 1), SIZE, caps)


def test_a_long_name_wraps_in_a_row_tall_enough(sheet):
    assert sheet.max_row > 2
    assert_cells_show_whole(sheet, range(2, sheet.max_row + 1), SIZE)


def test_the_header_row_is_tall_enough_and_short_headers_stay_on_one_line(sheet):
    assert_cells_show_whole(sheet, [1], SIZE)
    assert_short_headers_on_one_line(sheet, 1, SIZE)


def test_it_prints_landscape_at_7_pt_or_more(sheet):
    assert_prints_legibly(sheet, SIZE)


def test_the_header_row_repeats_on_every_page(sheet):
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    assert_title_clear(sheet)
