"""The vision document as a public HTML page: structure, figures, revisions, no external fetch."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from core.pdf import FetchRefused, static_only_fetcher
from kpis.models import KPI
from revisions import services as revisions
from tests.public.html import tables, text
from tests.revisions.helpers import D
from vision.models import Vision

pytestmark = pytest.mark.django_db


def page(client, language="ja"):
    with translation.override(language):
        url = reverse("public:document:page")
    return client.get(url).content.decode()


def test_the_page_has_the_agreement_matrix(client):
    matrix = next(t for t in tables(page(client)) if "形成協定項目" in t["caption"])
    row = next(r for r in matrix["rows"] if any("15 道路の除排雪" in c for c in r))
    assert row[-7:] == ["—", "—", "—", "—", "○", "—", "—"]


def test_the_page_prints_the_cost_table_with_its_stated_total(client):
    costs = [t for t in tables(page(client)) if t["caption"] == "事業費見込（千円）"]
    first = costs[2]  # 子育て支援センター事業
    assert first["rows"][0][:2] == ["事業費見込", "45,812"] and first["rows"][1][:2] == [
        "新庄市",
        "6,532",
    ]


def test_a_blank_share_stays_blank_and_zero_stays_zero(client):
    costs = [t for t in tables(page(client)) if t["caption"] == "事業費見込（千円）"]
    assert costs[1]["rows"][2][1] == "0" and costs[3]["rows"][1][1] == ""


def test_the_english_page_says_it_is_the_japanese_document(client):
    assert "in Japanese only" in text(page(client, "en"))


def test_a_revised_target_appears_with_its_history(client, secretariat):
    vision = Vision.objects.get(slug="shinjo-mogami-3")
    revision = revisions.create_revision(
        user=secretariat, vision=vision, title="令和9年3月変更", decided_on=date(2027, 3, 25),
        basis="懇談会",
    )  # fmt: skip
    revisions.change_target(
        user=secretariat,
        revision=revision,
        kpi=KPI.objects.get(name="年間事業開催数"),
        effective_year=2027,
        target=D("40"),
    )
    body = text(page(client))
    assert "年間事業開催数の目標値：36回（当初）、40回（R9から・令和9年3月変更）" in body


def test_the_pdf_renderer_reads_no_url_outside_the_static_files():
    with pytest.raises(FetchRefused):
        static_only_fetcher()("https://example.com/tracker.png")


def test_the_pdf_renderer_reads_the_print_stylesheet():
    response = static_only_fetcher()("https://x.invalid/static/css/print.css")
    assert b"Noto Sans CJK JP" in response.read()
