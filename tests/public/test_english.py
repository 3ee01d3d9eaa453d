"""English on the public pages: names fall back to Japanese, years and units by language."""

from datetime import date

import pytest
from django.utils import translation

from core.formats import fy, fy_short, local_name, with_unit, ymd
from programs.models import Program

pytestmark = pytest.mark.django_db


def test_local_name_falls_back_to_japanese():
    program = Program(name="新しい事業", name_en="")
    with translation.override("en"):
        assert local_name(program) == "新しい事業"
        assert local_name(Program(name="x", name_en="New")) == "New"
    with translation.override("ja"):
        assert local_name(Program(name="x", name_en="New")) == "x"


def test_years_and_units_by_language():
    with translation.override("ja"):
        assert (fy(2025), fy_short(2025)) == ("令和7年度（2025年度）", "R7")
        assert with_unit(2100, "千人") == "2,100千人"
        assert ymd(date(2026, 1, 1)) == "2026年1月1日"
    with translation.override("en"):
        assert (fy(2025), fy_short(2025)) == ("FY2025 (Reiwa 7)", "FY2025")
        assert with_unit(2100, "千人") == "2,100 thousand people"
        assert ymd(date(2026, 1, 1)) == "1 January 2026"
    assert with_unit(None, "人") == "−"


def test_the_yearly_cycle_pages_are_linked_in_both_languages(client):
    japanese = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert "年度の進捗状況報告" in japanese and 'href="/reports/"' in japanese
    assert "Annual progress reports" in english and 'href="/en/reports/"' in english
    assert 'href="/en/document/"' in english and 'href="/en/revisions/"' in english
