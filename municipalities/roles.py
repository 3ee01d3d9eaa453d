"""Who a user is to the partnership: the secretariat, a reviewer, an officer of one town.

The role rules (what each role may see or change) are decided here and in
``returns.permissions`` (what is due, who may edit which figure); nothing else
keeps a copy of them.

- secretariat (事務局): everything. A superuser counts as the secretariat (the
  first account of an installation is made with ``createsuperuser``).
- reviewer (閲覧者): reads everything, drafts included; changes nothing.
- officer (市町村担当者): reads and changes only their own municipality's figures,
  and only on the annual return (the admin shows them their figures read-only).
- anyone else (no profile, anonymous): nothing beyond the public pages.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from municipalities.models import Municipality, Profile

# ---------------------------------------------------------------------------
# Roles


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def is_secretariat(user) -> bool:
    if getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser:
        return True
    profile = profile_of(user)
    return profile is not None and profile.role == Profile.Role.SECRETARIAT


def is_reviewer(user) -> bool:
    if is_secretariat(user):
        return False
    profile = profile_of(user)
    return profile is not None and profile.role == Profile.Role.REVIEWER


def officer_municipality(user) -> Municipality | None:
    """The municipality an officer is bound to; None for everyone else."""
    if is_secretariat(user):
        return None
    profile = profile_of(user)
    if profile is None or profile.role != Profile.Role.OFFICER:
        return None
    return profile.municipality


def can_read_all(user) -> bool:
    """Secretariat and reviewers read every town's figures, drafts included."""
    return is_secretariat(user) or is_reviewer(user)


def has_role(user) -> bool:
    """Anyone the partnership knows: secretariat, reviewer or officer."""
    return can_read_all(user) or officer_municipality(user) is not None


def can_read_reference(user) -> bool:
    """The plan itself (programs, KPIs, municipalities) in the admin."""
    return has_role(user)


def can_manage(user) -> bool:
    """Change the plan, people, reporting years; approve, return, lock."""
    return is_secretariat(user)


can_review = can_manage


def can_export(user) -> bool:
    """Export figures from the admin; the rows are limited by ``readable_figures``."""
    return has_role(user)


def can_generate_reports(user) -> bool:
    """Generate the yearly progress report in the admin (approved figures only).

    Secretariat and reviewers; officers report figures but do not produce the
    area's report. Publishing it for residents is ``can_manage``.
    """
    return can_read_all(user)


# ---------------------------------------------------------------------------
# People to notify


def officers_of(municipality: Municipality) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        profile__role=Profile.Role.OFFICER,
        profile__municipality=municipality,
    ).order_by("username")


def secretariat_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True, profile__role=Profile.Role.SECRETARIAT).order_by(
        "username"
    )
