"""The secretariat's review: approve, return with a reason (the officer is e-mailed)."""

from decimal import Decimal

import pytest

from core.models import FigureStatus
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA
from tests.returns.helpers import program, return_url, share, shown_versions, the_return

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(reporting_year, kaneyama, kaneyama_officer):
    entries = [
        Entry(f"budget-{program(HEALTH).pk}", Decimal(120)),
        Entry(f"budget-{program(CREMATION).pk}", Decimal(40)),
    ]
    services.save_entries(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama), entries=entries
    )
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )


def review_url():
    return return_url(KANEYAMA, 2025, "review")


def test_it_lists_the_submitted_figures(client, secretariat, submitted):
    client.force_login(secretariat)
    page = client.get(review_url()).content.decode()
    assert "金山町から提出された値（2件）" in page


def test_approve_and_return_in_one_go_and_tell_the_officer(
    client, secretariat, submitted, kaneyama, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(secretariat)
    cremation = f"budget-{program(CREMATION).pk}"
    shown = shown_versions(client.get(review_url()).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url(),
            {
                **shown,
                f"d-{cremation}": "return",
                f"r-{cremation}": "協定の負担割合と違います",
                "approve_all": "1",
            },
        )
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).approved_amount_kyen == 120
    returned = share(program(CREMATION), kaneyama)
    assert (returned.status, returned.return_reason) == (
        FigureStatus.RETURNED,
        "協定の負担割合と違います",
    )
    assert returned.approved_at is None
    [mail] = mailoutbox
    assert mail.to == ["t-officer-kaneyama@example.invalid"]
    assert (
        "火葬場の相互利用（予算）: 40 千円\n  差戻しの理由: 協定の負担割合と違います" in mail.body
    )


def test_a_return_without_reason_changes_nothing(client, secretariat, submitted, kaneyama):
    client.force_login(secretariat)
    health = f"budget-{program(HEALTH).pk}"
    cremation = f"budget-{program(CREMATION).pk}"
    shown = shown_versions(client.get(review_url()).content.decode())
    response = client.post(
        review_url(), {**shown, f"d-{health}": "approve", f"d-{cremation}": "return"}
    )
    assert response.status_code == 400
    assert "差戻しの理由を書いてください" in response.content.decode()
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


def test_a_stale_review_changes_nothing(client, secretariat, submitted, kaneyama):
    client.force_login(secretariat)
    health = f"budget-{program(HEALTH).pk}"
    response = client.post(review_url(), {f"d-{health}": "approve", f"ver-{health}": "1"})
    assert response.status_code == 400
    assert share(program(HEALTH), kaneyama).approved_at is None


def test_the_officer_cannot_open_the_review(client, kaneyama_officer, submitted):
    client.force_login(kaneyama_officer)
    assert client.get(review_url()).status_code == 403


def test_the_reviewer_cannot_approve(client, reviewer, submitted, kaneyama):
    client.force_login(reviewer)
    health = f"budget-{program(HEALTH).pk}"
    assert client.post(review_url(), {f"d-{health}": "approve"}).status_code == 403
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED
