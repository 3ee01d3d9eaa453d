"""The hints the annual return shows while typing (Chromium): a value the server refuses is
shown as an error, only a real warning invites a comment.

The fixture and log_in repeat test_returns_keyboard.py's: one more browser test file rather
than a change to a file another change is editing."""

import pytest
from django.urls import reverse

from tests.constants import HEALTH, KANEYAMA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITATION = "コメントに理由を書いてください"


@pytest.fixture
def officer_ready(django_db_blocker):
    # transaction=True tests start from an empty database: load the vision for them.
    from municipalities.models import Municipality
    from tests.factories import make_user
    from tests.returns.helpers import open_year
    from vision.loader import load_vision, read_fixtures
    from vision.models import Vision

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    open_year(Vision.objects.current())
    return make_user("t-officer-kaneyama", "officer", Municipality.objects.get(code=KANEYAMA))


def open_form(page):
    page.goto(page.base + reverse("admin:login"))
    page.fill("#id_username", "t-officer-kaneyama")
    page.fill("#id_password", "test-pass-123")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.errors.clear()  # the admin's login page asks for /favicon.ico; not this screen's concern
    page.goto(page.base + reverse("returns:return", args=[2025, KANEYAMA]))


def type_into(page, field_id, text):
    page.fill(f"#{field_id}", "")
    page.focus(f"#{field_id}")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    return page.locator(f'[data-flag-for="{field_id}"]')


@pytest.mark.parametrize("typed", ["1.5", "△3"])
def test_a_share_the_server_refuses_is_shown_as_an_error(page, officer_ready, typed):
    from programs.models import Program

    field_id = f"v-budget-{Program.objects.get(name=HEALTH).pk}"
    open_form(page)
    flag = type_into(page, field_id, typed)
    assert flag.locator(".row-error").count() == 1
    assert flag.locator(".row-warning").count() == 0
    assert INVITATION not in flag.inner_text()
    assert page.errors == []


def test_a_count_with_a_fraction_is_an_error_and_a_far_value_a_warning(page, officer_ready):
    from kpis.models import KPI

    field_id = f"v-kpi-{KPI.objects.get(name='圏域内の新規就農者数').pk}"
    open_form(page)
    flag = type_into(page, field_id, "1.5")
    assert "整数" in flag.locator(".row-error").inner_text()
    assert INVITATION not in flag.inner_text()
    flag = type_into(page, field_id, "6543")
    assert flag.locator(".row-error").count() == 0
    assert INVITATION in flag.locator(".row-warning").inner_text()
    assert page.errors == []
