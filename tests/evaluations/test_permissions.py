"""Who may open and use every route of /evaluation/: the secretariat reads and writes;
reviewers read (200) and are refused every write (403); officers and users without a
role find nothing (404); anonymous visitors are sent to the login page."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from evaluations import services
from evaluations.evidence import checked_upload
from evaluations.models import Evidence, ProgramEvaluation
from tests.evaluations.helpers import PDF, YEAR, filled, form_data, submitted, upload, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(secretariat, reporting_year):
    return filled(secretariat)


@pytest.fixture
def evidence(secretariat, sheet, media):
    return services.add_evidence(
        user=secretariat, evaluation=sheet, upload=checked_upload(upload("報告書.pdf", PDF)),
        title="報告書", is_public=False,
    )  # fmt: skip


def pages(evidence):
    return [
        reverse("evaluations:index"),
        reverse("evaluations:year", args=[YEAR]),
        url("sheet"),
        reverse("evaluations:evidence", args=[evidence.token]),
    ]


def writes(sheet):
    """(url, data) of every write, as the page posts it."""
    return [
        (url("sheet"), form_data(sheet, done="変更")),
        (url("start"), {"copy_forward": "1"}),
        (url("submit"), {"version": sheet.version}),
        (url("return"), {"version": sheet.version, "reason": "理由"}),
        (url("approve"), {"version": sheet.version}),
        (url("upload"), {"title": "資料", "file": upload("a.pdf", PDF)}),
    ]


def no_role(db) -> User:
    return User.objects.create_user("t-no-role", password="x", is_staff=True)


def test_the_secretariat_opens_every_page(client, secretariat, evidence):
    client.force_login(secretariat)
    assert [client.get(page).status_code for page in pages(evidence)] == [200] * 4


def test_a_reviewer_opens_every_page(client, reviewer, evidence):
    client.force_login(reviewer)
    assert [client.get(page).status_code for page in pages(evidence)] == [200] * 4


@pytest.mark.parametrize("who", ["kaneyama_officer", "okura_officer", "no_role"])
def test_officers_and_users_without_a_role_find_nothing(client, request, who, evidence):
    user = no_role(None) if who == "no_role" else request.getfixturevalue(who)
    client.force_login(user)
    assert [client.get(page).status_code for page in pages(evidence)] == [404] * 4


def test_anonymous_visitors_are_sent_to_the_login_page(client, evidence):
    for page in pages(evidence):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/{settings.ADMIN_URL}login/")


def test_a_reviewer_is_refused_every_write(client, reviewer, sheet, media):
    client.force_login(reviewer)
    before = ProgramEvaluation.objects.values().get()
    statuses = [client.post(target, data).status_code for target, data in writes(sheet)]
    assert statuses == [403] * 6
    assert ProgramEvaluation.objects.values().get() == before
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["kaneyama_officer", "okura_officer"])
def test_an_officer_is_refused_every_write_as_not_found(client, request, who, sheet, media):
    client.force_login(request.getfixturevalue(who))
    before = ProgramEvaluation.objects.values().get()
    statuses = [client.post(target, data).status_code for target, data in writes(sheet)]
    assert statuses == [404] * 6
    assert ProgramEvaluation.objects.values().get() == before


def test_anonymous_writes_are_sent_to_the_login_page(client, sheet, media):
    statuses = [client.post(target, data).status_code for target, data in writes(sheet)]
    assert statuses == [302] * 6
    assert ProgramEvaluation.objects.get().done == "合同研修会を3回開いた。"


def test_the_secretariat_may_write(client, secretariat, reporting_year, media):
    client.force_login(secretariat)
    assert client.post(url("start"), {}).status_code == 302
    sheet = filled(secretariat)
    assert client.post(url("sheet"), form_data(sheet, done="変更")).status_code == 302
    sheet.refresh_from_db()
    assert client.post(url("submit"), {"version": sheet.version}).status_code == 302
    sheet.refresh_from_db()
    assert (
        client.post(url("return"), {"version": sheet.version, "reason": "理由"}).status_code == 302
    )
    response = client.post(url("upload"), {"title": "資料", "file": upload("a.pdf", PDF)})
    assert response.status_code == 302


def test_the_secretariat_may_approve(client, secretariat, reporting_year):
    from tests.evaluations.helpers import graded

    graded("27")
    sheet = submitted(secretariat)
    client.force_login(secretariat)
    assert client.post(url("approve"), {"version": sheet.version}).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "approved"


def test_get_is_not_allowed_on_the_writes(client, secretariat, sheet):
    client.force_login(secretariat)
    for name in ("start", "submit", "return", "approve", "upload"):
        assert client.get(url(name)).status_code == 405
