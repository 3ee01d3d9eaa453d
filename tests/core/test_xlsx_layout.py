"""How a written sheet looks on screen and on paper: widths counted for full-width text,
wrapped text, rows tall enough, printed landscape at a legible size.

The ``assert_…`` helpers at the bottom check a produced sheet independently of the code
that laid it out (an estimate from the column widths and the paper), and are shared by
the tests of the KPI download, the officers' template and the progress report.
"""

import io
import math

import pytest
import tablib
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from core.xlsx_export import (
    A3,
    A4,
    MIN_PRINTED_POINTS,
    dataset_to_xlsx,
    display_width,
    fit_columns,
    fit_rows,
    header_width,
    set_print_layout,
    shown,
    wrapped_lines,
)

# --- display width ---------------------------------------------------------------------


def test_a_half_width_text_counts_one_place_a_character():
    assert display_width("abc 123") == 7


def test_a_full_width_text_counts_two_places_a_character():
    assert (display_width("単位"), display_width("取組項目"), display_width("ＡＢ１")) == (4, 8, 6)


def test_a_mixed_text_counts_each_character_by_its_width():
    assert (display_width("R7実績"), display_width("達成率（%）")) == (6, 11)


def test_half_width_katakana_counts_one_place():
    assert display_width("ｶﾀｶﾅ") == 4


def test_symbols_japanese_fonts_draw_full_width_count_two():
    assert display_width("◎ 目標達成") == 11  # ◎ is East Asian Ambiguous


def test_an_accented_letter_counts_one_place():
    assert display_width("Café") == 4


def test_a_combining_mark_takes_no_place():
    assert display_width("e\u0301") == 1


def test_a_text_of_several_lines_is_as_wide_as_its_longest():
    assert display_width("ab\n単位の説明\ncd") == 10


def test_a_short_header_stays_on_one_line_a_long_one_takes_two():
    assert (header_width("取組項目"), header_width("見込みに対する進捗（%）")) == (8, 12)


def test_an_english_header_wraps_only_between_words():
    assert header_width("Achievement rate") == 11


def test_a_number_is_measured_as_its_format_shows_it():
    assert (shown(1291448, "#,##0"), shown(100, "0.0"), shown(None)) == ("1,291,448", "100.0", "")


def test_a_japanese_text_wraps_anywhere_an_english_one_between_words():
    assert wrapped_lines("あ" * 20, 12) == 4  # 12 units hold 10 half-width places: 5 あ a line
    assert wrapped_lines("aaaa bbbb cccc", 6) == 3


# --- fitting a sheet ---------------------------------------------------------------------


def sheet(*rows):
    ws = Workbook().active
    for row in rows:
        ws.append(row)
    return ws


def test_a_column_of_full_width_text_is_twice_as_wide_as_its_characters():
    ws = sheet(["単位"], ["人/年"], ["件"])
    fit_columns(ws, header_rows=[1])
    assert ws.column_dimensions["A"].width >= display_width("単位")


def test_a_long_text_is_held_to_the_cap_and_wraps():
    ws = sheet(["名称"], ["最上地域保健医療対策事業と広域的な救急医療体制の整備と充実"])
    fit_columns(ws, max_width=20, header_rows=[1])
    assert ws.column_dimensions["A"].width == 20
    assert ws["A2"].alignment.wrap_text


def test_a_number_is_never_held_to_the_cap():
    ws = sheet(["額"], [1234567890])
    ws["A2"].number_format = "#,##0"
    fit_columns(ws, max_width=6, header_rows=[1])
    assert ws.column_dimensions["A"].width >= display_width("1,234,567,890")


def test_a_wrapped_row_is_tall_enough_for_its_lines():
    ws = sheet(["名称"], ["あ" * 40])
    fit_columns(ws, max_width=12, header_rows=[1])
    fit_rows(ws, [2])
    assert ws.row_dimensions[2].height >= 8 * 11  # 8 lines of 11 pt


def test_a_narrow_sheet_prints_on_a4_fitted_to_the_width():
    ws = sheet(["a"] * 10)
    layout = set_print_layout(ws, title_rows="1:1")
    assert (layout.paper, layout.fitted, ws.page_setup.fitToWidth) == (A4, True, 1)


def test_a_sheet_too_wide_for_a4_at_a_legible_size_goes_on_a3():
    ws = sheet(["a"] * 30)
    for column in range(1, 31):
        ws.column_dimensions[get_column_letter(column)].width = 9  # 270 units
    layout = set_print_layout(ws, title_rows="1:1")
    assert (layout.paper, layout.fitted) == (A3, True)
    assert layout.points >= MIN_PRINTED_POINTS


def test_a_sheet_too_wide_for_a3_splits_its_columns_at_a_legible_size():
    ws = sheet(["a"] * 60)
    for column in range(1, 61):
        ws.column_dimensions[get_column_letter(column)].width = 9
    layout = set_print_layout(ws, title_rows="1:1", title_cols="A:B")
    assert (layout.fitted, ws.sheet_properties.pageSetUpPr.fitToPage) == (False, False)
    assert printed_points(ws, 11) >= MIN_PRINTED_POINTS
    assert ws.print_title_cols.replace("$", "") == "A:B"


def test_a_downloaded_list_is_as_wide_as_its_japanese_headers():
    # The KPI list's defect: 単位 was 2 wide and 取組項目 4, their character counts.
    dataset = tablib.Dataset(["1", "人"], headers=["取組項目", "単位"], title="成果指標")
    ws = load_workbook(io.BytesIO(dataset_to_xlsx(dataset))).active
    assert ws.column_dimensions["A"].width >= 8
    assert ws.column_dimensions["B"].width >= 4
    assert_cells_show_whole(ws, range(1, ws.max_row + 1), 11)


# --- shared checks of a produced sheet ------------------------------------------------------

DIGIT_PX = 7  # a width unit: the default font's digit
LINE = 1.2  # the least line height, times the font size


def column_width(ws, column: int) -> float:
    letter = get_column_letter(column)
    if letter in ws.column_dimensions and ws.column_dimensions[letter].width:
        return ws.column_dimensions[letter].width
    return 8.43


PAPER_MM = {A4: (210, 297), A3: (297, 420)}


def printable_width(ws) -> float:
    """The paper's width (A4 where none is set) less the margins, in points."""
    short, long = PAPER_MM[str(ws.page_setup.paperSize or A4)]
    paper = (long if ws.page_setup.orientation == "landscape" else short) / 25.4 * 72
    return paper - (ws.page_margins.left + ws.page_margins.right) * 72


def total_width(ws, last_column: int | None = None) -> float:
    """The width of the columns up to ``last_column`` at 100 %, in points."""
    last_column = last_column or ws.max_column
    return sum(column_width(ws, c) * DIGIT_PX * 0.75 for c in range(1, last_column + 1))


def print_scale(ws) -> float:
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        return min(1.0, printable_width(ws) / total_width(ws))
    return (ws.page_setup.scale or 100) / 100


def printed_points(ws, font_size: float) -> float:
    """The size ``font_size`` text prints at (fitted to one page wide: the page's width
    over the columns' width)."""
    return font_size * print_scale(ws)


def assert_prints_legibly(ws, font_size: float) -> None:
    assert ws.page_setup.orientation == "landscape", ws.title
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        assert ws.page_setup.fitToWidth == 1, ws.title
    assert printed_points(ws, font_size) >= MIN_PRINTED_POINTS, ws.title


def assert_title_clear(ws) -> None:
    """Nothing is printed over the sheet's first rows: no page header (the report's
    repeated the title over it), a header margin within the top margin, page numbers in
    the footer."""
    header = ws.oddHeader
    assert not (header.left.text or header.center.text or header.right.text), ws.title
    assert ws.page_margins.header < ws.page_margins.top, ws.title
    assert ws.page_margins.footer < ws.page_margins.bottom, ws.title
    assert "&P" in (ws.oddFooter.center.text or ""), ws.title


def lines_at_least(text: str, width: float, font_size: float) -> int:
    """The fewest lines a text can take in a column (a half-width place is half an em)."""
    per_unit = font_size * 96 / 72 / 2 / DIGIT_PX
    return sum(
        max(1, math.ceil(display_width(line) * per_unit / width)) for line in text.split("\n")
    )


def assert_cells_show_whole(ws, rows, font_size: float, *, heights: bool = True) -> None:
    """Every value in ``rows`` shows whole: a number fits its column; a text fits its
    column on one line (or runs on over empty cells, as a heading does), or wraps, in a
    row tall enough for its lines (``heights``: rows that keep no height of their own
    are fitted by Excel itself)."""
    per_unit = font_size * 96 / 72 / 2 / DIGIT_PX
    for row in ws.iter_rows(min_row=min(rows), max_row=max(rows)):
        for cell in row:
            if cell.value is None or cell.row not in rows:
                continue
            text = shown(cell.value, cell.number_format)
            width = column_width(ws, cell.column)
            if display_width(text) * per_unit <= width:
                continue
            if not cell.alignment.wrap_text and isinstance(cell.value, str):
                after = range(cell.column + 1, ws.max_column + 1)
                room = sum(column_width(ws, c) for c in range(cell.column, ws.max_column + 1))
                empty_after = all(row[c - 1].value is None for c in after)
                if empty_after and display_width(text) * per_unit <= room:
                    continue
            where = f"{ws.title}!{cell.coordinate} {text[:20]!r} in {width}"
            assert isinstance(cell.value, str), f"number cut: {where}"
            assert cell.alignment.wrap_text, f"text cut: {where}"
            lines = lines_at_least(text, width, font_size)
            height = ws.row_dimensions[cell.row].height
            if heights and lines > 1:
                assert height and height >= lines * font_size * LINE, f"row too low: {where}"


def assert_columns_as_wide_as_content(ws, rows, font_size: float, caps: dict[int, float]):
    """Every column is at least as wide as what it shows in ``rows`` (headers included),
    up to its cap (past the cap, text wraps: ``assert_cells_show_whole``)."""
    per_unit = font_size * 96 / 72 / 2 / DIGIT_PX
    widest: dict[int, float] = {}
    for row in ws.iter_rows(min_row=min(rows), max_row=max(rows)):
        for cell in row:
            if cell.value is not None and cell.row in rows:
                text = shown(cell.value, cell.number_format)
                longest = max(display_width(line) for line in text.split("\n"))
                widest[cell.column] = max(widest.get(cell.column, 0), longest * per_unit)
    for column, needed in widest.items():
        cap = caps.get(column, math.inf)
        assert column_width(ws, column) >= min(needed, cap), (ws.title, column, needed)


def assert_short_headers_on_one_line(ws, row: int, font_size: float) -> None:
    """A header of up to four full-width characters (単位, 取組項目) is not wrapped."""
    per_unit = font_size * 96 / 72 / 2 / DIGIT_PX
    for cell in ws[row]:
        if isinstance(cell.value, str) and display_width(cell.value) <= 8:
            assert column_width(ws, cell.column) >= display_width(cell.value) * per_unit, (
                ws.title,
                cell.value,
            )


@pytest.mark.parametrize("size", [10, 11])
def test_the_shared_estimate_agrees_with_the_layout(size):
    ws = sheet(["成果指標の名称", "単位"], ["あ" * 30, "人"])
    fit_columns(ws, font_size=size, max_width=16, header_rows=[1])
    fit_rows(ws, [2], font_size=size)
    fit_rows(ws, [1], font_size=size, always=True)
    assert_cells_show_whole(ws, range(1, 3), size)
    assert_short_headers_on_one_line(ws, 1, size)
