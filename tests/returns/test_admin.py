"""The admin for figures: the secretariat edits through the workflow; history; export; years."""

import pytest
from django.urls import reverse

from core.models import FigureStatus
from programs.models import CostShare
from tests.constants import CREMATION, HEALTH, KANEYAMA, OKURA
from tests.pages import loaded_page
from tests.returns.helpers import program, shown_versions, workbook
from vision.models import ReportingYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(kaneyama):
    return CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025,
        kind="budget", amount_kyen=120, version=3,
    )  # fmt: skip


def change_url(figure):
    return reverse("admin:programs_costshare_change", args=[figure.pk])


def admin_post(client, figure, **data):
    fields = {
        "amount_kyen": figure.amount_kyen,
        "comment": figure.comment,
        "expected_version": figure.version,
        "change_reason": "",
    }
    return client.post(change_url(figure), {**fields, **data})


def test_the_secretariat_changes_a_figure_with_a_japanese_number(client, secretariat, draft):
    client.force_login(secretariat)
    response = admin_post(client, draft, amount_kyen="１，５００", change_reason="予算書で訂正")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.amount_kyen, draft.version, draft.updated_by) == (1500, 4, secretariat)
    assert draft.history.first().history_change_reason == "予算書で訂正"


def test_a_stale_admin_form_is_refused_with_the_current_value(client, secretariat, draft):
    client.force_login(secretariat)
    response = admin_post(client, draft, amount_kyen="9", expected_version=2)
    assert response.status_code == 200
    assert (
        "画面を開いた後に" in response.content.decode()
        and "現在の値: 120" in response.content.decode()
    )
    draft.refresh_from_db()
    assert draft.amount_kyen == 120


def test_an_admin_change_after_approval_keeps_the_approved_value(client, secretariat, draft):
    draft.status = FigureStatus.APPROVED
    draft.approved_amount_kyen = 120
    draft.approved_at = draft.updated_at
    draft.save()
    client.force_login(secretariat)
    admin_post(client, draft, amount_kyen="130")
    draft.refresh_from_db()
    assert (draft.amount_kyen, draft.approved_amount_kyen, draft.status) == (
        130,
        120,
        FigureStatus.DRAFT,
    )


def test_the_approve_action_approves_only_submitted_figures(client, secretariat, draft, kaneyama):
    submitted = CostShare.objects.create(
        program=program(CREMATION), municipality=kaneyama, fiscal_year=2025,
        kind="budget", amount_kyen=40, status=FigureStatus.SUBMITTED,
    )  # fmt: skip
    client.force_login(secretariat)
    changelist = reverse("admin:programs_costshare_changelist")
    shown = shown_versions(client.get(changelist).content.decode())
    client.post(
        changelist,
        {**shown, "action": "approve_selected", "_selected_action": [draft.pk, submitted.pk]},
    )
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert (submitted.status, submitted.approved_amount_kyen) == (FigureStatus.APPROVED, 40)
    assert draft.status == FigureStatus.DRAFT


def test_the_history_is_shown_beside_the_figure(client, secretariat, draft):
    client.force_login(secretariat)
    admin_post(client, draft, amount_kyen="130", change_reason="決算書で確認")
    page = client.get(reverse("admin:programs_costshare_history", args=[draft.pk])).content.decode()
    assert "決算書で確認" in page


def test_the_reviewer_exports_every_towns_figures(client, reviewer, draft, okura):
    CostShare.objects.create(
        program=program(CREMATION), municipality=okura, fiscal_year=2025,
        kind="budget", amount_kyen=77,
    )  # fmt: skip
    client.force_login(reviewer)
    response = client.get(reverse("admin:programs_costshare_export"))
    ws = workbook(response.content).worksheets[0]
    codes = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert {KANEYAMA, OKURA} <= codes


def test_the_secretariat_locks_a_year_with_an_action(client, secretariat, vision):
    year = ReportingYear.objects.create(vision=vision, fiscal_year=2026)
    client.force_login(secretariat)
    client.post(
        reverse("admin:vision_reportingyear_changelist"),
        {"action": "lock", "_selected_action": [year.pk]},
    )
    year.refresh_from_db()
    assert year.is_locked and year.locked_by == secretariat


def test_the_admin_index_links_to_the_annual_return(client, kaneyama_officer):
    client.force_login(kaneyama_officer)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("returns:index") in page


def test_the_secretariat_sets_a_users_role_and_town(client, secretariat, kaneyama):
    from django.contrib.auth.models import User

    user = User.objects.create_user("new-officer", is_staff=True)
    client.force_login(secretariat)
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "new-officer", "is_active": "on", "is_staff": "on",
            "date_joined_0": "2026-04-01", "date_joined_1": "09:00:00",
            "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0", "profile-MAX_NUM_FORMS": "1",
            "profile-0-role": "officer", "profile-0-municipality": kaneyama.pk,
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert user.profile.municipality == kaneyama


def test_an_officer_reads_their_own_figure_and_its_history(client, kaneyama_officer, draft):
    client.force_login(kaneyama_officer)
    page = loaded_page(client.get(change_url(draft)), '<div class="readonly">120</div>')
    assert 'name="amount_kyen"' not in page
    assert (
        client.get(reverse("admin:programs_costshare_history", args=[draft.pk])).status_code == 200
    )


def test_the_kpi_actual_admin_shows_an_area_figure_to_its_reporting_town(
    client, okura_officer, okura
):
    from kpis.models import KPIActual
    from tests.returns.helpers import kpi

    actual = KPIActual.objects.create(kpi=kpi("利用者数", "コミュニティバスの運行事業（大蔵村営バス）"), fiscal_year=2025, value=5)  # fmt: skip
    client.force_login(okura_officer)
    url = reverse("admin:kpis_kpiactual_change", args=[actual.pk])
    assert client.get(url).status_code == 200


def test_the_secretariat_adds_a_figure_in_the_admin(client, secretariat, kaneyama):
    client.force_login(secretariat)
    cremation = program(CREMATION)
    response = client.post(
        reverse("admin:programs_costshare_add"),
        {"program": cremation.pk, "municipality": kaneyama.pk, "fiscal_year": 2026, "kind": "plan", "amount_kyen": "１２５", "comment": ""},
    )  # fmt: skip
    assert response.status_code == 302
    added = CostShare.objects.get(program=cremation, municipality=kaneyama, fiscal_year=2026)
    assert (added.amount_kyen, added.version, added.status) == (125, 1, FigureStatus.DRAFT)
