"""Helpers for how Japanese local government writes years and numbers.

Holds no models; used by templates (the template filters of core.formats), open data,
imports and reports.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

REIWA_OFFSET = 2018  # 令和 year = western year − 2018
HEISEI_OFFSET = 1988
SHOWA_OFFSET = 1925


def era_year(year: int) -> str:
    """Calendar or fiscal year in the era the document uses: 2020 → 令和2, 1990 → 平成2, 2019 → 令和元."""
    if year >= 2019:
        era, n = "令和", year - REIWA_OFFSET
    elif year >= 1989:
        era, n = "平成", year - HEISEI_OFFSET
    else:
        era, n = "昭和", year - SHOWA_OFFSET
    return f"{era}{'元' if n == 1 else n}"


def fiscal_year_label(year: int) -> str:
    """令和7年度（2025年度）: the form used in headings."""
    return f"{era_year(year)}年度（{year}年度）"


def fiscal_year_era(year: int) -> str:
    """令和7年度."""
    return f"{era_year(year)}年度"


def fiscal_year_short(year: int) -> str:
    """R7: the form used in dense table headers (令和 only)."""
    if year >= 2019:
        return f"R{year - REIWA_OFFSET}"
    return f"H{year - HEISEI_OFFSET}"


def calendar_year_label(year: int) -> str:
    """平成2年（1990年）."""
    return f"{era_year(year)}年（{year}年）"


def format_number(value, *, blank: str = "−") -> str:
    """1358 → 1,358; Decimal('89.6') → 89.6; None → − (never 0)."""
    if value is None:
        return blank
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value:,f}"
    if isinstance(value, float):
        return f"{value:,}"
    return f"{int(value):,}"


def json_number(value):
    """A Decimal as the JSON number it prints as (25, 89.6); None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    return value


class NumberFormatError(ValueError):
    """A cell that is not a number; the message is for the officer, in Japanese."""


_MINUS_SIGNS = {"△", "▲", "−", "－", "ー", "‐", "―", "–", "—"}
_ALLOWED = set("0123456789０１２３４５６７８９,，.．")
_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(raw) -> Decimal | None:
    """Read a number the way Japanese offices write it.

    Full-width digits (１２３), thousands commas (1,358 / １，３５８), △ ▲ − for minus,
    surrounding spaces (also between the minus mark and the digits). Blank stays None
    (never 0). Anything else (letters, circled digits, commas in the wrong place, a
    space between digits, NaN) raises NumberFormatError with a message the officer can
    act on.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberFormatError("数値ではありません（TRUE/FALSE）。")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float | Decimal):
        value = Decimal(repr(raw)) if isinstance(raw, float) else raw
        if not value.is_finite():
            raise NumberFormatError(f"「{raw}」は数値として読めません。")
        return value
    text = str(raw).strip()  # every kind of space, the full-width 「　」 too
    negative = False
    if text and (text[0] in _MINUS_SIGNS or text[0] in "-－"):
        negative = True
        text = text[1:].strip()
    if any(character.isspace() for character in text):
        # "12 34" is two numbers typed into one cell, or a typo: never read as 1234.
        raise NumberFormatError(
            f"「{raw}」の数字の間に空白があります。1つのセルには1つの数値を、空白を入れずに入力してください。"
        )
    if text == "":
        if negative:
            raise NumberFormatError(f"「{raw}」は数値として読めません。")
        return None
    if not set(text) <= _ALLOWED:
        raise NumberFormatError(
            f"「{raw}」は数値として読めません。半角・全角の数字で入力してください。"
        )
    text = unicodedata.normalize("NFKC", text)
    if "," in text:
        if not _GROUPED.match(text):
            raise NumberFormatError(f"「{raw}」のカンマの位置が正しくありません（例：1,358）。")
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise NumberFormatError(
            f"「{raw}」は数値として読めません。半角・全角の数字で入力してください。"
        )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise NumberFormatError(f"「{raw}」は数値として読めません。") from None
    return -value if negative else value
