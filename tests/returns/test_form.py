"""The annual return form: typing, saving a draft, submitting, conflicts, flags."""

from decimal import Decimal

import pytest

from core.models import FigureStatus
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA
from tests.pages import loaded_page
from tests.returns.helpers import (
    form_data,
    kpi,
    program,
    return_url,
    share,
    submit_confirmed,
    the_return,
)

pytestmark = pytest.mark.django_db


def field(name, kind="budget"):
    return f"v-{kind}-{program(name).pk}"


def post(client, code, data, action="save"):
    return client.post(return_url(code), {**data, "action": action})


def test_it_lists_each_figure_with_its_unit_last_year_plan_baseline_and_target(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    page = client.get(return_url(KANEYAMA)).content.decode()
    assert HEALTH in page and "単位：千円" in page
    assert "事業費見込（R7）" in page and "前年度（R6）" in page
    assert "圏域内の新規就農者数" in page and "現状値" in page and "目標値" in page
    assert page.count('<input type="text" inputmode="decimal"') == 39  # the figures
    assert page.count("<textarea ") == 19  # a 取組状況 for each program 金山町 takes part in


def test_it_reads_full_width_digits_commas_and_triangles(
    client, reporting_year, kaneyama, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    response = post(
        client, KANEYAMA, {field(HEALTH): "１，２３４", f"ver-budget-{program(HEALTH).pk}": "0"}
    )
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 1234


def test_blank_is_kept_blank_not_zero(client, reporting_year, kaneyama, kaneyama_officer):
    client.force_login(kaneyama_officer)
    post(client, KANEYAMA, {field(HEALTH): "", f"c-budget-{program(HEALTH).pk}": "予算未確定"})
    figure = share(program(HEALTH), kaneyama)
    assert figure.amount_kyen is None and figure.comment == "予算未確定"


def test_an_unreadable_number_saves_nothing_and_keeps_what_was_typed(
    client, reporting_year, kaneyama, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    response = post(client, KANEYAMA, {field(HEALTH): "百二十", field(CREMATION): "30"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "「百二十」は数値として読めません" in page and 'value="百二十"' in page
    assert not CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025).exclude(kind="plan").exists()  # fmt: skip


def test_a_decimal_share_is_refused(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    response = post(client, KANEYAMA, {field(HEALTH): "12.5"})
    assert "千円単位の整数" in response.content.decode()


def test_a_stale_form_shows_the_other_persons_value_and_overwrites_nothing(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    client.force_login(kaneyama_officer)
    data = form_data(client.get(return_url(KANEYAMA)).content.decode())
    services.save_entries(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"budget-{program(HEALTH).pk}", Decimal(77))],
    )
    data[field(HEALTH)] = "88"
    response = post(client, KANEYAMA, data)
    assert response.status_code == 409
    assert (
        "t-secretariat さんが先に変更しました（現在の値: 77、あなたの入力: 88）"
        in response.content.decode()
    )
    assert share(program(HEALTH), kaneyama).amount_kyen == 77


def test_a_flagged_value_needs_a_comment(client, reporting_year, secretariat):
    client.force_login(secretariat)
    key = f"kpi-{kpi('職員の満足度').pk}"
    response = post(client, "area", {f"v-{key}": "105"})
    assert response.status_code == 400
    assert "100% を超えています" in response.content.decode()
    response = post(client, "area", {f"v-{key}": "105", f"c-{key}": "調査方法の変更による"})
    assert response.status_code == 302


def test_save_and_submit_tells_the_secretariat(
    client, reporting_year, kaneyama, kaneyama_officer, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(kaneyama_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit_confirmed(client, KANEYAMA, {field(HEALTH): "120"})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED
    [mail] = mailoutbox
    assert mail.to == ["t-secretariat@example.invalid"]
    assert "最上地域保健医療対策事業（予算）: 120 千円" in mail.body


def test_the_officer_sees_the_return_reason(client, reporting_year, kaneyama, kaneyama_officer):
    figure = CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="budget",
        amount_kyen=120, status=FigureStatus.RETURNED, return_reason="予算書の額と違います",
    )  # fmt: skip
    client.force_login(kaneyama_officer)
    page = client.get(return_url(KANEYAMA)).content.decode()
    assert "差戻しがあります（1件）" in page and figure.return_reason in page


def test_a_submitted_figure_is_shown_but_not_editable(
    client, reporting_year, kaneyama, kaneyama_officer
):
    CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="budget",
        amount_kyen=120, status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), HEALTH)
    assert f'name="{field(HEALTH)}"' not in page
    assert page.count('<input type="text" inputmode="decimal"') == 38


def test_anonymous_users_are_sent_to_the_login(client, reporting_year):
    response = client.get(return_url(KANEYAMA))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_officer_sees_a_locked_year_read_only(client, reporting_year, kaneyama_officer):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), "締め済み", HEALTH)
    assert 'name="v-' not in page


def test_the_secretariat_must_give_a_reason_in_a_locked_year(
    client, reporting_year, kaneyama, secretariat
):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(secretariat)
    response = post(client, KANEYAMA, {field(HEALTH): "5"})
    assert response.status_code == 400 and "変更の理由" in response.content.decode()
    response = post(client, KANEYAMA, {field(HEALTH): "5", "change_reason": "決算の訂正"})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 5


def test_an_officer_is_sent_from_the_year_to_their_own_return(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    response = client.get(f"/returns/{reporting_year.fiscal_year}/")
    assert response["Location"] == return_url(KANEYAMA)


def test_after_a_conflict_the_officer_can_save_their_value_knowingly(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    client.force_login(kaneyama_officer)
    data = form_data(client.get(return_url(KANEYAMA)).content.decode())
    services.save_entries(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(f"budget-{program(HEALTH).pk}", Decimal(77))],
    )
    data[field(HEALTH)] = "88"
    conflict = post(client, KANEYAMA, data)
    again = post(client, KANEYAMA, form_data(conflict.content.decode()))
    assert again.status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 88


def test_the_annual_return_offers_no_english_switch(client, kaneyama_officer, vision):
    from tests.returns.helpers import open_year

    open_year(vision)
    client.force_login(kaneyama_officer)
    body = loaded_page(client.get(f"/returns/2025/{KANEYAMA}/"), 'lang="ja"', HEALTH)
    assert "hreflang" not in body
