"""Two people saving the same figure from the same version: the second is told, with the
other's value, and nothing is overwritten silently. Through the annual return form, the
service, the review, the admin and the Excel import."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.models import FigureStatus
from municipalities.models import Profile
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import HEALTH, KANEYAMA
from tests.factories import make_user
from tests.returns.helpers import (
    figures_snapshot,
    form_data,
    header_index,
    program,
    return_url,
    share,
    the_return,
    workbook,
    xlsx_upload,
)

pytestmark = pytest.mark.django_db


def key(kind="budget"):
    return f"{kind}-{program(HEALTH).pk}"


@pytest.fixture
def second_officer(kaneyama):
    """Another officer of 金山町 (two people of one town hall)."""
    return make_user("t-officer-kaneyama-2", Profile.Role.OFFICER, kaneyama)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def opened(client) -> dict:
    """The annual return as the browser shows it: every input with its version."""
    return form_data(client.get(return_url(KANEYAMA)).content.decode())


def save(client, data, **values):
    data = dict(data)
    for field, value in values.items():
        data[f"v-{field}"] = value
    return client.post(return_url(KANEYAMA), {**data, "action": "save"})


# --- the annual return form ---------------------------------------------------------------


@pytest.mark.parametrize("first_entry", [True, False], ids=["first-entry", "change"])
def test_the_second_save_from_the_same_version_is_refused_with_the_first_value(
    reporting_year, kaneyama, kaneyama_officer, second_officer, first_entry
):
    if not first_entry:
        services.save_entries(
            user=kaneyama_officer,
            annual_return=the_return(reporting_year, kaneyama),
            entries=[Entry(key(), Decimal(50))],
        )
    first, second = logged_in(kaneyama_officer), logged_in(second_officer)
    first_form, second_form = opened(first), opened(second)  # both at the same version

    assert save(first, first_form, **{key(): "100"}).status_code == 302
    response = save(second, second_form, **{key(): "200"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 200）" in page
    assert "何も保存していません" in page
    figure = share(program(HEALTH), kaneyama)
    assert figure.amount_kyen == 100
    assert 200 not in figure.history.values_list("amount_kyen", flat=True)


def test_after_the_conflict_the_second_can_overwrite_knowingly_and_both_stay_in_history(
    reporting_year, kaneyama, kaneyama_officer, second_officer
):
    first, second = logged_in(kaneyama_officer), logged_in(second_officer)
    first_form, second_form = opened(first), opened(second)
    save(first, first_form, **{key(): "100"})
    conflict = save(second, second_form, **{key(): "200"})

    again = second.post(
        return_url(KANEYAMA), {**form_data(conflict.content.decode()), "action": "save"}
    )

    assert again.status_code == 302
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.version, figure.updated_by) == (200, 2, second_officer)
    assert [(h.amount_kyen, h.history_user) for h in figure.history.order_by("history_id")] == [
        (100, kaneyama_officer),
        (200, second_officer),
    ]


def test_the_other_rows_of_a_refused_save_are_not_saved_either(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    officer, office = logged_in(kaneyama_officer), logged_in(secretariat)
    officer_form, office_form = opened(officer), opened(office)
    save(office, office_form, **{key(): "100"})
    before = figures_snapshot()

    response = save(officer, officer_form, **{key(): "200", key("settlement"): "90"})

    assert response.status_code == 409
    assert figures_snapshot() == before
    assert share(program(HEALTH), kaneyama, "settlement") is None


# --- the service, with both returns read before either save -----------------------------------


def test_the_service_refuses_the_second_of_two_saves_read_at_the_same_version(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    seen_by_officer = the_return(reporting_year, kaneyama)
    seen_by_office = the_return(reporting_year, kaneyama)
    entry_version = seen_by_officer.line(key()).version  # 0: nothing saved yet

    services.save_entries(
        user=secretariat,
        annual_return=seen_by_office,
        entries=[Entry(key(), Decimal(100), version=entry_version)],
    )
    with pytest.raises(services.ReturnRejected) as rejected:
        services.save_entries(
            user=kaneyama_officer,
            annual_return=seen_by_officer,
            entries=[Entry(key(), Decimal(200), version=entry_version)],
        )

    [outcome] = rejected.value.outcomes
    assert outcome.conflict
    assert (
        "t-secretariat さんが先に変更しました（現在の値: 100、あなたの入力: 200）"
        in outcome.errors[0]
    )
    assert share(program(HEALTH), kaneyama).amount_kyen == 100


# --- the review -------------------------------------------------------------------------------


def test_approving_a_value_that_changed_after_the_review_page_opened_is_refused(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    ret = the_return(reporting_year, kaneyama)
    services.save_entries(user=kaneyama_officer, annual_return=ret, entries=[Entry(key(), Decimal(100))])  # fmt: skip
    services.submit_return(user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama))  # fmt: skip
    reviewer = logged_in(secretariat)
    review_page = reviewer.get(return_url(KANEYAMA, 2025, "review")).content.decode()
    assert f'name="ver-{key()}" value="2"' in review_page
    # Another secretariat user corrects the submitted value meanwhile.
    colleague = make_user("t-secretariat-2", Profile.Role.SECRETARIAT)
    services.save_entries(
        user=colleague,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(), Decimal(110), version=2)],
    )

    response = reviewer.post(
        return_url(KANEYAMA, 2025, "review"), {f"d-{key()}": "approve", f"ver-{key()}": "2"}
    )

    assert response.status_code == 400
    assert "画面を開いた後に値が変わりました（現在の値: 110）" in response.content.decode()
    figure = share(program(HEALTH), kaneyama)
    assert figure.approved_at is None and figure.approved_amount_kyen is None


# --- the admin and the annual return at the same time -----------------------------------------


def test_an_admin_change_from_before_the_officers_save_is_refused_with_the_officers_value(
    reporting_year, kaneyama, kaneyama_officer, secretariat
):
    services.save_entries(
        user=kaneyama_officer,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(), Decimal(100))],
    )
    figure = share(program(HEALTH), kaneyama)
    office, officer = logged_in(secretariat), logged_in(kaneyama_officer)
    url = reverse("admin:programs_costshare_change", args=[figure.pk])
    assert 'name="expected_version" value="1"' in office.get(url).content.decode()
    save(officer, opened(officer), **{key(): "150"})

    response = office.post(
        url, {"amount_kyen": "300", "comment": "", "expected_version": "1", "change_reason": ""}
    )

    assert response.status_code == 200
    assert "t-officer-kaneyama さんが変更しました（現在の値: 150）" in response.content.decode()
    assert share(program(HEALTH), kaneyama).amount_kyen == 150


# --- the Excel import ----------------------------------------------------------------------


def template(client):
    return workbook(client.get(return_url(KANEYAMA, 2025, "template")).content)


def set_health_budget(wb, value):
    ws = wb.worksheets[0]
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col["事業ID"]).value == program(HEALTH).pk and ws.cell(r, col["区分"]).value == "予算":  # fmt: skip
            ws.cell(r, col["値（入力）"]).value = value
            return wb
    raise AssertionError("row not found")


def upload(client, wb):
    response = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": xlsx_upload(wb)})
    assert response.status_code == 302
    return response["Location"]


def test_a_file_with_a_stale_version_is_refused_at_preview_and_at_confirm(
    reporting_year, kaneyama, kaneyama_officer, second_officer
):
    first, second = logged_in(kaneyama_officer), logged_in(second_officer)
    first_file, second_file = template(first), template(second)  # both carry version 0
    preview = upload(first, set_health_budget(first_file, 100))
    assert first.post(preview, {"confirm": "1"}).status_code == 302
    before = figures_snapshot()

    preview = upload(second, set_health_budget(second_file, 200))
    page = second.get(preview).content.decode()
    confirm = second.post(preview, {"confirm": "1"})

    assert "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 200）" in page
    assert confirm.status_code == 409
    assert figures_snapshot() == before


def test_a_preview_confirmed_after_someone_elses_save_is_refused(
    reporting_year, kaneyama, kaneyama_officer, second_officer
):
    first, second = logged_in(kaneyama_officer), logged_in(second_officer)
    preview = upload(first, set_health_budget(template(first), 100))  # checked at version 0
    save(second, opened(second), **{key(): "200"})

    response = first.post(preview, {"confirm": "1"})

    assert response.status_code == 409
    assert "先に変更しました（現在の値: 200、あなたの入力: 100）" in response.content.decode()
    figure = share(program(HEALTH), kaneyama)
    assert (figure.amount_kyen, figure.status) == (200, FigureStatus.DRAFT)


def test_a_first_entry_committed_by_someone_else_during_the_save_is_a_conflict_not_an_error(
    reporting_year, kaneyama, kaneyama_officer, secretariat, monkeypatch
):
    """The other's row appears after this save read the return (a race on PostgreSQL, played
    here in one transaction): a conflict with their value, not a server error."""
    read_return = services._lock_figures

    def read_then_the_other_saves(annual_return):
        read_return(annual_return)  # no figure yet
        CostShare.objects.create(
            program=program(HEALTH), municipality=kaneyama, fiscal_year=2025, kind="budget",
            amount_kyen=100, updated_by=kaneyama_officer,
        )  # fmt: skip

    office = logged_in(secretariat)
    form = opened(office)
    monkeypatch.setattr(services, "_lock_figures", read_then_the_other_saves)

    response = save(office, form, **{key(): "200"})

    assert response.status_code == 409
    assert (
        "t-officer-kaneyama さんが先に変更しました（現在の値: 100、あなたの入力: 200）"
        in response.content.decode()
    )
    # (The other's row was made inside this save's transaction here, so it is rolled back
    # with it; tests/concurrency/test_postgres_locking.py plays the real race.)
    assert not CostShare.objects.filter(program=program(HEALTH), amount_kyen=200).exists()
