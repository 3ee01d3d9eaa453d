"""Each open-data dataset: exact JSON keys, CSV conventions, only approved figures."""

import csv
import io
import json

import pytest
from django.urls import reverse

from core.models import FigureStatus
from kpis.models import KPI
from programs.models import CostShare, Program
from tests.constants import HEALTH, KANEYAMA, SHINJO
from tests.factories import make_actual, make_share

pytestmark = pytest.mark.django_db

# Every JSON object starts with the code (6-digit text) and what the row is (scope).
LEAD = ["code", "scope"]
KEYS = {
    "municipalities": [
        *LEAD,
        "name",
        "name_kana",
        "name_en",
        "is_central_city",
        "population",
        "area_km2",
    ],
    "agreement_items": [*LEAD, "number", "title", "policy_field", "category", "parties"],
    "programs": [*LEAD, "id", "name", "agreement_item", "participants", "stated_total_kyen"],
    "budget_shares": [
        *LEAD,
        "program_id",
        "program",
        "municipality_code",
        "fiscal_year",
        "kind",
        "amount_kyen",
        "approved_at",
    ],
    "kpis": [
        *LEAD,
        "id",
        "program_id",
        "name",
        "unit",
        "baseline",
        "baseline_fiscal_year",
        "target",
        "target_fiscal_year",
        "direction",
        "note",
    ],
    "kpi_actuals": [
        *LEAD,
        "kpi_id",
        "fiscal_year",
        "municipality_code",
        "value",
        "approved_at",
    ],
    "kpi_review": [
        *LEAD,
        "kpi_id",
        "program_id",
        "fiscal_year",
        "kind",
        "value",
        "unit",
        "approved_at",
        "note",
    ],
    "population": [*LEAD, "municipality_code", "year", "population", "kind"],
}


def get_json(client, name):
    response = client.get(reverse("opendata:file_json", args=[SHINJO, name]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def get_csv(client, name):
    response = client.get(reverse("opendata:file_csv", args=[SHINJO, name]))
    assert response.status_code == 200
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV must start with the UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def with_actual(vision, kaneyama):
    kpi = KPI.objects.get(name="圏域内の新規就農者数")
    return make_actual(kpi, "3", municipality=kaneyama, status=FigureStatus.APPROVED)


@pytest.mark.parametrize("name", KEYS)
def test_json_objects_have_exactly_the_documented_keys(client, name, with_actual):
    rows = get_json(client, name)
    assert rows, f"{name} is empty"
    assert all(list(row) == KEYS[name] for row in rows)


@pytest.mark.parametrize("name", KEYS)
def test_every_csv_starts_with_code_name_and_unit(client, name, with_actual):
    header = get_csv(client, name)[0]
    assert header[:3] == ["全国地方公共団体コード", "地方公共団体名", "集計単位"]


def test_csv_gives_western_and_japanese_fiscal_years(client):
    rows = get_csv(client, "budget_shares")
    header = rows[0]
    first = dict(zip(header, rows[1], strict=True))
    assert (first["年度（西暦）"], first["年度（和暦）"]) == ("2025", "令和7年度")


def test_the_index_lists_every_dataset_with_its_columns(client):
    response = client.get(reverse("opendata:index"))
    body = response.content.decode()
    for name in KEYS:
        assert f"/opendata/{SHINJO}_{name}.json" in body
        assert f"/opendata/{SHINJO}_{name}.csv" in body
    assert "<code>stated_total_kyen</code>" in body


def test_the_counts_match_the_document(client):
    assert len(get_json(client, "municipalities")) == 8
    assert len(get_json(client, "agreement_items")) == 20
    assert len(get_json(client, "programs")) == 26
    assert len(get_json(client, "kpis")) == 26
    assert len(get_json(client, "population")) == 13 * 10


def test_figures_come_through_as_numbers_and_blank_as_null(client):
    shares = get_json(client, "budget_shares")
    by_key = {(s["program"], s["municipality_code"]): s["amount_kyen"] for s in shares}
    assert by_key["最上地域保健医療対策事業", "062057"] == 612
    assert by_key["地域連携による夜間休日診療運営事業", "063614"] == 0
    assert by_key["子どもの遊び場の広域利用", "062057"] is None
    kpis = {k["name"]: k for k in get_json(client, "kpis")}
    assert kpis["職員の満足度"]["baseline"] == 89.6
    assert kpis["施設利用者"]["target"] is None and kpis["施設利用者"]["direction"] is None
    assert kpis["受診者数"]["direction"] == "decrease"


def test_programs_with_undecided_participants_have_null(client):
    programs = {p["name"]: p for p in get_json(client, "programs")}
    assert programs["関係人口の創出"]["participants"] is None
    assert programs["コミュニティバス運行事業（鮭川村営バス）"]["participants"] == [
        "062057",
        "063665",
    ]
    assert programs["最上地域農業・畜産振興事業"]["stated_total_kyen"] is None
    assert programs["子育て支援センター事業"]["stated_total_kyen"] == 45812


def test_agreement_parties_use_the_three_states(client):
    items = {i["number"]: i for i in get_json(client, "agreement_items")}
    assert items[15]["parties"] == {
        "063614": "not_party",
        "063622": "not_party",
        "063631": "not_party",
        "063649": "not_party",
        "063657": "party",
        "063665": "not_party",
        "063673": "not_party",
    }
    assert set(items[20]["parties"].values()) == {"undecided"}
    assert items[9]["policy_field"] == "生活機能の強化" and items[9]["category"] == "産業振興"


def test_only_approved_actuals_are_published(client, kaneyama, okura, with_actual):
    kpi = KPI.objects.get(name="圏域内の新規就農者数")
    make_actual(kpi, "99", municipality=okura, status=FigureStatus.DRAFT)
    area = KPI.objects.get(name="年間事業開催数")
    make_actual(area, "77", status=FigureStatus.SUBMITTED)
    rows = get_json(client, "kpi_actuals")
    assert [(r["kpi_id"], r["municipality_code"], r["value"]) for r in rows] == [
        (kpi.pk, KANEYAMA, 3)
    ]
    rows = get_csv(client, "kpi_actuals")
    values = [dict(zip(rows[0], row, strict=True))["実績値"] for row in rows[1:]]
    assert values == ["3"]


def test_a_changed_value_keeps_the_approved_one_public(client, with_actual):
    with_actual.value = 5
    with_actual.status = FigureStatus.SUBMITTED
    with_actual.save()
    assert [r["value"] for r in get_json(client, "kpi_actuals")] == [3]


def test_unapproved_budget_figures_are_not_published(client, kaneyama):
    program = Program.objects.get(name=HEALTH)
    make_share(program, KANEYAMA, 115, kind=CostShare.Kind.BUDGET, approved=False)
    kinds = {s["kind"] for s in get_json(client, "budget_shares")}
    assert kinds == {"plan"}


def test_an_unknown_dataset_is_404(client):
    assert client.get("/opendata/secrets.json").status_code == 404
    assert client.get("/opendata/secrets.csv").status_code == 404
    assert client.get(f"/opendata/{SHINJO}_secrets.csv").status_code == 404


def test_approval_time_is_given_in_japan_time(client, with_actual):
    (row,) = get_json(client, "kpi_actuals")
    assert row["approved_at"].endswith("+09:00")
