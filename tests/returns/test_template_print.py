"""The officers' template prints as an office prints it: landscape, one page wide at a
legible size, the header row tall enough and repeated, 「値（入力）」 on the first page."""

import io

import pytest
from openpyxl import load_workbook

from returns.imports import COLUMNS, SHEET_TITLE, VALUE
from tests.constants import KANEYAMA
from tests.core.test_xlsx_layout import (
    assert_cells_show_whole,
    assert_columns_as_wide_as_content,
    assert_prints_legibly,
    assert_short_headers_on_one_line,
    assert_title_clear,
    column_width,
    print_scale,
    printable_width,
    total_width,
)
from tests.returns.helpers import YEAR, return_url

pytestmark = pytest.mark.django_db

SIZE = 11  # Excel's default font


@pytest.fixture
def sheet(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    response = client.get(return_url(KANEYAMA, YEAR, "template"))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))[SHEET_TITLE]


def test_it_prints_landscape_one_page_wide_at_7_pt_or_more(sheet):
    assert_prints_legibly(sheet, SIZE)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_the_value_column_is_on_the_first_page(sheet):
    value = [c.value for c in sheet[1]].index(VALUE) + 1
    assert total_width(sheet, value) * print_scale(sheet) <= printable_width(sheet)


def test_the_header_row_repeats_on_every_page(sheet):
    assert sheet.print_title_rows.replace("$", "") == "1:1"


def test_nothing_prints_over_the_header_row(sheet):
    assert_title_clear(sheet)


def test_the_header_row_is_tall_enough_for_its_wrapped_headers(sheet):
    assert sheet.row_dimensions[1].height > 15  # Excel's default, which row 2 overprinted
    assert_cells_show_whole(sheet, [1], SIZE)
    assert_short_headers_on_one_line(sheet, 1, SIZE)


def test_every_value_shows_whole_or_wraps(sheet):
    # The data rows keep no height of their own: Excel fits them to their wrapped text.
    assert sheet.max_row > 2
    assert_cells_show_whole(sheet, range(2, sheet.max_row + 1), SIZE, heights=False)


def test_every_column_is_as_wide_as_its_content_up_to_its_cap(sheet):
    caps = {column: most for column, (_h, (_least, most), _e) in enumerate(COLUMNS, start=1)}
    assert_columns_as_wide_as_content(sheet, range(2, sheet.max_row + 1), SIZE, caps)


def test_the_typed_in_columns_have_room_to_type(sheet):
    headers = [c.value for c in sheet[1]]
    value, comment = headers.index(VALUE) + 1, headers.index("コメント") + 1
    assert (column_width(sheet, value) >= 12, column_width(sheet, comment) >= 20) == (True, True)
