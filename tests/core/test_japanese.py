from decimal import Decimal

import pytest

from core.japanese import (
    NumberFormatError,
    calendar_year_label,
    fiscal_year_label,
    fiscal_year_short,
    format_number,
    parse_number,
)


@pytest.mark.parametrize(
    ("year", "label", "short"),
    [
        (2025, "令和7年度（2025年度）", "R7"),
        (2030, "令和12年度（2030年度）", "R12"),
        (2019, "令和元年度（2019年度）", "R1"),
    ],
)
def test_fiscal_year_labels(year, label, short):
    assert fiscal_year_label(year) == label
    assert fiscal_year_short(year) == short


def test_calendar_years_before_reiwa():
    assert calendar_year_label(1990) == "平成2年（1990年）"
    assert calendar_year_label(1989) == "平成元年（1989年）"


def test_format_number_keeps_blank_distinct_from_zero():
    assert format_number(None) == "−"
    assert format_number(0) == "0"
    assert format_number(1358) == "1,358"
    assert format_number(Decimal("89.60")) == "89.6"
    assert format_number(Decimal("2100.00")) == "2,100"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,358", Decimal("1358")),
        ("１，３５８", Decimal("1358")),
        ("△120", Decimal("-120")),
        ("▲ 5", Decimal("-5")),
        ("−3", Decimal("-3")),
        ("-3", Decimal("-3")),
        ("８９．６", Decimal("89.6")),
        (" 42 ", Decimal("42")),
        ("0", Decimal("0")),
        (7, Decimal("7")),
        (2.5, Decimal("2.5")),
    ],
)
def test_parse_number_reads_how_offices_write(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", [None, "", "  ", "　"])
def test_parse_number_keeps_blank_as_none(raw):
    assert parse_number(raw) is None


@pytest.mark.parametrize("raw", ["abc", "1,2a", "△", "--1", "1.2.3", "=SUM(A1:A2)", True])
def test_parse_number_rejects_text_with_a_japanese_message(raw):
    with pytest.raises(NumberFormatError) as exc:
        parse_number(raw)
    assert "数値" in str(exc.value)


@pytest.mark.parametrize(
    "raw", ["1,23", "12,3456", "①", "1e5", "NaN", float("nan"), float("inf"), "１２\u00003"]
)
def test_parse_number_rejects_what_only_looks_like_a_number(raw):
    with pytest.raises(NumberFormatError):
        parse_number(raw)
