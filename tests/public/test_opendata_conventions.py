"""Open data to the national conventions (issue 13 B, D, E).

File names {code}_{dataset}.csv with the old names still served; the code first and as
text; rows that are not one municipality say what they are; timestamps to the second
with +09:00; the licence (PDL1.0) and its attribution; the KPIs in the long form of
行政事業レビュー. Only approved figures, never drafts.
"""

import csv
import io
import json
import re

import pytest

from core.models import FigureStatus
from kpis.models import KPI
from tests.constants import KANEYAMA, SHINJO, TOWN_CODES
from tests.factories import make_actual
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

AREA_KPI = "年間事業開催数"  # 25 (R6) → 36 (R12), reported by the secretariat for the area
SUMMED_KPI = "圏域内の新規就農者数"
SECONDS_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$")


def csv_rows(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def json_rows(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    return json.loads(response.content)


@pytest.fixture
def area_actual(vision):
    return make_actual(KPI.objects.get(name=AREA_KPI), "27", status=FigureStatus.APPROVED)


# --- B: names, codes, units, timestamps ----------------------------------------------------


def test_the_download_is_named_by_the_central_citys_code(client, vision):
    response = client.get(f"/opendata/{SHINJO}_kpis.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{SHINJO}_kpis.csv"'


def test_the_old_address_still_serves_the_same_file(client, vision):
    old = client.get("/opendata/kpis.csv")
    new = client.get(f"/opendata/{SHINJO}_kpis.csv")
    assert old.status_code == 200 and old.content == new.content
    assert old["Link"] == f'<http://testserver/opendata/{SHINJO}_kpis.csv>; rel="canonical"'


def test_another_code_is_404(client, vision):
    assert client.get(f"/opendata/{KANEYAMA}_kpis.csv").status_code == 404


def test_codes_keep_their_leading_zero_as_text(client, vision):
    rows = json_rows(client, f"/opendata/{SHINJO}_municipalities.json")
    assert [r["code"] for r in rows] == TOWN_CODES
    first = csv_rows(client, f"/opendata/{SHINJO}_municipalities.csv")[0]
    assert first["全国地方公共団体コード"] == SHINJO


def test_an_area_kpi_actual_names_the_area_not_a_blank_code(client, area_actual):
    (row,) = csv_rows(client, f"/opendata/{SHINJO}_kpi_actuals.csv")
    assert (row["全国地方公共団体コード"], row["地方公共団体名"], row["集計単位"]) == (
        SHINJO,
        "新庄最上定住自立圏",
        "圏域",
    )
    (item,) = json_rows(client, f"/opendata/{SHINJO}_kpi_actuals.json")
    assert (item["code"], item["scope"]) == (SHINJO, "area")


def test_population_rows_say_town_area_or_prefecture(client, vision):
    rows = csv_rows(client, f"/opendata/{SHINJO}_population.csv")
    units = {(r["集計単位"], r["全国地方公共団体コード"], r["地方公共団体名"]) for r in rows}
    assert ("県", "060003", "山形県") in units
    assert ("圏域", SHINJO, "新庄最上定住自立圏") in units
    assert ("市町村", KANEYAMA, "金山町") in units
    assert all(r["全国地方公共団体コード"] for r in rows)


def test_approval_times_are_to_the_second_with_the_offset(client, area_actual):
    (item,) = json_rows(client, f"/opendata/{SHINJO}_kpi_actuals.json")
    (row,) = csv_rows(client, f"/opendata/{SHINJO}_kpi_actuals.csv")
    assert SECONDS_WITH_OFFSET.match(item["approved_at"]), item["approved_at"]
    assert row["承認日時"] == item["approved_at"]


# --- D: the licence ------------------------------------------------------------------------


def test_the_page_states_the_licence_and_how_to_credit(client, vision):
    page = loaded_page(client.get("/opendata/"), "オープンデータ")
    assert "公共データ利用規約（第1.0版）" in page and "PDL1.0" in page
    assert "CC BY 4.0" in page
    assert "出典：新庄最上定住自立圏" in page and "を加工して作成" in page


# --- E: the 行政事業レビュー long form -------------------------------------------------------


def review_rows(client, kpi_name):
    rows = csv_rows(client, f"/opendata/{SHINJO}_kpi_review.csv")
    return [(r["年度（西暦）"], r["種別"], r["値"]) for r in rows if r["指標名"] == kpi_name]


def test_a_kpi_has_target_actual_and_rate_rows(client, area_actual):
    # 27 in R7: (27 − 25) ÷ (36 − 25) = 18.2%.
    assert review_rows(client, AREA_KPI) == [
        ("2024", "実績値", "25"),
        ("2025", "実績値", "27"),
        ("2025", "達成率", "18.2"),
        ("2030", "目標値", "36"),
    ]


def test_a_draft_never_reaches_the_review_dataset(client, vision):
    make_actual(KPI.objects.get(name=AREA_KPI), "30", status=FigureStatus.SUBMITTED)
    assert [r for r in review_rows(client, AREA_KPI) if r[0] == "2025"] == []


def test_a_summed_kpi_has_no_actual_while_towns_are_missing(client, vision, kaneyama):
    make_actual(
        KPI.objects.get(name=SUMMED_KPI), "3", municipality=kaneyama, status=FigureStatus.APPROVED
    )
    assert [r for r in review_rows(client, SUMMED_KPI) if r[0] == "2025"] == []
