"""Hostile text: a script in every text field is shown escaped (the sheet page, the year
page, the admin), and 100,000 characters are refused with a Japanese message and nothing
saved."""

from datetime import date

import pytest
from django.urls import reverse

from core.models import FigureStatus
from evaluations import services
from evaluations.evidence import checked_upload
from evaluations.models import (
    CommitteeMeeting,
    EvaluationRating,
    Evidence,
    KPIAnalysis,
    Opinion,
    ProgramEvaluation,
    TownActivity,
)
from tests.evaluations.helpers import (
    ESCAPED,
    HOSTILE,
    PDF,
    YEAR,
    filled,
    form_data,
    health,
    health_kpi,
    started,
    submitted,
    upload,
    url,
)
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

HUGE = "あ" * 100_000


@pytest.fixture
def as_secretariat(client, secretariat, reporting_year):
    client.force_login(secretariat)
    return client


@pytest.fixture
def hostile_sheet(secretariat, reporting_year, kaneyama, media):
    """A sheet with the script in every field a person writes, on the page it shows."""
    rating = EvaluationRating.objects.get(code="A")
    rating.label = HOSTILE
    rating.save()
    TownActivity.objects.create(
        program=health(), municipality=kaneyama, fiscal_year=YEAR, text=HOSTILE,
        status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    sheet = submitted(
        secretariat, done=HOSTILE, results=HOSTILE, issues=HOSTILE, direction_reason=HOSTILE
    )
    sheet = services.save_sheet(
        user=secretariat, evaluation=sheet, data={},
        analyses={health_kpi().pk: (HOSTILE, HOSTILE)}, expected_version=None,
    )  # fmt: skip
    sheet = services.submit_sheet(user=secretariat, evaluation=sheet, expected_version=None)
    sheet = services.return_sheet(
        user=secretariat, evaluation=sheet, reason=HOSTILE, expected_version=None
    )
    services.add_evidence(
        user=secretariat, evaluation=sheet, title=HOSTILE, is_public=True,
        upload=checked_upload(upload(f"{HOSTILE}.pdf", PDF)),
    )  # fmt: skip
    return sheet


def test_every_text_on_the_sheet_page_is_escaped(as_secretariat, hostile_sheet):
    page = loaded_page(as_secretariat.get(url("sheet")), "差し戻されています")
    assert HOSTILE not in page
    # done, results, issues, direction_reason (in their text areas), cause, remedy,
    # the return reason, the town's text, the rating's label, the evidence's title and name
    assert page.count(ESCAPED) >= 11


def test_every_text_is_escaped_for_a_reviewer_too(client, reviewer, hostile_sheet):
    client.force_login(reviewer)
    page = loaded_page(client.get(url("sheet")), "閲覧だけができます")
    assert HOSTILE not in page
    assert page.count(ESCAPED) >= 11


def test_the_year_page_escapes_names_and_labels(as_secretariat, hostile_sheet):
    program = health()
    program.name = HOSTILE
    program.save()
    page = loaded_page(as_secretariat.get(reverse("evaluations:year", args=[YEAR])), "評価の状況")
    assert HOSTILE not in page
    assert page.count(ESCAPED) >= 2  # the program's name, the rating


def test_a_refusal_message_escapes_what_was_typed(as_secretariat, secretariat):
    sheet = started(secretariat)
    response = as_secretariat.post(
        url("upload"), {"title": HOSTILE, "file": upload("a.svg", b"<svg/>")}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert HOSTILE not in page and ESCAPED in page
    assert ProgramEvaluation.objects.get() == sheet


@pytest.mark.parametrize("field", ["done", "results", "issues", "direction_reason"])
def test_100000_characters_are_refused_and_nothing_is_saved(as_secretariat, secretariat, field):
    sheet = filled(secretariat)
    before = ProgramEvaluation.objects.values().get()
    response = as_secretariat.post(url("sheet"), form_data(sheet, **{field: HUGE}))
    assert response.status_code == 400
    assert "4,000 字以内で書いてください（100000 字あります）" in response.content.decode()
    assert ProgramEvaluation.objects.values().get() == before


def test_100000_characters_in_an_analysis_are_refused_and_nothing_is_saved(
    as_secretariat, secretariat
):
    sheet = filled(secretariat)
    kpi = health_kpi()
    before = ProgramEvaluation.objects.values().get()
    response = as_secretariat.post(
        url("sheet"),
        form_data(sheet, done="変更", **{f"cause-{kpi.pk}": HUGE, f"remedy-{kpi.pk}": "x"}),
    )
    assert response.status_code == 400
    assert "要因分析（年間事業開催数）は 4,000 字以内" in response.content.decode()
    assert ProgramEvaluation.objects.values().get() == before
    assert not KPIAnalysis.objects.exists()


def test_a_huge_return_reason_is_refused(as_secretariat, secretariat):
    sheet = submitted(secretariat)
    response = as_secretariat.post(url("return"), {"version": sheet.version, "reason": HUGE})
    assert response.status_code == 400
    assert "差し戻す理由は 1,000 字以内" in response.content.decode()
    sheet.refresh_from_db()
    assert sheet.status == FigureStatus.SUBMITTED


def test_a_huge_evidence_title_is_refused(as_secretariat, secretariat, media):
    started(secretariat)
    response = as_secretariat.post(url("upload"), {"title": HUGE, "file": upload("a.pdf", PDF)})
    assert response.status_code == 400
    assert "資料の説明は 200 字以内" in response.content.decode()
    assert not Evidence.objects.exists()


# --- the admin ---------------------------------------------------------------------------------------


@pytest.fixture
def hostile_meeting(vision, reporting_year):
    rating = EvaluationRating.objects.get(code="A")
    rating.label = HOSTILE
    rating.save()
    meeting = CommitteeMeeting.objects.create(
        vision=vision, fiscal_year=YEAR, held_on=date(2026, 7, 1), title=HOSTILE,
        reviewed=HOSTILE, members_present=9,
    )  # fmt: skip
    Opinion.objects.create(meeting=meeting, order=1, text=HOSTILE, response=HOSTILE)
    return meeting


def test_the_admin_escapes_meetings_opinions_and_ratings(client, secretariat, hostile_meeting):
    client.force_login(secretariat)
    pages = [
        reverse("admin:evaluations_committeemeeting_changelist"),
        reverse("admin:evaluations_committeemeeting_change", args=[hostile_meeting.pk]),
        reverse("admin:evaluations_evaluationrating_changelist"),
        reverse("admin:evaluations_committeemeeting_history", args=[hostile_meeting.pk]),
    ]
    for page_url in pages:
        page = loaded_page(client.get(page_url))
        assert HOSTILE not in page, page_url
        assert ESCAPED in page, page_url


def test_the_admin_refuses_100000_characters_in_an_opinion(client, secretariat, hostile_meeting):
    client.force_login(secretariat)
    opinion = hostile_meeting.opinions.get()
    data = {
        "fiscal_year": YEAR, "held_on": "2026-07-01", "title": "第1回", "reviewed": "評価",
        "members_present": 9,
        "opinions-TOTAL_FORMS": 1, "opinions-INITIAL_FORMS": 1,
        "opinions-MIN_NUM_FORMS": 0, "opinions-MAX_NUM_FORMS": 1000,
        "opinions-0-id": opinion.pk, "opinions-0-meeting": hostile_meeting.pk,
        "opinions-0-order": 1, "opinions-0-text": HUGE, "opinions-0-response": "対応",
    }  # fmt: skip
    response = client.post(
        reverse("admin:evaluations_committeemeeting_change", args=[hostile_meeting.pk]), data
    )
    assert response.status_code == 200  # the form again, with its error
    assert "4000" in response.content.decode()
    opinion.refresh_from_db()
    hostile_meeting.refresh_from_db()
    assert (opinion.text, hostile_meeting.title) == (HOSTILE, HOSTILE)
