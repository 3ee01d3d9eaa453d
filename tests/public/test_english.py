"""English names: loaded from fixtures/vision/names_en.json, idempotently."""

import pytest
from django.utils import translation

from kpis.models import KPI
from programs.models import Program
from vision.loader import load_vision, read_english_names, read_fixtures
from vision.models import AgreementItem, Category, PolicyField
from vision.templatetags.dashboard import fy, fy_short, local_name, with_unit, ymd

pytestmark = pytest.mark.django_db


def test_every_plan_name_has_an_english_name():
    for model in (PolicyField, Category, AgreementItem, Program, KPI):
        assert not model.objects.filter(name_en="").exists(), model


def test_english_names_are_loaded_by_natural_key():
    assert Program.objects.get(name="最上広域観光事業").name_en == "Mogami area-wide tourism"
    assert KPI.objects.get(name="受診者数").name_en == "Patients seen"


def test_loading_english_names_twice_changes_nothing():
    plan, statistics = read_fixtures()
    report = load_vision(plan=plan, statistics=statistics)
    assert report.changed == 0


def test_a_changed_english_name_is_written_back():
    Program.objects.filter(name="最上広域観光事業").update(name_en="old")
    plan, statistics = read_fixtures()
    report = load_vision(plan=plan, statistics=statistics, names_en=read_english_names())
    assert report.updated == {"連携事業": 1}
    assert Program.objects.get(name="最上広域観光事業").name_en == "Mogami area-wide tourism"


def test_local_name_falls_back_to_japanese():
    program = Program(name="新しい事業", name_en="")
    with translation.override("en"):
        assert local_name(program) == "新しい事業"
        assert local_name(Program(name="x", name_en="New")) == "New"
    with translation.override("ja"):
        assert local_name(Program(name="x", name_en="New")) == "x"


def test_years_and_units_by_language():
    from datetime import date

    with translation.override("ja"):
        assert (fy(2025), fy_short(2025)) == ("令和7年度（2025年度）", "R7")
        assert with_unit(2100, "千人") == "2,100千人"
        assert ymd(date(2026, 1, 1)) == "2026年1月1日"
    with translation.override("en"):
        assert (fy(2025), fy_short(2025)) == ("FY2025 (Reiwa 7)", "FY2025")
        assert with_unit(2100, "千人") == "2,100 thousand people"
        assert ymd(date(2026, 1, 1)) == "1 January 2026"
    assert with_unit(None, "人") == "−"


@pytest.mark.django_db
def test_the_yearly_cycle_pages_are_linked_in_both_languages(client):
    japanese = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert "年度の進捗状況報告" in japanese and 'href="/reports/"' in japanese
    assert "Annual progress reports" in english and 'href="/en/reports/"' in english
    assert 'href="/en/document/"' in english and 'href="/en/revisions/"' in english
