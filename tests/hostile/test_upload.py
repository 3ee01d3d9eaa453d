"""The spreadsheet upload under hostile files: refused with a clear message, nothing saved.

Zip bombs, XML entity expansion (billion laughs), external entities, XML that is not
well-formed, wrongly encoded CSV, impossible numbers, hostile file names.
"""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from returns import imports
from tests.constants import HEALTH, KANEYAMA
from tests.hostile import xlsx
from tests.hostile.payloads import SCRIPT
from tests.pages import loaded_page
from tests.returns.helpers import (
    assert_upload_refused,
    header_index,
    program,
    return_url,
    share,
    workbook,
)

pytestmark = pytest.mark.django_db

VALUE = "値（入力）"


@pytest.fixture
def template_bytes(officer):
    response = officer.get(return_url(KANEYAMA, 2025, "template"))
    assert response.status_code == 200
    return response.content


def health_row(ws) -> int:
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["区分"]).value == "予算" and ws.cell(r, col["事業ID"]).value == program(HEALTH).pk:  # fmt: skip
            return r
    raise AssertionError("row not found")


def with_value(template_bytes, value, header=VALUE) -> bytes:
    wb = workbook(template_bytes)
    ws = wb.worksheets[0]
    ws.cell(health_row(ws), header_index(ws)[header]).value = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def as_csv(content: bytes) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in workbook(content).worksheets[0].iter_rows(values_only=True):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def send(client, file):
    return client.post(return_url(KANEYAMA, 2025, "upload"), {"file": file})


UNREADABLE = "Excel ファイル（.xlsx）として読めません"


# --- zip bombs ---------------------------------------------------------------------


def test_a_workbook_that_unzips_to_too_much_is_refused(officer, template_bytes):
    def pad(text):  # 30 MB of whitespace compresses to a few kilobytes
        return text.replace("</worksheet>", " " * (30 * 1024 * 1024) + "</worksheet>")

    bomb = xlsx.edit_part(template_bytes, xlsx.SHEET, pad)
    assert len(bomb) < 200_000
    assert_upload_refused(officer, xlsx.upload(bomb), "ファイルの中身が大きすぎます")


def test_a_small_workbook_with_too_many_rows_is_refused_before_it_is_read(officer, template_bytes):
    bomb = xlsx.rows_bomb(template_bytes, rows=imports.MAX_ROWS + 10)
    assert len(bomb) < imports.max_upload_bytes()
    assert_upload_refused(officer, xlsx.upload(bomb), "行が多すぎます")


def test_a_row_with_too_many_cells_is_refused(officer, template_bytes):
    def wide(text):
        cells = "".join(f'<c r="A{r}"><v>1</v></c>' for r in range(imports.MAX_CELLS + 1))
        return text.replace("</sheetData>", f'<row r="900">{cells}</row></sheetData>')

    assert_upload_refused(
        officer, xlsx.upload(xlsx.edit_part(template_bytes, xlsx.SHEET, wide)), "中身が大きすぎます"
    )


def test_a_zip_that_understates_its_unzipped_size_is_refused(officer, template_bytes):
    def pad(text):
        return text.replace("</worksheet>", " " * (30 * 1024 * 1024) + "</worksheet>")

    bomb = xlsx.understate_size(
        xlsx.edit_part(template_bytes, xlsx.SHEET, pad), xlsx.SHEET, claimed=1000
    )
    assert_upload_refused(officer, xlsx.upload(bomb), UNREADABLE)


# --- XML ----------------------------------------------------------------------------


def test_openpyxl_reads_workbooks_through_defusedxml():
    # Without defusedxml, openpyxl parses with the standard library, which expands
    # entities declared in the file (only a size limit of expat stops a billion laughs).
    # defusedxml is installed today only as a dependency of pip-audit (a test tool):
    # it belongs in the project's own dependencies.
    assert openpyxl.DEFUSEDXML is True


def test_a_billion_laughs_in_the_sheet_is_refused(officer, template_bytes):
    bomb = xlsx.edit_part(
        template_bytes,
        xlsx.SHEET,
        lambda text: xlsx.with_doctype(text, xlsx.BILLION_LAUGHS).replace(
            "<sheetData>", "<sheetData><row r=\"900\"><c r=\"A900\" t=\"inlineStr\"><is><t>&lol9;</t></is></c></row>", 1
        ),
    )  # fmt: skip
    assert_upload_refused(officer, xlsx.upload(bomb), UNREADABLE)


def test_a_billion_laughs_in_the_workbook_part_is_refused(officer, template_bytes):
    bomb = xlsx.edit_part(
        template_bytes,
        "xl/workbook.xml",
        lambda text: xlsx.with_doctype(text, xlsx.BILLION_LAUGHS).replace(
            'name="年度報告"', 'name="&lol9;"'
        ),
    )
    assert_upload_refused(officer, xlsx.upload(bomb), UNREADABLE)


def test_any_entity_declaration_is_refused_even_a_small_one(officer, template_bytes):
    # expat's own limit lets small expansions through; defusedxml refuses them all.
    doctype = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY five "5">]>'
    content = with_value(template_bytes, 7)
    content = xlsx.edit_part(
        content,
        xlsx.SHEET,
        lambda text: xlsx.with_doctype(text, doctype).replace("<v>7</v>", "<v>&five;</v>", 1),
    )
    assert_upload_refused(officer, xlsx.upload(content), UNREADABLE)


def test_an_external_entity_is_never_read(officer, template_bytes):
    doctype = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    content = xlsx.edit_part(
        with_value(template_bytes, "X"),
        xlsx.SHEET,
        lambda text: xlsx.with_doctype(text, doctype).replace(">X<", ">&x;<", 1),
    )
    page = assert_upload_refused(officer, xlsx.upload(content), UNREADABLE)
    assert "root:" not in page


def test_xml_that_is_not_well_formed_is_refused(officer, template_bytes):
    broken = xlsx.edit_part(
        template_bytes, xlsx.SHEET, lambda text: text.replace("</sheetData>", "<row></sheetData>")
    )
    assert_upload_refused(officer, xlsx.upload(broken), UNREADABLE)


def test_a_nul_character_in_the_xml_is_refused(officer, template_bytes):
    content = xlsx.edit_part(
        with_value(template_bytes, 7), xlsx.SHEET, lambda t: t.replace("<v>7</v>", "<v>&#0;</v>")
    )
    assert_upload_refused(officer, xlsx.upload(content), UNREADABLE)


# --- impossible numbers in cells ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cell_xml", "message"),
    [
        ("<v>1e309</v>", "は数値として読めません"),  # read as float infinity
        ("<v>-1e309</v>", "は数値として読めません"),
        ("<v>1000000000000000000000000000000</v>", "桁数が多すぎます（12桁まで）"),
        ("<v>1E+30</v>", "桁数が多すぎます（12桁まで）"),
        ("<v>0.001</v>", "千円単位の整数"),
    ],
)
def test_an_impossible_number_in_a_cell_is_a_row_error(officer, template_bytes, cell_xml, message):
    content = xlsx.edit_part(
        with_value(template_bytes, 7), xlsx.SHEET, lambda t: t.replace("<v>7</v>", cell_xml, 1)
    )
    assert_upload_refused(officer, xlsx.upload(content), "O列「値（入力）」", message)


@pytest.mark.parametrize("text", ["1e309", "NaN", "∞", "10^30", "=1+2", "1" + "0" * 30])
def test_an_impossible_number_as_text_is_a_row_error(officer, template_bytes, text):
    content = as_csv(with_value(template_bytes, text)).encode("utf-8-sig")
    assert_upload_refused(officer, SimpleUploadedFile("return.csv", content), "O列「値（入力）」")


def test_a_formula_is_never_evaluated_by_the_reader(officer, template_bytes):
    # The cell holds a formula with no saved result: refused, not calculated.
    content = with_value(template_bytes, '=HYPERLINK("http://example.invalid","1")')
    assert_upload_refused(officer, xlsx.upload(content), "数式の計算結果が保存されていません")


# --- CSV encodings ------------------------------------------------------------------


def csv_upload(template_bytes, encoding, edit=None) -> SimpleUploadedFile:
    text = as_csv(with_value(template_bytes, 12))
    if edit:
        text = edit(text)
    return SimpleUploadedFile("return.csv", text.encode(encoding))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_unicode_text_csv_gets_a_message_about_its_encoding(officer, template_bytes, encoding):
    # What Excel writes for 「Unicode テキスト」: UTF-16 with a byte order mark.
    file = csv_upload(template_bytes, encoding)
    assert_upload_refused(officer, file, "UTF-16・UTF-32（Unicode テキスト）の CSV は読めません")


def test_a_utf16_csv_without_a_byte_order_mark_is_refused(officer, template_bytes):
    assert_upload_refused(
        officer, csv_upload(template_bytes, "utf-16-le"), "表計算のファイルではありません"
    )


@pytest.mark.parametrize("encoding", ["euc-jp", "iso-2022-jp"])
def test_a_csv_in_another_japanese_encoding_gets_a_message_about_its_encoding(
    officer, template_bytes, encoding
):
    assert_upload_refused(officer, csv_upload(template_bytes, encoding), "文字コード")


def test_a_csv_with_bytes_invalid_in_utf8_and_cp932_is_refused(officer, template_bytes):
    text = as_csv(with_value(template_bytes, 12)).replace("金山町", "@@@", 1)
    content = text.encode("utf-8").replace(b"@@@", b"\xff\xfe\x80")
    assert_upload_refused(
        officer, SimpleUploadedFile("return.csv", content), "CSV の文字コードを読み取れません"
    )


def test_a_csv_with_a_control_character_in_a_comment_is_a_row_error(officer, template_bytes):
    content = with_value(template_bytes, "@@@", header="コメント")
    text = as_csv(content).replace("@@@", "確認\x1b済み")
    file = SimpleUploadedFile("return.csv", text.encode("utf-8-sig"))
    assert_upload_refused(officer, file, "コメントに使えない制御文字が含まれています")


def test_a_csv_cell_larger_than_the_csv_reader_allows_is_refused(officer, template_bytes):
    file = csv_upload(
        template_bytes, "utf-8", edit=lambda t: t.replace("金山町", "あ" * 200_000, 1)
    )
    assert_upload_refused(officer, file, "CSV として読めません")


# --- file names ---------------------------------------------------------------------

MINIMAL_CSV = (",".join(imports.HEADERS) + "\n063614,,2025,,予算,1,,,,,,,,,5\n").encode()


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\windows\\win.ini.csv", "win.ini.csv"),
        ("/var/lib/absolute.csv", "absolute.csv"),
        ("報告\x00.exe.csv", "報告.exe.csv"),
        ("\r\nSet-Cookie: x=1.csv", "Set-Cookie: x=1.csv"),
    ],
)
def test_a_file_name_is_reduced_to_a_harmless_name(name, shown):
    table = imports.read_upload(SimpleUploadedFile(name, MINIMAL_CSV))
    assert table.filename == shown


def test_an_overlong_file_name_is_shortened_keeping_its_suffix():
    name = "あ" * 5000 + ".csv"
    table = imports.read_upload(SimpleUploadedFile(name, MINIMAL_CSV))
    assert len(table.filename) <= imports.MAX_FILENAME and table.filename.endswith("….csv")


@pytest.mark.parametrize(
    "name", ["../../x.csv", f"{SCRIPT}.csv", "a\x00b.csv", "い" * 300 + ".csv"]
)
def test_a_hostile_file_name_is_harmless_from_upload_to_history(
    officer, template_bytes, kaneyama, name
):
    file = SimpleUploadedFile(name, as_csv(with_value(template_bytes, 12)).encode("utf-8-sig"))
    response = send(officer, file)
    assert response.status_code == 302
    preview = loaded_page(officer.get(response["Location"]), HEALTH)
    assert SCRIPT not in preview and "../" not in preview and "\x00" not in preview
    assert officer.post(response["Location"], {"confirm": "1"}).status_code == 302
    figure = share(program(HEALTH), kaneyama)
    assert figure.amount_kyen == 12
    reason = figure.history.first().history_change_reason
    assert reason.startswith("ファイル取り込み（") and "\x00" not in reason and "/" not in reason


def test_markup_in_a_file_name_is_escaped_on_the_refusal_page(officer):
    name = "<img src=x onerror=alert(1)>.csv"
    page = assert_upload_refused(officer, SimpleUploadedFile(name, b"\x89PNG\0"))
    assert name not in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page


def test_the_upload_url_takes_only_post(officer):
    assert officer.get(return_url(KANEYAMA, 2025, "upload")).status_code == 405


def test_a_preview_token_from_nowhere_is_not_found(officer):
    url = reverse("returns:preview", args=[2025, KANEYAMA, "..%2F..%2Fetc"])
    assert officer.get(url).status_code == 404


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(officer, template_bytes):
    text = as_csv(with_value(template_bytes, 12))
    padding = "\n" * (imports.max_upload_bytes() + 1000 - len(text.encode()))
    file = SimpleUploadedFile("return.csv", (text + padding).encode())
    assert_upload_refused(officer, file, "ファイルが大きすぎます")
