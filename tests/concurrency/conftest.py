import pytest

from tests.returns.helpers import open_year


@pytest.fixture
def reporting_year(vision):
    """令和7年度, open for reporting, deadline 2026-06-30."""
    return open_year(vision)


@pytest.fixture
def mail_users(secretariat, kaneyama_officer, okura_officer):
    for user in (secretariat, kaneyama_officer, okura_officer):
        user.email = f"{user.username}@example.invalid"
        user.save()
