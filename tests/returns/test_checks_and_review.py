"""Checks of typed values (errors vs warnings), the review page's context, the approval
mail, the index's link texts and a year the secretariat has not opened yet."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import FigureStatus
from kpis.models import KPIActual
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA, OKURA
from tests.pages import loaded_page
from tests.returns.helpers import (
    header_index,
    kpi,
    open_year,
    program,
    return_url,
    share,
    shown_versions,
    the_return,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db

FARMERS = "圏域内の新規就農者数"  # 人; the area's figure is the sum of the towns' (baseline 48, target 50)
SCREENING = "受診者数"  # 人; reported by the area (baseline 2,717, target 2,000)
INVITATION = "コメントに理由を書いてください"


def farmers_key() -> str:
    return f"kpi-{kpi(FARMERS).pk}"


def row_messages(page: str, key: str) -> str:
    """The messages the form shows under one input (errors and warnings)."""
    match = re.search(rf'<div id="msg-{key}" class="row-messages">(.*?)</div>', page, re.S)
    assert match, f"no messages block for {key}"
    return match.group(1)


def save(user, reporting_year, reporter, *entries):
    return services.save_entries(
        user=user, annual_return=the_return(reporting_year, reporter), entries=list(entries)
    )


def refused(user, reporting_year, reporter, entry):
    with pytest.raises(services.ReturnRejected) as rejected:
        save(user, reporting_year, reporter, entry)
    [outcome] = rejected.value.outcomes
    return outcome


# --- 1. hard errors are errors, warnings invite a comment ---------------------------------


def test_a_fractional_count_on_the_form_is_an_error_without_an_invitation_to_comment(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    key = farmers_key()
    response = client.post(
        return_url(KANEYAMA), {f"v-{key}": "1.5", f"c-{key}": "", "action": "save"}
    )
    assert response.status_code == 400
    messages = row_messages(response.content.decode(), key)
    assert 'class="row-error"' in messages and "整数" in messages
    assert INVITATION not in messages


def test_a_real_warning_on_the_form_invites_a_comment(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    key = farmers_key()
    response = client.post(
        return_url(KANEYAMA), {f"v-{key}": "6543", f"c-{key}": "", "action": "save"}
    )
    assert response.status_code == 400
    messages = row_messages(response.content.decode(), key)
    assert 'class="row-warning"' in messages and INVITATION in messages


def test_a_fractional_count_in_the_preview_is_an_error_without_an_invitation(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    wb = workbook(client.get(return_url(KANEYAMA, 2025, "template")).content)
    ws = wb["年度報告"]
    columns = header_index(ws)
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, columns["指標ID"]).value == kpi(FARMERS).pk:
            ws.cell(row, columns["値（入力）"]).value = 1.5
    response = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": xlsx_upload(wb)})
    page = loaded_page(client.get(response["Location"]), "整数")
    row = next(r for r in page.split("<tr") if FARMERS in r and "整数" in r)
    assert "outcome--error" in row and INVITATION not in row


def test_the_row_tells_the_script_which_checks_are_errors(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(return_url(KANEYAMA)), FARMERS)
    farmers = re.search(rf'<input [^>]*id="v-{farmers_key()}"[^>]*>', page, re.S).group(0)
    assert 'data-whole="人"' in farmers and 'data-high="500"' in farmers


# --- 2. plausibility: whole numbers, a default range, tuned per KPI ----------------------


def test_a_count_of_people_must_be_a_whole_number_even_with_a_comment(
    reporting_year, kaneyama, kaneyama_officer
):
    outcome = refused(
        kaneyama_officer, reporting_year, kaneyama, Entry(farmers_key(), Decimal("1.5"), "半年")
    )
    assert outcome.errors == ["「人」で数える指標は整数で入力してください（小数は使えません）。"]


def test_a_towns_value_far_above_the_area_baseline_and_target_is_flagged(
    reporting_year, kaneyama, kaneyama_officer
):
    outcome = refused(
        kaneyama_officer, reporting_year, kaneyama, Entry(farmers_key(), Decimal(6543))
    )
    [warning] = outcome.warnings
    assert "圏域の目標値（50）の 130.9 倍です" in warning
    assert "確認の目安" in warning


def test_a_flagged_value_is_kept_with_a_comment(reporting_year, kaneyama, kaneyama_officer):
    save(
        kaneyama_officer, reporting_year, kaneyama, Entry(farmers_key(), Decimal(6543), "誤りなし")
    )
    assert KPIActual.objects.get(kpi=kpi(FARMERS), municipality=kaneyama).value == 6543


def test_a_towns_small_part_of_an_area_sum_is_not_flagged(
    reporting_year, kaneyama, kaneyama_officer
):
    save(kaneyama_officer, reporting_year, kaneyama, Entry(farmers_key(), Decimal(2)))
    assert KPIActual.objects.get(kpi=kpi(FARMERS), municipality=kaneyama).value == 2


def test_an_area_value_a_tenth_of_every_reference_is_flagged(reporting_year, secretariat):
    key = f"kpi-{kpi(SCREENING).pk}"
    outcome = refused(secretariat, reporting_year, None, Entry(key, Decimal(150)))
    [warning] = outcome.warnings
    assert "目標値（2,000）から 92.5% 変わっています" in warning


def test_the_secretariat_tunes_the_range_per_kpi(reporting_year, kaneyama, kaneyama_officer):
    farmers = kpi(FARMERS)
    farmers.plausible_change_percent = Decimal(20000)  # up to 201 times the largest reference
    farmers.save()
    save(kaneyama_officer, reporting_year, kaneyama, Entry(farmers_key(), Decimal(6543)))
    assert KPIActual.objects.get(kpi=farmers, municipality=kaneyama).value == 6543


# --- 3. the review page: plan, budget, and what was returned before -----------------------


@pytest.fixture
def settlement_submitted(reporting_year, kaneyama, kaneyama_officer, secretariat):
    health = program(HEALTH)
    save(kaneyama_officer, reporting_year, kaneyama, Entry(f"budget-{health.pk}", Decimal(4321)))
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(f"budget-{health.pk}", services.APPROVE)],
    )
    save(
        kaneyama_officer, reporting_year, kaneyama, Entry(f"settlement-{health.pk}", Decimal(43210))
    )
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    return f"settlement-{health.pk}"


def review_row(client, key: str) -> str:
    page = loaded_page(client.get(return_url(KANEYAMA, 2025, "review")), "確認・承認")
    match = re.search(rf'<tr id="row-{key}".*?</tr>', page, re.S)
    assert match, f"no review row for {key}"
    return match.group(0)


def test_a_settlement_is_shown_beside_its_plan_estimate_and_budget(
    client, secretariat, kaneyama, settlement_submitted
):
    plan = CostShare.objects.get(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="plan"
    )
    client.force_login(secretariat)
    row = review_row(client, settlement_submitted)
    assert f"事業費見込：{plan.approved_amount_kyen:,} 千円" in row
    assert "予算：4,321 千円" in row


def test_a_resubmitted_figure_shows_the_value_and_reason_it_was_returned_with(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat, settlement_submitted
):
    services.review_return(
        user=secretariat,
        annual_return=the_return(reporting_year, kaneyama),
        decisions=[services.Decision(settlement_submitted, services.RETURN, "桁が違います")],
    )
    save(kaneyama_officer, reporting_year, kaneyama, Entry(settlement_submitted, Decimal(4300)))
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )
    client.force_login(secretariat)
    row = review_row(client, settlement_submitted)
    assert "前回差し戻した値：43,210 千円" in row and "差戻しの理由：桁が違います" in row


def test_a_first_submission_shows_no_earlier_return(client, secretariat, settlement_submitted):
    client.force_login(secretariat)
    assert "前回差し戻した値" not in review_row(client, settlement_submitted)


# --- 4. the officer is told when figures are approved ------------------------------------


@pytest.fixture
def submitted_budgets(reporting_year, kaneyama, kaneyama_officer):
    save(
        kaneyama_officer, reporting_year, kaneyama,
        Entry(f"budget-{program(HEALTH).pk}", Decimal(120)),
        Entry(f"budget-{program(CREMATION).pk}", Decimal(40)),
    )  # fmt: skip
    services.submit_return(
        user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama)
    )


def test_approving_figures_on_the_review_page_mails_the_officer(
    client, secretariat, submitted_budgets, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(secretariat)
    review = return_url(KANEYAMA, 2025, "review")
    shown = shown_versions(client.get(review).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(review, {**shown, "approve_all": "1"}).status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["t-officer-kaneyama@example.invalid"]
    assert "承認されました" in mail.subject
    assert "火葬場の相互利用（予算）: 40 千円" in mail.body


def test_approving_in_the_admin_mails_the_officer(
    client, secretariat, submitted_budgets, kaneyama, mail_users, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    figure = share(program(HEALTH), kaneyama)
    client.force_login(secretariat)
    changelist = reverse("admin:programs_costshare_changelist")
    shown = shown_versions(client.get(changelist).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            changelist,
            {**shown, "action": "approve_selected", "_selected_action": [figure.pk]},
        )
    figure.refresh_from_db()
    assert figure.status == FigureStatus.APPROVED
    [mail] = mailoutbox
    assert mail.to == ["t-officer-kaneyama@example.invalid"] and "承認されました" in mail.subject
    assert "最上地域保健医療対策事業（予算）: 120 千円" in mail.body


# --- 5. links name their year --------------------------------------------------------------


def test_the_index_names_the_year_in_each_link(client, reporting_year, vision, kaneyama_officer):
    open_year(vision, 2026)
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(reverse("returns:index")), "年度報告")
    links = re.findall(r"<a [^>]*>([^<]*の年度報告[^<]*)</a>", page)
    assert len(links) == 2 and len(set(links)) == 2
    assert any("令和7年度" in link for link in links) and any("令和8年度" in link for link in links)


# --- 6. a year not opened yet --------------------------------------------------------------


def test_a_year_not_opened_yet_says_so_to_the_officer(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    page = loaded_page(
        client.get(return_url(KANEYAMA, 2026)), "令和8年度の年度報告はまだ始まっていません"
    )
    assert f'href="{reverse("returns:index")}"' in page


def test_a_year_not_opened_yet_says_so_to_the_secretariat(client, reporting_year, secretariat):
    client.force_login(secretariat)
    loaded_page(client.get(reverse("returns:year", args=[2026])), "まだ始まっていません")


def test_a_year_not_opened_yet_is_still_a_404_for_another_town(
    client, reporting_year, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    assert client.get(return_url(OKURA, 2026)).status_code == 404


def test_a_year_outside_the_plan_is_still_a_404(client, reporting_year, kaneyama_officer):
    client.force_login(kaneyama_officer)
    assert client.get(return_url(KANEYAMA, 2099)).status_code == 404
