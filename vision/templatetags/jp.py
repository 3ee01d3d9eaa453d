from django import template

from vision import japanese

register = template.Library()


@register.filter
def fy(year):
    """{{ 2025|fy }} → 令和7年度（2025年度）"""
    return "" if year in (None, "") else japanese.fiscal_year_label(int(year))


@register.filter
def fy_era(year):
    return "" if year in (None, "") else japanese.fiscal_year_era(int(year))


@register.filter
def fy_short(year):
    """{{ 2025|fy_short }} → R7"""
    return "" if year in (None, "") else japanese.fiscal_year_short(int(year))


@register.filter
def cy(year):
    """{{ 1990|cy }} → 平成2年（1990年）"""
    return "" if year in (None, "") else japanese.calendar_year_label(int(year))


@register.filter
def num(value):
    """Thousands separators; blank shown as −, never as 0."""
    return japanese.format_number(value)
