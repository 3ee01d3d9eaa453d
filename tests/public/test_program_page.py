"""The public program page shows when and how a target changed: both targets with their years."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from kpis.models import KPI
from revisions import services as revisions
from tests.pages import loaded_page
from tests.public.html import tables, text
from tests.revisions.helpers import D, approve
from vision.models import Vision

pytestmark = pytest.mark.django_db


@pytest.fixture
def raised(secretariat):
    """年間事業開催数 25 → 36 (R12), raised to 40 from R9 by 令和9年3月変更."""
    vision = Vision.objects.get(slug="shinjo-mogami-3")
    kpi = KPI.objects.get(name="年間事業開催数")
    revision = revisions.create_revision(
        user=secretariat, vision=vision, title="令和9年3月変更", decided_on=date(2027, 3, 25),
        basis="新庄最上定住自立圏共生ビジョン懇談会",
    )  # fmt: skip
    revisions.change_target(
        user=secretariat, revision=revision, kpi=kpi, effective_year=2027, target=D("40")
    )
    return kpi


def page(client, kpi, language="ja"):
    with translation.override(language):
        url = reverse("public:programs:detail", args=[kpi.program_id])
    return loaded_page(client.get(url), kpi.name)


def test_the_program_page_lists_both_targets_with_their_years(client, raised):
    history = next(t for t in tables(page(client, raised)) if "目標値の変更の履歴" in t["caption"])
    assert [row[:3] for row in history["rows"]] == [
        ["R8まで", "36回", "R12"],
        ["R9から", "40回", "R12"],
    ]


def test_the_program_page_says_which_revision_changed_the_target(client, raised):
    history = next(t for t in tables(page(client, raised)) if "目標値の変更の履歴" in t["caption"])
    assert [row[3] for row in history["rows"]] == [
        "当初のビジョン",
        "令和9年3月変更 （2027年3月25日決定）",
    ]


def test_the_year_path_uses_the_old_target_before_the_change(client, raised):
    approve(raised, 2026, "30")
    path = next(t for t in tables(page(client, raised)) if "年度ごとの見込みと実績" in t["caption"])
    r8 = next(row for row in path["rows"] if row[0].startswith("R8"))
    # straight line 25 → 36 over R6–R12: R8 expects 28.7; against 40 it would be 30
    assert r8[1] == "28.7"


def test_a_page_without_changes_shows_no_target_history(client):
    kpi = KPI.objects.get(name="受診者数")
    body = text(page(client, kpi))
    assert "受診者数：年度ごとの見込みと実績" in body
    assert "目標値の変更の履歴" not in body
