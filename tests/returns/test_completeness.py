"""The secretariat's completeness view: towns × what is due, status counts, reporting rate."""

from decimal import Decimal

import pytest
from django.urls import reverse

from returns import services
from returns.annual import Entry, completeness, totals
from tests.constants import FUNAGATA, KANEYAMA, MAMUROGAWA, MOGAMI, OKURA, SAKEGAWA, SHINJO, TOZAWA
from tests.returns.helpers import the_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def kaneyama_half_done(reporting_year, kaneyama, kaneyama_officer):
    ret = the_return(reporting_year, kaneyama)
    half = ret.lines[:20]
    services.save_entries(
        user=kaneyama_officer,
        annual_return=ret,
        entries=[Entry(l.key, Decimal(1)) for l in half],  # noqa: E741
    )
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )


def test_it_counts_each_towns_figures_by_status(reporting_year, secretariat, kaneyama_half_done):
    returns = completeness(
        vision=reporting_year.vision, reporting_year=reporting_year, user=secretariat
    )
    kaneyama = next(r for r in returns if r.code == KANEYAMA)
    # 39 figures and 19 取組状況 (none written yet) are due: 20 of 58 submitted
    assert kaneyama.counts() == {"not_started": 38, "draft": 0, "submitted": 20, "returned": 0, "approved": 0}  # fmt: skip
    assert kaneyama.rate == Decimal("34.5")


def test_it_lists_every_town_and_the_area_return(reporting_year, reviewer):
    returns = completeness(
        vision=reporting_year.vision, reporting_year=reporting_year, user=reviewer
    )
    assert [r.code for r in returns] == [
        SHINJO, KANEYAMA, MOGAMI, FUNAGATA, MAMUROGAWA, OKURA, SAKEGAWA, TOZAWA, "area",
    ]  # fmt: skip
    assert totals(returns)["reported"] == 0


def test_the_admin_page_shows_the_table(client, reporting_year, secretariat, kaneyama_half_done):
    client.force_login(secretariat)
    url = reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk])
    page = client.get(url).content.decode()
    assert "令和7年度（2025年度） 市町村ごとの提出状況" in page
    assert "34.5%" in page


def test_the_year_page_shows_the_table_to_the_reviewer(client, reporting_year, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("returns:year", args=[2025])).content.decode()
    assert "圏域（事務局入力）" in page and "報告率" in page


def test_officers_do_not_see_the_admin_completeness_page(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    url = reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk])
    assert client.get(url).status_code == 403
