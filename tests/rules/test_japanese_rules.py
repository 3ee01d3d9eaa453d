"""How Japanese local government writes years and numbers (core.japanese), rule by rule.

From DOMAIN.md: 令和 year = year − 2018 (R7 = 2025, 2019 is 令和元年); headings read
「令和7年度（2025年度）」, dense table headers 「R7」. The area statistics go back to the 1990
census, so years before 令和 (平成 from 1989, 昭和 before) are printed too. Numbers: commas
for thousands, blank distinct from 0, full-width digits and △/▲ for minus when read; open
data gives a number as the JSON number it prints as.
"""

import json
from decimal import Decimal

import pytest

from core.japanese import (
    NumberFormatError,
    calendar_year_label,
    era_year,
    fiscal_year_era,
    fiscal_year_label,
    fiscal_year_short,
    format_number,
    json_number,
    parse_number,
)

D = Decimal

# --- eras ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "era"),
    [
        (2030, "令和12"),
        (2020, "令和2"),
        (2019, "令和元"),
        (2018, "平成30"),
        (1990, "平成2"),
        (1989, "平成元"),
        (1988, "昭和63"),
        (1980, "昭和55"),
        (1926, "昭和元"),
    ],
)
def test_each_year_is_written_in_its_own_era(year, era):
    assert era_year(year) == era


def test_the_first_year_of_an_era_is_gannen_not_1():
    assert "1" not in era_year(2019) + era_year(1989) + era_year(1926)


def test_a_heading_gives_the_era_and_the_western_fiscal_year():
    assert fiscal_year_label(2018) == "平成30年度（2018年度）"
    assert fiscal_year_label(1988) == "昭和63年度（1988年度）"


def test_the_era_fiscal_year_alone():
    assert fiscal_year_era(2025) == "令和7年度"
    assert fiscal_year_era(2019) == "令和元年度"
    assert fiscal_year_era(2018) == "平成30年度"


@pytest.mark.parametrize(
    ("year", "short"), [(2030, "R12"), (2019, "R1"), (2018, "H30"), (1990, "H2")]
)
def test_dense_table_headers_use_the_era_letter(year, short):
    assert fiscal_year_short(year) == short


def test_a_census_year_of_the_showa_era_is_labelled_as_such():
    assert calendar_year_label(1985) == "昭和60年（1985年）"
    assert calendar_year_label(2020) == "令和2年（2020年）"


# --- printing numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1358, "1,358"),
        (-1358, "-1,358"),
        (0, "0"),
        (D("0.00"), "0"),
        (D("1358"), "1,358"),
        (D("1E+3"), "1,000"),
        (D("-2717.00"), "-2,717"),
        (D("1234567.25"), "1,234,567.25"),
        (D("89.60"), "89.6"),
        (D("0.5"), "0.5"),
    ],
)
def test_numbers_are_printed_with_thousands_commas_and_no_trailing_zeros(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(("value", "text"), [(2.5, "2.5"), (12345.6, "12,345.6"), (-0.25, "-0.25")])
def test_a_float_keeps_its_decimals_and_gets_commas(value, text):
    assert format_number(value) == text


def test_a_missing_value_prints_the_blank_mark_never_zero():
    assert format_number(None) == "−"
    assert format_number(None, blank="−（未把握）") == "−（未把握）"


def test_zero_is_a_value_not_a_blank():
    assert format_number(0, blank="") == "0"
    assert format_number(D("0"), blank="") == "0"


# --- numbers in open data (JSON) ------------------------------------------------------------


def test_a_whole_decimal_is_a_json_integer():
    value = json_number(D("25.00"))
    assert value == 25 and isinstance(value, int)
    assert json.dumps(value) == "25"


def test_a_decimal_with_a_fraction_is_the_json_number_it_prints_as():
    assert json.dumps(json_number(D("89.60"))) == "89.6"
    assert json.dumps(json_number(D("-3.5"))) == "-3.5"


def test_missing_stays_null_and_zero_stays_zero():
    assert json.dumps(json_number(None)) == "null"
    assert json.dumps(json_number(D("0"))) == "0"


def test_numbers_that_are_not_decimals_pass_through():
    assert json_number(7) == 7
    assert json_number(2.5) == 2.5


# --- reading numbers: what the officer is told ------------------------------------------------


def message_for(raw) -> str:
    with pytest.raises(NumberFormatError) as error:
        parse_number(raw)
    return str(error.value)


def test_a_true_false_cell_is_named_as_such():
    # Excel shows TRUE/FALSE where a checkbox or a comparison landed in a number column.
    assert message_for(True) == "数値ではありません（TRUE/FALSE）。"
    assert message_for(False) == "数値ではありません（TRUE/FALSE）。"


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), D("NaN"), D("-Infinity")])
def test_a_cell_that_is_not_finite_is_refused_with_its_value(raw):
    message = message_for(raw)
    assert "数値" in message and str(raw) in message


def test_a_comma_in_the_wrong_place_is_explained():
    message = message_for("1,23")
    assert "カンマ" in message and "1,23" in message


@pytest.mark.parametrize("raw", ["X100", "A1", "円100", "100円", "+5"])
def test_letters_around_a_number_are_refused_not_read_as_a_sign(raw):
    assert "数値" in message_for(raw)


@pytest.mark.parametrize("raw", ["12 34", "△1 2"])
def test_two_numbers_in_one_cell_are_refused_with_a_hint_about_the_space(raw):
    assert "空白" in message_for(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("ー5", D("-5")),
        ("－5", D("-5")),
        ("▲１，３５８", D("-1358")),
        ("△　0.5", D("-0.5")),
        (".5", D("0.5")),
        ("１２．", D("12")),
        (D("-3.25"), D("-3.25")),
        (0.1, D("0.1")),
    ],
)
def test_other_ways_offices_write_a_number(raw, value):
    assert parse_number(raw) == value


def test_a_minus_mark_alone_is_refused_not_blank():
    assert "数値" in message_for("▲")
    assert "数値" in message_for("- ")
