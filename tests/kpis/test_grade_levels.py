"""Grade levels must all be reachable: minimums fall from the top down, only the last is blank.

The loaded levels are A 100 / B 80 / C 50 / D (blank).
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kpis.models import GradeLevel

pytestmark = pytest.mark.django_db


def level(code):
    return GradeLevel.objects.get(code=code)


def errors(grade) -> dict:
    with pytest.raises(ValidationError) as raised:
        grade.full_clean()
    return raised.value.message_dict


def test_the_loaded_levels_are_valid(vision):
    for grade in GradeLevel.objects.all():
        grade.full_clean()


def test_a_minimum_between_its_neighbours_is_fine(vision):
    b = level("B")
    b.min_percent = Decimal("95")
    b.full_clean()


def test_a_minimum_at_or_above_the_level_above_is_refused(vision):
    b = level("B")
    b.min_percent = Decimal("100")
    assert "上の区分「◎ 目標達成」の下限（100.0%）より低い" in errors(b)["min_percent"][0]


def test_a_minimum_at_or_below_the_level_below_is_refused(vision):
    b = level("B")
    b.min_percent = Decimal("50")
    assert "下の区分" in errors(b)["min_percent"][0]


def test_only_the_last_level_may_have_no_minimum(vision):
    c = level("C")
    c.min_percent = None
    assert "最後の区分だけ" in errors(c)["min_percent"][0]


def test_a_level_below_a_blank_minimum_is_refused(vision):
    new = GradeLevel(code="E", symbol="×", label="未着手", min_percent=Decimal("10"), order=5)
    assert "この区分になることはありません" in errors(new)["order"][0]


def test_the_admin_says_why_and_keeps_the_old_threshold(client, secretariat, vision):
    b = level("B")
    client.force_login(secretariat)
    response = client.post(
        reverse("admin:kpis_gradelevel_change", args=[b.pk]),
        {
            "order": b.order,
            "code": b.code,
            "symbol": b.symbol,
            "label": b.label,
            "label_en": b.label_en,
            "min_percent": "120",
        },
    )
    assert response.status_code == 200
    assert "より低い値にしてください" in response.content.decode()
    assert level("B").min_percent == b.min_percent
