"""The evaluation's admin: the 評価 scale and the 懇談会 with its opinions. The secretariat
writes and publishes, reviewers read, officers see nothing of it."""

from datetime import date

import pytest
from django.urls import reverse

from evaluations.models import CommitteeMeeting, EvaluationRating, Opinion
from programs.models import Program
from tests.evaluations.helpers import YEAR, health
from tests.factories import make_item, make_program, make_vision
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

RATINGS = reverse("admin:evaluations_evaluationrating_changelist")
MEETINGS = reverse("admin:evaluations_committeemeeting_changelist")
ADD_MEETING = reverse("admin:evaluations_committeemeeting_add")


@pytest.fixture
def meeting(vision, reporting_year):
    meeting = CommitteeMeeting.objects.create(
        vision=vision, fiscal_year=YEAR, held_on=date(2026, 7, 1), title="令和8年度 第1回懇談会",
        reviewed="令和7年度の事業評価", members_present=9,
    )  # fmt: skip
    Opinion.objects.create(meeting=meeting, order=1, text="周知を強めてほしい", response="")
    return meeting


def change(meeting) -> str:
    return reverse("admin:evaluations_committeemeeting_change", args=[meeting.pk])


def meeting_form(meeting=None, *, publish=False, opinions=(), **fields) -> dict:
    """The change form as the admin posts it; ``opinions``: dicts of opinion fields."""
    data = {
        "fiscal_year": YEAR, "held_on": "2026-07-01", "title": "令和8年度 第1回懇談会",
        "reviewed": "令和7年度の事業評価", "members_present": 9,
        "opinions-TOTAL_FORMS": len(opinions), "opinions-MIN_NUM_FORMS": 0,
        "opinions-MAX_NUM_FORMS": 1000,
        "opinions-INITIAL_FORMS": sum(1 for o in opinions if o.get("id")),
        **fields,
    }  # fmt: skip
    for index, opinion in enumerate(opinions):
        for key, value in opinion.items():
            data[f"opinions-{index}-{key}"] = value
        if meeting is not None:
            data[f"opinions-{index}-meeting"] = meeting.pk
    if publish:
        data["_publish"] = "1"
    return data


# --- who sees what ---------------------------------------------------------------------------------


def test_the_secretariat_sees_both_tables_on_the_admin_index(client, secretariat):
    client.force_login(secretariat)
    page = loaded_page(client.get(reverse("admin:index")), "年度報告を開く")
    assert RATINGS in page and MEETINGS in page


def test_officers_see_nothing_of_it(client, kaneyama_officer, meeting):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(reverse("admin:index")), "年度報告を開く")
    assert RATINGS not in page and MEETINGS not in page
    for target in (RATINGS, MEETINGS, ADD_MEETING, change(meeting)):
        assert client.get(target).status_code in (403, 404), target


def test_a_reviewer_reads_but_cannot_change(client, reviewer, meeting):
    client.force_login(reviewer)
    assert client.get(RATINGS).status_code == 200
    page = loaded_page(client.get(change(meeting)), "周知を強めてほしい")
    assert 'name="title"' not in page
    assert "保存して承認・公表する" not in page
    assert client.get(ADD_MEETING).status_code == 403
    rating = EvaluationRating.objects.get(code="A")
    response = client.post(
        reverse("admin:evaluations_evaluationrating_change", args=[rating.pk]),
        {"order": 1, "code": "A", "label": "変えた", "label_en": ""},
    )
    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.label == "順調"


def test_the_secretariat_changes_the_scale(client, secretariat):
    client.force_login(secretariat)
    rating = EvaluationRating.objects.get(code="D")
    response = client.post(
        reverse("admin:evaluations_evaluationrating_change", args=[rating.pk]),
        {"order": 4, "code": "D", "label": "抜本的な見直しが必要", "label_en": "Needs review"},
    )
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.label == "抜本的な見直しが必要"


# --- meetings and opinions -----------------------------------------------------------------------------


def test_the_secretariat_records_a_meeting_with_opinions(
    client, secretariat, vision, reporting_year
):
    client.force_login(secretariat)
    response = client.post(
        ADD_MEETING,
        meeting_form(opinions=[
            {"order": 1, "text": "ビジョン全体への意見", "response": "検討します"},
            {"order": 2, "program": health().pk, "text": "健診の周知", "response": "広報で周知します"},
        ]),
    )  # fmt: skip
    assert response.status_code == 302
    meeting = CommitteeMeeting.objects.get()
    assert meeting.vision == vision
    assert [(o.order, o.program) for o in meeting.opinions.all()] == [(1, None), (2, health())]
    assert meeting.approved_at is None


def test_an_opinion_has_at_most_one_subject(client, secretariat, vision, reporting_year):
    client.force_login(secretariat)
    field = vision.policy_fields.first()
    response = client.post(
        ADD_MEETING,
        meeting_form(opinions=[
            {"order": 1, "program": health().pk, "policy_field": field.pk, "text": "x", "response": "y"},
        ]),
    )  # fmt: skip
    assert response.status_code == 200
    assert "どちらか一つにしてください" in response.content.decode()
    assert not CommitteeMeeting.objects.exists()


def test_an_opinion_on_a_program_of_another_vision_is_refused(client, secretariat, reporting_year):
    other = make_program(make_item(make_vision()), participants=[])
    client.force_login(secretariat)
    response = client.post(
        ADD_MEETING,
        meeting_form(opinions=[{"order": 1, "program": other.pk, "text": "x", "response": "y"}]),
    )
    assert response.status_code == 200
    assert not CommitteeMeeting.objects.exists()
    assert Program.objects.filter(pk=other.pk).exists()


def test_the_list_shows_only_the_current_visions_meetings(client, secretariat, meeting):
    other = CommitteeMeeting.objects.create(
        vision=make_vision(), fiscal_year=YEAR, held_on=date(2026, 7, 2), title="別の圏域の懇談会",
        reviewed="x", members_present=1,
    )  # fmt: skip
    client.force_login(secretariat)
    page = loaded_page(client.get(MEETINGS), "令和8年度 第1回懇談会")
    assert "別の圏域の懇談会" not in page
    assert client.get(change(other)).status_code == 404


# --- publishing ---------------------------------------------------------------------------------------------


def test_publishing_is_refused_while_an_opinion_has_no_response(client, secretariat, meeting):
    client.force_login(secretariat)
    response = client.post(
        MEETINGS,
        {"action": "approve_and_publish", "_selected_action": [meeting.pk]},
        follow=True,
    )
    assert "考え方・対応が書かれていないため、公表できません" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.approved_at is None
    assert not Opinion.objects.published().exists()


def test_the_action_publishes_opinions_with_their_responses(client, secretariat, meeting):
    meeting.opinions.update(response="広報で周知します")
    client.force_login(secretariat)
    response = client.post(
        MEETINGS,
        {"action": "approve_and_publish", "_selected_action": [meeting.pk]},
        follow=True,
    )
    assert "公表しました" in response.content.decode()
    opinion = Opinion.objects.published().get()
    assert (opinion.published_text, opinion.published_response) == (
        "周知を強めてほしい",
        "広報で周知します",
    )


def test_the_button_saves_then_publishes(client, secretariat, meeting):
    opinion = meeting.opinions.get()
    client.force_login(secretariat)
    response = client.post(
        change(meeting),
        meeting_form(meeting, publish=True, opinions=[
            {"id": opinion.pk, "order": 1, "text": opinion.text, "response": "次年度に反映します"},
        ]),
        follow=True,
    )  # fmt: skip
    assert "公表しました" in response.content.decode()
    opinion.refresh_from_db()
    assert opinion.published_response == "次年度に反映します"


def test_a_reviewer_cannot_publish(client, reviewer, meeting):
    meeting.opinions.update(response="対応")
    client.force_login(reviewer)
    client.post(MEETINGS, {"action": "approve_and_publish", "_selected_action": [meeting.pk]})
    meeting.refresh_from_db()
    assert meeting.approved_at is None


def test_a_meeting_of_a_locked_year_is_read_only(client, secretariat, meeting, reporting_year):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(secretariat)
    page = loaded_page(client.get(change(meeting)), "周知を強めてほしい")
    assert 'name="title"' not in page
    assert "保存して承認・公表する" not in page


def test_a_meeting_cannot_be_added_to_a_locked_year(client, secretariat, reporting_year):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(secretariat)
    response = client.post(ADD_MEETING, meeting_form())
    assert response.status_code == 200
    assert "締められています" in response.content.decode()
    assert not CommitteeMeeting.objects.exists()
