"""The annual return form under hostile input: refused with a clear message, nothing saved,
and whatever is kept is shown escaped."""

import pytest

from programs.models import CostShare
from tests.constants import HEALTH, KANEYAMA, SPECIAL_EDUCATION
from tests.hostile.payloads import HOSTILE, SCRIPT, SCRIPT_ESCAPED, assert_escaped
from tests.returns.helpers import figures_snapshot, program, return_url, share

pytestmark = pytest.mark.django_db


def key(name=HEALTH, kind="budget"):
    return f"{kind}-{program(name).pk}"


def post(client, data, action="save"):
    return client.post(return_url(KANEYAMA), {**data, "action": action})


def assert_return_form_error(response, *messages):
    """The return form comes back (400) saying nothing was saved, with the messages."""
    page = response.content.decode()
    assert response.status_code == 400
    assert "入力に誤りがあります。何も保存していません。" in page
    for message in messages:
        assert message in page, page[:3000]


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_comment_is_kept_as_typed_and_shown_escaped(officer, kaneyama, payload):
    response = post(officer, {f"v-{key()}": "5", f"c-{key()}": payload})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).comment == payload
    assert_escaped(officer.get(return_url(KANEYAMA)).content.decode(), payload)


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_comment_typed_into_a_refused_form_comes_back_escaped(officer, payload):
    response = post(officer, {f"v-{key()}": "abc", f"c-{key()}": payload})
    assert_return_form_error(response)
    assert_escaped(response.content.decode(), payload)


def test_a_script_typed_as_a_number_is_refused_and_echoed_escaped(officer):
    before = figures_snapshot()
    response = post(officer, {f"v-{key()}": SCRIPT})
    assert_return_form_error(response, f"「{SCRIPT_ESCAPED}」は数値として読めません")
    assert SCRIPT not in response.content.decode()
    assert figures_snapshot() == before


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e309", "は数値として読めません"),
        ("1E5", "は数値として読めません"),
        ("NaN", "は数値として読めません"),
        ("Infinity", "は数値として読めません"),
        ("∞", "は数値として読めません"),
        ("-∞", "は数値として読めません"),
        ("10^30", "は数値として読めません"),
        ("1" + "0" * 30, "桁数が多すぎます（12桁まで）"),
        ("１" + "０" * 30, "桁数が多すぎます（12桁まで）"),
        ("9" * 5000, "桁数が多すぎます（12桁まで）"),
        ("0x10", "は数値として読めません"),
        ("1_000", "は数値として読めません"),
        ("1,2,3", "カンマの位置が正しくありません"),
        ("①", "は数値として読めません"),
        ("−", "は数値として読めません"),
    ],
)
def test_a_number_that_cannot_be_stored_gets_a_message_not_an_error(officer, typed, message):
    before = figures_snapshot()
    response = post(officer, {f"v-{key()}": typed})
    assert_return_form_error(response, message)
    assert figures_snapshot() == before


def test_an_overlong_comment_is_refused(officer):
    before = figures_snapshot()
    response = post(officer, {f"v-{key()}": "5", f"c-{key()}": "あ" * 1001})
    assert_return_form_error(response, "コメントは1000文字までにしてください。")
    assert figures_snapshot() == before


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_a_control_character_in_a_comment_is_refused(officer, character):
    # NUL cannot be stored in PostgreSQL, and no control character can be written
    # into the officer's .xlsx template: both would break later pages with a 500.
    before = figures_snapshot()
    response = post(officer, {f"v-{key()}": "5", f"c-{key()}": f"確認{character}済み"})
    assert_return_form_error(response, "使えない制御文字")
    assert figures_snapshot() == before


def test_a_comment_that_arrived_garbled_is_refused(officer):
    # Bytes that are not UTF-8 arrive as U+FFFD: keeping them would store 文字化け.
    before = figures_snapshot()
    body = f"v-{key()}=5&c-{key()}=%82%A0%82%A2&action=save".encode()
    response = officer.post(
        return_url(KANEYAMA), body, content_type="application/x-www-form-urlencoded"
    )
    assert_return_form_error(response, "文字化け")
    assert figures_snapshot() == before


def test_a_number_that_arrived_garbled_is_refused(officer):
    before = figures_snapshot()
    body = f"v-{key()}=%FF%FE5&action=save".encode()
    response = officer.post(
        return_url(KANEYAMA), body, content_type="application/x-www-form-urlencoded"
    )
    assert_return_form_error(response, "は数値として読めません")
    assert figures_snapshot() == before


def test_a_hand_made_version_that_is_not_a_number_is_treated_as_unknown(officer, kaneyama):
    response = post(officer, {f"v-{key()}": "5", f"ver-{key()}": "1; DROP TABLE"})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).amount_kyen == 5


def test_a_field_for_a_line_that_is_not_in_the_return_is_ignored(officer):
    other = program(SPECIAL_EDUCATION)  # not 金山町's
    response = post(officer, {f"v-budget-{other.pk}": "5", "v-kpi-999999": "1"})
    assert response.status_code == 302
    assert not CostShare.objects.filter(program=other, fiscal_year=2025, kind="budget").exists()


def test_an_unknown_action_saves_a_draft_and_submits_nothing(officer, kaneyama):
    response = post(officer, {f"v-{key()}": "5"}, action="<script>")
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).status == "draft"


def test_an_overlong_reason_for_a_locked_year_is_cut_in_the_history_not_refused(
    client, reporting_year, kaneyama, secretariat
):
    reporting_year.is_locked = True
    reporting_year.save()
    client.force_login(secretariat)
    response = post(client, {f"v-{key()}": "5", "change_reason": "理" * 5000})
    assert response.status_code == 302
    assert share(program(HEALTH), kaneyama).history.first().history_change_reason == "理" * 100
