"""The admin's change forms for figures under hostile input: a message on the form, the
figure unchanged; and what is kept is shown escaped in the form and its history."""

import pytest
from django.urls import reverse

from kpis.models import KPIActual
from programs.models import CostShare
from tests.constants import HEALTH
from tests.hostile.payloads import HOSTILE, SCRIPT, assert_escaped
from tests.returns.helpers import figures_snapshot, kpi, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def share(kaneyama, reporting_year):
    return CostShare.objects.create(
        program=program(HEALTH), municipality=kaneyama, fiscal_year=2025,
        kind="budget", amount_kyen=120,
    )  # fmt: skip


@pytest.fixture
def actual(reporting_year):
    return KPIActual.objects.create(kpi=kpi("職員の満足度"), fiscal_year=2025, value=80)


@pytest.fixture
def admin(client, secretariat):
    client.force_login(secretariat)
    return client


def change(client, figure, **data):
    if isinstance(figure, CostShare):
        url = reverse("admin:programs_costshare_change", args=[figure.pk])
        fields = {"amount_kyen": figure.amount_kyen}
    else:
        url = reverse("admin:kpis_kpiactual_change", args=[figure.pk])
        fields = {"value": figure.value}
    fields.update(comment=figure.comment, expected_version=figure.version, change_reason="")
    return client.post(url, {**fields, **data})


def assert_admin_form_error(response, message):
    """The admin shows the form again (200) with its error note and the message."""
    page = response.content.decode()
    assert response.status_code == 200
    assert "errornote" in page and message in page, page[:3000]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e309", "は数値として読めません"),
        ("NaN", "は数値として読めません"),
        ("∞", "は数値として読めません"),
        ("10^30", "は数値として読めません"),
        (SCRIPT, "は数値として読めません"),
        ("1" + "0" * 30, "以下でなければなりません"),
        ("12.5", "千円単位の整数で入力してください。"),
        ("-5", "負担額にマイナスは入力できません。"),
    ],
)
def test_an_impossible_amount_is_refused_on_the_form(admin, share, typed, message):
    before = figures_snapshot()
    response = change(admin, share, amount_kyen=typed)
    assert_admin_form_error(response, message)
    assert SCRIPT not in response.content.decode()
    assert figures_snapshot() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [("1e309", "は数値として読めません"), ("1" + "0" * 30, "桁"), ("0.001", "小数点以下")],
)
def test_an_impossible_kpi_value_is_refused_on_the_form(admin, actual, typed, message):
    before = figures_snapshot()
    assert_admin_form_error(change(admin, actual, value=typed), message)
    assert figures_snapshot() == before


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_comment_is_shown_escaped_in_the_form_and_the_history(admin, share, payload):
    assert change(admin, share, comment=payload, change_reason=payload).status_code == 302
    share.refresh_from_db()
    assert share.comment == payload
    form = admin.get(reverse("admin:programs_costshare_change", args=[share.pk]))
    assert_escaped(form.content.decode(), payload)
    history = admin.get(reverse("admin:programs_costshare_history", args=[share.pk]))
    assert_escaped(history.content.decode(), payload)


def test_a_nul_character_in_a_comment_is_refused(admin, share):
    # Django's Japanese for "Null characters are not allowed." reads 「何か文字を入力してください。」
    before = figures_snapshot()
    assert_admin_form_error(
        change(admin, share, comment="確認\x00済み"), "何か文字を入力してください"
    )
    assert figures_snapshot() == before


def test_an_overlong_change_reason_is_refused(admin, share):
    before = figures_snapshot()
    assert_admin_form_error(
        change(admin, share, amount_kyen="130", change_reason="理" * 101), "100"
    )
    assert figures_snapshot() == before


def test_a_version_that_is_not_a_number_is_refused(admin, share):
    before = figures_snapshot()
    assert_admin_form_error(
        change(admin, share, amount_kyen="130", expected_version="1 OR 1=1"), "整数"
    )
    assert figures_snapshot() == before


def test_an_officer_posting_the_admin_form_changes_nothing(client, kaneyama_officer, share):
    client.force_login(kaneyama_officer)
    before = figures_snapshot()
    assert change(client, share, amount_kyen="999").status_code == 403
    assert figures_snapshot() == before


def test_a_change_in_a_locked_year_without_a_reason_is_a_message_not_an_error(
    admin, share, reporting_year
):
    reporting_year.is_locked = True
    reporting_year.save()
    before = figures_snapshot()
    admin.raise_request_exception = False
    assert_admin_form_error(change(admin, share, amount_kyen="130"), "変更の理由")
    assert figures_snapshot() == before
