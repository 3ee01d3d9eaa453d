"""Who may read and write the yearly evaluation (one place, as returns.permissions
is for figures; the towns' 取組状況 are figures of the annual return and are decided
there).

- The secretariat writes, submits, returns and approves the sheets (事業評価), records
  the 懇談会 and answers its opinions; a locked year is closed to everyone.
- Reviewers read everything and write nothing.
- Officers read and write only their own town's 取組状況 (in the annual return): never
  a sheet, never another town's text. Outsiders get 404, readers who may not write 403.
"""

from __future__ import annotations

from municipalities.roles import can_read_all, is_secretariat
from vision.models import ReportingYear, Vision


def is_year_locked(vision: Vision | int, fiscal_year: int) -> bool:
    vision_id = vision if isinstance(vision, int) else vision.pk
    return ReportingYear.objects.filter(
        vision_id=vision_id, fiscal_year=fiscal_year, is_locked=True
    ).exists()


def can_read_evaluations(user) -> bool:
    """The secretariat's evaluation pages: the secretariat and reviewers."""
    return can_read_all(user)


def can_write_evaluations(user) -> bool:
    """Write, submit, return and approve sheets; record meetings and opinions."""
    return is_secretariat(user)


def can_change_year(user, vision: Vision | int, fiscal_year: int) -> bool:
    """Whether ``user`` may change the evaluation of this year: not once it is locked."""
    return can_write_evaluations(user) and not is_year_locked(vision, fiscal_year)
