"""Login throttling (django-axes): lock-out after repeated failures, and its audit trail."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from core.security import client_ip
from tests.factories import PASSWORD

ADDRESS = "203.0.113.7"


def attempt(client, username, password, address=ADDRESS):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def fail_until_locked(client, username, address=ADDRESS):
    return [
        attempt(client, username, "wrong-password", address)
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_the_last_allowed_failure_locks_the_user_out(client, kaneyama_officer):
    responses = fail_until_locked(client, kaneyama_officer.username)
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429
    assert "分間ログインできません" in responses[-1].content.decode()


def test_the_right_password_is_refused_while_locked_out(client, kaneyama_officer):
    fail_until_locked(client, kaneyama_officer.username)
    response = attempt(client, kaneyama_officer.username, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lock_out_does_not_lock_another_user_at_the_same_address(
    client, kaneyama_officer, okura_officer
):
    fail_until_locked(client, kaneyama_officer.username)
    response = attempt(client, okura_officer.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(okura_officer.pk)


def test_a_lock_out_does_not_lock_the_user_out_from_another_address(client, kaneyama_officer):
    fail_until_locked(client, kaneyama_officer.username, address="198.51.100.9")
    response = attempt(client, kaneyama_officer.username, PASSWORD)
    assert response.status_code == 302


def test_every_failed_attempt_is_kept_for_audit(client, kaneyama_officer):
    fail_until_locked(client, kaneyama_officer.username)
    failures = AccessFailureLog.objects.filter(username=kaneyama_officer.username)
    assert failures.count() == settings.AXES_FAILURE_LIMIT
    assert set(failures.values_list("ip_address", flat=True)) == {ADDRESS}
    assert AccessAttempt.objects.get(username=kaneyama_officer.username).failures_since_start == (
        settings.AXES_FAILURE_LIMIT
    )


def test_a_successful_login_is_recorded(client, kaneyama_officer):
    attempt(client, kaneyama_officer.username, PASSWORD)
    assert AccessLog.objects.filter(username=kaneyama_officer.username, ip_address=ADDRESS).exists()


def test_a_success_before_the_limit_starts_the_count_again(client, kaneyama_officer):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, kaneyama_officer.username, "wrong-password")
    attempt(client, kaneyama_officer.username, PASSWORD)
    client.logout()
    response = attempt(client, kaneyama_officer.username, "wrong-password")
    assert response.status_code == 200


def test_an_overlong_user_name_is_an_ordinary_failed_login(client, db):
    response = attempt(client, "x" * 5000, "wrong-password")
    assert response.status_code == 200
    assert AccessFailureLog.objects.get().username == "x" * 255


def test_the_test_clients_login_still_works(client, kaneyama_officer):
    assert client.login(username=kaneyama_officer.username, password=PASSWORD)
    assert client.get(reverse("admin:index")).status_code == 200


# --- the client address behind the reverse proxy -----------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_proxy_the_address_is_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("198.51.100.1", "203.0.113.7")) == "198.51.100.1"


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(behind_one_proxy):
    assert client_ip(request_from("127.0.0.1", "203.0.113.7")) == "203.0.113.7"


def test_an_address_written_by_the_client_is_not_trusted(behind_one_proxy):
    # nginx appends the address it saw; what the client sent stands to its left.
    assert client_ip(request_from("127.0.0.1", "10.9.9.9, 203.0.113.7")) == "203.0.113.7"


def test_a_malformed_forwarded_address_falls_back_to_the_peer(behind_one_proxy):
    assert client_ip(request_from("127.0.0.1", "not-an-address")) == "127.0.0.1"
