"""The Excel/CSV round trip: template, upload, preview, confirm; and every bad file."""

import csv
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from core.models import FigureStatus
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import HEALTH, KANEYAMA, OKURA, SPECIAL_EDUCATION
from tests.returns.helpers import (
    assert_upload_refused,
    figures_snapshot,
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


@pytest.fixture
def officer(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    return client


def template(client, code=KANEYAMA):
    response = client.get(return_url(code, 2025, "template"))
    assert response.status_code == 200
    return workbook(response.content)


def row_of(ws, kind, program_name=None):
    col = header_index(ws)
    pid = program(program_name).pk if program_name else None
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["区分"]).value == kind and (
            pid is None or ws.cell(r, col["事業ID"]).value == pid
        ):
            return r
    raise AssertionError("row not found")


def set_value(ws, row, value, header=VALUE):
    ws.cell(row, header_index(ws)[header]).value = value


def upload(client, file, code=KANEYAMA):
    return client.post(return_url(code, 2025, "upload"), {"file": file})


def preview(client, file, code=KANEYAMA):
    response = upload(client, file, code)
    if response.status_code != 302:
        return response, None
    return client.get(response["Location"]), response["Location"]


def as_csv(ws, encoding="utf-8-sig", edit=None) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in ws.iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    text = buffer.getvalue()
    if edit:
        text = edit(text)
    return SimpleUploadedFile("return.csv", text.encode(encoding), content_type="text/csv")


# --- the template ------------------------------------------------------------------


def test_the_template_has_one_header_row_and_a_row_per_figure_due(officer):
    ws = template(officer).worksheets[0]
    assert ws.max_row == 1 + 39
    assert [c.value for c in ws[1]][:6] == ["全国地方公共団体コード", "地方公共団体名", "年度（西暦）", "年度（和暦）", "区分", "事業ID"]  # fmt: skip
    assert not ws.merged_cells.ranges


def test_the_template_is_prefilled_with_the_current_values(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    services.save_entries(
        user=kaneyama_officer,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"budget-{program(HEALTH).pk}", 120, comment="当初予算")],
    )
    ws = template(officer).worksheets[0]
    r = row_of(ws, "予算", HEALTH)
    col = header_index(ws)
    assert ws.cell(r, col[VALUE]).value == 120
    assert ws.cell(r, col["コメント"]).value == "当初予算"
    assert ws.cell(r, col["事業費見込（千円）"]).value == 110
    assert ws.cell(r, col["版（変更しないでください）"]).value == 1


def test_only_the_value_and_comment_columns_are_open_for_typing(officer):
    ws = template(officer).worksheets[0]
    col = header_index(ws)
    assert ws.protection.sheet
    assert not ws.cell(2, col[VALUE]).protection.locked
    assert not ws.cell(2, col["コメント"]).protection.locked
    assert ws.cell(2, col["事業名"]).protection.locked


# --- the round trip -----------------------------------------------------------------


def test_upload_previews_every_row_and_saves_nothing_yet(officer, kaneyama):
    wb = template(officer)
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), "１，２０５")
    response, _ = preview(officer, xlsx_upload(wb))
    page = response.content.decode()
    assert "新規 1 件、変更 0 件、変更なし 38 件、エラー 0 件" in page
    assert share(program(HEALTH), kaneyama) is None


def test_confirm_saves_the_changed_rows(officer, kaneyama):
    wb = template(officer)
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), "１，２０５")
    set_value(ws, row_of(ws, "決算", HEALTH), "△0")
    _, url = preview(officer, xlsx_upload(wb))
    response = officer.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 1205
    assert share(program(HEALTH), kaneyama, "settlement").amount_kyen == 0


def test_a_preview_can_be_confirmed_only_once(officer):
    wb = template(officer)
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), 5)
    _, url = preview(officer, xlsx_upload(wb))
    officer.post(url, {"confirm": "1"})
    assert officer.post(url, {"confirm": "1"}).status_code == 404


def test_cancel_saves_nothing(officer, kaneyama):
    wb = template(officer)
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), 5)
    _, url = preview(officer, xlsx_upload(wb))
    assert officer.post(url, {"cancel": "1"}).status_code == 302
    assert share(program(HEALTH), kaneyama) is None


def test_confirm_refuses_a_figure_changed_after_the_preview(
    officer, reporting_year, kaneyama, secretariat
):
    wb = template(officer)
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), 5)
    set_value(ws, row_of(ws, "決算", HEALTH), 6)
    _, url = preview(officer, xlsx_upload(wb))
    services.save_entries(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"budget-{program(HEALTH).pk}", 9)],
    )
    response = officer.post(url, {"confirm": "1"})
    assert response.status_code == 409
    assert "t-secretariat さんが先に変更しました（現在の値: 9" in response.content.decode()
    assert share(program(HEALTH), kaneyama).amount_kyen == 9
    assert share(program(HEALTH), kaneyama, "settlement") is None


def test_a_file_from_before_someone_elses_change_is_a_conflict(
    officer, reporting_year, kaneyama, secretariat
):
    wb = template(officer)
    services.save_entries(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"budget-{program(HEALTH).pk}", 9)],
    )
    ws = wb.worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), 5)
    response, _ = preview(officer, xlsx_upload(wb))
    assert "先に変更しました（現在の値: 9、あなたの入力: 5）" in response.content.decode()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_is_read_in_each_encoding_offices_use(officer, kaneyama, encoding):
    ws = template(officer).worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), "１２０")
    set_value(ws, row_of(ws, "予算", HEALTH), "髙橋さん確認済み①", header="コメント")
    _, url = preview(officer, as_csv(ws, encoding))
    assert officer.post(url, {"confirm": "1"}).status_code == 302
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.comment) == (120, "髙橋さん確認済み①")


def test_a_code_excel_turned_into_a_number_is_still_read(officer, kaneyama):
    ws = template(officer).worksheets[0]
    set_value(ws, row_of(ws, "予算", HEALTH), 7)
    csv_file = as_csv(ws, edit=lambda t: t.replace("063614,", "63614,"))
    _, url = preview(officer, csv_file)
    assert officer.post(url, {"confirm": "1"}).status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 7


def with_cached_formula(wb, cell_ref, formula, cached) -> SimpleUploadedFile:
    """An .xlsx whose cell holds a formula and the result Excel saved with it."""
    ws = wb.worksheets[0]
    ws[cell_ref] = f"={formula}"
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text, count = re.subn(
                    rf'(<c r="{cell_ref}"[^>]*>)<f>{re.escape(formula)}</f><v\s*/?>(</v>)?',
                    rf"\1<f>{formula}</f><v>{cached}</v>",
                    text,
                )
                assert count == 1, text[:2000]
                data = text.encode()
            target.writestr(item, data)
    return SimpleUploadedFile("formula.xlsx", out.getvalue())


def test_a_formula_is_read_as_its_saved_result(officer, kaneyama):
    wb = template(officer)
    ws = wb.worksheets[0]
    ref = ws.cell(row_of(ws, "予算", HEALTH), header_index(ws)[VALUE]).coordinate
    _, url = preview(officer, with_cached_formula(wb, ref, "100+20", 120))
    assert officer.post(url, {"confirm": "1"}).status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 120


# --- bad files: a clear message, and the database unchanged --------------------------


def test_another_towns_rows_are_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, OKURA, header="全国地方公共団体コード")
    set_value(ws, 2, 5)
    assert_upload_refused(
        officer,
        as_csv(ws),
        "2行目",
        "A列「全国地方公共団体コード」",
        "他の市町村（大蔵村 063657）の行です",
    )


def test_a_locked_year_is_refused_for_the_secretariat_too(client, reporting_year, secretariat):
    client.force_login(secretariat)
    ws = template(client).worksheets[0]
    set_value(ws, 2, 5)
    reporting_year.is_locked = True
    reporting_year.save()
    assert_upload_refused(client, as_csv(ws), "締め済みのため取り込めません")


def test_an_officer_cannot_upload_to_a_locked_year(officer, reporting_year):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, 5)
    reporting_year.is_locked = True
    reporting_year.save()
    before = figures_snapshot()
    assert upload(officer, as_csv(ws)).status_code == 403
    assert figures_snapshot() == before


def test_another_years_rows_are_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, 2024, header="年度（西暦）")
    assert_upload_refused(
        officer,
        as_csv(ws),
        "この年度報告は 令和7年度（2025年度） です（2024年度の行は取り込めません）",
    )


def test_an_unknown_program_is_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, 99999, header="事業ID")
    assert_upload_refused(officer, as_csv(ws), "F列「事業ID」: 事業ID 99999 の連携事業はありません")


def test_a_program_the_town_does_not_report_is_refused(officer):
    ws = template(officer).worksheets[0]
    special = program(SPECIAL_EDUCATION)
    set_value(ws, 2, special.pk, header="事業ID")
    assert_upload_refused(officer, as_csv(ws), "は金山町が負担額を報告する事業ではありません")


def test_an_unknown_kpi_is_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, row_of(ws, "実績"), 99999, header="指標ID")
    assert_upload_refused(officer, as_csv(ws), "指標ID 99999 の成果指標はありません")


def test_text_in_a_number_cell_is_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, 3, "未定")
    assert_upload_refused(
        officer, as_csv(ws), "3行目", "O列「値（入力）」: 「未定」は数値として読めません"
    )


def test_merged_cells_are_refused(officer):
    wb = template(officer)
    wb.worksheets[0].merge_cells("G2:G3")
    assert_upload_refused(officer, xlsx_upload(wb), "G2:G3 のセルが結合されています")


def test_hidden_rows_are_refused(officer):
    wb = template(officer)
    wb.worksheets[0].row_dimensions[4].hidden = True
    assert_upload_refused(officer, xlsx_upload(wb), "4行目が非表示になっています")


def test_a_formula_without_a_saved_result_is_refused(officer):
    wb = template(officer)
    ws = wb.worksheets[0]
    ws.cell(2, header_index(ws)[VALUE]).value = "=1+2"
    assert_upload_refused(
        officer, xlsx_upload(wb), "2行目・O列「値（入力）」: 数式の計算結果が保存されていません"
    )


def test_duplicate_rows_are_refused(officer):
    wb = template(officer)
    ws = wb.worksheets[0]
    ws.append([c.value for c in ws[2]])
    assert_upload_refused(officer, xlsx_upload(wb), "2行目と同じ数値の行が重複しています")


@pytest.mark.parametrize("value", ["-5", "△5", "▲５"])
def test_a_negative_amount_is_refused(officer, value):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, value)
    assert_upload_refused(officer, as_csv(ws), "負担額にマイナスは入力できません")


def test_a_negative_count_is_refused(officer):
    ws = template(officer).worksheets[0]
    set_value(ws, row_of(ws, "実績"), -2)
    assert_upload_refused(officer, as_csv(ws), "「人」で数える指標にマイナスは入力できません")


def test_an_empty_file_is_refused(officer):
    assert_upload_refused(officer, SimpleUploadedFile("return.xlsx", b""), "ファイルが空です")


def test_a_workbook_with_an_empty_sheet_is_refused_as_empty(officer):
    from openpyxl import Workbook

    stream = io.BytesIO()
    Workbook().save(stream)
    upload = SimpleUploadedFile("return.xlsx", stream.getvalue())
    assert_upload_refused(officer, upload, "1枚目のシートに何も入力されていません")


def test_a_file_with_only_the_header_is_refused(officer):
    wb = template(officer)
    wb.worksheets[0].delete_rows(2, 100)
    assert_upload_refused(officer, xlsx_upload(wb), "データの行がありません")


def test_a_file_without_the_value_column_is_refused(officer):
    ws = template(officer).worksheets[0]
    ws.cell(1, header_index(ws)[VALUE]).value = "値"
    assert_upload_refused(officer, as_csv(ws), "1行目（見出し行）に「値（入力）」の列がありません")


@override_settings(MAX_UPLOAD_BYTES=2000)
def test_an_oversized_file_is_refused(officer):
    ws = template(officer).worksheets[0]
    assert_upload_refused(officer, as_csv(ws), "ファイルが大きすぎます")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("return.xlsx", b"%PDF-1.4 not a workbook", "Excel ファイル（.xlsx）として読めません"),
        ("return.pdf", b"%PDF-1.4 not a workbook", "表計算のファイルではありません"),
        ("return.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "古い形式の Excel ファイル（.xls）は読めません"),
        ("return.xlsx", b"PK\x03\x04broken zip", "Excel ファイル（.xlsx）として読めません"),
        ("return.csv", b"\x89PNG\r\n\x1a\n\0\0\0", "表計算のファイルではありません"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_spreadsheet_is_refused(officer, name, content, message):
    assert_upload_refused(officer, SimpleUploadedFile(name, content), message)


def test_a_preview_belongs_to_the_user_who_uploaded_it(
    officer, client, reporting_year, secretariat
):
    ws = template(officer).worksheets[0]
    set_value(ws, 2, 5)
    _, url = preview(officer, as_csv(ws))
    officer.logout()
    officer.force_login(secretariat)
    assert officer.get(url).status_code == 404
    assert not CostShare.objects.filter(status=FigureStatus.DRAFT, fiscal_year=2025).exists()
