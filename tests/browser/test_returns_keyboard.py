"""The annual return (年度報告) can be filled in and saved with the keyboard alone (Chromium).

Kept beside the shared Playwright fixtures: one Playwright instance per test session."""

import pytest
from django.urls import reverse

from tests.constants import HEALTH, KANEYAMA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def log_in(page, username):
    page.goto(page.base + reverse("admin:login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "test-pass-123")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.errors.clear()  # the admin's login page asks for /favicon.ico; not this screen's concern


def test_the_form_is_filled_and_saved_with_the_keyboard(page, officer_ready):
    from programs.models import CostShare, Program

    health = Program.objects.get(name=HEALTH)
    log_in(page, "t-officer-kaneyama")
    page.goto(page.base + reverse("returns:return", args=[2025, KANEYAMA]))

    page.focus(f"#v-budget-{health.pk}")
    page.keyboard.type("１，２３４")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"c-budget-{health.pk}"
    page.keyboard.type("当初予算")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"v-settlement-{health.pk}"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field submits with the first button: 下書き保存

    assert "1 件を下書きとして保存しました" in page.locator(".messages").inner_text()
    assert page.input_value(f"#v-budget-{health.pk}") == "1,234"
    share = CostShare.objects.get(program=health, municipality__code=KANEYAMA, kind="budget", fiscal_year=2025)  # fmt: skip
    assert (share.amount_kyen, share.comment) == (1234, "当初予算")
    assert page.errors == []


def test_a_flag_appears_while_typing(page, officer_ready):
    from programs.models import Program

    health = Program.objects.get(name=HEALTH)
    log_in(page, "t-officer-kaneyama")
    page.goto(page.base + reverse("returns:return", args=[2025, KANEYAMA]))
    page.focus(f"#v-budget-{health.pk}")
    page.keyboard.type("△5")
    page.keyboard.press("Tab")
    flag = page.locator(f'[data-flag-for="v-budget-{health.pk}"]')
    assert "マイナスは入力できません" in flag.inner_text()
    assert page.errors == []
