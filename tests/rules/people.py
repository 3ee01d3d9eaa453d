"""An unsaved cast for the role and permission rules: who someone is depends on the account
and its profile alone, so these need no database (and the mutation runs stay fast).

Mirrors the cast of tests/conftest.py (the secretariat, a reviewer, an officer of 金山町,
one of 大蔵村, an anonymous resident), plus the edge cases the rules name: a superuser
without a profile, a staff account without a role, deactivated accounts.
"""

from django.contrib.auth.models import AnonymousUser, User

from municipalities.models import Municipality, Profile
from tests.conftest import KANEYAMA, OKURA, SHINJO

ROLE = Profile.Role

SHINJO_TOWN = Municipality(pk=1, code=SHINJO, name="新庄市", sort_order=1)
KANEYAMA_TOWN = Municipality(pk=2, code=KANEYAMA, name="金山町", sort_order=2)
OKURA_TOWN = Municipality(pk=6, code=OKURA, name="大蔵村", sort_order=6)


def person(role=None, town=None, *, superuser=False, active=True) -> User:
    user = User(username=f"{role or 'nobody'}-{superuser}-{active}")
    user.is_superuser, user.is_active = superuser, active
    if role is not None:
        Profile(user=user, role=role, municipality=town)  # sets user.profile
    return user


SECRETARIAT = person(ROLE.SECRETARIAT)  # a secretariat profile, not a superuser
SUPERUSER_WITHOUT_PROFILE = person(superuser=True)
REVIEWER = person(ROLE.REVIEWER)
KANEYAMA_OFFICER = person(ROLE.OFFICER, KANEYAMA_TOWN)
OKURA_OFFICER = person(ROLE.OFFICER, OKURA_TOWN)
STAFF_WITHOUT_ROLE = person()
ANONYMOUS = AnonymousUser()
INACTIVE_SUPERUSER = person(ROLE.SECRETARIAT, superuser=True, active=False)
INACTIVE_REVIEWER = person(ROLE.REVIEWER, active=False)
INACTIVE_OFFICER = person(ROLE.OFFICER, KANEYAMA_TOWN, active=False)

# Nobody the partnership knows: nothing beyond the public pages. None is no user at all
# (the rules may be asked without a request, e.g. from a management command).
NOBODY = {
    "no user": None,
    "no profile": STAFF_WITHOUT_ROLE,
    "anonymous": ANONYMOUS,
    "inactive superuser": INACTIVE_SUPERUSER,
    "inactive reviewer": INACTIVE_REVIEWER,
    "inactive officer": INACTIVE_OFFICER,
}
