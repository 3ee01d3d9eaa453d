"""Shared cast for the tests.

The vision document is loaded once per test session into the test database
(it is what every installation starts with); each test runs in a transaction
that is rolled back, so tests may change it freely.

The cast: the secretariat, an officer of 金山町, an officer of 大蔵村, a reviewer
and an anonymous resident (Django's test client without login). Their codes and the
programs tests pick out are in tests/constants.py; make_user is in tests/factories.py.
"""

import os
import shutil

import pytest
from django.contrib.auth.models import User

from municipalities.models import Municipality, Profile
from tests.browser.conftest import CHROMIUM, FLAGS
from tests.constants import KANEYAMA, OKURA, SHINJO
from tests.factories import make_user
from vision.loader import load_vision, read_fixtures
from vision.models import Vision


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        plan, statistics = read_fixtures()
        load_vision(plan=plan, statistics=statistics)


@pytest.fixture
def vision(db) -> Vision:
    return Vision.objects.get(slug="shinjo-mogami-3")


@pytest.fixture
def kaneyama(db) -> Municipality:
    return Municipality.objects.get(code=KANEYAMA)


@pytest.fixture
def okura(db) -> Municipality:
    return Municipality.objects.get(code=OKURA)


@pytest.fixture
def shinjo(db) -> Municipality:
    return Municipality.objects.get(code=SHINJO)


@pytest.fixture
def secretariat(db) -> User:
    return make_user("t-secretariat", Profile.Role.SECRETARIAT)


@pytest.fixture
def reviewer(db) -> User:
    return make_user("t-reviewer", Profile.Role.REVIEWER)


@pytest.fixture
def kaneyama_officer(kaneyama) -> User:
    return make_user("t-officer-kaneyama", Profile.Role.OFFICER, kaneyama)


@pytest.fixture
def okura_officer(okura) -> User:
    return make_user("t-officer-okura", Profile.Role.OFFICER, okura)


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"


# Debian's Chromium through Playwright (tests/browser/conftest.py says how), one per
# session for tests/browser and tests/standards: the sync API allows one per thread.
@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard can be relaxed here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()
