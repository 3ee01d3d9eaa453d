"""A tablib ``Dataset`` written as .xlsx with every text kept as text.

tablib (behind django-import-export and django-tables2) hands each value to openpyxl,
which stores a string starting with "=" as a live formula and a string such as "#N/A"
as an error. A comment, a return reason or a KPI name is what somebody typed: here
every string is stored as text, exactly as typed (nothing is stripped, unlike
import-export's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT``, which also turns every
number into text). Text that Excel would take for a formula once the cell is edited
("=", "+", "-", "@" first) also gets Excel's quote prefix (the leading ' of typed text).
Numbers, dates and blanks are written as they are: -5 stays the number -5.

The layout is tablib's: bold header row, frozen below it, columns as wide as their
longest value, wrapped text where a value has a line break.
"""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@")
_BAD_TITLE = re.compile(r"[\\*?:/\[\]]")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True)


def dataset_to_xlsx(dataset) -> bytes:
    """The .xlsx bytes of a tablib ``Dataset`` (its title names the sheet)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _BAD_TITLE.sub("-", dataset.title)[:31] if dataset.title else "Sheet1"
    rows = list(dataset)
    if dataset.headers:
        rows.insert(0, dataset.headers)
        ws.freeze_panes = "A2"
    widths: dict[int, int] = {}
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            put(cell, value)
            if r == 1 and dataset.headers:
                cell.font = _BOLD
            widths[c] = max(widths.get(c, 0), len("" if cell.value is None else str(cell.value)))
    for c, width in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = width
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
