"""The login form under hostile input: an ordinary failed login (200 with the form),
never a server error, and nothing echoed unescaped."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.hostile.payloads import ATTRIBUTE, SCRIPT, assert_escaped

pytestmark = pytest.mark.django_db

WRONG = "wrong-password"


def login(client, username, password=WRONG, **extra):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, **extra}
    )


@pytest.mark.parametrize("username", [SCRIPT, ATTRIBUTE])
def test_markup_in_the_user_name_is_echoed_escaped(client, db, username):
    response = login(client, username)
    assert response.status_code == 200
    assert_escaped(response.content.decode(), username)


@pytest.mark.parametrize(
    "username",
    ["t-officer\x00kaneyama", "\x00" * 10, "名" * 10_000, "x\ud7ff\ufffd", "' OR '1'='1", ""],
)
def test_a_hostile_user_name_is_an_ordinary_failed_login(client, kaneyama_officer, username):
    response = login(client, username, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_huge_password_is_an_ordinary_failed_login(client, kaneyama_officer):
    response = login(client, kaneyama_officer.username, "p" * 100_000)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_nul_in_the_password_does_not_log_in(client, kaneyama_officer):
    response = login(client, kaneyama_officer.username, PASSWORD + "\x00")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "target",
    ["//example.invalid/", "https://example.invalid/", "javascript:alert(1)", "/\\example.invalid"],
)
def test_after_login_it_never_redirects_off_the_site(client, kaneyama_officer, target):
    response = login(client, kaneyama_officer.username, PASSWORD, next=target)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "example.invalid" not in location


def test_a_login_without_a_csrf_token_is_refused(kaneyama_officer):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = login(strict, kaneyama_officer.username, PASSWORD)
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session
