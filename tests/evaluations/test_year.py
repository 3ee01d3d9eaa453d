"""The year's completeness screen (/evaluation/<year>/) and the index (/evaluation/)."""

import pytest
from django.urls import reverse

from core.models import FigureStatus
from evaluations.models import TownActivity
from tests.evaluations.helpers import YEAR, graded, health, open_year, submitted
from tests.factories import make_vision
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

YEAR_URL = reverse("evaluations:year", args=[YEAR])


@pytest.fixture
def as_secretariat(client, secretariat, reporting_year):
    client.force_login(secretariat)
    return client


def row_of(page: str, program_name: str) -> str:
    start = page.index(f">{program_name}</a>")
    return page[start : page.index("</tr>", start)]


def test_it_lists_every_program_by_policy_field(as_secretariat):
    page = loaded_page(as_secretariat.get(YEAR_URL), "評価の状況")
    assert "1. 生活機能の強化" in page
    assert "最上地域保健医療対策事業" in page
    assert "職員合同研修事業" in page


def test_it_shows_each_sheets_state(as_secretariat, secretariat):
    submitted(secretariat)
    page = loaded_page(as_secretariat.get(YEAR_URL), "評価の状況")
    assert "提出済み" in row_of(page, "最上地域保健医療対策事業")
    assert "未作成" in row_of(page, "地域連携による夜間休日診療運営事業")


def test_it_shows_which_towns_have_written_their_activity(as_secretariat, kaneyama):
    TownActivity.objects.create(
        program=health(), municipality=kaneyama, fiscal_year=YEAR, text="講座",
        status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    TownActivity.objects.create(
        program=health(), municipality=kaneyama.__class__.objects.get(code="063657"),
        fiscal_year=YEAR, text="  ",
    )  # fmt: skip
    row = row_of(
        loaded_page(as_secretariat.get(YEAR_URL), "評価の状況"), "最上地域保健医療対策事業"
    )
    assert "記入 1／8 市町村" in row
    assert "金山町：" in row
    assert "大蔵村" in row[row.index("未記入：") :]  # blank text counts as not written


def test_it_shows_which_kpis_lack_an_analysis(as_secretariat):
    graded("26")
    row = row_of(
        loaded_page(as_secretariat.get(YEAR_URL), "評価の状況"), "最上地域保健医療対策事業"
    )
    assert "年間事業開催数（△ やや遅れ）" in row


def test_a_kpi_on_track_is_not_listed(as_secretariat):
    graded("27")
    row = row_of(
        loaded_page(as_secretariat.get(YEAR_URL), "評価の状況"), "最上地域保健医療対策事業"
    )
    assert "年間事業開催数" not in row


def test_a_locked_year_says_so(as_secretariat, reporting_year):
    reporting_year.is_locked = True
    reporting_year.save()
    loaded_page(as_secretariat.get(YEAR_URL), "この年度は締め済みです")


def test_the_index_lists_the_current_visions_years(as_secretariat, vision):
    open_year(vision, YEAR + 1)
    open_year(make_vision(), YEAR + 3)
    page = loaded_page(as_secretariat.get(reverse("evaluations:index")), "年度の評価")
    assert "令和7年度（2025年度）の評価" in page
    assert "令和8年度（2026年度）の評価" in page
    assert "2028年度" not in page
