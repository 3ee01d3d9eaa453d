"""Property-based tests of core.japanese.parse_number, the reader of typed and imported numbers.

Invariants (from its docstring and docs/DOMAIN): any input gives a Decimal, None
or NumberFormatError, never another exception; full-width and half-width digits
read the same; thousands commas do not change the value; △ ▲ − in front negate;
blank or whitespace is None, never 0.
"""

from decimal import Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from core.japanese import NumberFormatError, parse_number

FULL_WIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")
WHITESPACE = st.text(alphabet=" \t\n\r\u3000\u00a0", max_size=6)

# Numbers as an office writes them: digits, an optional decimal part, no sign.
unsigned_numbers = st.builds(
    lambda whole, fraction: f"{whole}" + (f".{fraction}" if fraction is not None else ""),
    st.integers(min_value=0, max_value=10**15),
    st.none() | st.integers(min_value=0, max_value=10**6).map(str),
)


def with_commas(text: str) -> str:
    whole, dot, fraction = text.partition(".")
    return f"{int(whole):,}" + dot + fraction


anything = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９,，.．△▲−－-+ 　eE", max_size=12),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
)


@given(anything)
@example("1e5")
@example("１２\u00003")
@example("--1")
@example("△-1")
@example("NaN")
@example("Infinity")
def test_any_input_gives_a_number_none_or_the_officers_message(raw):
    try:
        value = parse_number(raw)
    except NumberFormatError as error:
        assert str(error)  # a message the officer can read
    else:
        assert value is None or isinstance(value, Decimal)


@given(st.text())
def test_text_never_reads_as_nan_or_infinity(raw):
    try:
        value = parse_number(raw)
    except NumberFormatError:
        return
    assert value is None or value.is_finite()


@given(unsigned_numbers)
def test_full_width_reads_like_half_width(text):
    assert parse_number(text.translate(FULL_WIDTH)) == parse_number(text)


@given(unsigned_numbers)
def test_thousands_commas_do_not_change_the_value(text):
    assert parse_number(with_commas(text)) == parse_number(text)
    assert parse_number(with_commas(text).translate(FULL_WIDTH)) == parse_number(text)


@given(unsigned_numbers, st.sampled_from(["△", "▲", "−", "－", "-"]), WHITESPACE)
def test_a_minus_mark_in_front_negates(text, mark, space):
    assert parse_number(f"{space}{mark}{text}") == -parse_number(text)


@given(WHITESPACE)
def test_blank_is_none_never_zero(text):
    assert parse_number(text) is None


@given(unsigned_numbers, WHITESPACE, WHITESPACE)
def test_surrounding_whitespace_does_not_change_the_value(text, before, after):
    assert parse_number(f"{before}{text}{after}") == parse_number(text)


@given(st.sampled_from(["△", "▲", "−", "-"]), WHITESPACE)
def test_a_minus_mark_alone_is_an_error_not_zero(mark, space):
    try:
        value = parse_number(f"{space}{mark}{space}")
    except NumberFormatError:
        return
    raise AssertionError(f"{mark!r} read as {value!r}")


@given(
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.text(alphabet=" \t\u3000\u00a0", min_size=1, max_size=3),
)
def test_a_space_between_digits_is_an_error_not_one_number(left, right, space):
    try:
        value = parse_number(f"{left}{space}{right}")
    except NumberFormatError as error:
        assert "空白" in str(error)
        return
    raise AssertionError(f"{left}{space!r}{right} read as {value!r}")
