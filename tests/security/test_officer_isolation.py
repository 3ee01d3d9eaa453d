"""An officer of 金山町 can neither read 大蔵村's drafts nor change its figures, by any route.

Every test makes one attempt and checks the answer (outsiders get 404, a write
on something the officer may read gets 403) and that the database is unchanged.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis.models import KPIActual
from programs.models import CostShare
from tests.constants import CREMATION, KANEYAMA, OKURA, SPECIAL_EDUCATION
from tests.pages import loaded_page
from tests.returns.helpers import figures_snapshot, kpi, program, return_url, workbook
from tests.security.fixtures import OKURA_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, kaneyama_officer, figures):
    client.force_login(kaneyama_officer)
    return client


def admin_url(figure, view="change"):
    meta = figure._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[figure.pk])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def unchanged():
    before = figures_snapshot()
    counts = (CostShare.objects.count(), KPIActual.objects.count())
    yield
    assert figures_snapshot() == before
    assert (CostShare.objects.count(), KPIActual.objects.count()) == counts


# --- admin ----------------------------------------------------------------------------


@pytest.mark.parametrize("model", [CostShare, KPIActual])
def test_the_changelist_lists_only_the_officers_town(officer, figures, model, unchanged):
    page = loaded_page(officer.get(changelist(model)), 'id="changelist"')
    okura = figures["okura_share"] if model is CostShare else figures["okura_actual"]
    assert admin_url(okura) not in page
    if model is CostShare:
        assert admin_url(figures["own_share"]) in page


def test_the_changelist_search_does_not_find_another_towns_draft(officer, figures, unchanged):
    response = officer.get(changelist(CostShare), {"q": "火葬場"})
    page = loaded_page(response, admin_url(figures["own_share"]))  # 金山町's own is found
    assert "777" not in page


@pytest.mark.parametrize("name", ["okura_share", "okura_actual"])
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_towns_figure_is_not_found_in_the_admin(officer, figures, name, view, unchanged):
    assert officer.get(admin_url(figures[name], view)).status_code == 404


@pytest.mark.parametrize("name", ["okura_share", "okura_actual"])
def test_a_posted_change_to_another_towns_figure_is_not_found(officer, figures, name, unchanged):
    response = officer.post(
        admin_url(figures[name]),
        {"amount_kyen": "1", "value": "1", "comment": "x", "expected_version": "1"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["okura_share", "okura_actual"])
def test_a_posted_delete_of_another_towns_figure_is_not_found(officer, figures, name, unchanged):
    assert officer.post(admin_url(figures[name], "delete"), {"post": "yes"}).status_code == 404


def test_an_officer_cannot_change_or_delete_even_their_own_figure_in_the_admin(
    officer, figures, unchanged
):
    own = figures["own_share"]
    assert (
        officer.post(admin_url(own), {"amount_kyen": "5", "expected_version": "1"}).status_code
        == 403
    )
    assert officer.post(admin_url(own, "delete"), {"post": "yes"}).status_code == 403


def test_an_officer_cannot_add_figures_in_the_admin(officer, okura, unchanged):
    url = reverse("admin:programs_costshare_add")
    assert officer.get(url).status_code == 403
    data = {"program": program(CREMATION).pk, "municipality": okura.pk, "fiscal_year": 2025, "kind": "settlement", "amount_kyen": "5"}  # fmt: skip
    assert officer.post(url, data).status_code == 403


@pytest.mark.parametrize("action", ["delete_selected", "approve_selected", "export_admin_action"])
def test_bulk_actions_touch_nothing(officer, figures, action, unchanged):
    ids = [figures["okura_share"].pk, figures["own_share"].pk]
    response = officer.post(
        changelist(CostShare), {"action": action, "_selected_action": ids, "post": "yes"}
    )
    page = loaded_page(response, 'id="changelist"')  # no such action for an officer: the list again
    assert OKURA_SECRET not in page


@pytest.mark.parametrize("name", ["okura_share", "own_share"])
def test_reverting_from_history_is_impossible(officer, figures, name, unchanged):
    figure = figures[name]
    record = figure.history.first()
    meta = figure._meta
    url = reverse(
        f"admin:{meta.app_label}_{meta.model_name}_simple_history",
        args=[figure.pk, record.history_id],
    )
    expected = 404 if name.startswith("okura") else 403
    assert officer.post(url, {"amount_kyen": "1"}).status_code == expected


def test_the_export_holds_only_the_officers_town(officer, figures, unchanged):
    exported = {}
    for model in (CostShare, KPIActual):
        meta = model._meta
        response = officer.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_export"))
        assert response.status_code == 200
        rows = list(workbook(response.content).worksheets[0].iter_rows(min_row=2, values_only=True))
        exported[model] = rows
        assert all(row[0] == KANEYAMA for row in rows)
        assert OKURA_SECRET not in str(rows)
    assert exported[CostShare]  # 金山町's own share is there


def test_there_is_no_admin_import_that_bypasses_the_workflow(officer, unchanged):
    assert officer.get(f"{changelist(CostShare)}import/", follow=True).status_code == 404


def test_an_officer_cannot_manage_people_or_lock_years(officer, reporting_year, unchanged):
    assert officer.get(reverse("admin:auth_user_changelist")).status_code == 403
    officer.post(reverse("admin:vision_reportingyear_changelist"), {"action": "lock", "_selected_action": [reporting_year.pk]})  # fmt: skip
    reporting_year.refresh_from_db()
    assert not reporting_year.is_locked


def test_an_officer_cannot_change_a_kpi(officer, unchanged):
    farmers = kpi("圏域内の新規就農者数")
    url = reverse("admin:kpis_kpi_change", args=[farmers.pk])
    assert officer.post(url, {"name": "改ざん", "program": farmers.program_id}).status_code == 403
    farmers.refresh_from_db()
    assert farmers.name == "圏域内の新規就農者数"


# --- the annual return --------------------------------------------------------------


@pytest.mark.parametrize("name", ["return", "review", "template"])
def test_another_towns_return_is_not_found(officer, name, unchanged):
    assert officer.get(return_url(OKURA, 2025, name)).status_code == 404


@pytest.mark.parametrize("code", [OKURA, "area"])
def test_posting_to_another_return_is_not_found(officer, figures, code, unchanged):
    okura = figures["okura_share"]
    data = {
        f"v-budget-{okura.program_id}": "1",
        f"ver-budget-{okura.program_id}": "1",
        "action": "submit",
    }
    assert officer.post(return_url(code), data).status_code == 404


def test_uploading_to_another_return_is_not_found(officer, unchanged):
    upload = SimpleUploadedFile("x.csv", "全国地方公共団体コード\n063657\n".encode())
    assert officer.post(return_url(OKURA, 2025, "upload"), {"file": upload}).status_code == 404


def test_a_guessed_preview_token_is_not_found(officer, unchanged):
    url = return_url(KANEYAMA, 2025, "preview", "guessed-token")
    assert officer.get(url).status_code == 404
    assert officer.post(url, {"confirm": "1"}).status_code == 404


@pytest.mark.parametrize(
    "url", ["/returns/2025/999999/", f"/returns/2099/{KANEYAMA}/", f"/returns/2025/{KANEYAMA}x/"]
)
def test_guessed_return_urls_are_not_found(officer, url, unchanged):
    assert officer.get(url).status_code == 404


def test_keys_of_another_towns_figures_are_ignored_on_the_officers_own_return(
    officer, figures, unchanged
):
    okura_kpi = figures["okura_actual"].kpi
    special = program(SPECIAL_EDUCATION)  # 金山町 is not a participant
    data = {
        f"v-kpi-{okura_kpi.pk}": "1", f"ver-kpi-{okura_kpi.pk}": "1",
        f"v-budget-{special.pk}": "1",
        "action": "save",
    }  # fmt: skip
    assert officer.post(return_url(KANEYAMA), data).status_code == 302


def test_the_officers_own_return_does_not_show_another_towns_draft(officer, unchanged):
    page = loaded_page(officer.get(return_url(KANEYAMA)), CREMATION, 'value="111"')
    assert OKURA_SECRET not in page
    assert "24,680" not in page


def test_an_uploaded_row_of_another_town_changes_nothing(officer, unchanged):
    ws = workbook(officer.get(return_url(KANEYAMA, 2025, "template")).content).worksheets[0]
    ws.cell(2, 1).value = OKURA
    ws.cell(2, 15).value = 1
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    response = officer.post(
        return_url(KANEYAMA, 2025, "upload"),
        {"file": SimpleUploadedFile("x.xlsx", buffer.getvalue())},
    )
    preview = officer.get(response["Location"])
    assert "他の市町村（大蔵村 063657）の行です" in preview.content.decode()
    assert officer.post(response["Location"], {"confirm": "1"}).status_code == 400


def test_the_officers_year_page_leads_only_to_their_own_return(officer, unchanged):
    assert officer.get("/returns/2025/")["Location"] == return_url(KANEYAMA)
    page = loaded_page(officer.get(reverse("returns:index")), return_url(KANEYAMA))
    assert return_url(OKURA) not in page
