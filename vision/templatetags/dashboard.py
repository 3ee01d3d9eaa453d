"""Template helpers for the public pages, aware of the page's language.

Japanese pages show 令和7年度（2025年度） in headings and R7 in dense tables; English pages
show FY2025 (Reiwa 7) and FY2025. Names come from the ``name_en`` fields on English pages
when they are filled in, else the Japanese name is shown.
"""

from datetime import datetime
from decimal import Decimal

from django import template
from django.urls import translate_url
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kpis.progress import Status
from vision import japanese

register = template.Library()

UNITS_EN = {
    "回": "times",
    "人": "people",
    "千人": "thousand people",
    "社": "companies",
    "本": "trains",
    "所": "facilities",
    "kg": "kg",
    "t": "t",
    "%": "%",
}

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


@register.filter
def local_name(obj):
    """The object's English name on English pages (when there is one), else its Japanese name."""
    if obj is None:
        return ""
    if is_english():
        english = getattr(obj, "name_en", "") or getattr(obj, "label_en", "")
        if english:
            return english
    for attr in ("title", "name", "label"):
        value = getattr(obj, attr, None)
        if value:
            return value
    return str(obj)


@register.filter
def name_lang(obj):
    """The lang of ``local_name(obj)``: "en" only when an English name is shown."""
    if is_english() and (getattr(obj, "name_en", "") or getattr(obj, "label_en", "")):
        return "en"
    return "ja"


@register.filter
def fy(year):
    """Headings: 令和7年度（2025年度） / FY2025 (Reiwa 7)."""
    if year in (None, ""):
        return ""
    year = int(year)
    if is_english():
        return f"FY{year} (Reiwa {year - japanese.REIWA_OFFSET})" if year >= 2019 else f"FY{year}"
    return japanese.fiscal_year_label(year)


@register.filter
def fy_short(year):
    """Dense tables: R7 / FY2025."""
    if year in (None, ""):
        return ""
    year = int(year)
    return f"FY{year}" if is_english() else japanese.fiscal_year_short(year)


@register.filter
def cy(year):
    """Calendar years: 平成2年（1990年） / 1990."""
    if year in (None, ""):
        return ""
    year = int(year)
    return str(year) if is_english() else japanese.calendar_year_label(year)


@register.filter
def cy_short(year):
    """Calendar years in dense tables: 1990 (both languages)."""
    return "" if year in (None, "") else str(int(year))


def date_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    if is_english():
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def ymd(value):
    """2026年1月1日 / 1 January 2026 (Japan time)."""
    return date_text(value)


@register.filter
def iso_date(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")


@register.filter
def num(value):
    """Thousands separators; blank shown as −, never as 0."""
    return japanese.format_number(value)


@register.filter
def pct(value):
    """30.3% / 5.0% (decimal places kept as given); blank as −."""
    if value is None:
        return "−"
    if isinstance(value, Decimal):
        return f"{value:,}%"
    return f"{japanese.format_number(value)}%"


@register.filter
def unit(value):
    if not value:
        return ""
    return UNITS_EN.get(value, value) if is_english() else value


@register.filter
def with_unit(value, unit_text):
    """2,100千人 / 2,100 thousand people; blank stays −."""
    if value is None:
        return "−"
    text = japanese.format_number(value)
    if not unit_text:
        return text
    if is_english():
        english = UNITS_EN.get(unit_text, unit_text)
        return f"{text}{english}" if english == "%" else f"{text} {english}"
    return f"{text}{unit_text}"


def status_text(status) -> str:
    return {
        Status.NO_DATA: _("−（未把握）"),
        Status.NO_TARGET: _("評価対象外（目標未設定）"),
        Status.NO_BASELINE: _("評価対象外（現状値未設定）"),
        Status.TO_BE_SET: _("事業化後に設定"),
        Status.COLLECTING: _("集計中"),
        Status.JUDGED: _("基準年度のため評価なし"),
        "baseline_year": _("基準年度のため評価なし"),
    }.get(status, "")


@register.filter
def status_label(status):
    return status_text(status)


@register.inclusion_tag("includes/_grade.html")
def grade_badge(judgement, *, show_rate=False):
    """Symbol and text of a grade (never colour alone), or the status when not graded."""
    grade = getattr(judgement, "grade", None)
    status = getattr(judgement, "status", Status.NO_DATA)
    return {
        "grade": grade,
        "status": status,
        "text": "" if grade else status_text(status),
        "rate": getattr(judgement, "rate_display", None) if show_rate else None,
    }


@register.simple_tag(takes_context=True)
def other_language_url(context):
    """The same page in the other language (query string kept)."""
    request = context.get("request")
    target = "ja" if is_english() else "en"
    path = request.get_full_path() if request else "/"
    return translate_url(path, target)


@register.filter
def paren(text):
    """（text） on Japanese pages, " (text)" on English ones."""
    from vision.charts import paren as _paren

    return _paren(str(text)) if text not in (None, "") else ""


@register.filter
def dict_get(mapping, key):
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def share_of(value, total):
    """value ÷ total × 100 to one decimal (for a share column); − when either is blank."""
    from kpis.progress import round1

    if value is None or not total:
        return "−"
    return f"{japanese.format_number(round1(Decimal(value) * 100 / Decimal(total)))}%"


@register.simple_tag
def data_table(table, table_id):
    """A vision.charts.Table as HTML (see ``Table.html``)."""
    return table.html(str(table_id))
