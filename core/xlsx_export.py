"""Every .xlsx cell the app writes, with every text kept as text; and how the sheets
are laid out to be read on screen and printed.

tablib (behind django-import-export and django-tables2) hands each value to openpyxl,
which stores a string starting with "=" as a live formula and a string such as "#N/A"
as an error. A comment, a return reason or a KPI name is what somebody typed: here
every string is stored as text, exactly as typed (nothing is stripped, unlike
import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``, which also turns every
number into text). Text that Excel would take for a formula once the cell is edited
("=", "+", "-", "@" first) also gets Excel's quote prefix (the leading ' of typed text).
Numbers, dates and blanks are written as they are: -5 stays the number -5.

The layout (the admin export, the KPI list, the officers' template and the progress
report all use it): columns as wide as their header and content as displayed, a
full-width character counting twice a half-width one (``display_width``), up to a cap
past which the text wraps (``fit_columns``); rows as tall as their wrapped lines
(``fit_rows``); landscape, fitted to one page wide only where the printed font stays
legible, header rows repeated on every page and page numbers in the footer
(``set_print_layout``). A tablib ``Dataset`` (``dataset_to_xlsx``) gets a bold,
frozen, repeated header row.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True)
_HEADER = Alignment(wrap_text=True, vertical="center")


def dataset_to_xlsx(dataset) -> bytes:
    """The .xlsx bytes of a tablib ``Dataset`` (its title names the sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _BAD_TITLE.sub("-", dataset.title)[:31] if dataset.title else "Sheet1"
    rows = list(dataset)
    if dataset.headers:
        rows.insert(0, dataset.headers)
        ws.freeze_panes = "A2"
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            put(cell, value)
            if r == 1 and dataset.headers:
                cell.font = _BOLD
                cell.alignment = _HEADER
    if rows:
        fit_columns(ws, max_width=DATASET_MAX_WIDTH, header_rows=[1] if dataset.headers else ())
        fit_rows(ws, range(1, len(rows) + 1))
        if dataset.headers:
            fit_rows(ws, [1], always=True)
        set_print_layout(
            ws, font_size=DEFAULT_FONT_SIZE, title_rows="1:1" if dataset.headers else None
        )
    stream = BytesIO()
    wb.save(stream)
    return stream.getvalue()


def clean(value):
    """A text without the control characters XML cannot hold (openpyxl refuses them);
    anything else as it is."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def put(cell, value) -> None:
    """Write one value: a number as a number, a text always as text.

    Every .xlsx the app writes (the admin export, the KPI list, the officers' template,
    the progress report) writes its cells through here."""
    if not isinstance(value, str):
        try:
            cell.value = value
            return
        except ValueError:  # a type openpyxl does not know (a lazy translation…): its text
            value = str(value)
    text = clean(value)
    cell.value = text
    cell.data_type = "s"  # never a formula ("=…") or an error value ("#N/A")
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    if "\n" in text:
        cell.alignment = _WRAP


# ---------------------------------------------------------------------------
# Layout: widths, heights and printing

DEFAULT_FONT_SIZE = 11  # Excel's and openpyxl's default (Calibri 11; 游ゴシック 11 for Japanese)
DIGIT_PX = 7  # Excel's column width unit: one digit of the default font (Calibri 11), in pixels
DEFAULT_WIDTH = 8.43  # a column without a width of its own
DEFAULT_HEIGHT = 15.0  # a row without a height of its own, in points
PADDING = 2  # width units added to a column's content, a little room either side
MIN_WIDTH = 6
MAX_WIDTH = 40  # past this a text wraps rather than widening its column
DATASET_MAX_WIDTH = 26  # a downloaded list: its long names and sources wrap
HEADER_LINES = 2  # a header row of two lines keeps numeric columns narrow
SHORT_HEADER = 8  # half-width places: a header of up to 4 full-width characters never wraps
LINE_SPACING = 1.7  # a line of Japanese text (游ゴシック) is 1.7 times its font size
# The smallest font we let a fit-to-width print shrink a sheet to. Below this an office
# printer's output is hard to read (7 pt is the small print of forms and tables).
MIN_PRINTED_POINTS = 7.0

A4, A3 = Worksheet.PAPERSIZE_A4, Worksheet.PAPERSIZE_A3
PAPER_LONG_SIDE_MM = {A4: 297, A3: 420}  # landscape: the long side is the width
PAPER_SHORT_SIDE_MM = {A4: 210, A3: 297}
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.7, "header": 0.3, "footer": 0.3}
FOOTER_SIZE = 9


@functools.lru_cache(maxsize=8192)
def display_width(text: str) -> int:
    """How many half-width places a text takes (of a text of several lines, its longest).

    A full-width character takes two: East Asian Wide and Fullwidth (漢字, かな, 全角英数,
    全角の記号) and, as Japanese fonts draw them, Ambiguous symbols (○ ◎ × ※ −); an
    Ambiguous letter (é, Greek, Cyrillic) takes one, as do half-width characters
    (ASCII, ｶﾀｶﾅ); a combining mark takes none."""
    if text.isascii():
        return max(len(line) for line in text.split("\n"))
    return max(_line_width(line) for line in text.split("\n"))


def _line_width(line: str) -> int:
    width = 0
    for char in line:
        if unicodedata.combining(char):
            continue
        kind = unicodedata.east_asian_width(char)
        if kind in ("W", "F") or (kind == "A" and not unicodedata.category(char).startswith("L")):
            width += 2
        else:
            width += 1
    return width


def shown(value, number_format: str = "General") -> str:
    """The text a cell shows for a value, near enough to size its column: a number with
    its thousands separators and decimals where its format has them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        decimals = len(number_format.split(".", 1)[1]) if "." in number_format else 0
        if "#,##0" in number_format:
            return f"{value:,.{decimals}f}"
        if number_format.startswith("0"):
            return f"{value:.{decimals}f}"
        if isinstance(value, float):
            return f"{value:.10g}"  # General shows about ten digits
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def units(places: float, font_size: float = DEFAULT_FONT_SIZE) -> float:
    """The column width (Excel's units, a digit of Calibri 11, 7 px) that ``places``
    half-width places take at ``font_size``: half an em each (11 pt: 7.3 px)."""
    return places * font_size * 96 / 72 / 2 / DIGIT_PX


def column_width(ws: Worksheet, column: int) -> float:
    letter = get_column_letter(column)
    if letter in ws.column_dimensions and ws.column_dimensions[letter].width:
        return ws.column_dimensions[letter].width
    return DEFAULT_WIDTH


def _cells(ws: Worksheet, rows: Iterable[int] | None):
    if rows is None:
        rows = range(1, ws.max_row + 1)
    rows = sorted(set(rows))
    if not rows:
        return
    wanted = set(rows)
    for row in ws.iter_rows(min_row=rows[0], max_row=rows[-1], max_col=ws.max_column):
        if row and row[0].row in wanted:
            yield from row


def fit_columns(
    ws: Worksheet,
    rows: Iterable[int] | None = None,
    *,
    font_size: float = DEFAULT_FONT_SIZE,
    min_width: float = MIN_WIDTH,
    max_width: float = MAX_WIDTH,
    limits: Mapping[int, tuple[float, float]] | None = None,
    header_rows: Iterable[int] = (),
    header_lines: int = HEADER_LINES,
) -> dict[int, float]:
    """Set every column as wide as the widest value it shows in ``rows`` (all rows by
    default; a title above a table is left out), between ``min_width`` and
    ``max_width`` (or the column's own ``limits``: {column: (min, max)}). A header (in
    ``header_rows``) may wrap onto ``header_lines`` lines, never within a word. A text
    wider than its column wraps. Returns {column: width}."""
    limits = limits or {}
    header_rows = set(header_rows)
    cells = [cell for cell in _cells(ws, rows) if cell.value is not None]
    wanted: dict[int, int] = {}  # column → the most half-width places shown
    numbers: dict[int, int] = {}  # the same, of numbers (and dates) only
    for cell in cells:
        value = cell.value
        if isinstance(value, str):
            width = header_width(value, header_lines) if cell.row in header_rows else None
            width = display_width(value) if width is None else width
        else:
            width = display_width(shown(value, cell.number_format))
            if width > numbers.get(cell.column, 0):
                numbers[cell.column] = width
        if width > wanted.get(cell.column, 0):
            wanted[cell.column] = width
    widths: dict[int, float] = {}
    for column in sorted(set(wanted) | set(limits)):
        low, high = limits.get(column, (min_width, max_width))
        needed = math.ceil(units(wanted.get(column, 0), font_size)) + PADDING
        # A number is never cut (Excel would show ####): only text is held to the cap.
        number = math.ceil(units(numbers.get(column, 0), font_size)) + PADDING
        widths[column] = max(min(max(needed, low), high), number if column in numbers else 0)
        ws.column_dimensions[get_column_letter(column)].width = widths[column]
    wrapped: dict[int, int] = {}  # an alignment's style id → its wrapping twin's
    for cell in cells:
        if isinstance(cell.value, str) and not fits(cell.value, widths[cell.column], font_size):
            # Looking a style up in the workbook's lists is most of the time of a large
            # sheet; a cell aligned like one already wrapped takes that one's style id.
            if cell._style is None:  # a cell never styled
                cell._style = StyleArray()
            source = cell._style.alignmentId
            if source in wrapped:
                cell._style.alignmentId = wrapped[source]
            else:
                wrap(cell)
                wrapped[source] = cell._style.alignmentId
    return widths


def header_width(text: str, lines: int = HEADER_LINES) -> int:
    """The half-width places a header needs: a short one (単位, 取組項目) all of them, on
    one line; a longer one what it needs on ``lines`` lines, and at least its longest
    word (a Japanese header wraps anywhere, an English one at spaces)."""
    width = display_width(text)
    if width <= SHORT_HEADER:
        return width
    words = max((display_width(word) for word in text.split()), default=0)
    return max(words if " " in text.strip() else 0, math.ceil(width / lines), SHORT_HEADER)


def fits(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE) -> bool:
    """Whether a text shows whole, on one line for each of its lines, in a column."""
    return units(display_width(text), font_size) + PADDING <= width


def wrap(cell) -> None:
    """Let a cell's text wrap, keeping the rest of its alignment."""
    if not cell.alignment.wrap_text:
        alignment = copy(cell.alignment)
        alignment.wrap_text = True
        cell.alignment = alignment


def wrapped_lines(text: str, width: float, font_size: float = DEFAULT_FONT_SIZE) -> int:
    """How many lines a text takes wrapped in a column ``width`` wide: at spaces where
    there are some, anywhere in Japanese text (as Excel breaks it)."""
    room = (width * DIGIT_PX - 5) / DIGIT_PX  # Excel keeps 5 px of the column free
    per_line = max(1, int(room / units(1, font_size)))
    return sum(_lines(line, per_line) for line in text.split("\n"))


def _lines(line: str, per_line: int) -> int:
    lines, used = 1, 0
    for index, word in enumerate(line.split(" ")):
        width = display_width(word) if word else 0
        if index and used + 1 + width <= per_line:
            used += 1 + width
            continue
        if index:
            lines += 1
        extra = max(0, math.ceil(width / per_line) - 1)
        lines += extra
        used = width - extra * per_line
    return lines


def row_height(lines: int, font_size: float = DEFAULT_FONT_SIZE) -> float:
    """The height (points) of a row of ``lines`` lines of text."""
    return round(lines * font_size * LINE_SPACING + 2, 1)


def fit_rows(
    ws: Worksheet,
    rows: Iterable[int],
    *,
    font_size: float = DEFAULT_FONT_SIZE,
    always: bool = False,
) -> None:
    """Make each row tall enough for its wrapped text (a header row: ``always``, even
    on one line). A row that holds one line keeps Excel's own height; a row is never
    made lower than it is."""
    widths: dict[int, float] = {}
    lines: dict[int, int] = dict.fromkeys(rows, 1)
    for cell in _cells(ws, lines):
        if cell.value is None or not cell.alignment.wrap_text:
            continue
        if cell.column not in widths:
            widths[cell.column] = column_width(ws, cell.column)
        count = wrapped_lines(shown(cell.value, cell.number_format), widths[cell.column], font_size)
        if count > lines[cell.row]:
            lines[cell.row] = count
    for row, count in lines.items():
        if count > 1 or always:
            height = row_height(count, font_size)
            current = ws.row_dimensions[row].height
            ws.row_dimensions[row].height = max(height, current or 0)


@dataclass(frozen=True)
class PrintLayout:
    paper: str  # A4 or A3
    fitted: bool  # one page wide (perhaps also one page tall)
    points: float  # the data font's size as printed


def printed_width(ws: Worksheet) -> float:
    """The width (points) of the sheet's columns printed at 100 % (a pixel is 3/4 pt)."""
    return sum(round(column_width(ws, c) * DIGIT_PX) * 0.75 for c in range(1, ws.max_column + 1))


def printed_height(ws: Worksheet) -> float:
    """The height (points) of the sheet's rows printed at 100 %."""
    return sum(
        ws.row_dimensions[r].height or DEFAULT_HEIGHT if r in ws.row_dimensions else DEFAULT_HEIGHT
        for r in range(1, ws.max_row + 1)
    )


def fitted_points(ws: Worksheet, paper: str, font_size: float, *, one_page: bool = False) -> float:
    """The size ``font_size`` prints at when the sheet is fitted to one page wide (and
    tall, with ``one_page``) on ``paper`` in landscape; Excel rounds the scale down to a
    whole per cent and never enlarges."""
    inch = 72
    width = PAPER_LONG_SIDE_MM[paper] / 25.4 * inch - (MARGINS["left"] + MARGINS["right"]) * inch
    scale = min(1.0, width / printed_width(ws))
    if one_page:
        height = (
            PAPER_SHORT_SIDE_MM[paper] / 25.4 * inch - (MARGINS["top"] + MARGINS["bottom"]) * inch
        )
        scale = min(scale, height / printed_height(ws))
    return font_size * math.floor(scale * 100) / 100


def set_print_layout(
    ws: Worksheet,
    *,
    font_size: float = DEFAULT_FONT_SIZE,
    title_rows: str | None = None,
    title_cols: str | None = None,
    papers: tuple[str, ...] = (A4, A3),
    one_page: bool = False,
    footer: str = "&P / &N",
) -> PrintLayout:
    """Landscape, on the first of ``papers`` where the sheet fitted to one page wide
    (with ``one_page``: one page, else one page wide on the same paper) prints its
    ``font_size`` text at ``MIN_PRINTED_POINTS`` or more; where none does, on
    the last paper at the scale that keeps that size, the columns split over pages
    (across first: one band of rows stays together) with ``title_cols`` repeated.
    ``title_rows`` (the header row) repeat on every page instead of a page header, which
    would print over the sheet's own title; page numbers and the sheet's name are in
    the footer, whose size does not shrink with the sheet."""
    setup = ws.page_setup
    setup.orientation = "landscape"
    for name, inches in MARGINS.items():
        setattr(ws.page_margins, name, inches)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.left.text = ws.oddHeader.center.text = ws.oddHeader.right.text = None
    ws.oddFooter.center.text = footer
    ws.oddFooter.right.text = "&A"
    ws.oddFooter.center.size = ws.oddFooter.right.size = FOOTER_SIZE
    ws.HeaderFooter.scaleWithDoc = False
    for paper in papers:
        for tall in (True, False) if one_page else (False,):
            points = fitted_points(ws, paper, font_size, one_page=tall)
            if points >= MIN_PRINTED_POINTS:
                setup.paperSize = paper
                setup.fitToWidth = 1
                setup.fitToHeight = 1 if tall else 0
                ws.sheet_properties.pageSetUpPr.fitToPage = True
                return PrintLayout(paper, True, points)
    setup.paperSize = papers[-1]
    setup.scale = math.ceil(MIN_PRINTED_POINTS / font_size * 100)
    setup.pageOrder = "overThenDown"
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    if title_cols:
        ws.print_title_cols = title_cols
    return PrintLayout(papers[-1], False, font_size * setup.scale / 100)
