"""Withdrawing a figure (値なしの提案), taking a submission back (取り下げ), the confirmation
before submitting (確認), the change history (変更履歴) and what each role finds in the admin."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import FigureStatus
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA, OKURA
from tests.pages import loaded_page
from tests.returns.helpers import (
    confirmation_fields,
    figures_snapshot,
    form_data,
    header_index,
    program,
    return_url,
    share,
    shown_versions,
    the_return,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


def key(name=HEALTH, kind="budget"):
    return f"{kind}-{program(name).pk}"


def approved(reporting_year, town, officer, secretariat, name=HEALTH, amount=120):
    """A figure entered, submitted and approved: its value is public."""
    services.save_entries(
        user=officer,
        annual_return=the_return(reporting_year, town),
        entries=[Entry(key(name), Decimal(amount))],
    )
    services.submit_return(user=officer, annual_return=the_return(reporting_year, town))
    ret = the_return(reporting_year, town)
    services.review_return(
        user=secretariat,
        annual_return=ret,
        decisions=[
            services.Decision(key(name), services.APPROVE, version=ret.line(key(name)).version)
        ],
    )
    return share(program(name), town)


def submitted(reporting_year, town, officer, name=HEALTH, amount=120):
    services.save_entries(
        user=officer,
        annual_return=the_return(reporting_year, town),
        entries=[Entry(key(name), Decimal(amount))],
    )
    services.submit_return(user=officer, annual_return=the_return(reporting_year, town))
    return share(program(name), town)


def ask_to_submit(client, data=None, code=KANEYAMA):
    """The return form's 「保存して提出する」: answers with the confirmation page."""
    page = client.get(return_url(code)).content.decode()
    return client.post(return_url(code), {**form_data(page), **(data or {}), "action": "submit"})


def confirm(client, confirmation, code=KANEYAMA):
    fields = confirmation_fields(confirmation.content.decode())
    return client.post(return_url(code, 2025, "confirm"), fields)


def budget_shares(client):
    response = client.get(reverse("opendata:json", args=["budget_shares"]))
    assert response.status_code == 200
    return response.json()


# --- 1. withdrawing a figure (値なしの提案) and taking a submission back (取り下げ) ---------------


def test_clearing_an_approved_value_without_a_reason_is_refused(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    client.force_login(kaneyama_officer)
    data = form_data(client.get(return_url(KANEYAMA)).content.decode())
    response = client.post(return_url(KANEYAMA), {**data, f"v-{key()}": "", "action": "save"})
    assert response.status_code == 400
    assert "コメントに理由を書いてください" in response.content.decode()
    assert share(program(HEALTH), kaneyama).amount_kyen == 120


def test_clearing_an_approved_value_with_a_reason_is_a_proposal_not_a_line_not_started(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    client.force_login(kaneyama_officer)
    data = form_data(client.get(return_url(KANEYAMA)).content.decode())
    data.update({f"v-{key()}": "", f"c-{key()}": "事業を中止したため"})
    assert client.post(return_url(KANEYAMA), {**data, "action": "save"}).status_code == 302
    line = the_return(reporting_year, kaneyama).line(key())
    assert (line.state, line.is_submittable) == (FigureStatus.DRAFT, True)
    page = loaded_page(client.get(return_url(KANEYAMA)), "値なしの提案")
    assert "公開中：120" in page


def test_a_withdrawal_approved_by_the_secretariat_leaves_open_data_and_shows_in_the_history(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        figure = approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    mine = {"program_id": figure.program_id, "municipality_code": KANEYAMA, "fiscal_year": 2025, "kind": "budget"}  # fmt: skip
    assert any(mine.items() <= row.items() for row in budget_shares(client))

    client.force_login(kaneyama_officer)
    confirmation = ask_to_submit(client, {f"v-{key()}": "", f"c-{key()}": "事業を中止したため"})
    assert "値なし" in loaded_page(confirmation, "提出する内容の確認")
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, confirmation).status_code == 302
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED

    client.force_login(secretariat)
    review = return_url(KANEYAMA, 2025, "review")
    shown = shown_versions(client.get(review).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review, {**shown, f"d-{key()}": "approve"})

    figure.refresh_from_db()
    assert (figure.status, figure.amount_kyen, figure.approved_amount_kyen) == (FigureStatus.APPROVED, None, None)  # fmt: skip
    assert not CostShare.objects.published().filter(pk=figure.pk).exists()
    assert not any(mine.items() <= row.items() for row in budget_shares(client))
    history = loaded_page(client.get(return_url(KANEYAMA, 2025, "history", key())), "変更履歴")
    assert "値なし" in history and "事業を中止したため" in history


def test_a_blank_cell_in_the_excel_template_on_an_approved_value_needs_a_reason(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    client.force_login(kaneyama_officer)
    wb = workbook(client.get(return_url(KANEYAMA, 2025, "template")).content)
    ws = wb["年度報告"]
    columns = header_index(ws)
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, columns["事業ID"]).value == program(HEALTH).pk and ws.cell(row, columns["区分"]).value == "予算":  # fmt: skip
            ws.cell(row, columns["値（入力）"]).value = None
    before = figures_snapshot()
    response = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": xlsx_upload(wb)})
    preview = client.get(response["Location"])
    assert "コメントに理由を書いてください" in preview.content.decode()
    assert client.post(response["Location"], {"confirm": "1"}).status_code == 400
    assert figures_snapshot() == before


def test_the_officer_takes_a_submitted_figure_back_to_draft(
    client, reporting_year, kaneyama, kaneyama_officer
):
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), "提出を取り下げる")
    assert return_url(KANEYAMA, 2025, "take_back") in page
    response = client.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 302
    figure.refresh_from_db()
    assert (figure.status, figure.submitted_at, figure.amount_kyen) == (FigureStatus.DRAFT, None, 120)  # fmt: skip
    assert figure.history.first().history_change_reason == "提出の取り下げ"


def test_taking_back_a_figure_changed_since_the_page_was_shown_is_refused(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    shown = figure.version
    ret = the_return(reporting_year, kaneyama)
    services.review_return(
        user=secretariat,
        annual_return=ret,
        decisions=[services.Decision(key(), services.APPROVE, version=ret.line(key()).version)],
    )
    client.force_login(kaneyama_officer)
    response = client.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": shown}, follow=True
    )
    assert "取り下げできませんでした" in response.content.decode()
    assert share(program(HEALTH), kaneyama).status == FigureStatus.APPROVED


def test_taking_back_another_towns_figure_is_not_found(
    client, reporting_year, okura, okura_officer, kaneyama_officer
):
    figure = submitted(reporting_year, okura, okura_officer)
    client.force_login(kaneyama_officer)
    response = client.post(
        return_url(OKURA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 404
    assert share(program(HEALTH), okura).status == FigureStatus.SUBMITTED


def test_the_reviewer_cannot_take_a_figure_back(client, reporting_year, kaneyama, kaneyama_officer, reviewer):  # fmt: skip
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    client.force_login(reviewer)
    response = client.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 403
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


def test_anonymous_visitors_taking_back_are_sent_to_the_login(client, reporting_year, kaneyama, kaneyama_officer):  # fmt: skip
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    response = client.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


# --- 2. the confirmation before submitting (確認) ----------------------------------------------


def test_submitting_shows_what_will_be_sent_and_saves_nothing_yet(
    client, reporting_year, kaneyama, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    before = figures_snapshot()
    response = ask_to_submit(client, {f"v-{key()}": "１２０", f"c-{key()}": "当初予算"})
    page = loaded_page(response, "提出する内容の確認", HEALTH, "120", "当初予算")
    assert "この内容で提出する" in page
    assert figures_snapshot() == before


def test_the_confirmation_says_it_includes_earlier_drafts_and_returned_values(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    submitted(reporting_year, kaneyama, kaneyama_officer, name=CREMATION, amount=40)
    ret = the_return(reporting_year, kaneyama)
    services.review_return(
        user=secretariat, annual_return=ret,
        decisions=[services.Decision(key(CREMATION), services.RETURN, reason="額を確認してください", version=ret.line(key(CREMATION)).version)],
    )  # fmt: skip
    services.save_entries(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(HEALTH, "settlement"), Decimal(99))],
    )  # fmt: skip
    client.force_login(kaneyama_officer)
    page = loaded_page(ask_to_submit(client, {f"v-{key()}": "120"}), "提出する内容の確認")
    assert "以前に保存した下書き 1 件" in page and "差戻しの値 1 件" in page
    assert page.count('name="shown-') == 3


def test_confirming_submits_exactly_what_was_shown_and_tells_the_secretariat(
    client, reporting_year, kaneyama, kaneyama_officer, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(kaneyama_officer)
    confirmation = ask_to_submit(client, {f"v-{key()}": "120"})
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, confirmation)
    assert response.status_code == 302
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.status) == (120, FigureStatus.SUBMITTED)
    [mail] = mailoutbox
    assert "最上地域保健医療対策事業（予算）: 120 千円" in mail.body


def test_a_value_changed_after_the_confirmation_is_refused_and_nothing_is_sent(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    services.save_entries(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(CREMATION), Decimal(40))],
    )  # fmt: skip
    client.force_login(kaneyama_officer)
    confirmation = ask_to_submit(client, {f"v-{key()}": "120"})
    services.save_entries(
        user=secretariat, annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(CREMATION), Decimal(44))],
    )  # fmt: skip
    before = figures_snapshot()
    response = confirm(client, confirmation)
    assert response.status_code == 409
    assert "確認画面を開いた後に" in response.content.decode()
    assert figures_snapshot() == before


def test_a_draft_saved_after_the_confirmation_is_not_sent(
    client, reporting_year, kaneyama, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    confirmation = ask_to_submit(client, {f"v-{key()}": "120"})
    services.save_entries(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(CREMATION), Decimal(40))],
    )  # fmt: skip
    response = confirm(client, confirmation)
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED
    assert share(program(CREMATION), kaneyama).status == FigureStatus.DRAFT


def test_going_back_from_the_confirmation_keeps_what_was_typed_and_saves_nothing(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    before = figures_snapshot()
    confirmation = ask_to_submit(client, {f"v-{key()}": "120", f"c-{key()}": "当初予算"})
    fields = confirmation_fields(confirmation.content.decode())
    del fields["confirm"]
    response = client.post(return_url(KANEYAMA), {**fields, "action": "back"})
    page = loaded_page(response, "確認して提出する")
    assert 'value="120"' in page and 'value="当初予算"' in page
    assert figures_snapshot() == before


def test_the_secretariat_returns_a_figure_rather_than_taking_it_back(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    client.force_login(secretariat)
    response = client.post(
        return_url(KANEYAMA, 2025, "take_back"), {"key": key(), "version": figure.version}
    )
    assert response.status_code == 403
    assert share(program(HEALTH), kaneyama).status == FigureStatus.SUBMITTED


def test_nothing_to_submit_says_so_and_saves_nothing(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    before = figures_snapshot()
    response = ask_to_submit(client)
    assert "提出できる値がありません" in loaded_page(response, "年度報告")
    assert figures_snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_towns_confirmation_is_not_found(client, reporting_year, kaneyama_officer, method):  # fmt: skip
    client.force_login(kaneyama_officer)
    before = figures_snapshot()
    response = getattr(client, method)(return_url(OKURA, 2025, "confirm"), {"confirm": "1"})
    assert response.status_code == 404
    assert figures_snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_reviewer_cannot_confirm_a_submission(client, reporting_year, reviewer, method):
    client.force_login(reviewer)
    before = figures_snapshot()
    response = getattr(client, method)(return_url(KANEYAMA, 2025, "confirm"), {"confirm": "1"})
    assert response.status_code == 403
    assert figures_snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_confirming_are_sent_to_the_login(client, reporting_year, method):
    response = getattr(client, method)(return_url(KANEYAMA, 2025, "confirm"), {"confirm": "1"})
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- 3. the change history (変更履歴) ------------------------------------------------------------


@pytest.fixture
def history_figure(reporting_year, kaneyama, kaneyama_officer):
    figure = submitted(reporting_year, kaneyama, kaneyama_officer)
    first, latest = figure.history.order_by("history_id")
    # 2026-03-25 05:05 UTC is 14:05 in Japan.
    type(latest).objects.filter(pk=latest.pk).update(history_date=datetime(2026, 3, 25, 5, 5, tzinfo=UTC))  # fmt: skip
    type(first).objects.filter(pk=first.pk).update(history_date=datetime(2026, 3, 24, 23, 0, tzinfo=UTC))  # fmt: skip
    return figure


ENGLISH = ["View history", "Changed by", "Change reason", "Comment", "Object", "Changed", "Created"]


def assert_history_in_japanese(page):
    """Japan time, state labels, no English and no raw codes in what is shown; no inline style."""
    shown = re.sub(r"<[^>]+>", " ", page)
    assert "2026年3月25日 14:05" in shown and "2026年3月25日 8:00" in shown
    assert "下書き → 提出済み" in shown
    for text in [*ENGLISH, "draft", "submitted", "+00:00"]:
        assert text not in shown, text
    assert "style=" not in page


def test_the_returns_history_is_in_japanese_in_japan_time_with_state_labels(
    client, kaneyama_officer, history_figure
):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA, 2025, "history", key())), "変更履歴", HEALTH)
    assert_history_in_japanese(page)
    assert "/admin/auth/user/" not in page


def test_the_admin_history_is_in_japanese_in_japan_time_with_state_labels(
    client, kaneyama_officer, history_figure
):
    client.force_login(kaneyama_officer)
    url = reverse("admin:programs_costshare_history", args=[history_figure.pk])
    page = loaded_page(client.get(url), "変更履歴")
    assert_history_in_japanese(page)
    assert "/admin/auth/user/" not in page


def test_the_return_page_links_each_line_to_its_history(client, kaneyama_officer, history_figure):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), HEALTH)
    assert return_url(KANEYAMA, 2025, "history", key()) in page


def test_another_towns_history_is_not_found(client, okura_officer, history_figure):
    client.force_login(okura_officer)
    assert client.get(return_url(KANEYAMA, 2025, "history", key())).status_code == 404


def test_the_reviewer_reads_the_history(client, reviewer, history_figure):
    client.force_login(reviewer)
    loaded_page(client.get(return_url(KANEYAMA, 2025, "history", key())), "変更履歴")


def test_anonymous_visitors_asking_for_a_history_are_sent_to_the_login(client, history_figure):
    response = client.get(return_url(KANEYAMA, 2025, "history", key()))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- 4. what each role finds in the admin -------------------------------------------------------


STATISTICS = ["人口", "昼夜間人口", "通勤通学の流れ", "県立新庄病院の利用状況", "統計表の出典"]


def model_links(page):
    return set(re.findall(r'<th scope="row" id="[a-z]+-[a-z]+">\s*<a href="[^"]+">([^<]+)</a>', page))  # fmt: skip


def test_the_officers_admin_index_lists_only_what_they_use(client, kaneyama_officer):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(reverse("admin:index")), "年度報告を開く")
    assert {"負担額", "KPI実績", "報告年度"} <= model_links(page)
    assert not set(STATISTICS) & model_links(page)


def test_the_secretariats_admin_index_still_lists_the_statistics(client, secretariat):
    client.force_login(secretariat)
    page = loaded_page(client.get(reverse("admin:index")), "年度報告を開く")
    assert set(STATISTICS) <= model_links(page)


def test_officers_get_no_status_link_that_would_be_refused(client, reporting_year, kaneyama_officer):  # fmt: skip
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(reverse("admin:vision_reportingyear_changelist")), "令和7年度")
    assert "提出状況を見る" not in page
    completeness = reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk])
    assert completeness not in page


def test_the_reviewer_keeps_the_status_link(client, reporting_year, reviewer):
    client.force_login(reviewer)
    page = loaded_page(client.get(reverse("admin:vision_reportingyear_changelist")), "令和7年度")
    url = reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk])
    assert url in page and client.get(url).status_code == 200


def test_officers_see_who_changed_a_figure_without_a_link_to_user_pages(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    figure = approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    client.force_login(kaneyama_officer)
    url = reverse("admin:programs_costshare_change", args=[figure.pk])
    page = loaded_page(client.get(url), "最終更新者", "承認者", "t-secretariat")
    assert "/admin/auth/user/" not in page


def test_the_secretariat_keeps_the_links_to_user_pages(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat
):
    figure = approved(reporting_year, kaneyama, kaneyama_officer, secretariat)
    client.force_login(secretariat)
    url = reverse("admin:programs_costshare_change", args=[figure.pk])
    page = loaded_page(client.get(url), "承認者")
    assert reverse("admin:auth_user_change", args=[secretariat.pk]) in page
