"""The public KPI list's .xlsx download carries names typed in the admin: they stay text."""

import io

import pytest
from openpyxl import load_workbook

from kpis.models import KPI

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://example.invalid/","確認")'


def first_row(client) -> dict:
    response = client.get("/kpis/?_export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return {head.value: cell for head, cell in zip(sheet[1], sheet[2], strict=True)}


@pytest.mark.parametrize(
    "text",
    [
        FORMULA,
        "=1+1",
        "#N/A",
        "+cmd",
        "-2+3",
        "@SUM(A1)",
    ],
)
def test_a_kpi_name_that_looks_like_a_formula_stays_text(client, text):
    kpi = KPI.objects.get(name="年間事業開催数")
    kpi.name = text
    kpi.save()
    cell = first_row(client)["成果指標"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_the_numbers_of_the_download_stay_numbers(client):
    row = first_row(client)
    assert (row["現状値"].value, row["現状値"].data_type) == (25, "n")
    assert (row["目標値の年度"].value, row["目標値の年度"].data_type) == (2030, "n")
