import pytest

from tests.evaluations.helpers import open_year


@pytest.fixture
def reporting_year(vision):
    """令和7年度, open."""
    return open_year(vision)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mail_users(secretariat, kaneyama_officer, okura_officer, reviewer):
    for user in (secretariat, kaneyama_officer, okura_officer, reviewer):
        user.email = f"{user.username}@example.invalid"
        user.save()
