"""Template filters for printed documents (the vision document, the progress report).

Unlike the dashboards' ``num`` (which shows a missing value as −), a blank cell of
the printed vision stays blank here, and 0 stays 0.
"""

from decimal import Decimal

from django import template

from vision import japanese

register = template.Library()


@register.filter
def printed(value):
    """1358 → 1,358; Decimal('89.6') → 89.6; None → "" (a blank cell, as printed)."""
    return japanese.format_number(value, blank="")


@register.filter
def dash(value):
    """Like ``printed`` but a missing value reads −（値なし、0 ではない）."""
    return japanese.format_number(value, blank="−")


@register.filter
def printed_pct(value):
    """A printed percentage (Decimal('-0.5') → -0.5%); None → ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value}%"
    return f"{japanese.format_number(value)}%"


@register.filter
def rate(value):
    """An achievement rate or progress rounded to one place: 30.3%; None → −."""
    if value is None:
        return "−"
    return f"{value}%"


@register.filter
def r_year(year):
    """2025 → R7 (dense tables)."""
    return "" if year in (None, "") else japanese.fiscal_year_short(int(year))


@register.filter
def fy_label(year):
    """2025 → 令和7年度（2025年度）."""
    return "" if year in (None, "") else japanese.fiscal_year_label(int(year))


@register.filter
def jp_date(value):
    """A date (or datetime, in Japan time) as 2026年3月25日."""
    if value is None:
        return ""
    from datetime import datetime

    from django.utils import timezone

    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def at(sequence, index):
    """sequence[index] in a template (None when out of range)."""
    try:
        return sequence[int(index)]
    except (IndexError, KeyError, TypeError, ValueError):
        return None


@register.filter
def dict_value(mapping, key):
    """A count from a dict, 0 when the key is absent (counts only, never figures)."""
    if not mapping:
        return 0
    return mapping.get(key, 0)
