"""What the secretariat and the officers write about a figure (comments, return reasons) is
shown escaped on every page that shows it, and sent as plain text."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import FigureStatus
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA
from tests.hostile.payloads import ATTRIBUTE, HOSTILE, SCRIPT, assert_escaped
from tests.returns.helpers import (
    figures_snapshot,
    program,
    return_url,
    share,
    shown_versions,
    the_return,
)

pytestmark = pytest.mark.django_db


def key(name=HEALTH):
    return f"budget-{program(name).pk}"


def submit(user, reporting_year, municipality, comment=""):
    services.save_entries(
        user=user,
        annual_return=the_return(reporting_year, municipality),
        entries=[Entry(key(), Decimal(120), comment=comment), Entry(key(CREMATION), Decimal(40))],
    )
    services.submit_return(user=user, annual_return=the_return(reporting_year, municipality))


@pytest.fixture
def submitted(reporting_year, kaneyama, kaneyama_officer):
    submit(kaneyama_officer, reporting_year, kaneyama)


def review(client, data):
    """Posts a review as the page does: the versions it showed, then the decisions."""
    url = return_url(KANEYAMA, 2025, "review")
    shown = shown_versions(client.get(url).content.decode())
    return client.post(url, {**shown, **data})


def return_with(client, reason, name=HEALTH):
    return review(client, {f"d-{key(name)}": "return", f"r-{key(name)}": reason})


@pytest.mark.parametrize("payload", HOSTILE)
def test_the_officers_comment_is_escaped_on_the_review_page(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat, payload
):
    submit(kaneyama_officer, reporting_year, kaneyama, comment=payload)
    client.force_login(secretariat)
    assert_escaped(client.get(return_url(KANEYAMA, 2025, "review")).content.decode(), payload)


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_return_reason_is_escaped_on_the_officers_screen(
    client, submitted, secretariat, kaneyama_officer, payload
):
    client.force_login(secretariat)
    assert return_with(client, payload).status_code == 302
    client.force_login(kaneyama_officer)
    page = client.get(return_url(KANEYAMA)).content.decode()
    assert "差戻しがあります（1件）" in page
    assert_escaped(page, payload)


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_return_reason_is_escaped_in_the_admin_history(
    client, submitted, secretariat, kaneyama, payload
):
    client.force_login(secretariat)
    return_with(client, payload)
    figure = share(program(HEALTH), kaneyama)
    url = reverse("admin:programs_costshare_history", args=[figure.pk])
    page = client.get(url).content.decode()
    assert "差戻し: " in page
    assert_escaped(page, payload)


def test_a_reason_typed_into_a_refused_review_comes_back_escaped(client, submitted, secretariat):
    client.force_login(secretariat)
    data = {
        f"d-{key()}": "return",
        f"r-{key()}": ATTRIBUTE,
        f"d-{key(CREMATION)}": "return",
        f"r-{key(CREMATION)}": "",  # no reason: the whole review is refused
    }
    response = review(client, data)
    assert response.status_code == 400
    assert_escaped(response.content.decode(), ATTRIBUTE)


def test_the_return_mail_is_plain_text_with_the_reason_as_written(
    client, submitted, secretariat, mail_users, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        return_with(client, SCRIPT)
    [mail] = mailoutbox
    assert mail.content_subtype == "plain" and not getattr(mail, "alternatives", None)
    assert f"差戻しの理由: {SCRIPT}" in mail.body
    assert "&lt;" not in mail.body


def test_the_submission_mail_is_plain_text_with_the_comment_as_written(
    reporting_year, kaneyama, kaneyama_officer, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        submit(kaneyama_officer, reporting_year, kaneyama, comment=ATTRIBUTE)
    [mail] = mailoutbox
    assert mail.content_subtype == "plain"
    assert ATTRIBUTE in mail.body and "&quot;" not in mail.body


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("理" * 501, "差戻しの理由は500文字までにしてください。"),
        ("金額\x00違い", "差戻しの理由に使えない制御文字が含まれています"),
        ("金額\x0b違い", "差戻しの理由に使えない制御文字が含まれています"),
        ("金額\ufffd違い", "差戻しの理由に読み取れない文字（文字化け）が含まれています"),
    ],
)
def test_a_reason_that_cannot_be_kept_is_refused_and_nothing_changes(
    client, submitted, secretariat, reason, message
):
    client.force_login(secretariat)
    before = figures_snapshot()
    response = return_with(client, reason)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert figures_snapshot() == before


def test_a_hand_made_decision_is_ignored(client, submitted, secretariat, kaneyama):
    client.force_login(secretariat)
    response = review(client, {f"d-{key()}": "<script>", f"ver-{key()}": "x"})
    assert response.status_code == 302  # "nothing chosen"
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


def test_an_officer_cannot_post_a_review(client, submitted, kaneyama_officer, kaneyama):
    client.force_login(kaneyama_officer)
    assert return_with(client, "自分で差し戻す").status_code == 403
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED
