"""Query counts do not grow with the data: every public page and every admin list
stays under the same maximum at 1× and at 100× (tests/perf/scale.py)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.perf.scale import measure_scales

pytestmark = pytest.mark.django_db

PUBLIC_MAX = 15
ADMIN_MAX = 15


def _labels() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


def _admin_lists():
    """(user, admin list) for every registered model, as each user sees it."""
    return [
        pytest.param(who, label, id=f"{who}-{label}")
        for who in ("secretariat", "officer")
        for label in _labels()
    ]


def _changelist(label: str) -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_changelist")


@pytest.fixture(scope="module")
def scales(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return measure_scales()


def _public(measures):
    return {k.removeprefix("resident "): m for k, m in measures.items() if k.startswith("resident")}


def test_public_pages_answer_at_both_scales(scales):
    statuses = {
        url: (m.status, scales.big[f"resident {url}"].status)
        for url, m in _public(scales.one).items()
    }
    assert {url: s for url, s in statuses.items() if s != (200, 200)} == {}


def test_public_pages_use_as_many_queries_at_100x_as_at_1x(scales):
    one = {url: m.queries for url, m in _public(scales.one).items()}
    big = {url: m.queries for url, m in _public(scales.big).items()}
    assert big == one


def test_public_pages_stay_under_the_maximum_at_both_scales(scales):
    worst = max(m.queries for s in (scales.one, scales.big) for m in _public(s).values())
    assert worst <= PUBLIC_MAX


def test_public_pages_do_not_grow_with_other_partnership_areas(scales):
    # The pages show one vision: 99 more areas change nothing on them, byte for byte
    # (but for the .xlsx download, which is zipped with its creation time).
    one = {url: m.size for url, m in _public(scales.one).items() if "xlsx" not in url}
    big = {url: m.size for url, m in _public(scales.big).items() if "xlsx" not in url}
    assert big == one


@pytest.mark.parametrize(("who", "label"), _admin_lists())
def test_admin_list_stays_under_the_same_maximum_at_1x_and_100x(scales, who, label):
    key = f"{who} {_changelist(label)}"
    one, big = scales.one[key], scales.big[key]
    assert one.status == big.status
    assert max(one.queries, big.queries) <= ADMIN_MAX


@pytest.mark.parametrize("label", _labels())
def test_admin_list_is_paginated_at_100x(scales, label):
    measure = scales.big[f"secretariat {_changelist(label)}"]
    assert measure.status == 200
    assert measure.rows <= measure.per_page
    assert measure.rows == min(measure.total, measure.per_page)
