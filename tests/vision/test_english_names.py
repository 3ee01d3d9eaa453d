"""English names: loaded from fixtures/vision/names_en.json, idempotently."""

import pytest

from kpis.models import KPI
from programs.models import Program
from tests.constants import TOURISM
from vision.loader import load_vision, read_english_names, read_fixtures
from vision.models import AgreementItem, Category, PolicyField

pytestmark = pytest.mark.django_db


def test_every_plan_name_has_an_english_name():
    for model in (PolicyField, Category, AgreementItem, Program, KPI):
        assert not model.objects.filter(name_en="").exists(), model


def test_english_names_are_loaded_by_natural_key():
    assert Program.objects.get(name=TOURISM).name_en == "Mogami area-wide tourism"
    assert KPI.objects.get(name="受診者数").name_en == "Patients seen"


def test_loading_english_names_twice_changes_nothing():
    plan, statistics = read_fixtures()
    report = load_vision(plan=plan, statistics=statistics)
    assert report.changed == 0


def test_a_changed_english_name_is_written_back():
    Program.objects.filter(name=TOURISM).update(name_en="old")
    plan, statistics = read_fixtures()
    report = load_vision(plan=plan, statistics=statistics, names_en=read_english_names())
    assert report.updated == {"連携事業": 1}
    assert Program.objects.get(name=TOURISM).name_en == "Mogami area-wide tourism"
