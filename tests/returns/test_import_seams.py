"""Where the officer's file and the import could disagree about what the file says.

What a person sees when they open or print the workbook is what is imported, or the
file is refused: the data sheet is found by its name, hidden sheets, rows and columns
(also of zero height or width) and values hidden by their number format are refused.
A duplicated column is refused rather than read once. A file that does not say which
version of a figure it saw (no 「版」) cannot overwrite a figure somebody already
entered. The template keeps typed text as text with Excel's quote prefix, and a date
in a value cell is reported as a date.
"""

import csv
import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from programs.models import Program
from returns import services
from returns.annual import Entry
from tests.constants import HEALTH, KANEYAMA
from tests.hostile import xlsx
from tests.pages import loaded_page
from tests.returns.helpers import (
    assert_upload_refused,
    header_index,
    program,
    return_url,
    share,
    the_return,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db

VALUE = "値（入力）"
COMMENT = "コメント"
VERSION = "版（変更しないでください）"
DATA_SHEET = "年度報告"
GUIDE_SHEET = "記入方法"
FRESH_TEMPLATE = "年度報告の画面から最新の様式をダウンロードし、入力し直してください"


@pytest.fixture
def officer(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    return client


def template_bytes(client) -> bytes:
    response = client.get(return_url(KANEYAMA, 2025, "template"))
    assert response.status_code == 200
    return response.content


def template(client):
    return workbook(template_bytes(client))


def health_row(ws, kind="予算") -> int:
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["区分"]).value == kind and ws.cell(r, col["事業ID"]).value == program(HEALTH).pk:  # fmt: skip
            return r
    raise AssertionError("row not found")


def value_cell(ws, kind="予算"):
    return ws.cell(health_row(ws, kind), header_index(ws)[VALUE])


def send(client, file):
    return client.post(return_url(KANEYAMA, 2025, "upload"), {"file": file})


def confirm(client, file):
    """Upload, open the preview, confirm; returns the preview page."""
    response = send(client, file)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = loaded_page(client.get(response["Location"]), "取り込みの確認")
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 302
    return page


def csv_file(ws, drop=()) -> SimpleUploadedFile:
    """The sheet as a UTF-8 CSV (with BOM), without the columns named in ``drop``."""
    keep = [i for i, cell in enumerate(ws[1]) if cell.value not in drop]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in ws.iter_rows(values_only=True):
        writer.writerow(["" if row[i] is None else row[i] for i in keep])
    return SimpleUploadedFile("return.csv", buffer.getvalue().encode("utf-8-sig"))


def saved(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def save_budget(reporting_year, kaneyama, user, value, comment="", kind="budget"):
    services.save_entries(
        user=user,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"{kind}-{program(HEALTH).pk}", value, comment=comment)],
    )


# --- 1. what a person cannot see --------------------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_data_sheet_is_refused_rather_than_read(officer, kaneyama, state):
    # The file: the hidden first sheet says 999, the visible one the officer
    # typed into says 12. Neither is guessed: the file is refused.
    wb = template(officer)
    hidden = wb[DATA_SHEET]
    value_cell(hidden).value = 999
    visible = wb.copy_worksheet(hidden)
    visible.title = "入力用"
    value_cell(visible).value = 12
    hidden.sheet_state = state
    wb.active = wb.index(visible)
    assert_upload_refused(officer, xlsx_upload(wb), f"「{DATA_SHEET}」シートが非表示")
    assert share(program(HEALTH), kaneyama) is None


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_any_hidden_sheet_is_refused(officer, state):
    wb = template(officer)
    value_cell(wb[DATA_SHEET]).value = 12
    wb[GUIDE_SHEET].sheet_state = state
    assert_upload_refused(officer, xlsx_upload(wb), f"「{GUIDE_SHEET}」シートが非表示")


def test_the_data_sheet_is_read_by_name_when_the_guide_comes_first(officer, kaneyama):
    wb = template(officer)
    value_cell(wb[DATA_SHEET]).value = 12
    wb.move_sheet(GUIDE_SHEET, offset=-1)
    assert wb.sheetnames == [GUIDE_SHEET, DATA_SHEET]
    page = confirm(officer, xlsx_upload(wb))
    assert f"「{DATA_SHEET}」シート" in page
    assert share(program(HEALTH), kaneyama).amount_kyen == 12


def test_the_preview_says_which_sheet_was_read(officer):
    wb = template(officer)
    value_cell(wb[DATA_SHEET]).value = 12
    response = send(officer, xlsx_upload(wb))
    page = loaded_page(officer.get(response["Location"]), "新規 1 件")
    assert f"ファイル「return.xlsx」の「{DATA_SHEET}」シートの 39 行" in page


def test_a_workbook_without_the_data_sheet_says_which_sheets_it_has(officer):
    wb = template(officer)
    wb[DATA_SHEET].title = "Sheet1"
    page = assert_upload_refused(
        officer,
        xlsx_upload(wb),
        f"「{DATA_SHEET}」という名前のシートがありません",
        "このファイルのシート：「Sheet1」「記入方法」",
    )
    assert "の列がありません" not in page


def test_a_workbook_of_one_sheet_is_read_whatever_its_name(officer, kaneyama):
    wb = template(officer)
    del wb[GUIDE_SHEET]
    wb[DATA_SHEET].title = "Sheet1"
    value_cell(wb["Sheet1"]).value = 12
    page = confirm(officer, xlsx_upload(wb))
    assert "「Sheet1」シート" in page
    assert share(program(HEALTH), kaneyama).amount_kyen == 12


def test_a_copy_of_the_data_sheet_beside_it_is_refused(officer):
    # Excel names a copied sheet 「年度報告 (2)」: which one holds the figures is unknown.
    wb = template(officer)
    wb.copy_worksheet(wb[DATA_SHEET]).title = f"{DATA_SHEET} (2)"
    assert_upload_refused(
        officer, xlsx_upload(wb), f"「{DATA_SHEET}」と「{DATA_SHEET} (2)」のどちらを読むか"
    )


def test_a_row_of_zero_height_is_refused(officer):
    wb = template(officer)
    r = health_row(wb[DATA_SHEET])
    content = xlsx.row_height(saved(wb), r, 0)
    assert_upload_refused(officer, xlsx.upload(content), f"{r}行目の高さが 0")


def test_a_value_column_of_zero_width_is_refused(officer):
    content = xlsx.column_width(template_bytes(officer), 15, 0)  # O: 「値（入力）」
    assert_upload_refused(officer, xlsx.upload(content), "O列の幅が 0")


def test_all_rows_hidden_by_the_sheets_default_height_are_refused(officer):
    # 「すべての行を非表示」: the sheet's default height is zero, rows without their own height are hidden.
    content = xlsx.edit_part(
        template_bytes(officer), xlsx.SHEET,
        lambda text: text.replace("<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" ', 1),
    )  # fmt: skip
    assert_upload_refused(officer, xlsx.upload(content), "2行目の高さが 0")


@pytest.mark.parametrize(("value", "number_format"), [(12, ";;;"), (0, "#,##0;-#,##0;;@"), (12, '"見込み"')])  # fmt: skip
def test_a_value_hidden_by_its_number_format_is_refused(officer, value, number_format):
    # A cell that shows nothing (or something else) on screen and on paper.
    wb = template(officer)
    cell = value_cell(wb[DATA_SHEET])
    cell.value, cell.number_format = value, number_format
    assert_upload_refused(
        officer,
        xlsx_upload(wb),
        f"{cell.coordinate} のセルは表示形式（{escape(number_format)}）のため",
    )


def test_a_comment_hidden_by_its_number_format_is_refused(officer):
    wb = template(officer)
    ws = wb[DATA_SHEET]
    cell = ws.cell(health_row(ws), header_index(ws)[COMMENT])
    cell.value, cell.number_format = "確認済み", ";;;"
    assert_upload_refused(officer, xlsx_upload(wb), f"{cell.coordinate} のセルは表示形式")


def test_a_value_the_number_format_shows_is_read(officer, kaneyama):
    # Hiding zeros ("#,##0;-#,##0;;@") is common: a value other than 0 is still shown.
    wb = template(officer)
    cell = value_cell(wb[DATA_SHEET])
    cell.value, cell.number_format = 12, "#,##0;-#,##0;;@"
    confirm(officer, xlsx_upload(wb))
    assert share(program(HEALTH), kaneyama).amount_kyen == 12


# --- 2. silent ambiguity ------------------------------------------------------------------


def test_two_value_columns_are_refused(officer):
    wb = template(officer)
    ws = wb[DATA_SHEET]
    extra = ws.max_column + 1
    ws.cell(1, extra).value = VALUE
    ws.cell(health_row(ws), extra).value = 999
    value_cell(ws).value = 12
    assert_upload_refused(officer, xlsx_upload(wb), "「値（入力）」の列が2つあります（O列とT列）")


def test_two_code_columns_in_a_csv_are_refused(officer):
    ws = template(officer)[DATA_SHEET]
    ws.cell(1, ws.max_column + 1).value = "全国地方公共団体コード"
    assert_upload_refused(officer, csv_file(ws), "「全国地方公共団体コード」の列が2つあります")


def test_a_file_without_the_version_cannot_overwrite_a_value_changed_after_it_was_made(
    officer, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    save_budget(reporting_year, kaneyama, kaneyama_officer, 100)
    ws = template(officer)[DATA_SHEET]
    save_budget(reporting_year, kaneyama, secretariat, 9)  # after the template was made
    value_cell(ws).value = 5
    assert_upload_refused(
        officer, csv_file(ws, drop=[VERSION]), "「版」の列がないため", FRESH_TEMPLATE
    )
    assert share(program(HEALTH), kaneyama).amount_kyen == 9


def test_a_blank_version_cannot_overwrite_an_entered_value(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    save_budget(reporting_year, kaneyama, kaneyama_officer, 100)
    wb = template(officer)
    ws = wb[DATA_SHEET]
    value_cell(ws).value = 5
    ws.cell(health_row(ws), header_index(ws)[VERSION]).value = None
    assert_upload_refused(officer, xlsx_upload(wb), "「版」が空欄のため", FRESH_TEMPLATE)
    assert share(program(HEALTH), kaneyama).amount_kyen == 100


def test_a_file_without_the_version_can_enter_a_figure_not_entered_yet(officer, kaneyama):
    ws = template(officer)[DATA_SHEET]
    value_cell(ws).value = 5
    confirm(officer, csv_file(ws, drop=[VERSION]))
    assert share(program(HEALTH), kaneyama).amount_kyen == 5


def test_a_file_without_the_version_may_repeat_an_entered_value_unchanged(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    save_budget(reporting_year, kaneyama, kaneyama_officer, 100)
    ws = template(officer)[DATA_SHEET]
    value_cell(ws, "決算").value = 7
    confirm(officer, csv_file(ws, drop=[VERSION]))
    assert share(program(HEALTH), kaneyama).amount_kyen == 100
    assert share(program(HEALTH), kaneyama, "settlement").amount_kyen == 7


# --- 3. the template keeps text as text ---------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)"])
def test_a_comment_that_starts_like_a_formula_keeps_the_quote_prefix(
    officer, reporting_year, kaneyama, kaneyama_officer, text
):
    save_budget(reporting_year, kaneyama, kaneyama_officer, 100, comment=text, kind="settlement")
    ws = template(officer)[DATA_SHEET]
    cell = ws.cell(health_row(ws, "決算"), header_index(ws)[COMMENT])
    assert cell.row > 2  # not only the first data row, whose style the others copy
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


def test_each_text_cell_gets_the_quote_prefix_it_needs_and_no_other(officer):
    # Program names fill every row: the first data row's name needs a prefix, the
    # last row's another one, the rows between none.
    ws = template(officer)[DATA_SHEET]
    col = header_index(ws)
    first = Program.objects.get(pk=ws.cell(2, col["事業ID"]).value)
    last = Program.objects.get(pk=ws.cell(ws.max_row, col["事業ID"]).value)
    assert first != last
    first.name, last.name = "+" + first.name, "=" + last.name
    first.save()
    last.save()
    ws = template(officer)[DATA_SHEET]
    names = [ws.cell(r, col["事業名"]) for r in range(2, ws.max_row + 1)]
    prefixed = {c.value for c in names if c.quotePrefix}
    assert prefixed == {first.name, last.name}
    assert all(c.data_type == "s" for c in names)


def test_plain_text_gets_no_quote_prefix(officer, reporting_year, kaneyama, kaneyama_officer):
    save_budget(reporting_year, kaneyama, kaneyama_officer, 100, comment="当初予算")
    ws = template(officer)[DATA_SHEET]
    cell = ws.cell(health_row(ws), header_index(ws)[COMMENT])
    assert (cell.value, cell.quotePrefix) == ("当初予算", False)


# --- 4. a date in a value cell ----------------------------------------------------------


def test_a_date_cell_in_the_value_column_is_reported_as_a_date(officer):
    wb = template(officer)
    value_cell(wb[DATA_SHEET]).value = datetime(2025, 4, 1)
    page = assert_upload_refused(
        officer, xlsx_upload(wb), "日付（2025/4/1）が入っています。値（数字）を入れてください"
    )
    assert "空白" not in page


def test_a_number_typed_into_a_date_formatted_cell_is_reported_with_the_format(officer):
    wb = template(officer)
    cell = value_cell(wb[DATA_SHEET])
    cell.value, cell.number_format = 12, "yyyy/m/d"  # Excel shows 1900/1/12
    assert_upload_refused(officer, xlsx_upload(wb), "日付（1900/1/12）が入っています", "表示形式")


@pytest.mark.parametrize(
    "text", ["2025/4/1", "2025-04-01", "令和7年4月1日", "R7.4.1", "２０２５年４月"]
)
def test_a_date_typed_as_text_is_reported_as_a_date(officer, text):
    ws = template(officer)[DATA_SHEET]
    value_cell(ws).value = text
    assert_upload_refused(
        officer, csv_file(ws), f"日付（{text}）が入っています。値（数字）を入れてください"
    )
