"""A town's 取組状況 (TownActivity) in its annual return: due for every program it takes part
in, written by its own officer, submitted, taken back, approved or returned by the secretariat
like any figure, refused whole when it cannot be kept, and shown escaped everywhere."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import FigureStatus
from evaluations.models import TEXT_LIMIT, TownActivity
from returns import notifications, permissions, services
from returns.annual import Entry, LineKind
from tests.constants import CREMATION, HEALTH, KANEYAMA, OKURA, SPECIAL_EDUCATION
from tests.hostile.payloads import SCRIPT, assert_escaped
from tests.pages import loaded_page
from tests.returns.helpers import (
    confirmation_fields,
    figures_snapshot,
    program,
    return_url,
    share,
    shown_versions,
    submit_confirmed,
    the_return,
    workbook,
)

pytestmark = pytest.mark.django_db

OKURA_TEXT = "大蔵村の取組状況の下書き"


def key(name=HEALTH) -> str:
    return f"activity-{program(name).pk}"


def activity(town, name=HEALTH, year=2025) -> TownActivity | None:
    return TownActivity.objects.filter(
        program=program(name), municipality=town, fiscal_year=year
    ).first()


def activities_snapshot():
    return list(
        TownActivity.objects.order_by("pk").values_list(
            "pk", "municipality_id", "text", "approved_text", "status", "version", "comment"
        )
    )


def write(officer, reporting_year, town, text, name=HEALTH, comment=None):
    """The officer saves a 取組状況 (services, as the form does)."""
    services.save_entries(
        user=officer,
        annual_return=the_return(reporting_year, town),
        entries=[Entry(key(name), text, comment=comment)],
    )


def submitted(officer, reporting_year, town, text="高齢者の健診を3回開いた", name=HEALTH):
    write(officer, reporting_year, town, text, name)
    services.submit_return(user=officer, annual_return=the_return(reporting_year, town))
    return activity(town, name)


def decide(client, data, code=KANEYAMA):
    """A review posted as the page does: the versions it showed, then the decisions."""
    url = return_url(code, 2025, "review")
    shown = shown_versions(client.get(url).content.decode())
    return client.post(url, {**shown, **data})


@pytest.fixture
def okura_draft(reporting_year, okura):
    return TownActivity.objects.create(
        program=program(HEALTH), municipality=okura, fiscal_year=2025, text=OKURA_TEXT
    )


@pytest.fixture
def officer(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    return client


# --- what is due --------------------------------------------------------------------------


def test_a_town_owes_an_activity_for_each_program_it_takes_part_in(
    reporting_year, vision, kaneyama
):
    ret = the_return(reporting_year, kaneyama)
    due = list(permissions.due_programs(vision, kaneyama, 2025))
    assert [line.program for line in ret.activities] == due
    assert {line.kind for line in ret.activities} == {LineKind.ACTIVITY}
    assert ret.line(key(HEALTH)).label == f"{HEALTH}（取組状況）"


def test_a_town_that_is_not_a_participant_is_not_asked(officer, reporting_year, kaneyama):
    assert the_return(reporting_year, kaneyama).line(key(SPECIAL_EDUCATION)) is None
    page = loaded_page(officer.get(return_url(KANEYAMA)), f'name="v-{key(HEALTH)}"')
    assert f'name="v-{key(SPECIAL_EDUCATION)}"' not in page


def test_the_area_return_has_no_activities(reporting_year):
    ret = the_return(reporting_year, None)
    assert ret.activities == []
    assert all(line.kind != LineKind.ACTIVITY for line in ret.all_lines)


def test_an_activity_of_a_non_participant_is_not_due(kaneyama, okura):
    assert permissions.is_due(
        TownActivity(program=program(HEALTH), municipality=kaneyama, fiscal_year=2025)
    )
    assert not permissions.is_due(
        TownActivity(program=program(SPECIAL_EDUCATION), municipality=kaneyama, fiscal_year=2025)
    )


def test_activities_count_in_the_return_but_not_in_the_spreadsheet(
    officer, reporting_year, kaneyama
):
    ret = the_return(reporting_year, kaneyama)
    assert ret.due == len(ret.lines) + len(ret.activities)
    response = officer.get(return_url(KANEYAMA, 2025, "template"))
    assert response.status_code == 200
    rows = list(workbook(response.content).worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(ret.lines)  # the template carries the figures with numbers only
    assert "取組状況" not in {cell for row in rows for cell in row}


# --- the officer writes and submits ---------------------------------------------------------


def test_the_officer_saves_a_draft_of_their_own_towns_activity(officer, kaneyama):
    response = officer.post(
        return_url(KANEYAMA), {f"v-{key()}": "健診を\r\n3回開いた\r\n", f"ver-{key()}": "0"}
    )
    assert response.status_code == 302
    saved = activity(kaneyama)
    assert (saved.text, saved.status, saved.version) == ("健診を\n3回開いた", "draft", 1)
    assert saved.approved_text == "" and saved.approved_at is None


def test_the_return_page_has_a_labelled_textarea_for_each_program(officer):
    page = loaded_page(officer.get(return_url(KANEYAMA)), "取組状況（連携事業ごと）")
    assert (
        f'<label for="v-{key()}">取組状況<span class="visually-hidden">（{HEALTH}）</span>' in page
    )
    assert f'maxlength="{TEXT_LIMIT}"' in page


def test_the_officer_submits_the_activity_after_the_confirmation(officer, kaneyama):
    data = {f"v-{key()}": "健診を3回開いた", f"ver-{key()}": "0"}
    assert submit_confirmed(officer, KANEYAMA, data).status_code == 302
    saved = activity(kaneyama)
    assert (saved.text, saved.status) == ("健診を3回開いた", FigureStatus.SUBMITTED)


def test_the_confirmation_shows_the_activity_and_carries_it_to_be_saved(officer, kaneyama):
    data = {f"v-{key()}": "健診を\n3回開いた", f"ver-{key()}": "0", "action": "submit"}
    confirmation = officer.post(return_url(KANEYAMA), data)
    page = loaded_page(confirmation, "提出する内容の確認", "健診を<br>3回開いた")
    assert confirmation_fields(page)[f"v-{key()}"] == "健診を\n3回開いた"
    assert activity(kaneyama) is None  # nothing saved before 「この内容で提出する」


def test_a_blank_activity_does_not_hold_back_the_figures(officer, kaneyama):
    health = program(HEALTH)
    data = {f"v-budget-{health.pk}": "120", f"ver-budget-{health.pk}": "0", "action": "submit"}
    confirmation = officer.post(return_url(KANEYAMA), data)
    page = loaded_page(confirmation, "まだ書かれていない取組状況")
    response = officer.post(return_url(KANEYAMA, 2025, "confirm"), confirmation_fields(page))
    assert response.status_code == 302
    assert share(health, kaneyama).status == FigureStatus.SUBMITTED
    assert activity(kaneyama) is None


def test_the_officer_takes_a_submitted_activity_back(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    figure = submitted(kaneyama_officer, reporting_year, kaneyama)
    response = officer.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.status, figure.submitted_at) == (FigureStatus.DRAFT, None)


def test_a_submitted_activity_is_not_editable_by_the_officer(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    figure = submitted(kaneyama_officer, reporting_year, kaneyama)
    page = loaded_page(officer.get(return_url(KANEYAMA)), "高齢者の健診を3回開いた")
    assert f'name="v-{key()}"' not in page
    response = officer.post(
        return_url(KANEYAMA), {f"v-{key()}": "書き換え", f"ver-{key()}": str(figure.version)}
    )
    assert response.status_code == 302  # not an editable line: not read at all
    figure.refresh_from_db()
    assert figure.text == "高齢者の健診を3回開いた"


# --- never another town's -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["return", "review", "history"])
def test_another_towns_activity_is_not_found(officer, okura_draft, name):
    args = [key()] if name == "history" else []
    assert officer.get(return_url(OKURA, 2025, name, *args)).status_code == 404


def test_posting_to_another_towns_return_is_not_found(officer, okura_draft):
    before = activities_snapshot()
    data = {f"v-{key()}": "書き換え", f"ver-{key()}": "1"}
    assert officer.post(return_url(OKURA), data).status_code == 404
    assert activities_snapshot() == before


def test_another_towns_key_on_the_officers_own_form_writes_only_their_own(
    officer, kaneyama, okura, okura_draft
):
    data = {
        f"v-{key()}": "金山町の取組", f"ver-{key()}": "0",  # the same program: 金山町's own line
        f"v-{key(SPECIAL_EDUCATION)}": "参加していない事業", f"ver-{key(SPECIAL_EDUCATION)}": "0",
        "pk": str(okura_draft.pk), "municipality": str(okura.pk),
    }  # fmt: skip
    assert officer.post(return_url(KANEYAMA), data).status_code == 302
    okura_draft.refresh_from_db()
    assert (okura_draft.text, okura_draft.version) == (OKURA_TEXT, 1)
    assert activity(kaneyama).text == "金山町の取組"
    assert activity(kaneyama, SPECIAL_EDUCATION) is None
    assert not TownActivity.objects.filter(program=program(SPECIAL_EDUCATION)).exists()


def test_the_officers_page_does_not_show_another_towns_text(officer, okura_draft):
    page = loaded_page(officer.get(return_url(KANEYAMA)), f'name="v-{key()}"')
    assert OKURA_TEXT not in page


def test_the_admin_shows_an_officer_only_their_own_towns_activities(
    officer, reporting_year, kaneyama, kaneyama_officer, okura_draft
):
    own = submitted(kaneyama_officer, reporting_year, kaneyama)
    page = loaded_page(officer.get(reverse("admin:evaluations_townactivity_changelist")))
    assert reverse("admin:evaluations_townactivity_change", args=[own.pk]) in page
    assert OKURA_TEXT not in page
    other = reverse("admin:evaluations_townactivity_change", args=[okura_draft.pk])
    assert officer.get(other).status_code == 404
    assert officer.post(other, {"text": "x", "expected_version": "1"}).status_code == 404
    mine = reverse("admin:evaluations_townactivity_change", args=[own.pk])
    assert officer.post(mine, {"text": "x", "expected_version": "2"}).status_code == 403
    okura_draft.refresh_from_db()
    assert okura_draft.text == OKURA_TEXT


# --- the reviewer reads, the secretariat decides ---------------------------------------------


def test_the_reviewer_reads_but_cannot_write(
    client, reviewer, reporting_year, kaneyama, kaneyama_officer
):
    submitted(kaneyama_officer, reporting_year, kaneyama)
    before = activities_snapshot()
    client.force_login(reviewer)
    page = loaded_page(client.get(return_url(KANEYAMA)), "高齢者の健診を3回開いた")
    assert "<textarea" not in page
    assert client.post(return_url(KANEYAMA), {f"v-{key()}": "x"}).status_code == 403
    review = return_url(KANEYAMA, 2025, "review")
    assert client.post(review, {f"d-{key()}": "approve", f"ver-{key()}": "2"}).status_code == 403
    assert activities_snapshot() == before


def test_approving_publishes_the_text_and_a_later_edit_keeps_it_until_approved_again(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    submitted(kaneyama_officer, reporting_year, kaneyama, "第一版")
    client.force_login(secretariat)
    assert decide(client, {f"d-{key()}": "approve"}).status_code == 302
    figure = activity(kaneyama)
    assert (figure.status, figure.approved_text) == (FigureStatus.APPROVED, "第一版")
    assert figure.approved_at is not None

    write(kaneyama_officer, reporting_year, kaneyama, "第二版")
    figure.refresh_from_db()
    assert (figure.text, figure.status, figure.approved_text) == ("第二版", "draft", "第一版")
    assert list(TownActivity.objects.published().values_list("approved_text", flat=True)) == ["第一版"]  # fmt: skip

    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    assert decide(client, {f"d-{key()}": "approve"}).status_code == 302
    figure.refresh_from_db()
    assert figure.approved_text == "第二版"


def test_the_secretariat_returns_an_activity_with_a_reason(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    submitted(kaneyama_officer, reporting_year, kaneyama)
    client.force_login(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            client, {f"d-{key()}": "return", f"r-{key()}": "回数の根拠を書いてください"}
        )
    assert response.status_code == 302
    figure = activity(kaneyama)
    assert (figure.status, figure.return_reason) == (
        FigureStatus.RETURNED,
        "回数の根拠を書いてください",
    )
    assert figure.approved_at is None
    [mail] = [m for m in mailoutbox if m.to == ["t-officer-kaneyama@example.invalid"]]
    assert "回数の根拠を書いてください" in mail.body and f"{HEALTH}（取組状況）" in mail.body
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), "差戻しがあります（1件）")
    assert "回数の根拠を書いてください" in page


def test_returning_without_a_reason_is_refused(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    submitted(kaneyama_officer, reporting_year, kaneyama)
    client.force_login(secretariat)
    response = decide(client, {f"d-{key()}": "return", f"r-{key()}": ""})
    assert response.status_code == 400
    assert "差戻しの理由を書いてください" in response.content.decode()
    assert activity(kaneyama).status == FigureStatus.SUBMITTED


def test_an_approval_decides_only_the_text_the_page_showed(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    figure = submitted(kaneyama_officer, reporting_year, kaneyama, "見せた文章")
    client.force_login(secretariat)
    url = return_url(KANEYAMA, 2025, "review")
    shown = shown_versions(loaded_page(client.get(url), "見せた文章"))
    ret = the_return(reporting_year, kaneyama)
    services.take_back(user=kaneyama_officer, annual_return=ret, key=key(), version=figure.version)
    submitted(kaneyama_officer, reporting_year, kaneyama, "後から変えた文章")
    response = client.post(url, {**shown, "approve_all": "1"})
    assert response.status_code == 400
    assert (
        "画面を開いた後に値が変わりました（現在の値: 「後から変えた文章」）"
        in response.content.decode()
    )
    figure.refresh_from_db()
    assert (figure.status, figure.approved_text) == (FigureStatus.SUBMITTED, "")


def test_the_secretariat_approves_an_activity_in_the_admin(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    figure = submitted(kaneyama_officer, reporting_year, kaneyama, "管理画面で承認")
    client.force_login(secretariat)
    url = reverse("admin:evaluations_townactivity_changelist")
    shown = shown_versions(loaded_page(client.get(url), "管理画面で承認"))
    data = {**shown, "action": "approve_selected", "_selected_action": [figure.pk]}
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.status, figure.approved_text) == (FigureStatus.APPROVED, "管理画面で承認")


# --- versions, locks, withdrawals ---------------------------------------------------------


def test_a_second_tab_cannot_overwrite_the_first(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    write(kaneyama_officer, reporting_year, kaneyama, "最初の文章")  # version 1, both tabs
    write(kaneyama_officer, reporting_year, kaneyama, "別のタブの文章")  # the other tab: version 2
    response = officer.post(
        return_url(KANEYAMA), {f"v-{key()}": "古いタブの文章", f"ver-{key()}": "1"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "先に変更しました（現在の値: 「別のタブの文章」、あなたの入力: 「古いタブの文章」）" in page
    )
    assert "何も保存していません" in page
    assert activity(kaneyama).text == "別のタブの文章"


def test_a_first_entry_made_meanwhile_in_another_tab_is_not_overwritten(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    write(kaneyama_officer, reporting_year, kaneyama, "別のタブが先に保存")
    response = officer.post(return_url(KANEYAMA), {f"v-{key()}": "あとの入力", f"ver-{key()}": "0"})
    assert response.status_code == 409
    assert "先に変更しました（現在の値: 「別のタブが先に保存」" in response.content.decode()
    assert activity(kaneyama).text == "別のタブが先に保存"


def test_a_confirmation_refuses_an_activity_changed_since_it_was_shown(
    officer, reporting_year, kaneyama, kaneyama_officer
):
    write(kaneyama_officer, reporting_year, kaneyama, "確認画面の文章")
    confirmation = officer.get(return_url(KANEYAMA, 2025, "confirm"))
    fields = confirmation_fields(loaded_page(confirmation, "確認画面の文章"))
    write(kaneyama_officer, reporting_year, kaneyama, "その後の文章")
    response = officer.post(return_url(KANEYAMA, 2025, "confirm"), fields)
    assert response.status_code == 409
    assert "確認画面を開いた後に" in response.content.decode()
    assert activity(kaneyama).status == FigureStatus.DRAFT


def test_a_locked_year_is_closed_to_the_officer(officer, reporting_year, kaneyama):
    reporting_year.is_locked = True
    reporting_year.save()
    assert officer.post(return_url(KANEYAMA), {f"v-{key()}": "締めた後"}).status_code == 403
    assert activity(kaneyama) is None


def test_the_secretariat_changes_a_locked_year_only_with_a_reason(
    client, secretariat, reporting_year, kaneyama
):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(secretariat)
    data = {f"v-{key()}": "事務局が直した文章", f"ver-{key()}": "0"}
    response = client.post(return_url(KANEYAMA), data)
    assert response.status_code == 400
    assert "変更の理由を入力してください" in response.content.decode()
    assert activity(kaneyama) is None
    response = client.post(return_url(KANEYAMA), {**data, "change_reason": "誤字の訂正"})
    assert response.status_code == 302
    assert activity(kaneyama).history.first().history_change_reason == "誤字の訂正"


def test_blanking_an_approved_activity_needs_a_reason_and_then_unpublishes_it(
    officer, client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    submitted(kaneyama_officer, reporting_year, kaneyama, "公開中の文章")
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(key(), services.APPROVE)],
    )
    response = officer.post(return_url(KANEYAMA), {f"v-{key()}": "", f"ver-{key()}": "3"})
    assert response.status_code == 400
    assert "公開中の取組状況（「公開中の文章」）を空欄にすると" in response.content.decode()
    data = {f"v-{key()}": "", f"c-{key()}": "事業を中止したため", f"ver-{key()}": "3"}
    assert submit_confirmed(officer, KANEYAMA, data).status_code == 302
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(key(), services.APPROVE)],
    )
    figure = activity(kaneyama)
    assert (figure.status, figure.approved_text, figure.approved_at) == ("approved", "", None)
    assert not TownActivity.objects.published().exists()


# --- hostile input -------------------------------------------------------------------------


def test_a_script_is_shown_escaped_on_the_return_review_and_history_pages(
    officer, client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    submitted(kaneyama_officer, reporting_year, kaneyama, SCRIPT)
    assert activity(kaneyama).text == SCRIPT  # kept as typed
    assert_escaped(loaded_page(officer.get(return_url(KANEYAMA)), "取組状況"), SCRIPT)
    assert_escaped(loaded_page(officer.get(return_url(KANEYAMA, 2025, "history", key())), "変更履歴"), SCRIPT)  # fmt: skip
    client.force_login(secretariat)
    assert_escaped(loaded_page(client.get(return_url(KANEYAMA, 2025, "review")), "確認・承認"), SCRIPT)  # fmt: skip
    figure = activity(kaneyama)
    admin_history = reverse("admin:evaluations_townactivity_history", args=[figure.pk])
    assert_escaped(loaded_page(client.get(admin_history), "変更履歴"), SCRIPT)


def test_a_script_typed_into_a_refused_form_comes_back_escaped(officer, kaneyama):
    data = {f"v-{key()}": SCRIPT, f"ver-{key()}": "0", f"v-budget-{program(HEALTH).pk}": "abc"}
    response = officer.post(return_url(KANEYAMA), data)
    assert response.status_code == 400
    assert_escaped(response.content.decode(), SCRIPT)
    assert activity(kaneyama) is None


def test_100000_characters_are_refused_and_nothing_of_the_post_is_saved(officer, kaneyama):
    before = (figures_snapshot(), activities_snapshot())
    data = {
        f"v-{key()}": "あ" * 100_000, f"ver-{key()}": "0",
        f"v-{key(CREMATION)}": "正しい取組状況", f"ver-{key(CREMATION)}": "0",
        f"v-budget-{program(HEALTH).pk}": "120", f"ver-budget-{program(HEALTH).pk}": "0",
    }  # fmt: skip
    for action in ("save", "submit"):
        response = officer.post(return_url(KANEYAMA), {**data, "action": action})
        assert response.status_code == 400
        page = response.content.decode()
        assert f"取組状況は{TEXT_LIMIT}文字までにしてください。" in page
        assert "何も保存していません" in page
    assert (figures_snapshot(), activities_snapshot()) == before


def test_a_text_over_the_limit_is_refused_by_the_service_too(
    reporting_year, kaneyama, kaneyama_officer
):
    with pytest.raises(services.ReturnRejected) as refused:
        services.save_entries(
            user=kaneyama_officer,
            annual_return=the_return(reporting_year, kaneyama),
            entries=[
                Entry(f"budget-{program(HEALTH).pk}", Decimal(120)),
                Entry(key(), "a" * (TEXT_LIMIT + 1)),
            ],
        )
    [outcome] = [o for o in refused.value.outcomes if o.errors]
    assert outcome.errors == [f"取組状況は{TEXT_LIMIT}文字までにしてください。"]
    assert share(program(HEALTH), kaneyama) is None and activity(kaneyama) is None


def test_a_text_of_exactly_the_limit_is_kept(officer, kaneyama):
    data = {f"v-{key()}": "a" * TEXT_LIMIT, f"ver-{key()}": "0"}
    assert officer.post(return_url(KANEYAMA), data).status_code == 302
    assert len(activity(kaneyama).text) == TEXT_LIMIT


def test_control_characters_are_refused_with_a_japanese_message(officer, kaneyama):
    response = officer.post(
        return_url(KANEYAMA), {f"v-{key()}": "健診\x00を開いた", f"ver-{key()}": "0"}
    )
    assert response.status_code == 400
    assert "取組状況に使えない制御文字が含まれています" in response.content.decode()
    assert activity(kaneyama) is None


def test_the_secretariat_changes_an_activity_in_the_admin(
    client, secretariat, reporting_year, kaneyama, kaneyama_officer
):
    write(kaneyama_officer, reporting_year, kaneyama, "担当者の文章")
    figure = activity(kaneyama)
    client.force_login(secretariat)
    url = reverse("admin:evaluations_townactivity_change", args=[figure.pk])
    loaded_page(client.get(url), "担当者の文章", f'maxlength="{TEXT_LIMIT}"')
    data = {"text": "事務局が直した文章", "comment": "", "expected_version": "1"}
    assert client.post(url, data).status_code == 302
    figure.refresh_from_db()
    assert (figure.text, figure.version, figure.updated_by) == (
        "事務局が直した文章",
        2,
        secretariat,
    )


def test_the_deadline_reminder_counts_the_activities_not_written_yet(
    reporting_year, kaneyama, mail_users, mailoutbox
):
    ret = the_return(reporting_year, kaneyama)
    notifications.deadline_reminder(annual_return=ret, deadline=reporting_year.deadline)
    [mail] = mailoutbox
    assert f"このうち {len(ret.activities)} 件は連携事業ごとの取組状況です" in mail.body
