"""The KPI grade badge: ``{% load grades %}``.

Apart from ``core``'s ``formats`` library because it needs ``kpis.progress.Status``.
"""

from django import template

from kpis.progress import Status
from public.kpi_status import status_text

register = template.Library()


@register.inclusion_tag("includes/_grade.html")
def grade_badge(judgement, *, show_rate=False):
    """Symbol and text of a grade (never colour alone), or the status when not graded."""
    grade = getattr(judgement, "grade", None)
    status = getattr(judgement, "status", Status.NO_DATA)
    return {
        "grade": grade,
        "status": status,
        "text": "" if grade else status_text(status, judgement),
        "rate": getattr(judgement, "rate_display", None) if show_rate else None,
    }
