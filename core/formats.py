"""How names, years, dates and numbers are written on a page: plain functions, for templates
(through the ``formats`` tag library) and Python alike.

Three kinds, told apart by their names:

- **by the page's language** (the public pages: Japanese at /, English at /en/):
  ``local_name``, ``name_lang``, ``fy``, ``fy_short``, ``cy_short``, ``ymd``, ``unit``,
  ``with_unit``, ``paren``. Japanese pages show 令和7年度（2025年度） in headings and R7 in dense
  tables; English pages show FY2025 (Reiwa 7) and FY2025. Names come from the ``name_en``
  fields on English pages when they are filled in, else the Japanese name is shown.
- **always Japanese** (the officers' pages and the printed documents, whatever the page's
  language), prefixed ``jp_``: ``jp_fy``, ``jp_fy_era``, ``jp_fy_short``, ``jp_date``.
- **the same in every language**: ``num``, ``num_or_blank``, ``pct``, ``pct_or_blank``,
  ``rate``, ``iso_date``.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import get_language

from core import charts, japanese

UNITS_EN = charts.UNITS_EN

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


# --- by the page's language -------------------------------------------------------------


def local_name(obj) -> str:
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


def name_lang(obj) -> str:
    """The lang of ``local_name(obj)``: "en" only when an English name is shown."""
    if is_english() and (getattr(obj, "name_en", "") or getattr(obj, "label_en", "")):
        return "en"
    return "ja"


def fy(year) -> str:
    """Headings: 令和7年度（2025年度） / FY2025 (Reiwa 7)."""
    if year in (None, ""):
        return ""
    year = int(year)
    if is_english():
        return f"FY{year} (Reiwa {year - japanese.REIWA_OFFSET})" if year >= 2019 else f"FY{year}"
    return japanese.fiscal_year_label(year)


def fy_short(year) -> str:
    """Dense tables: R7 / FY2025."""
    if year in (None, ""):
        return ""
    year = int(year)
    return f"FY{year}" if is_english() else japanese.fiscal_year_short(year)


def cy_short(year) -> str:
    """Calendar years in dense tables: 1990 (both languages)."""
    return "" if year in (None, "") else str(int(year))


def ymd(value) -> str:
    """2026年1月1日 / 1 January 2026 (Japan time)."""
    if value is None:
        return ""
    if not is_english():
        return jp_date(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def unit(value) -> str:
    """千人 / thousand people."""
    if not value:
        return ""
    return UNITS_EN.get(value, value) if is_english() else value


def with_unit(value, unit_text) -> str:
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


def paren(text) -> str:
    """（text） on Japanese pages, " (text)" on English ones; "" for no text."""
    return charts.paren(str(text)) if text not in (None, "") else ""


# --- always Japanese --------------------------------------------------------------------


def jp_fy(year) -> str:
    """2025 → 令和7年度（2025年度）."""
    return "" if year in (None, "") else japanese.fiscal_year_label(int(year))


def jp_fy_era(year) -> str:
    """2025 → 令和7年度."""
    return "" if year in (None, "") else japanese.fiscal_year_era(int(year))


def jp_fy_short(year) -> str:
    """2025 → R7 (dense tables)."""
    return "" if year in (None, "") else japanese.fiscal_year_short(int(year))


def jp_date(value) -> str:
    """A date (or datetime, in Japan time) as 2026年3月25日."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"


# --- the same in every language ---------------------------------------------------------


def num(value) -> str:
    """1358 → 1,358; Decimal('89.6') → 89.6; blank shown as −, never as 0."""
    return japanese.format_number(value)


def num_or_blank(value) -> str:
    """Like ``num``, but a blank stays blank: the printed vision's empty cells (0 stays 0)."""
    return japanese.format_number(value, blank="")


def pct(value) -> str:
    """30.3% / 1,234.5% (decimal places kept as given); blank as −."""
    if value is None:
        return "−"
    if isinstance(value, Decimal):
        return f"{value:,}%"
    return f"{japanese.format_number(value)}%"


def pct_or_blank(value) -> str:
    """A printed percentage as stored (Decimal('-0.5') → -0.5%); a blank stays blank."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return f"{value}%"
    return f"{japanese.format_number(value)}%"


def rate(value) -> str:
    """An achievement rate or progress as given, without thousands separators (30.3%,
    1234.5%): the progress report's form; blank as −."""
    if value is None:
        return "−"
    return f"{value}%"


def iso_date(value) -> str:
    """2026-01-01 (Japan time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d")
