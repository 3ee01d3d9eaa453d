"""The one place that decides what a user may see or change.

Admin querysets, change/delete permissions, imports, exports, the annual
return and the secretariat's pages all ask these functions; none keeps a copy
of the rules.

- secretariat (事務局): everything.
- reviewer (閲覧者): reads everything, drafts included; changes nothing.
- officer (市町村担当者): reads and changes only their own municipality's figures.
- anyone else (no profile, anonymous): nothing beyond the public pages.
"""

from municipalities.models import Municipality, Profile


def profile_of(user) -> Profile | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def is_secretariat(user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role == Profile.Role.SECRETARIAT


def is_reviewer(user) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role == Profile.Role.REVIEWER


def officer_municipality(user) -> Municipality | None:
    """The municipality an officer is bound to; None for everyone else."""
    profile = profile_of(user)
    if profile is None or profile.role != Profile.Role.OFFICER:
        return None
    return profile.municipality


def can_read_all(user) -> bool:
    """Secretariat and reviewers read every town's figures, drafts included."""
    return is_secretariat(user) or is_reviewer(user)
