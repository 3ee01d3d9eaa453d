"""The reviewer reads everything and changes nothing; strangers get nothing."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import CostShare
from tests.constants import KANEYAMA, OKURA
from tests.pages import loaded_page
from tests.returns.helpers import figures_snapshot, return_url
from tests.security.fixtures import OKURA_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def unchanged():
    before = figures_snapshot()
    yield
    assert figures_snapshot() == before


@pytest.fixture
def as_reviewer(client, reviewer, figures):
    client.force_login(reviewer)
    return client


def test_the_reviewer_reads_drafts_of_every_town(as_reviewer, figures, unchanged):
    assert OKURA_SECRET in as_reviewer.get(return_url(OKURA)).content.decode()
    url = reverse("admin:programs_costshare_change", args=[figures["okura_share"].pk])
    assert as_reviewer.get(url).status_code == 200


def test_the_reviewer_sees_no_inputs(as_reviewer, unchanged):
    page = loaded_page(as_reviewer.get(return_url(OKURA)), OKURA_SECRET)
    assert 'name="v-' not in page


@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_reviewer_cannot_save_or_submit(as_reviewer, figures, action, unchanged):
    key = f"budget-{figures['okura_share'].program_id}"
    assert (
        as_reviewer.post(return_url(OKURA), {f"v-{key}": "1", "action": action}).status_code == 403
    )


def test_the_reviewer_cannot_upload(as_reviewer, unchanged):
    upload = SimpleUploadedFile("x.csv", b"a,b\n1,2\n")
    assert as_reviewer.post(return_url(OKURA, 2025, "upload"), {"file": upload}).status_code == 403


def test_the_reviewer_cannot_review(as_reviewer, figures, unchanged):
    key = f"budget-{figures['okura_share'].program_id}"
    assert (
        as_reviewer.post(return_url(OKURA, 2025, "review"), {f"d-{key}": "approve"}).status_code
        == 403
    )


def test_the_reviewer_cannot_change_add_or_delete_in_the_admin(as_reviewer, figures, unchanged):
    share = figures["okura_share"]
    change = reverse("admin:programs_costshare_change", args=[share.pk])
    delete = reverse("admin:programs_costshare_delete", args=[share.pk])
    assert (
        as_reviewer.post(change, {"amount_kyen": "1", "expected_version": "1"}).status_code == 403
    )
    assert as_reviewer.post(delete, {"post": "yes"}).status_code == 403
    assert (
        as_reviewer.post(reverse("admin:programs_costshare_add"), {"amount_kyen": "1"}).status_code
        == 403
    )


def test_the_reviewer_cannot_revert_from_history(as_reviewer, figures, unchanged):
    share = figures["okura_share"]
    url = reverse(
        "admin:programs_costshare_simple_history", args=[share.pk, share.history.first().history_id]
    )
    assert as_reviewer.post(url, {"amount_kyen": "1"}).status_code == 403


def test_the_reviewers_bulk_actions_touch_nothing(as_reviewer, figures, unchanged):
    ids = [figures["okura_share"].pk]
    for action in ("delete_selected", "approve_selected"):
        as_reviewer.post(reverse("admin:programs_costshare_changelist"), {"action": action, "_selected_action": ids, "post": "yes"})  # fmt: skip
    assert CostShare.objects.filter(pk__in=ids).count() == 1


def test_a_staff_user_without_a_role_sees_no_figures(client, figures, unchanged):
    stranger = User.objects.create_user("stranger", password="x-pass-123456", is_staff=True)
    client.force_login(stranger)
    assert client.get(return_url(KANEYAMA)).status_code == 404
    assert client.get(reverse("admin:programs_costshare_changelist")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, figures, unchanged):
    for url in (return_url(KANEYAMA), return_url(KANEYAMA, 2025, "template")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(return_url(KANEYAMA), {"action": "submit"})
    assert response.status_code == 302
