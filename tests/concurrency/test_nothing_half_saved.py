"""Nothing half-saved: a crash after the first row, a database error, a failed import or a
failed e-mail leave every figure (and its history) as it was before, or wholly saved."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from core.models import FigureStatus
from kpis.models import KPIActual
from municipalities.models import Municipality, Profile
from programs.models import CostShare
from returns import services
from returns.annual import Entry
from tests.constants import CREMATION, HEALTH, KANEYAMA
from tests.factories import make_user
from tests.returns.helpers import (
    confirmation_fields,
    figures_snapshot,
    form_data,
    header_index,
    open_year,
    program,
    return_url,
    share,
    shown_versions,
    submit_confirmed,
    the_return,
    workbook,
    xlsx_upload,
)
from vision.models import Vision


def key(name=HEALTH, kind="budget"):
    return f"{kind}-{program(name).pk}"


def everything():
    """Every figure with its values and status, and the number of history rows."""
    return (
        figures_snapshot(),
        CostShare.history.count(),
        KPIActual.history.count(),
    )


def fail_on_write(monkeypatch, number: int, failure):
    """Make the service's ``number``-th figure write fail (after the earlier ones succeeded)."""
    original = services._save
    calls = []

    def save(figure, **kwargs):
        calls.append(figure)
        if len(calls) == number:
            failure()
        return original(figure, **kwargs)

    monkeypatch.setattr(services, "_save", save)
    return calls


def crash():
    raise RuntimeError("the server process failed mid-request")


def database_error():
    with connection.cursor() as cursor:  # a real error from the database itself
        cursor.execute("SELECT * FROM no_such_table_mid_request")


def unsafe(client) -> Client:
    client.raise_request_exception = False
    return client


def post(client, data, action="save"):
    return client.post(return_url(KANEYAMA), {**data, "action": action})


def two_rows():
    return {f"v-{key()}": "120", f"v-{key(CREMATION)}": "40"}


# --- the annual return form ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("failure", [crash, database_error], ids=["crash", "database-error"])
def test_a_failure_after_the_first_row_saves_no_row(
    client, reporting_year, kaneyama_officer, monkeypatch, failure
):
    client.force_login(kaneyama_officer)
    before = everything()
    calls = fail_on_write(monkeypatch, 2, failure)

    response = post(unsafe(client), two_rows())

    assert len(calls) == 2  # the first row had been written when it failed
    assert response.status_code == 500
    assert everything() == before


@pytest.mark.django_db
def test_a_failure_while_changing_saved_rows_keeps_the_old_values(
    client, reporting_year, kaneyama, kaneyama_officer, monkeypatch
):
    services.save_entries(
        user=kaneyama_officer,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(), Decimal(10)), Entry(key(CREMATION), Decimal(20))],
    )
    client.force_login(kaneyama_officer)
    data = form_data(client.get(return_url(KANEYAMA)).content.decode())
    before = everything()
    fail_on_write(monkeypatch, 2, database_error)

    response = post(unsafe(client), {**data, f"v-{key()}": "11", f"v-{key(CREMATION)}": "21"})

    assert response.status_code == 500
    assert everything() == before
    assert (share(program(HEALTH), kaneyama).amount_kyen, share(program(CREMATION), kaneyama).amount_kyen) == (10, 20)  # fmt: skip


@pytest.mark.django_db
def test_a_crash_while_submitting_saves_and_submits_nothing(
    client, reporting_year, kaneyama_officer, monkeypatch
):
    client.force_login(kaneyama_officer)
    before = everything()
    confirmation = post(client, two_rows(), action="submit")  # the confirmation writes nothing
    fail_on_write(monkeypatch, 3, crash)  # two saves done, then the first submission fails

    response = unsafe(client).post(
        return_url(KANEYAMA, 2025, "confirm"), confirmation_fields(confirmation.content.decode())
    )

    assert response.status_code == 500
    assert everything() == before
    assert not CostShare.objects.filter(status=FigureStatus.SUBMITTED).exists()


@pytest.mark.django_db
def test_the_same_form_sent_again_after_a_crash_saves_each_figure_once(
    client, reporting_year, kaneyama, kaneyama_officer, monkeypatch
):
    client.force_login(kaneyama_officer)
    data = {**form_data(client.get(return_url(KANEYAMA)).content.decode()), **two_rows()}
    fail_on_write(monkeypatch, 2, crash)
    assert post(unsafe(client), data).status_code == 500
    monkeypatch.undo()

    assert post(client, data).status_code == 302

    rows = CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025, kind="budget")
    assert sorted(rows.values_list("amount_kyen", "version")) == [(40, 1), (120, 1)]
    assert (
        CostShare.history.filter(municipality=kaneyama, fiscal_year=2025, kind="budget").count()
        == 2
    )


# --- the review -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("failure", [crash, database_error], ids=["crash", "database-error"])
def test_a_failure_after_the_first_approval_approves_nothing(
    client, reporting_year, kaneyama, kaneyama_officer, secretariat, monkeypatch, failure
):
    services.save_entries(
        user=kaneyama_officer,
        annual_return=the_return(reporting_year, kaneyama),
        entries=[Entry(key(), Decimal(120)), Entry(key(CREMATION), Decimal(40))],
    )
    services.submit_return(user=kaneyama_officer, annual_return=the_return(reporting_year, kaneyama))  # fmt: skip
    client.force_login(secretariat)
    url = return_url(KANEYAMA, 2025, "review")
    shown = shown_versions(client.get(url).content.decode())  # what the page showed
    before = everything()
    fail_on_write(monkeypatch, 2, failure)

    response = unsafe(client).post(url, {**shown, "approve_all": "1"})

    assert response.status_code == 500
    assert everything() == before
    assert not CostShare.objects.published().filter(municipality=kaneyama, fiscal_year=2025, kind="budget").exists()  # fmt: skip


# --- the Excel import ----------------------------------------------------------------------


def filled_template(client, values: dict) -> bytes:
    wb = workbook(client.get(return_url(KANEYAMA, 2025, "template")).content)
    ws = wb.worksheets[0]
    col = header_index(ws)
    for r in range(2, ws.max_row + 1):
        name = ws.cell(r, col["事業名"]).value
        if ws.cell(r, col["区分"]).value == "予算" and name in values:
            ws.cell(r, col["値（入力）"]).value = values[name]
    return xlsx_upload(wb)


@pytest.mark.django_db
def test_a_crash_while_confirming_an_import_saves_nothing_and_it_can_be_confirmed_again(
    client, reporting_year, kaneyama, kaneyama_officer, monkeypatch
):
    client.force_login(kaneyama_officer)
    file = filled_template(client, {HEALTH: 120, CREMATION: 40})
    preview = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": file})["Location"]
    before = everything()
    fail_on_write(monkeypatch, 2, database_error)

    assert unsafe(client).post(preview, {"confirm": "1"}).status_code == 500
    assert everything() == before

    monkeypatch.undo()
    assert client.post(preview, {"confirm": "1"}).status_code == 302
    rows = CostShare.objects.filter(municipality=kaneyama, fiscal_year=2025, kind="budget")
    assert sorted(rows.values_list("amount_kyen", flat=True)) == [40, 120]


@pytest.mark.django_db
def test_an_import_with_one_bad_row_saves_none_of_the_good_ones(
    client, reporting_year, kaneyama, kaneyama_officer
):
    client.force_login(kaneyama_officer)
    file = filled_template(client, {HEALTH: 120, CREMATION: "百"})
    before = everything()
    response = client.post(return_url(KANEYAMA, 2025, "upload"), {"file": file})
    preview = client.get(response["Location"]).content.decode()
    confirm = client.post(response["Location"], {"confirm": "1"})

    assert "エラー 1 件" in preview and "「百」は数値として読めません" in preview
    assert confirm.status_code == 400
    assert everything() == before


# --- real transactions: a failure after the commit, and a crash between statements ----------


@pytest.fixture
def committed(django_db_blocker):
    """The vision, a reporting year and the cast, committed (transaction=True tests)."""
    from vision.loader import load_vision, read_fixtures

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)
    vision = Vision.objects.get(slug="shinjo-mogami-3")
    kaneyama = Municipality.objects.get(code=KANEYAMA)
    officer = make_user("t-officer-kaneyama", Profile.Role.OFFICER, kaneyama)
    office = make_user("t-secretariat", Profile.Role.SECRETARIAT)
    for user in (officer, office):
        user.email = f"{user.username}@example.invalid"
        user.save()
    return {"year": open_year(vision), "kaneyama": kaneyama, "officer": officer}


class BrokenMail:
    """An e-mail backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_turn_a_saved_submission_into_an_error(
    client, committed, settings, caplog
):
    settings.EMAIL_BACKEND = "tests.concurrency.test_nothing_half_saved.BrokenMail"
    client.force_login(committed["officer"])

    response = submit_confirmed(unsafe(client), KANEYAMA, two_rows())

    assert response.status_code == 302
    submitted = CostShare.objects.filter(municipality=committed["kaneyama"], status=FigureStatus.SUBMITTED)  # fmt: skip
    assert submitted.count() == 2
    assert "the mail server is down" in caplog.text  # logged for the administrator


@pytest.mark.django_db(transaction=True)
def test_a_crash_between_two_committed_statements_leaves_no_half_saved_return(
    client, committed, monkeypatch
):
    client.force_login(committed["officer"])
    before = everything()
    fail_on_write(monkeypatch, 2, crash)

    assert post(unsafe(client), two_rows()).status_code == 500

    assert everything() == before
    assert not CostShare.objects.filter(municipality=committed["kaneyama"], kind="budget").exists()
