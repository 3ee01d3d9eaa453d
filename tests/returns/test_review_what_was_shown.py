"""A review decides only what the secretariat was shown, at the version it was shown.

The review page carries each shown value's version; a value submitted after the page
was loaded has none there, so neither "approve all" nor a hand-made form reaches it:
it stays 提出済み, unpublished, and the page says there is something new to review.
"""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import FigureStatus
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA
from tests.returns.helpers import program, return_url, share, shown_versions, the_return

pytestmark = pytest.mark.django_db


def review_url():
    return return_url(KANEYAMA, 2025, "review")


def submit(officer, reporting_year, town, name, amount):
    entries = [Entry(f"budget-{program(name).pk}", Decimal(amount))]
    ret = the_return(reporting_year, town)
    services.save_entries(user=officer, annual_return=ret, entries=entries)
    services.submit_return(user=officer, annual_return=the_return(reporting_year, town))


def shown_form(client) -> dict:
    """What the browser would send: the hidden version of every value on the page."""
    response = client.get(review_url())
    assert response.status_code == 200
    return shown_versions(response.content.decode())


@pytest.fixture
def one_submitted(reporting_year, kaneyama, kaneyama_officer):
    submit(kaneyama_officer, reporting_year, kaneyama, HEALTH, 120)


def test_approve_all_leaves_a_value_submitted_after_the_page_was_loaded(
    client, secretariat, kaneyama_officer, reporting_year, kaneyama, one_submitted
):
    client.force_login(secretariat)
    form = shown_form(client)
    assert list(form) == [f"ver-budget-{program(HEALTH).pk}"]

    submit(kaneyama_officer, reporting_year, kaneyama, CREMATION, 888888)
    response = client.post(review_url(), {**form, "approve_all": "1"}, follow=True)

    assert response.status_code == 200
    assert share(program(HEALTH), kaneyama).approved_amount_kyen == 120
    late = share(program(CREMATION), kaneyama)
    assert (late.status, late.approved_at, late.approved_amount_kyen) == (
        FigureStatus.SUBMITTED,
        None,
        None,
    )
    page = response.content.decode()
    assert "1 件を承認しました" in page
    assert "この画面を開いた後に提出された値が 1 件あります" in page
    assert "金山町から提出された値（1件）" in page  # the new value now waits for review

    client.logout()
    published = client.get("/opendata/budget_shares.json")
    assert published.status_code == 200
    amounts = {row["amount_kyen"] for row in json.loads(published.content)}
    assert 120 in amounts
    assert 888888 not in amounts
    assert "888888" not in published.content.decode()


def test_a_decision_without_the_shown_version_decides_nothing(
    client, secretariat, kaneyama, one_submitted
):
    client.force_login(secretariat)
    health = f"budget-{program(HEALTH).pk}"
    response = client.post(review_url(), {f"d-{health}": "approve", "approve_all": "1"})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED
    assert share(program(HEALTH), kaneyama).approved_at is None


def test_a_value_resubmitted_since_the_page_was_loaded_is_not_approved(
    client, secretariat, kaneyama_officer, reporting_year, kaneyama, one_submitted
):
    client.force_login(secretariat)
    form = shown_form(client)
    health = program(HEALTH)
    # In another tab: returned, corrected and submitted again (a new version).
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(f"budget-{health.pk}", services.RETURN, reason="桁を確認")],
    )
    submit(kaneyama_officer, reporting_year, kaneyama, HEALTH, 999)

    response = client.post(review_url(), {**form, "approve_all": "1"})

    assert response.status_code == 400
    assert "画面を開いた後に値が変わりました" in response.content.decode()
    figure = share(health, kaneyama)
    assert (figure.status, figure.approved_at) == (FigureStatus.SUBMITTED, None)


# --- the admin's "approve the selected" action ------------------------------------------


def changelist():
    return reverse("admin:programs_costshare_changelist")


def test_the_admin_action_approves_what_the_list_showed(
    client, secretariat, kaneyama, one_submitted
):
    client.force_login(secretariat)
    figure = share(program(HEALTH), kaneyama)
    shown = shown_versions(client.get(changelist()).content.decode())
    assert shown[f"shown-version-{figure.pk}"] == str(figure.version)

    client.post(
        changelist(), {**shown, "action": "approve_selected", "_selected_action": [figure.pk]}
    )

    figure.refresh_from_db()
    assert (figure.status, figure.approved_amount_kyen) == (FigureStatus.APPROVED, 120)


def test_the_admin_action_leaves_a_figure_resubmitted_after_the_list_was_loaded(
    client, secretariat, kaneyama_officer, reporting_year, kaneyama, one_submitted
):
    client.force_login(secretariat)
    figure = share(program(HEALTH), kaneyama)
    shown = shown_versions(client.get(changelist()).content.decode())
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[
            services.Decision(f"budget-{program(HEALTH).pk}", services.RETURN, reason="桁を確認")
        ],
    )
    submit(kaneyama_officer, reporting_year, kaneyama, HEALTH, 888888)

    response = client.post(
        changelist(),
        {**shown, "action": "approve_selected", "_selected_action": [figure.pk]},
        follow=True,
    )

    figure.refresh_from_db()
    assert (figure.status, figure.approved_at) == (FigureStatus.SUBMITTED, None)
    assert "一覧に表示した後に変わったか" in response.content.decode()


def test_the_admin_action_never_approves_a_figure_the_list_did_not_show(
    client, secretariat, kaneyama, one_submitted
):
    """ "Select all" across pages, or a hand-made post, names figures with no shown version."""
    client.force_login(secretariat)
    figure = share(program(HEALTH), kaneyama)
    client.post(
        changelist(),
        {"action": "approve_selected", "select_across": "1", "_selected_action": [figure.pk]},
    )
    figure.refresh_from_db()
    assert (figure.status, figure.approved_at) == (FigureStatus.SUBMITTED, None)


def test_a_withdrawal_reads_as_no_value_on_the_review_page_and_in_the_mail(
    client, secretariat, kaneyama_officer, reporting_year, kaneyama, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    submit(kaneyama_officer, reporting_year, kaneyama, HEALTH, 120)
    key = f"budget-{program(HEALTH).pk}"
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(key, services.APPROVE)],
    )
    ret = the_return(reporting_year, kaneyama)
    services.save_entries(
        user=kaneyama_officer, annual_return=ret, entries=[Entry(key, None, "事業中止のため")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_return(
            user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
        )
    assert "・最上地域保健医療対策事業（予算）: 値なし（取り下げの提案）" in mailoutbox[-1].body

    client.force_login(secretariat)
    response = client.get(review_url())
    assert response.status_code == 200
    assert "値なし（取り下げの提案）" in response.content.decode()
