"""The officer's spreadsheet round trip: the .xlsx template, and reading uploads.

The template's data sheet (``SHEET_TITLE``) has one header row and one row per
figure due, pre-filled with the current values; only 「値（入力）」 and 「コメント」
can be typed in (the other columns are context, and the sheet is protected without
a password so they are not changed by accident). Every text cell goes through
``core.xlsx_export.put``: it stays text, with Excel's quote prefix where it starts
like a formula.

An upload (.xlsx, or CSV in UTF-8, UTF-8 with BOM or cp932) is read with
openpyxl directly, values not formulas (``data_only=True``, in one read-only
pass). Of a workbook, the sheet named ``SHEET_TITLE`` is read, wherever it is
(a workbook of a single sheet: that sheet, whatever its name); the preview says
which. What is imported is what a person sees when they open or print the file,
or the file is refused as a whole: a hidden sheet (hidden or veryHidden, any of
them), hidden rows or columns, rows of (nearly) zero height and columns of
(nearly) zero width, a value the cell's number format does not show (";;;", a
zero in a format whose zero section is empty, a format of literal text only);
and so is a file whose structure cannot be trusted: merged cells, a formula
without a saved result, missing or duplicated headers, an empty, oversized or
unreadable file (the size and the structure are checked in a streaming pass over
the file's XML before openpyxl reads it). Not checked: a font of the fill's colour.

Each row is then resolved to a line of the return (another town's row, another
year, an unknown program or KPI, text or a date in a number cell are row errors)
and checked by ``returns.annual.evaluate``. A row without a version (no 「版」
column, as in a hand-made CSV, or a blank 版) cannot change a figure that already
holds something (a value, an approved value or a comment): only the version proves
the file was made after the last change. Nothing here saves anything: the preview
shows every row, and ``returns.services.save_entries`` saves all rows or none at
confirmation.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from xml.parsers import expat

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.cell_range import CellRange

from core import xlsx_export
from core.japanese import NumberFormatError, fiscal_year_era, fiscal_year_label
from kpis.models import KPI
from municipalities.models import Municipality
from programs.models import Program
from returns.annual import (
    ERROR,
    LABEL_KINDS,
    MAX_COMMENT,
    OUTCOME_LABELS,
    AnnualReturn,
    Entry,
    Line,
    LineKind,
    evaluate,
    kpi_key,
    parse_entry_value,
    share_key,
    text_problem,
)

# --- columns -------------------------------------------------------------------

CODE = "全国地方公共団体コード"
NAME = "地方公共団体名"
YEAR = "年度（西暦）"
YEAR_ERA = "年度（和暦）"
KIND = "区分"
PROGRAM_ID = "事業ID"
PROGRAM = "事業名"
KPI_ID = "指標ID"
KPI_NAME = "指標名"
UNIT = "単位"
PLAN = "事業費見込（千円）"
LAST_YEAR = "前年度の値"
BASELINE = "現状値"
TARGET = "目標値"
VALUE = "値（入力）"
COMMENT = "コメント"
STATUS = "状態"
RETURN_REASON = "差戻しの理由"
VERSION = "版（変更しないでください）"

COLUMNS = [
    # (header, (least, most) width, editable): as wide as the content, a text wider than
    # "most" wraps (numbers are never cut); the columns typed into have room to type.
    (CODE, (6, 12), False),
    (NAME, (6, 12), False),
    (YEAR, (6, 8), False),
    (YEAR_ERA, (6, 12), False),
    (KIND, (6, 10), False),
    (PROGRAM_ID, (6, 8), False),
    (PROGRAM, (10, 22), False),
    (KPI_ID, (6, 8), False),
    (KPI_NAME, (10, 22), False),
    (UNIT, (4, 8), False),
    (PLAN, (6, 12), False),
    (LAST_YEAR, (6, 12), False),
    (BASELINE, (6, 10), False),
    (TARGET, (6, 10), False),
    (VALUE, (12, 14), True),
    (COMMENT, (20, 24), True),
    (STATUS, (6, 10), False),
    (RETURN_REASON, (8, 16), False),
    (VERSION, (6, 12), False),
]
HEADERS = [c[0] for c in COLUMNS]
REQUIRED = [CODE, YEAR, KIND, PROGRAM_ID, KPI_ID, VALUE]
READ = [*REQUIRED, COMMENT, VERSION]  # the columns a row is read from
SHEET_TITLE = "年度報告"
GUIDE_TITLE = "記入方法"
GUIDE_WIDTH = 110  # the guide's one column; a longer line wraps
FRESH_TEMPLATE = "年度報告の画面から最新の様式をダウンロードし、入力し直してください。"

# A row lower or a column narrower than this shows nothing readable (Excel's default
# row is 15 points high and its default column about 8 characters wide).
MIN_ROW_HEIGHT = 3.0  # points
MIN_COLUMN_WIDTH = 1.0  # characters

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
CSV_FIELD_LIMIT = 131_072  # characters in one CSV cell: Python's default
# Zip bombs are refused before openpyxl expands them: by the unzipped size (a return of
# MAX_ROWS rows with long comments unzips to about 7 MB), and by counting the rows and
# cells of each sheet in one streaming pass (a 2 MB file can hold millions of cells,
# which openpyxl would build in memory for minutes).
MAX_UNZIPPED_BYTES = 25 * 1024 * 1024
MAX_CELLS = (MAX_ROWS + 1) * 40
MAX_MESSAGES = 30
MAX_FILENAME = 100


def max_upload_bytes() -> int:
    return getattr(settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES)


# --- the template ------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_CONTEXT_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _plain(value):
    """Decimals that are whole numbers as int, so Excel shows 25 rather than 25.00."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def template_row(line: Line, annual_return: AnnualReturn) -> list:
    figure = line.figure
    kpi = line.kpi
    return [
        "" if annual_return.reporter is None else annual_return.reporter.code,
        annual_return.name,
        annual_return.fiscal_year,
        fiscal_year_era(annual_return.fiscal_year),
        line.kind_label,
        line.program.pk,
        line.program.name,
        None if kpi is None else kpi.pk,
        "" if kpi is None else (kpi.name + ("（自分の市町村の値）" if line.is_component else "")),
        line.unit,
        _plain(line.plan_kyen),
        _plain(line.last_year),
        None if kpi is None else _plain(kpi.baseline),
        None if kpi is None else _plain(kpi.target),
        _plain(line.value),
        line.comment,
        line.state_label,
        "" if figure is None else figure.return_reason,
        line.version,
    ]


def build_template(annual_return: AnnualReturn) -> bytes:
    """The officer's .xlsx for one return, pre-filled with everything due."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(HEADERS)
    for line in annual_return.lines:
        ws.append([xlsx_export.clean(value) for value in template_row(line, annual_return)])
    first_row = []
    for index, (header, _width, editable) in enumerate(COLUMNS, start=1):
        head = ws.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.border = _BORDER
        head.alignment = Alignment(wrap_text=True, vertical="center")
        if ws.max_row < 2:
            continue
        cell = ws.cell(row=2, column=index)
        first_row.append(cell)
        cell.border = _BORDER
        if editable:
            cell.fill = _INPUT_FILL
            cell.protection = Protection(locked=False)
        else:
            cell.fill = _CONTEXT_FILL
        if header == CODE:
            cell.number_format = "@"
        elif header in (PLAN, LAST_YEAR, BASELINE, TARGET, VALUE):
            cell.number_format = "#,##0.##" if header != PLAN else "#,##0"
            cell.alignment = Alignment(horizontal="right")
        elif header in (PROGRAM, KPI_NAME, COMMENT, RETURN_REASON):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    # Every row styled as the first: openpyxl's style setters look each style up in the
    # workbook's lists again for every cell (most of the time of a large template);
    # copying the first row's style references is what openpyxl does when it copies cells.
    # Then each text through xlsx_export.put, which gives the cell what its own text needs
    # ("=1+1" or "#N/A" typed in a comment stays text, with Excel's quote prefix): after
    # the copy, so that one row's prefix is neither lost nor handed to the others.
    models = [copy(cell._style) for cell in first_row]
    alignments = [cell.alignment for cell in first_row]
    for row in ws.iter_rows(min_row=2, max_col=len(COLUMNS)):
        for cell, model, alignment in zip(row, models, alignments, strict=True):
            cell._style = copy(model)
            if isinstance(cell.value, str):
                xlsx_export.put(cell, cell.value)
                if "\n" in cell.value and alignment.wrap_text:
                    cell.alignment = alignment  # the column's own (top-aligned) wrapping
    _layout(ws)
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False

    guide = wb.create_sheet(GUIDE_TITLE)
    for text in [
        f"{annual_return.name}　{fiscal_year_label(annual_return.fiscal_year)} 年度報告の様式",
        "",
        f"1. 「{SHEET_TITLE}」シートの「値（入力）」列に数値を入力します。負担額は千円単位の整数です。",
        "2. まだ分からない値は空欄のままにします（空欄と 0 は別の意味です。0 は「負担なし」「実績なし」）。",
        "3. 全角数字、桁区切りのカンマ、△・▲（マイナス）も読み取ります。数式の場合は計算結果を読み取ります。",
        "4. 前年度から大きく変わった値など確認が必要な値は、「コメント」列に理由を書いてください。",
        "5. 行の追加・削除、セルの結合、シート・行・列の非表示はしないでください。"
        f"シートの名前（「{SHEET_TITLE}」）と見出し行（1行目）も変えないでください。",
        "6. 保存したファイルを年度報告の画面から取り込むと、保存する前に全行の確認画面が表示されます。",
        "",
        "灰色の列は参考情報です（シートは保護されていますが、パスワードはありません）。",
        "「版」の列は、ほかの人が先に値を変えていないかを確かめるために使います。変更しないでください。",
        "「版」の列がないファイル（手作りの CSV など）では、すでに値が入っている行は変更できません。",
    ]:
        guide.append([text])
    xlsx_export.fit_columns(guide, min_width=GUIDE_WIDTH, max_width=GUIDE_WIDTH)
    xlsx_export.fit_rows(guide, range(1, guide.max_row + 1))
    xlsx_export.set_print_layout(guide)

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _layout(ws) -> None:
    """Columns as wide as what they show (full-width text counted double), the header
    row as tall as its wrapped headers; printed landscape, one page wide (all 19
    columns, 「値（入力）」 included, on every page; A3 only if A4 would print below
    7 pt), the header row repeated on every page. The data rows keep no height of their
    own: Excel and LibreOffice fit such a row to its wrapped text, also to a comment
    the officer types later."""
    limits = {index: width for index, (_header, width, _editable) in enumerate(COLUMNS, 1)}
    xlsx_export.fit_columns(ws, limits=limits, header_rows=[1])
    xlsx_export.fit_rows(ws, [1], always=True)
    xlsx_export.set_print_layout(ws, title_rows="1:1", footer="&P / &N ページ")


# --- reading an upload ----------------------------------------------------------------


class FileRejected(Exception):
    """The file cannot be used at all; ``messages`` say why, in Japanese."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)[:MAX_MESSAGES]


@dataclass
class Table:
    filename: str
    headers: list[str]
    rows: list[tuple[int, dict]]  # (row number as the officer sees it, header → raw value)
    letters: dict[str, str] = field(default_factory=dict)  # header → column letter
    sheet: str = ""  # the sheet read, for a workbook


def _header(value) -> str:
    return _text(value)


def _normalised_required() -> dict[str, str]:
    return {_header(h): h for h in HEADERS}


def read_upload(upload) -> Table:
    """Read an uploaded file into rows; raise FileRejected when it cannot be trusted."""
    name = _safe_filename(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise FileRejected(
            f"ファイルが大きすぎます（{size / 1024 / 1024:.1f} MB）。{limit // 1024 // 1024} MB 以下にしてください。"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileRejected(
            f"ファイルが大きすぎます。{limit // 1024 // 1024} MB 以下にしてください。"
        )
    if not data.strip():
        raise FileRejected("ファイルが空です。")
    suffix = PurePath(name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, name)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRejected(
            "古い形式の Excel ファイル（.xls）は読めません。Excel で「Excel ブック（.xlsx）」として保存し直してください。"
        )
    if suffix in (".csv", ".txt"):
        return _read_csv(data, name)
    if suffix in (".xlsx", ".xlsm"):
        raise FileRejected(
            "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確かめてください。"
        )
    raise FileRejected(
        "表計算のファイルではありません。ダウンロードした様式（.xlsx）か CSV ファイルを選んでください。"
    )


def _safe_filename(name: str) -> str:
    """The file's own name, to show and to record: no folders, no control characters, short."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", str(name)).replace("\\", "/")
    name = PurePath(name).name.strip()
    if len(name) > MAX_FILENAME:
        suffix = PurePath(name).suffix[:10]
        name = name[: MAX_FILENAME - len(suffix) - 1] + "…" + suffix
    return name or "（名前のないファイル）"


def _check_headers(headers: list[str], filename: str) -> dict[str, int]:
    """Each known header's column (0-based); refused when a required one is missing or a
    column that rows are read from appears twice (which one holds the figures?)."""
    known = _normalised_required()
    found: dict[str, list[int]] = {}
    for index, raw in enumerate(headers):
        header = known.get(_header(raw))
        if header is not None:
            found.setdefault(header, []).append(index)
    problems = [
        f"1行目（見出し行）に「{h}」の列がありません。ダウンロードした様式の見出し行を変えずに使ってください。"
        for h in REQUIRED
        if h not in found
    ]
    for h in READ:
        if len(found.get(h, [])) > 1:
            where = "と".join(f"{get_column_letter(i + 1)}列" for i in found[h])
            problems.append(
                f"1行目（見出し行）に「{h}」の列が{len(found[h])}つあります（{where}）。"
                "どちらを読めばよいか分からないため取り込めません。使わない列を削除してから取り込んでください。"
            )
    if problems:
        raise FileRejected(*problems)
    return {h: indexes[0] for h, indexes in found.items()}


UNREADABLE_XLSX = (
    "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確かめてください。"
)


def _read_xlsx(data: bytes, filename: str) -> Table:
    """One read of the values (openpyxl, read-only, saved results of formulas), and one
    streaming pass over the XML before it for what openpyxl's read-only mode does not keep:
    the size, merged cells, hidden, zero-height or zero-width rows and columns, and which
    cells hold a formula. Only the data sheet is read, found by its name."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise FileRejected("ファイルの中身が大きすぎます。行や列を減らしてください。")
            parts = _scan_parts(archive)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                ws, by_name = _data_sheet(workbook)
                position = workbook.sheetnames.index(ws.title) + 1
                # The sheet's part in the zip, as the workbook's relationships name it.
                path = ws._worksheet_path
                sheet = parts[path] if path in parts else _scan_part(archive, path)
                if sheet.last_row - 1 > MAX_ROWS:
                    raise FileRejected(
                        f"行が多すぎます（{sheet.last_row - 1}行）。{MAX_ROWS}行までにしてください。"
                    )
                merged = [CellRange(ref) for ref in sheet.merged]
                ws.reset_dimensions()  # read every row, whatever the file says its size is
                values, unseen = _cell_values(ws, sheet.last_row)
            finally:
                workbook.close()
    except FileRejected:
        raise
    # SyntaxError and ExpatError: XML that is not well-formed (ElementTree's ParseError is
    # a SyntaxError); defusedxml and _scan_part refuse entity declarations with a
    # ValueError; a zip entry longer than its header says fails with BadZipFile; a
    # workbook without a worksheet or a shared string that is not there, IndexError.
    except (
        InvalidFileException,
        expat.ExpatError,
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        OSError,
        SyntaxError,
    ):
        raise FileRejected(UNREADABLE_XLSX) from None
    title = ws.title
    if not any(value not in (None, "") for row in values for value in row):
        raise FileRejected(
            f"ファイルが空です。{position}枚目のシートに何も入力されていません（シート名「{title}」）。"
        )
    header_cells = list(values[0])
    try:
        positions = _check_headers(header_cells, filename)
    except FileRejected as rejected:
        if by_name:
            raise
        raise FileRejected(
            f"「{SHEET_TITLE}」という名前のシートがないため、1枚だけのシート「{title}」を読みました。",
            *rejected.messages,
        ) from None
    letters = {h: get_column_letter(i + 1) for h, i in positions.items()}

    problems: list[str] = []
    for merged_range in sorted(merged, key=lambda r: (r.min_row, r.min_col)):
        problems.append(
            f"{merged_range.coord} のセルが結合されています。結合を解除してから取り込んでください。"
        )
    read_columns = sorted(i + 1 for i in positions.values())
    for column in read_columns:
        problem = sheet.column_problem(column)
        if problem:
            problems.append(problem)
    problem = sheet.row_problem(1)
    if problem:
        problems.append(problem)
    problems += _unseen_values(unseen, 1, read_columns)
    rows: list[tuple[int, dict]] = []
    for r, row_values in enumerate(values[1:], start=2):
        width = len(row_values)
        raw = {h: row_values[i] if i < width else None for h, i in positions.items()}
        if _is_empty(raw):
            continue
        problem = sheet.row_problem(r)
        if problem:
            problems.append(problem)
        problems += _unseen_values(unseen, r, read_columns)
        if sheet.formulas:
            for h, i in positions.items():
                if raw[h] is None and (r, i + 1) in sheet.formulas:
                    problems.append(
                        f"{r}行目・{letters[h]}列「{h}」: 数式の計算結果が保存されていません。"
                        "Excel で開いて保存し直すか、値を直接入力してください。"
                    )
        rows.append((r, raw))
    if problems:
        raise FileRejected(*problems)
    if not rows:
        raise FileRejected("データの行がありません（見出し行だけです）。")
    return Table(
        filename=filename, headers=list(positions), rows=rows, letters=letters, sheet=title
    )


MAX_LISTED_SHEETS = 10
_SHEET_COPY = re.compile(rf"^{SHEET_TITLE}\s*\(\d+\)$")  # what Excel names a copied sheet


def _data_sheet(workbook):
    """The worksheet to read, and whether it was found by its name: the one named
    ``SHEET_TITLE`` wherever it is, or the only sheet of a workbook of one. Refused: any
    hidden sheet, a workbook without the data sheet, a copy of it beside it."""
    names = workbook.sheetnames
    problems = []
    for name in names:
        state = getattr(workbook[name], "sheet_state", "visible")
        if state == "veryHidden":
            problems.append(
                f"「{name}」シートが非表示（Excel の「再表示」でも表示できない設定）になっています。"
                f"見えない内容は取り込めません。{FRESH_TEMPLATE}"
            )
        elif state != "visible":
            problems.append(
                f"「{name}」シートが非表示になっています。見えない内容は取り込めません。"
                "シート見出しを右クリックして「再表示」を選び、内容を確かめてから"
                "（使わないシートは削除してから）取り込んでください。"
            )
    found = [ws for ws in workbook.worksheets if _text(ws.title) == SHEET_TITLE]
    copies = [ws.title for ws in workbook.worksheets if _SHEET_COPY.match(_text(ws.title))]
    if found and copies:
        problems.append(
            f"「{SHEET_TITLE}」と「{'」「'.join(copies)}」のどちらを読むか分かりません。"
            f"入力したシートの名前を「{SHEET_TITLE}」にして、ほかのシートは削除してから取り込んでください。"
        )
    by_name = bool(found)
    if not found and len(names) == 1 and workbook.worksheets:
        found = workbook.worksheets
    if not found:
        listed = "".join(f"「{name}」" for name in names[:MAX_LISTED_SHEETS])
        if len(names) > MAX_LISTED_SHEETS:
            listed += f"ほか{len(names) - MAX_LISTED_SHEETS}枚"
        problems.append(
            f"「{SHEET_TITLE}」という名前のシートがありません（このファイルのシート：{listed}）。"
            f"取り込むのは「{SHEET_TITLE}」シートです。ダウンロードした様式の「{SHEET_TITLE}」シートに入力し、"
            "シートの名前を変えずに保存してください。"
        )
    if problems:
        raise FileRejected(*problems)
    return found[0], by_name


def _cell_values(ws, last_row: int) -> tuple[list[tuple], dict[tuple[int, int], str]]:
    """The sheet's values row by row, and the cells whose number format does not show
    their value: (row, column) → the message's description of the cell."""
    values: list[tuple] = []
    unseen: dict[tuple[int, int], str] = {}
    decisions: dict[int, _NumberFormat] = {}  # by number format id
    for r, cells in enumerate(ws.iter_rows(), start=1):
        if r > last_row:
            break
        row = tuple(cell.value for cell in cells)
        values.append(row)
        for cell, value in zip(cells, row, strict=True):
            if value is None or isinstance(value, bool):
                continue
            if not isinstance(value, int | float | str):
                continue  # a date or a time: shown as one by its (date) format
            format_id = cell.style_array.numFmtId
            decision = decisions.get(format_id)
            if decision is None:
                decision = decisions[format_id] = _NumberFormat(cell.number_format)
            if decision.hides(value):
                unseen[(r, cell.column)] = (
                    f"{cell.coordinate} のセルは表示形式（{_shorten(decision.code)}）のため、"
                    f"入っている値（{_shorten(str(value))}）が画面にも印刷にも表示されません。"
                    "表示形式を「標準」に戻して内容を確かめてから取り込んでください。"
                )
    return values, unseen


def _unseen_values(unseen: dict, row: int, columns: list[int]) -> list[str]:
    if not unseen:
        return []
    return [unseen[(row, c)] for c in columns if (row, c) in unseen]


def _shorten(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _NumberFormat:
    """Whether a number format shows a cell's value (Excel's rules, as far as they decide
    that): a format has up to four sections, positive;negative;zero;text (with two, the
    first is for zero and positive numbers; with one, for every number). A number is not
    shown when its section is empty (";;;") or holds no digit, date, time or text code
    (only literal text such as "見込み"), except a zero shown as "-" (the accounting
    dash). A text is not shown when a fourth section has neither "@" nor General.
    Formats with conditions ("[>100]0") are not judged. Decided once per format."""

    _LITERAL = re.compile(r'"[^"]*"?|\\.|_.|\*.')  # quoted text, escapes, padding, fill
    _BRACKET = re.compile(r"\[([^\]]*)\]")
    _SHOWS = re.compile(r"[0#?@]|general|[ymdhsegb]|am/pm|a/p", re.IGNORECASE)
    _DASH = {"-", "－", "‐", "−"}

    def __init__(self, code: str):
        self.code = code or "General"
        sections = self._split(self.code)
        self.judged = sections is not None
        sections = sections or [self.code]
        self.count = len(sections)
        codes = [self._codes(section) for section in sections]
        self.shows = [bool(self._SHOWS.search(c)) for c in codes[:3]]
        self.dash = [self._literal(section) in self._DASH for section in sections[:3]]
        self.shows_text = self.count < 4 or bool(re.search("@|general", codes[3], re.IGNORECASE))

    @classmethod
    def _split(cls, code: str) -> list[str] | None:
        sections, current, quoted, escaped = [], [], False, False
        for character in code:
            if escaped:
                escaped = False
            elif character == "\\" and not quoted:
                escaped = True
            elif character == '"':
                quoted = not quoted
            elif character == ";" and not quoted:
                sections.append("".join(current))
                current = []
                continue
            current.append(character)
        sections.append("".join(current))
        for section in sections:
            for inside in cls._BRACKET.findall(section):
                if inside[:1] in ("<", ">", "="):
                    return None  # a condition: which section applies is not decided here
        return sections

    @classmethod
    def _codes(cls, section: str) -> str:
        """The section without its literal text, padding, fill, colour or locale."""

        def bracket(match):
            inside = match.group(1)
            return inside if re.fullmatch(r"[hms]+", inside, re.IGNORECASE) else ""

        return cls._BRACKET.sub(bracket, cls._LITERAL.sub("", section))

    @classmethod
    def _literal(cls, section: str) -> str:
        """The text a section of literals only shows."""
        shown = re.sub(r'"([^"]*)"?', r"\1", cls._BRACKET.sub("", section))
        return re.sub(r"\\(.)", r"\1", re.sub(r"[_*].", "", shown)).strip()

    def hides(self, value) -> bool:
        if not self.judged:
            return False
        if isinstance(value, str):
            return not self.shows_text
        if self.count == 1 or (self.count == 2 and value >= 0) or value > 0:
            index = 0
        elif value < 0:
            index = 1
        else:
            index = 2
        return not self.shows[index] and not (value == 0 and self.dash[index])


@dataclass
class _Sheet:
    """What the reader checks in a part's XML besides the values."""

    last_row: int = 0  # the number of the last row that has a cell
    merged: list[str] = field(default_factory=list)  # "G2:G3"
    # (first, last, hidden, width or None) of each <col>
    columns: list[tuple[int, int, bool, float | None]] = field(default_factory=list)
    default_width: float | None = None  # of the columns without a <col>
    hidden_rows: set[int] = field(default_factory=set)
    low_rows: dict[int, float] = field(default_factory=dict)  # row → its height, too low to see
    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row, column)

    def row_problem(self, row: int) -> str | None:
        if row in self.hidden_rows:
            return (
                f"{row}行目が非表示になっています。再表示して内容を確かめてから取り込んでください。"
            )
        if row in self.low_rows:
            return (
                f"{row}行目の高さが {_number(self.low_rows[row])} のため、内容が見えません。"
                "行の高さを広げて内容を確かめてから取り込んでください。"
            )
        return None

    def column_problem(self, column: int) -> str | None:
        letter = get_column_letter(column)
        width = self.default_width
        for first, last, hidden, own_width in self.columns:
            if first <= column <= last:
                if hidden:
                    return f"{letter}列が非表示になっています。再表示して内容を確かめてから取り込んでください。"
                width = own_width
                break
        if width is not None and width < MIN_COLUMN_WIDTH:
            return (
                f"{letter}列の幅が {_number(width)} のため、内容が見えません。"
                "列の幅を広げて内容を確かめてから取り込んでください。"
            )
        return None


def _number(value: float) -> str:
    return format(value, "g")


class _Scanner:
    """Sees each start tag of a part (``_scan_part``), builds no tree.

    Refuses a part with more rows or cells than a return can have as soon as it gets
    there; at the end, one with rows out of order or a cell outside its row (which
    openpyxl's read-only mode would read differently from its normal mode).
    """

    def __init__(self):
        self.sheet = _Sheet()
        self.rows = self.cells = 0
        self.row = 0  # the current row's number, as openpyxl numbers it
        self.row_text = ""
        self.anchor = None  # the last cell of the row with a reference ("B5") …
        self.after_anchor = 0  # … and how many cells without one came after it
        self.names: dict[str, str] = {}
        self.broken = False  # refused at the end: the size limits are told first
        self.default_height: float | None = None  # of rows without their own height

    def start(self, tag, attrib):
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = tag.rpartition("}")[2]
        if name == "c":
            self._count_cell()
            self.sheet.last_row = self.row  # rows only go up (or the part is refused)
            ref = attrib.get("r")
            if ref is None:
                self.after_anchor += 1
                return
            letters = ref[: -len(self.row_text)].replace("$", "")
            if (
                ref.endswith(self.row_text)
                and 0 < len(letters) <= 3
                and letters.isascii()
                and letters.isalpha()
            ):
                self.anchor, self.after_anchor = letters, 0
            else:
                self.broken = True
        elif name == "f":
            first = 0 if self.anchor is None else column_index_from_string(self.anchor.upper())
            self.sheet.formulas.add((self.row, first + self.after_anchor))
        elif name == "row":
            self.rows += 1
            if self.rows > MAX_ROWS + 1:
                raise FileRejected(f"行が多すぎます。{MAX_ROWS}行までにしてください。")
            number = _row_number(attrib.get("r"), self.row)
            if number <= self.row:
                self.broken = True
            self.row, self.row_text = number, str(number)
            self.anchor, self.after_anchor = None, 0
            if _true(attrib.get("hidden")):
                self.sheet.hidden_rows.add(number)
            height = attrib.get("ht")
            height = self.default_height if height is None else float(height)
            if height is not None and not height >= MIN_ROW_HEIGHT:
                self.sheet.low_rows[number] = height
        elif name == "si":
            self._count_cell()
        elif name == "mergeCell":
            self._count_cell()
            self.sheet.merged.append(attrib.get("ref", ""))
        elif name == "col":
            self._count_cell()
            first = int(attrib.get("min") or 0)
            width = attrib.get("width")
            self.sheet.columns.append(
                (
                    first,
                    int(attrib.get("max") or 0) or first,
                    _true(attrib.get("hidden")),
                    None if width is None else float(width),
                )
            )
        elif name == "sheetFormatPr":
            # 「再表示しない行」: every row without its own height is hidden (zeroHeight).
            if _true(attrib.get("zeroHeight")):
                self.default_height = 0.0
            elif _true(attrib.get("customHeight")) and attrib.get("defaultRowHeight"):
                self.default_height = float(attrib["defaultRowHeight"])
            if attrib.get("defaultColWidth") is not None:
                self.sheet.default_width = float(attrib["defaultColWidth"])

    def _count_cell(self):
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise FileRejected("ファイルの中身が大きすぎます。行や列を減らしてください。")

    def close(self) -> _Sheet:
        if self.broken:
            raise ValueError("rows out of order, or a cell outside its row")
        return self.sheet


def _row_number(text: str | None, previous: int) -> int:
    """A row's number as openpyxl reads it: "5" or "5.0"; the next one when it has none."""
    if text is None:
        return previous + 1
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise
        return int(number)


def _true(text: str | None) -> bool:
    """An XML boolean attribute as openpyxl reads it (hidden="1", "true")."""
    return bool(text) and text not in ("false", "f", "0")


def _scan_parts(archive: zipfile.ZipFile) -> dict[str, _Sheet]:
    """Every XML part, scanned before openpyxl reads any (zip bombs are refused here)."""
    return {
        info.filename: _scan_part(archive, info.filename)
        for info in archive.infolist()
        if info.filename.endswith(".xml")
    }


def _scan_part(archive: zipfile.ZipFile, name: str) -> _Sheet:
    """One part through expat, refusing entities as defusedxml does (openpyxl's own
    parser): no entity declaration (a billion laughs), no external entity."""
    scanner = _Scanner()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = scanner.start
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    with archive.open(name) as part:
        parser.ParseFile(part)
    return scanner.close()


def _refuse_entity(*args):
    raise ValueError("entities are not allowed in a spreadsheet")


def _read_csv(data: bytes, filename: str) -> Table:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
        # Excel's 「Unicode テキスト」 is UTF-16 with a byte order mark.
        raise FileRejected(
            "UTF-16・UTF-32（Unicode テキスト）の CSV は読めません。"
            "UTF-8（BOM付き可）か Shift_JIS（cp932）の CSV で保存してください。"
        )
    if b"\x00" in data:
        raise FileRejected(
            "表計算のファイルではありません。ダウンロードした様式（.xlsx）か CSV ファイルを選んでください。"
        )
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejected(
            "CSV の文字コードを読み取れません。UTF-8（BOM付き可）か Shift_JIS（cp932）で保存してください。"
        )
    # csv's field limit is process-wide and other libraries raise it (frictionless does):
    # set Python's default again, so that an oversized cell is always refused here.
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise FileRejected("CSV として読めません。区切り文字はカンマにしてください。") from None
    if not any(any(cell.strip() for cell in record) for record in records):
        raise FileRejected("ファイルが空です。")
    if len(records) - 1 > MAX_ROWS:
        raise FileRejected(
            f"行が多すぎます（{len(records) - 1}行）。{MAX_ROWS}行までにしてください。"
        )
    known = _normalised_required()
    if not any(_header(cell) in known for cell in records[0]):
        raise FileRejected(
            "1行目の見出しを読み取れません。文字コード（UTF-8 か Shift_JIS）と区切り文字（カンマ）を"
            "確かめて、ダウンロードした様式の見出し行のまま保存してください。"
        )
    positions = _check_headers(records[0], filename)
    letters = {h: get_column_letter(i + 1) for h, i in positions.items()}
    rows = []
    for number, record in enumerate(records[1:], start=2):
        raw = {h: (record[i] if i < len(record) else None) for h, i in positions.items()}
        raw = {h: (None if v is None or v.strip() == "" else v) for h, v in raw.items()}
        if _is_empty(raw):
            continue
        rows.append((number, raw))
    if not rows:
        raise FileRejected("データの行がありません（見出し行だけです）。")
    return Table(filename=filename, headers=list(positions), rows=rows, letters=letters)


def _is_empty(raw: dict) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in raw.values())


# --- resolving rows to the return's lines ------------------------------------------------


@dataclass
class PreviewRow:
    row: int
    line: Line | None = None
    entry: Entry | None = None
    state: str = ERROR
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    old: object = None
    new: object = None
    raw_label: str = ""
    conflict: bool = False

    @property
    def label(self) -> str:
        return self.line.label if self.line is not None else self.raw_label

    @property
    def state_label(self) -> str:
        return OUTCOME_LABELS[self.state]


@dataclass
class Preview:
    filename: str
    rows: list[PreviewRow]
    value_column: str = ""  # the letter of 「値（入力）」 in the file
    sheet: str = ""  # the sheet read, for a workbook

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r.state == ERROR)

    @property
    def entries(self) -> list[Entry]:
        return [r.entry for r in self.rows if r.entry is not None]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def conflict(self) -> bool:
        return any(r.conflict for r in self.rows)

    @property
    def writes(self) -> int:
        return sum(1 for r in self.rows if r.state in ("new", "changed"))

    def messages(self) -> list[str]:
        return [f"{r.row}行目 {m}" for r in self.rows for m in r.errors]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _int(value) -> int | None:
    """An ID or year cell: 12, 12.0, "12", "１２" → 12; blank → None; else ValueError."""
    text = _text(value)
    if text == "":
        return None
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def _code(value) -> str:
    """A municipality code, also when Excel turned 063614 into the number 63614."""
    text = _text(value)
    if text.isdigit() and len(text) < 6:
        text = text.zfill(6)
    return text


def preview_upload(*, table: Table, annual_return: AnnualReturn, user) -> Preview:
    """Every row of an upload as new / changed / unchanged / error, with old → new."""
    rows: list[PreviewRow] = []
    resolved: list[PreviewRow] = []
    for number, raw in table.rows:
        row = PreviewRow(row=number)
        rows.append(row)
        _resolve(row, raw, table, annual_return)
        if not row.errors:
            resolved.append(row)
    outcomes = evaluate(user=user, annual_return=annual_return, entries=[r.entry for r in resolved])
    for row, outcome in zip(resolved, outcomes, strict=True):
        row.state = outcome.state
        row.errors += [f"{_where(table, VALUE, row.row)}: {e}" for e in outcome.errors]
        row.warnings += outcome.warnings
        row.old, row.new = outcome.old, outcome.new
        row.conflict = outcome.conflict
    return Preview(
        filename=table.filename,
        rows=rows,
        value_column=table.letters.get(VALUE, ""),
        sheet=table.sheet,
    )


def _where(table: Table | None, header: str, row: int) -> str:
    """Where a message points: 「5行目・O列「値（入力）」」."""
    letter = table.letters.get(header) if table is not None else None
    return f"{row}行目・{letter}列「{header}」" if letter else f"{row}行目「{header}」"


def _resolve(row: PreviewRow, raw: dict, table: Table, ret: AnnualReturn) -> None:
    def error(header: str, message: str) -> None:
        row.errors.append(f"{_where(table, header, row.row)}: {message}")

    kind_text = _text(raw.get(KIND))
    kind = LABEL_KINDS.get(kind_text)
    if kind is None:
        error(
            KIND, f"「{kind_text}」は使えません。「予算」「決算」「実績」のどれかにしてください。"
        )

    code = _code(raw.get(CODE))
    expected = "" if ret.reporter is None else ret.reporter.code
    if code != expected:
        other = Municipality.objects.filter(code=code).first() if code else None
        if other is not None:
            error(
                CODE,
                f"他の市町村（{other.name} {other.code}）の行です。{ret.name}の行だけ取り込めます。",
            )
        elif code:
            error(CODE, f"「{code}」は圏域の市町村のコードではありません。")
        else:
            error(CODE, f"空欄です。{ret.name}のコード {expected} を入れてください。")

    try:
        year = _int(raw.get(YEAR))
    except ValueError as exc:
        year = None
        error(YEAR, f"「{exc}」は年度（西暦の数字）として読めません。")
    else:
        if year != ret.fiscal_year:
            shown = "空欄" if year is None else f"{year}年度"
            error(
                YEAR,
                f"この年度報告は {fiscal_year_label(ret.fiscal_year)} です（{shown}の行は取り込めません）。",
            )
    if ret.reporting_year.is_locked:
        error(YEAR, f"{fiscal_year_label(ret.fiscal_year)}は締め済みのため取り込めません。")

    program_id = kpi_id = None
    try:
        program_id = _int(raw.get(PROGRAM_ID))
    except ValueError as exc:
        error(PROGRAM_ID, f"「{exc}」は事業IDとして読めません（数字で入れてください）。")
    try:
        kpi_id = _int(raw.get(KPI_ID))
    except ValueError as exc:
        error(KPI_ID, f"「{exc}」は指標IDとして読めません（数字で入れてください）。")

    line = None
    if kind == LineKind.ACTUAL:
        if kpi_id is None:
            if not any(e for e in row.errors if KPI_ID in e):
                error(KPI_ID, "実績の行には指標IDが必要です。")
        else:
            line = ret.line(kpi_key(kpi_id))
            if line is None:
                kpi = KPI.objects.filter(
                    pk=kpi_id, program__item__category__policy_field__vision=ret.vision
                ).first()
                if kpi is None:
                    error(KPI_ID, f"指標ID {kpi_id} の成果指標はありません。")
                else:
                    row.raw_label = kpi.name
                    error(
                        KPI_ID, f"成果指標「{kpi.name}」は{ret.name}が報告する指標ではありません。"
                    )
            elif program_id is not None and program_id != line.program.pk:
                error(PROGRAM_ID, f"指標ID {kpi_id} は事業ID {line.program.pk} の指標です。")
    elif kind is not None:
        if kpi_id is not None:
            error(KPI_ID, "予算・決算の行には指標IDを入れません。")
        if program_id is None:
            if not any(e for e in row.errors if PROGRAM_ID in e):
                error(PROGRAM_ID, "事業IDが空欄です。")
        else:
            line = ret.line(share_key(kind, program_id))
            if line is None:
                program = Program.objects.filter(
                    pk=program_id, item__category__policy_field__vision=ret.vision
                ).first()
                if program is None:
                    error(PROGRAM_ID, f"事業ID {program_id} の連携事業はありません。")
                else:
                    row.raw_label = program.name
                    error(
                        PROGRAM_ID,
                        f"連携事業「{program.name}」は{ret.name}が負担額を報告する事業ではありません。",
                    )
    row.line = line
    if line is None:
        return

    value = None
    try:
        value = parse_entry_value(raw.get(VALUE), line=line)
    except NumberFormatError as exc:
        error(VALUE, _date_problem(raw.get(VALUE)) or str(exc))
    comment = None
    if COMMENT in table.headers:
        comment = "" if raw.get(COMMENT) is None else str(raw.get(COMMENT)).strip()
        problem = text_problem(comment, label="コメント", limit=MAX_COMMENT)
        if problem:
            error(COMMENT, problem)
    version = None
    if VERSION in table.headers:
        try:
            version = _int(raw.get(VERSION))
        except ValueError as exc:
            error(VERSION, f"「{exc}」は版として読めません。様式の値を変えないでください。")
    if version is None and not row.errors and _overwrites(line, value, comment):
        # Without the version the file saw, a change made after the file was written
        # (by somebody else, or on the screen) would be overwritten unnoticed.
        if VERSION in table.headers:
            error(
                VERSION,
                "「版」が空欄のため、すでに値やコメントが入っている行は変更できません"
                f"（ほかの人が後から変えた値を消さないためです）。{FRESH_TEMPLATE}",
            )
        else:
            error(
                VALUE,
                "このファイルには「版」の列がないため、すでに値やコメントが入っている行は変更できません"
                f"（ほかの人が後から変えた値を消さないためです）。{FRESH_TEMPLATE}",
            )
    if not row.errors:
        row.entry = Entry(key=line.key, value=value, comment=comment, version=version, row=row.row)


def _overwrites(line: Line, value, comment: str | None) -> bool:
    """Whether a row would change a figure that already holds something: a value, an
    approved value or a comment (a line with no figure, or an empty one, does not)."""
    figure = line.figure
    if figure is None:
        return False
    holds = (
        figure.working_value is not None
        or figure.public_value is not None
        or bool(figure.comment.strip())
    )
    changes = value != line.value or (comment is not None and comment != line.comment)
    return holds and changes


# 2025/4/1, 2025-04-01, 2025/4; R7.4.1, 令和7年4月1日, 2025年4月, 4月1日 (after NFKC)
_ERA = r"(?:令和|平成|昭和|[RHS])"
_DATE_TEXT = re.compile(
    r"^(?:\d{4}(?:[/-]\d{1,2}(?:[/-]\d{1,2})?|\.\d{1,2}\.\d{1,2})"
    rf"|{_ERA}\s*(?:\d{{1,2}}|元)[./-]\d{{1,2}}(?:[./-]\d{{1,2}})?"
    rf"|{_ERA}\s*(?:\d{{1,2}}|元)\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?)?"
    r"|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$",
    re.IGNORECASE,
)


def _date_problem(raw) -> str | None:
    """The message for a date (or a time) where a number belongs, or None."""
    fix = "値（数字）を入れてください。"
    if isinstance(raw, datetime.datetime | datetime.date):
        shown = f"{raw.year}/{raw.month}/{raw.day}"
        if isinstance(raw, datetime.datetime) and (raw.hour, raw.minute, raw.second) != (0, 0, 0):
            shown += f" {raw.hour}:{raw.minute:02}"
        return (
            f"日付（{shown}）が入っています。{fix}数字を入れても日付になるときは、"
            "セルの表示形式を「標準」か「数値」に戻してから入力し直してください。"
        )
    if isinstance(raw, datetime.time | datetime.timedelta):
        return (
            f"時刻（{raw}）が入っています。{fix}"
            "セルの表示形式を「標準」か「数値」に戻してから入力し直してください。"
        )
    if isinstance(raw, str) and _DATE_TEXT.match(_text(raw)):
        return f"日付（{raw.strip()}）が入っています。{fix}"
    return None
