"""The KPI list: sorting, filtering by policy field, town and grade, CSV and .xlsx downloads."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from tests.constants import SAKEGAWA
from tests.pages import loaded_page
from tests.public.html import table
from vision.models import PolicyField

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def names(client, query=""):
    body = loaded_page(client.get("/kpis/" + query), "成果指標の一覧")
    return [r[0] for r in table(body, "成果指標の一覧")["rows"] if len(r) > 1]


def approve(name, value, year=2030):
    KPIActual.objects.create(
        kpi=KPI.objects.get(name=name),
        fiscal_year=year,
        value=Decimal(value),
        approved_value=Decimal(value),
        status=FigureStatus.APPROVED,
        approved_at=datetime(2031, 5, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
    )


def test_it_lists_kpis_in_document_order(client):
    assert names(client)[:3] == ["年間事業開催数", "受診者数", "勉強会・情報交換会の開催件数"]


def test_it_sorts_by_baseline(client):
    ordered = names(client, "?sort=-baseline")
    assert ordered[0] == "利用者数"  # 23,809 riders of the 大蔵村 bus
    assert ordered.index("受診者数") < ordered.index("年間事業開催数")


def test_it_sorts_by_grade_with_ungraded_last(client):
    approve("年間事業開催数", "36")
    assert names(client, "?sort=grade")[0] == "年間事業開催数"
    assert names(client, "?sort=-grade")[-1] == "年間事業開催数"


def test_it_filters_by_policy_field(client, vision):
    field = PolicyField.objects.get(vision=vision, number=3)
    assert names(client, f"?field={field.pk}") == [
        "職員の満足度",
        "勉強会等の実施回数",
        "研修会の開催回数",
    ]


def test_it_filters_by_town(client):
    listed = names(client, f"?town={SAKEGAWA}")  # 鮭川村 is not in 下水処理施設共同管理事業
    assert "共同管理する施設数" not in listed
    assert "利用者数" in listed


def test_it_filters_by_grade(client):
    approve("年間事業開催数", "36")
    assert names(client, "?grade=A") == ["年間事業開催数"]
    assert names(client, "?grade=not_judged") == ["施設利用者"]
    assert len(names(client, "?grade=to_be_set")) == 3


def test_a_bad_filter_value_shows_everything_not_an_error(client):
    response = client.get("/kpis/?field=abc&grade=zzz")
    assert response.status_code == 200
    assert len(names(client, "?field=abc")) == 26


def test_it_shows_the_latest_approved_actual_rate_and_grade(client):
    approve("受診者数", "2300")
    body = client.get("/kpis/").content.decode()
    row = next(r for r in table(body, "成果指標の一覧")["rows"] if r[0] == "受診者数")
    assert "2,300人 R12" in row and "58.2%" in row and "△ C やや遅れ" in row
    assert "2031年5月1日" in row


def read_csv(response):
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_download_has_plain_numbers_and_blank_for_missing(client):
    approve("受診者数", "2300")
    response = client.get("/kpis/?_export=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="kpis.csv"' in response["Content-Disposition"]
    rows = {r["成果指標"]: r for r in read_csv(response)}
    assert len(rows) == 25  # two KPIs share the name 利用者数
    patients = rows["受診者数"]
    assert (patients["現状値"], patients["最新の実績"], patients["達成率"]) == (
        "2717",
        "2300",
        "58.2",
    )
    assert (patients["実績の年度"], patients["実績の年度（和暦）"]) == ("2030", "令和12年度")
    assert rows["年間事業開催数"]["最新の実績"] == ""
    assert rows["施設利用者"]["目標値"] == ""


def test_csv_download_follows_the_filter(client):
    rows = read_csv(client.get("/kpis/?grade=not_judged&_export=csv"))
    assert [r["成果指標"] for r in rows] == ["施設利用者"]


def test_xlsx_download_opens_with_numbers(client):
    from openpyxl import load_workbook

    response = client.get("/kpis/?_export=xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["成果指標"] == "年間事業開催数"
    assert first["現状値"] == 25 and first["目標値"] == 36
    assert sheet.max_row == 27


def test_english_download_has_english_headers(client):
    rows = read_csv(client.get("/en/kpis/?_export=csv"))
    assert "Achievement rate" in rows[0]
    assert rows[0]["KPI"] == "Events held per year"
