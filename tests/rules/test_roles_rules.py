"""Who a user is to the partnership (municipalities.roles), role by role.

- secretariat (事務局): everything; a superuser counts as the secretariat, also without a
  profile (the first account of an installation is made with ``createsuperuser``);
- reviewer (閲覧者): reads everything, changes nothing;
- officer (市町村担当者): their own town only;
- anyone else (no profile, anonymous, a deactivated account): nothing.

The users here are unsaved (no database): who someone is depends on the account and its
profile alone. Only the two lists of people to notify read the database.
"""

import pytest
from django.contrib.auth.models import User

from municipalities.models import Profile
from municipalities.roles import (
    can_export,
    can_generate_reports,
    can_manage,
    can_read_all,
    can_read_reference,
    can_review,
    has_role,
    is_reviewer,
    is_secretariat,
    officer_municipality,
    officers_of,
    profile_of,
    secretariat_users,
)
from tests.rules.people import (
    KANEYAMA_OFFICER,
    KANEYAMA_TOWN,
    NOBODY,
    REVIEWER,
    ROLE,
    SECRETARIAT,
    SUPERUSER_WITHOUT_PROFILE,
    person,
)

NOBODY_IDS, NOBODY_USERS = list(NOBODY), list(NOBODY.values())


# --- who is who -----------------------------------------------------------------------------


def test_the_profile_is_that_of_an_active_signed_in_user():
    assert profile_of(KANEYAMA_OFFICER).municipality == KANEYAMA_TOWN
    assert profile_of(REVIEWER).role == ROLE.REVIEWER


@pytest.mark.parametrize("user", NOBODY_USERS, ids=NOBODY_IDS)
def test_no_profile_counts_for_anyone_else(user):
    assert profile_of(user) is None


def test_a_superuser_without_a_profile_is_the_secretariat():
    assert is_secretariat(SUPERUSER_WITHOUT_PROFILE)
    assert can_manage(SUPERUSER_WITHOUT_PROFILE) and can_read_all(SUPERUSER_WITHOUT_PROFILE)


def test_a_secretariat_profile_is_the_secretariat_without_being_a_superuser():
    assert SECRETARIAT.is_superuser is False
    assert is_secretariat(SECRETARIAT)


def test_a_superuser_with_another_role_is_still_the_secretariat():
    for role, town in [(ROLE.OFFICER, KANEYAMA_TOWN), (ROLE.REVIEWER, None)]:
        user = person(role, town, superuser=True)
        assert is_secretariat(user)
        assert not is_reviewer(user) and officer_municipality(user) is None


@pytest.mark.parametrize("user", [REVIEWER, KANEYAMA_OFFICER, *NOBODY_USERS])
def test_nobody_else_is_the_secretariat(user):
    assert not is_secretariat(user)


def test_a_reviewer_is_a_reviewer_and_nothing_more():
    assert is_reviewer(REVIEWER)
    assert not is_secretariat(REVIEWER) and officer_municipality(REVIEWER) is None


@pytest.mark.parametrize("user", [SECRETARIAT, KANEYAMA_OFFICER, *NOBODY_USERS])
def test_nobody_else_is_a_reviewer(user):
    assert not is_reviewer(user)


def test_an_officer_is_bound_to_their_town():
    assert officer_municipality(KANEYAMA_OFFICER) == KANEYAMA_TOWN


@pytest.mark.parametrize("user", [SECRETARIAT, SUPERUSER_WITHOUT_PROFILE, REVIEWER, *NOBODY_USERS])
def test_nobody_else_is_bound_to_a_town(user):
    assert officer_municipality(user) is None


# --- what each role may do ------------------------------------------------------------------


@pytest.mark.parametrize("user", [SECRETARIAT, SUPERUSER_WITHOUT_PROFILE, REVIEWER])
def test_the_secretariat_and_reviewers_read_every_town(user):
    assert can_read_all(user)
    assert can_generate_reports(user)


def test_an_officer_reads_only_their_own_town_and_makes_no_area_report():
    assert not can_read_all(KANEYAMA_OFFICER)
    assert not can_generate_reports(KANEYAMA_OFFICER)


@pytest.mark.parametrize(
    "user", [SECRETARIAT, SUPERUSER_WITHOUT_PROFILE, REVIEWER, KANEYAMA_OFFICER]
)
def test_everyone_the_partnership_knows_reads_the_plan_and_exports(user):
    assert has_role(user)
    assert can_read_reference(user) and can_export(user)


@pytest.mark.parametrize("user", NOBODY_USERS, ids=NOBODY_IDS)
def test_anyone_else_gets_nothing_beyond_the_public_pages(user):
    assert not has_role(user)
    assert not (can_read_reference(user) or can_export(user) or can_read_all(user))
    assert not (can_manage(user) or can_review(user) or can_generate_reports(user))


def test_only_the_secretariat_changes_the_plan_and_reviews_figures():
    assert can_manage(SECRETARIAT) and can_review(SECRETARIAT)
    assert not (can_manage(REVIEWER) or can_review(REVIEWER))
    assert not (can_manage(KANEYAMA_OFFICER) or can_review(KANEYAMA_OFFICER))


# --- people to notify (database) ------------------------------------------------------------


@pytest.fixture
def staff(kaneyama, okura):
    def make(username, role, town=None, active=True):
        user = User.objects.create_user(username, is_active=active)
        Profile.objects.create(user=user, role=role, municipality=town)
        return user

    return {
        "kaneyama-b": make("kaneyama-b", ROLE.OFFICER, kaneyama),
        "kaneyama-a": make("kaneyama-a", ROLE.OFFICER, kaneyama),
        "kaneyama-gone": make("kaneyama-gone", ROLE.OFFICER, kaneyama, active=False),
        "okura": make("okura", ROLE.OFFICER, okura),
        "jimu-b": make("jimu-b", ROLE.SECRETARIAT),
        "jimu-a": make("jimu-a", ROLE.SECRETARIAT),
        "jimu-gone": make("jimu-gone", ROLE.SECRETARIAT, active=False),
        "reader": make("reader", ROLE.REVIEWER),
    }


def names(users):
    return [user.username for user in users]


@pytest.mark.django_db
def test_a_towns_reminders_go_to_its_active_officers(staff, kaneyama):
    assert names(officers_of(kaneyama)) == ["kaneyama-a", "kaneyama-b"]


@pytest.mark.django_db
def test_the_secretariats_notices_go_to_its_active_members(staff):
    assert names(secretariat_users()) == ["jimu-a", "jimu-b"]
