"""The progress report as an Excel workbook (openpyxl), formatted for printing.

- a summary sheet (概要): KPI results per policy field, cost totals per field and the
  reporting status per town;
- one sheet per policy field: one long table (one row per town's cost share, per
  schedule task and per KPI) with a single header row, repeated on every printed
  page, an autofilter, frozen panes, no merged cells;
- A4 landscape, fit to one page wide, page numbers in the footer;
- numbers are stored as numbers (千円 amounts as integers with ``#,##0``, KPI values
  and rates as numbers); a blank cell is a missing value, never 0.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.japanese import fiscal_year_short
from core.xlsx_export import put
from kpis.progress import round1
from programs.models import CostShare
from reports.report import KINDS, ProgressReport
from returns.annual import STATE_LABELS

FONT_NAME = "游ゴシック"
KYEN_FORMAT = "#,##0"
RATE_FORMAT = "0.0"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
FONT = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
TITLE = Font(name=FONT_NAME, size=14, bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

SHARE_ROW, SHARE_TOTAL, STATED_TOTAL = "負担額", "負担額の合計", "事業費見込の計（記載）"
PARTICIPANTS, SCHEDULE, KPI_ROW = "関係市町村", "実施スケジュール", "成果指標"


def render_xlsx(report: ProgressReport) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    summary.title = "概要"
    _summary_sheet(summary, report)
    for section in report.fields:
        _field_sheet(workbook.create_sheet(_sheet_title(section.name)), report, section)
    workbook.properties.title = report.title
    workbook.properties.creator = "mogami-vision"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str) -> str:
    for char in "[]:*?/\\":
        name = name.replace(char, "・")
    return name[:31]


# ---------------------------------------------------------------------------
# Summary


def _summary_sheet(ws: Worksheet, report: ProgressReport) -> None:
    _title(ws, report, "概要")
    row = 5
    ws.cell(row=row, column=1, value="1. 成果指標の評価（政策分野別・指標の数）").font = BOLD
    row += 1
    _header(ws, row, ["政策分野", *[b.label for b in report.buckets], "計"])
    for section in report.fields:
        row += 1
        _data_row(
            ws,
            row,
            [
                section.name,
                *[section.counts.get(b.key, 0) for b in report.buckets],
                section.kpi_count,
            ],
        )
    row += 1
    totals = report.total_counts
    _data_row(
        ws, row, ["計", *[totals[b.key] for b in report.buckets], report.kpi_count], total=True
    )

    row += 2
    ws.cell(row=row, column=1, value="2. 事業費（政策分野別・承認済みの値・千円）").font = BOLD
    row += 1
    _header(ws, row, ["政策分野", "事業数", *[f"{CostShare.Kind(k).label}（千円）" for k in KINDS]])
    for section in report.fields:
        row += 1
        _data_row(
            ws,
            row,
            [section.name, len(section.programs), *[section.totals[k].cell for k in KINDS]],
            formats={3: KYEN_FORMAT, 4: KYEN_FORMAT, 5: KYEN_FORMAT},
        )
    row += 1
    _data_row(
        ws,
        row,
        ["計", report.program_count, *[report.grand_totals[k].cell for k in KINDS]],
        formats={3: KYEN_FORMAT, 4: KYEN_FORMAT, 5: KYEN_FORMAT},
        total=True,
    )

    row += 2
    ws.cell(row=row, column=1, value="3. 報告の状況（市町村別・値の件数）").font = BOLD
    row += 1
    states = [state for state, _label in report.states]
    _header(
        ws,
        row,
        ["報告する市町村", "報告する値（件）", *[STATE_LABELS[s] for s in states], "報告率（%）"],
    )
    for item in [*report.completeness, report.completeness_total]:
        row += 1
        _data_row(
            ws,
            row,
            [item.name, item.due, *[item.counts.get(s, 0) for s in states], _number(item.rate)],
            formats={len(states) + 3: RATE_FORMAT},
            total=item is report.completeness_total,
        )
    row += 2
    ws.cell(row=row, column=1, value="報告率＝（提出済み＋承認済み）÷報告する値×100。").font = FONT
    row += 1
    ws.cell(row=row, column=1, value=report.formula).font = FONT
    _widths(ws, {1: 34, **{c: 13 for c in range(2, 12)}})
    # Three small tables on one page: no repeated header row (it would belong to one table only).
    _page_setup(ws, report, None, landscape=True)
    ws.page_setup.fitToHeight = 1


# ---------------------------------------------------------------------------
# One sheet per policy field


def _field_sheet(ws: Worksheet, report: ProgressReport, section) -> None:
    _title(ws, report, section.name)
    years = report.years
    y = report.year_short
    headers = [
        "取組項目",
        "事業名",
        "区分",
        "市町村・指標・事業項目",
        *[f"{CostShare.Kind(k).label}（千円）" for k in KINDS],
        "単位",
        "現状値",
        "現状値の年度",
        *[f"{fiscal_year_short(year)}実績" for year in years],
        f"目標値（{y}に適用）",
        "目標年度",
        "達成率（%）",
        f"{y}の見込み（%）",
        "見込みに対する進捗（%）",
        "評価",
        "備考",
    ]
    header_row = 4
    _header(ws, header_row, headers)
    kyen_cols = {5, 6, 7}
    first_actual = 11
    target_col = first_actual + len(years)
    rate_cols = {target_col + 2, target_col + 3, target_col + 4}
    row = header_row
    for program_section in section.programs:
        program = program_section.program
        item = f"{program.item.number} {program.item.title}"
        lead = [item, program.name]
        row += 1
        _data_row(ws, row, [*lead, PARTICIPANTS, program_section.participants_text])
        for share in program_section.shares:
            row += 1
            _data_row(
                ws,
                row,
                [*lead, SHARE_ROW, share.municipality.name, *[share.amounts[k] for k in KINDS]],
                formats=dict.fromkeys(kyen_cols, KYEN_FORMAT),
            )
        row += 1
        _data_row(
            ws,
            row,
            [
                *lead,
                SHARE_TOTAL,
                "各市町村の合計",
                *[program_section.totals[k].cell for k in KINDS],
            ],
            formats=dict.fromkeys(kyen_cols, KYEN_FORMAT),
            total=True,
        )
        if program_section.stated_total is not None:
            row += 1
            _data_row(
                ws,
                row,
                [*lead, STATED_TOTAL, "計（ビジョン記載）", program_section.stated_total],
                formats={5: KYEN_FORMAT},
                total=True,
            )
        for task in program_section.tasks:
            row += 1
            values = [*lead, SCHEDULE, task.title] + [None] * (len(headers) - 5)
            values.append(f"{y}: {task.text}")
            _data_row(ws, row, values)
        for kpi_row in program_section.kpis:
            kpi = kpi_row.kpi
            row += 1
            note = kpi.note
            if kpi_row.target_changed:
                note = f"{note} ※{y}はビジョン変更前の目標値で評価".strip()
            values = [
                *lead,
                KPI_ROW,
                kpi.name,
                None,
                None,
                None,
                kpi.unit,
                _number(kpi.baseline),
                fiscal_year_short(kpi.baseline_year) if kpi.baseline_year else None,
                *[_number(cell.value) if cell.value is not None else (cell.note or None)
                  for cell in kpi_row.actuals],
                _number(kpi_row.target),
                fiscal_year_short(kpi_row.target_year) if kpi_row.target_year else None,
                _number(kpi_row.rate),
                _number(kpi_row.expected),
                _number(kpi_row.progress_percent),
                kpi_row.result,
                note,
            ]  # fmt: skip
            formats = dict.fromkeys(rate_cols, RATE_FORMAT)
            for col in [9, *range(first_actual, target_col + 1)]:
                formats[col] = _value_format(values[col - 1])
            _data_row(ws, row, values, formats=formats)
    if row > header_row:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{row}"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=5)
    widths = {1: 22, 2: 26, 3: 12, 4: 30, 5: 12, 6: 12, 7: 12, 8: 7, 9: 10, 10: 8}
    for col in range(first_actual, target_col):
        widths[col] = 10
    widths.update(
        {
            target_col: 11,
            target_col + 1: 8,
            target_col + 2: 9,
            target_col + 3: 9,
            target_col + 4: 10,
            target_col + 5: 16,
            target_col + 6: 30,
        }
    )
    _widths(ws, widths)
    _page_setup(ws, report, f"{header_row}:{header_row}", landscape=True)


# ---------------------------------------------------------------------------
# Cells


def _title(ws: Worksheet, report: ProgressReport, subtitle: str) -> None:
    as_of = "−" if report.as_of is None else _date(report.as_of)
    lines = [
        (f"{report.title}（{subtitle}）", TITLE),
        (f"承認済みの数値のみ（最終承認 {as_of}）　作成 {_date(report.generated_at)}", FONT),
        (report.note, FONT),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        put(cell, text)
        cell.font = font


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        put(cell, value)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = HEADER_ALIGN
    ws.row_dimensions[row].height = 36


def _data_row(ws, row, values, *, formats=None, total=False) -> None:
    formats = formats or {}
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        put(cell, value)  # names and notes typed by people stay text
        cell.font = BOLD if total else FONT
        cell.border = BORDER
        cell.alignment = WRAP
        if total:
            cell.fill = TOTAL_FILL
        if col in formats and isinstance(value, int | float):
            cell.number_format = formats[col]


def _number(value):
    """A Decimal as an int or float Excel stores as a number; None stays blank."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(round1(value) if value.as_tuple().exponent < -2 else value)
    return value


def _value_format(value) -> str:
    if isinstance(value, float):
        return "#,##0.0#"
    return KYEN_FORMAT


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _page_setup(ws: Worksheet, report: ProgressReport, title_rows: str | None, *, landscape: bool):
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.left.text = report.title
    ws.oddHeader.left.size = 9
    ws.oddFooter.center.text = "&P / &N ページ"
    ws.oddFooter.center.size = 9
    ws.oddFooter.right.text = "&A"
    ws.oddFooter.right.size = 9


def _date(value) -> str:
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"
