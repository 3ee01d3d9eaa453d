"""Production refuses the demo accounts of `make run` (their password is in the README):
`check --deploy` reports an error, gunicorn does not start, a login is refused."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from core.security import DEMO_PASSWORD, check_no_demo_accounts, disable_demo_accounts
from municipalities.models import Profile
from tests.deploy.servers import base_env, free_port, manage_ok, production_env
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_secretariat(db):
    user = make_user("secretariat", Profile.Role.SECRETARIAT)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def test_the_deploy_check_reports_an_active_demo_account(demo_secretariat):
    errors = check_no_demo_accounts()
    assert [e.id for e in errors] == ["core.E001"]
    assert "secretariat" in errors[0].msg


def test_check_deploy_fails_while_a_demo_account_is_active(demo_secretariat):
    with pytest.raises(SystemCheckError, match="core.E001"):
        call_command("check", deploy=True, fail_level="ERROR")


def test_a_demo_account_with_its_own_password_or_deactivated_is_no_error(demo_secretariat):
    assert disable_demo_accounts() == ["secretariat"]
    assert check_no_demo_accounts() == []


def test_production_refuses_a_login_with_the_demo_password(client, settings, demo_secretariat):
    settings.PRODUCTION = True
    response = client.post(
        reverse("admin:login"),
        {"username": "secretariat", "password": DEMO_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


def test_development_accepts_the_demo_password(client, demo_secretariat):
    response = client.post(
        reverse("admin:login"),
        {"username": "secretariat", "password": DEMO_PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302


@pytest.mark.slow
def test_gunicorn_refuses_to_start_with_active_demo_accounts(tmp_path):
    import subprocess  # noqa: PLC0415, S404

    from tests.deploy.servers import VENV_BIN  # noqa: PLC0415

    database_url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env = base_env(DATABASE_URL=database_url)
    manage_ok("migrate", "--noinput", env=env)
    manage_ok("load_vision", env=env)
    manage_ok("create_demo_accounts", env=env)
    result = subprocess.run(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{free_port()}",
        ],
        env=production_env(database_url, tmp_path / "static"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "core.E001" in result.stderr
