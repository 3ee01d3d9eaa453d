"""The .xlsx reader reads values once (openpyxl's read-only mode) and checks the sheet's
structure in its own streaming pass: files whose XML the two could read differently are
refused, and what the file claims about itself (its size) is never trusted."""

import io
import re

import pytest

from tests.constants import HEALTH, KANEYAMA
from tests.hostile import xlsx
from tests.hostile.test_upload import UNREADABLE, send, with_value
from tests.returns.helpers import assert_upload_refused, program, return_url, share, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def template_bytes(officer):
    response = officer.get(return_url(KANEYAMA, 2025, "template"))
    assert response.status_code == 200
    return response.content


def saved(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def edited(template_bytes, edit, value=None) -> bytes:
    content = template_bytes if value is None else with_value(template_bytes, value)
    return xlsx.edit_part(content, xlsx.SHEET, edit)


def test_rows_out_of_order_are_refused(officer, template_bytes):
    def swap(text):
        rows = re.findall(r'<row r="\d+".*?</row>', text)
        return text.replace(rows[2], "\0").replace(rows[3], rows[2]).replace("\0", rows[3])

    assert_upload_refused(officer, xlsx.upload(edited(template_bytes, swap)), UNREADABLE)


def test_a_cell_outside_its_row_is_refused(officer, template_bytes):
    def move(text):
        return text.replace('<c r="O3"', '<c r="O30"', 1)

    assert_upload_refused(officer, xlsx.upload(edited(template_bytes, move)), UNREADABLE)


def test_a_size_the_file_understates_does_not_hide_its_last_rows(officer, template_bytes, kaneyama):
    content = edited(
        template_bytes, lambda text: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', text), 4321
    )  # fmt: skip
    response = send(officer, xlsx.upload(content))
    assert response.status_code == 302
    assert officer.post(response["Location"], {"confirm": "1"}).status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 4321


def test_a_row_numbered_beyond_the_limit_is_refused_before_the_rows_are_read(
    officer, template_bytes
):
    def far(text):
        return text.replace("</sheetData>", '<row r="900000"><c r="A900000"><v>1</v></c></row></sheetData>')  # fmt: skip

    assert_upload_refused(
        officer, xlsx.upload(edited(template_bytes, far)), "行が多すぎます（899999行）"
    )


def test_a_merge_over_the_whole_sheet_is_refused_without_expanding_it(officer, template_bytes):
    def merge(text):
        return text.replace(
            "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
        )  # fmt: skip

    assert_upload_refused(
        officer,
        xlsx.upload(edited(template_bytes, merge)),
        "A1:XFD1048576 のセルが結合されています",
    )


def test_a_hidden_value_column_is_refused(officer, template_bytes):
    wb = workbook(template_bytes)
    wb.worksheets[0].column_dimensions["O"].hidden = True
    assert_upload_refused(officer, xlsx.upload(saved(wb)), "O列が非表示になっています")


def test_a_formula_in_a_cell_without_a_reference_is_found(officer, template_bytes):
    """Cells may omit their reference ("r"): the reader counts them as openpyxl does."""

    def unnamed(text):
        row = re.search(r'<row r="2".*?</row>', text).group(0)
        cells = re.findall(r"<c .*?(?:/>|</c>)", row)
        bare = [re.sub(r' r="[A-Z]+2"', "", c) for c in cells[:15]]
        bare[14] = "<c><f>1+2</f></c>"  # column O, 「値（入力）」
        return text.replace(row, row.replace("".join(cells[:15]), "".join(bare)))

    assert_upload_refused(
        officer,
        xlsx.upload(edited(template_bytes, unnamed)),
        "2行目・O列「値（入力）」: 数式の計算結果が保存されていません",
    )
