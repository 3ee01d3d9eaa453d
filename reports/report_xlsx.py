"""The progress report as an Excel workbook (openpyxl), formatted for printing.

- a summary sheet (概要): KPI results per policy field, cost totals per field and the
  reporting status per town;
- one sheet per policy field: one long table (one row per town's cost share, per
  schedule task and per KPI) with a single header row, repeated on every printed
  page, an autofilter, frozen panes, no merged cells;
- columns as wide as their content (full-width text counted double, long text wrapped,
  rows as tall as their lines), landscape, page numbers in the footer and no page
  header (it printed over the title row); the summary on A4, a policy field's table
  on A3 when A4 would shrink it below 7 pt (see ``_field_sheet``);
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
from core.xlsx_export import fit_columns, fit_rows, put, row_height, set_print_layout, wrap
from kpis.progress import round1
from programs.models import CostShare
from reports.report import KINDS, NOT_EVALUATED, ProgressReport
from returns.annual import STATE_LABELS

FONT_NAME = "游ゴシック"
SIZE = 10  # the tables' font size (the title is 14)
FOOTER = "&P / &N ページ"
KYEN_FORMAT = "#,##0"
RATE_FORMAT = "0.0"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
FONT = Font(name=FONT_NAME, size=SIZE)
BOLD = Font(name=FONT_NAME, size=SIZE, bold=True)
TITLE_SIZE = 14
TITLE = Font(name=FONT_NAME, size=TITLE_SIZE, bold=True)
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
    _evaluation_sheet(workbook.create_sheet("事業評価"), report)
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
    headers, first = [row], row
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
    tables = [range(first, row + 1)]

    row += 2
    ws.cell(row=row, column=1, value="2. 事業費（政策分野別・承認済みの値・千円）").font = BOLD
    row += 1
    _header(ws, row, ["政策分野", "事業数", *[f"{CostShare.Kind(k).label}（千円）" for k in KINDS]])
    headers.append(row)
    first = row
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
    tables.append(range(first, row + 1))

    row += 2
    ws.cell(row=row, column=1, value="3. 報告の状況（市町村別・値の件数）").font = BOLD
    row += 1
    states = [state for state, _label in report.states]
    _header(
        ws,
        row,
        ["報告する市町村", "報告する値（件）", *[STATE_LABELS[s] for s in states], "報告率（%）"],
    )
    headers.append(row)
    first = row
    for item in [*report.completeness, report.completeness_total]:
        row += 1
        _data_row(
            ws,
            row,
            [item.name, item.due, *[item.counts.get(s, 0) for s in states], _number(item.rate)],
            formats={len(states) + 3: RATE_FORMAT},
            total=item is report.completeness_total,
        )
    tables.append(range(first, row + 1))
    for number, title, columns, name, total in (
        (4, "事業評価", report.evaluation_columns, "evaluation_counts", report.evaluation_counts),
        (5, "今後の方向性", report.direction_columns, "direction_counts", report.direction_counts),
    ):
        row += 2
        ws.cell(row=row, column=1, value=f"{number}. {title}（政策分野別・事業の数）").font = BOLD
        row += 1
        _header(ws, row, ["政策分野", *[label for _key, label in columns], "計"])
        headers.append(row)
        first = row
        for section in report.fields:
            row += 1
            counts = getattr(section, name)
            _data_row(
                ws,
                row,
                [section.name, *[counts.get(key, 0) for key, _l in columns], len(section.programs)],
            )
        row += 1
        _data_row(
            ws,
            row,
            ["計", *[total.get(key, 0) for key, _l in columns], report.program_count],
            total=True,
        )
        tables.append(range(first, row + 1))
    row += 2
    ws.cell(row=row, column=1, value="報告率＝（提出済み＋承認済み）÷報告する値×100。").font = FONT
    row += 1
    ws.cell(row=row, column=1, value=report.formula).font = FONT
    rows = [r for table in tables for r in table]
    fit_columns(ws, rows, font_size=SIZE, limits={1: (20, 44)}, header_rows=headers)
    # The notes (under the title and under the tables) are longer than the tables are
    # wide: they wrap in the first column rather than run past the printed page's edge.
    notes = [3, row - 1, row]
    for note in notes:
        wrap(ws.cell(row=note, column=1))
    fit_rows(ws, [r for r in rows if r not in headers] + notes, font_size=SIZE)
    fit_rows(ws, headers, font_size=SIZE, always=True)
    # Three small tables: one A4 page where that prints at 7 pt or more, else one page wide;
    # no repeated header row (it would belong to one table only).
    set_print_layout(ws, font_size=SIZE, one_page=True, footer=FOOTER)


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
    # Text columns up to a cap, then wrapped; numbers as wide as they show (never cut).
    text_limits = {1: (8, 18), 2: (8, 22), 3: (6, 12), 4: (10, 26), 8: (4, 8)}
    text_limits.update({target_col + 5: (6, 14), target_col + 6: (8, 24)})
    fit_columns(
        ws,
        range(header_row, row + 1),
        font_size=SIZE,
        max_width=10,
        limits=text_limits,
        header_rows=[header_row],
    )
    fit_rows(ws, range(header_row + 1, row + 1), font_size=SIZE)
    fit_rows(ws, [header_row], font_size=SIZE, always=True)
    # 17 columns and one per year of actuals (R7 … R12: up to 23) are too wide for A4: fitted
    # to its width the plan's tables printed at about 5 pt. set_print_layout keeps A4 only
    # where the table still prints at 7 pt or more, and otherwise fits it to A3 landscape
    # (the paper offices print wide tables on: the plan's tables print there at 8-10 pt).
    # Should the years ever make even A3 too small, the columns split over pages at 7 pt,
    # 事業名・区分・市町村・指標 repeated at the left of each page.
    set_print_layout(
        ws,
        font_size=SIZE,
        title_rows=f"{header_row}:{header_row}",
        title_cols="B:D",
        footer=FOOTER,
    )


# ---------------------------------------------------------------------------
# The yearly evaluation: one row per program


EVALUATION_HEADERS = [
    "政策分野",
    "連携事業",
    "評価",
    "今後の方向性",
    "方向性の理由",
    "実施内容",
    "成果",
    "課題",
    "要因分析・改善策（成果指標ごと）",
    "取組状況（市町村ごと）",
    "懇談会の意見と考え方・対応",
]


def _evaluation_sheet(ws: Worksheet, report: ProgressReport) -> None:
    """Every program of the year with its approved evaluation (未評価 where none is
    approved), the towns' 取組状況 and the 懇談会's opinions on it; then the opinions on
    a policy field or the whole vision."""
    _title(ws, report, "事業評価")
    row = 4  # the header row, as on the policy fields' sheets
    _header(ws, row, EVALUATION_HEADERS)
    header, first = row, row
    for section in report.fields:
        for p in section.programs:
            row += 1
            e = p.evaluation
            opinions = "\n".join(f"{o.meeting}：{o.text}\n→ {o.response}" for o in p.opinions)
            activities = "\n".join(f"{town}：{text}" for town, text in p.activities)
            if e is None:
                values = [section.name, p.program.name, NOT_EVALUATED, *[""] * 6]
            else:
                analyses = "\n".join(
                    f"{name}：{cause}\n→ {remedy}" for name, cause, remedy in e.analyses
                )
                values = [
                    section.name,
                    p.program.name,
                    e.rating,
                    e.direction_label,
                    e.direction_reason,
                    e.done,
                    e.results,
                    e.issues,
                    analyses,
                ]
            _data_row(ws, row, [*values, activities, opinions])
    others = [(section.name, o) for section in report.fields for o in section.opinions]
    others += [("ビジョン全体", o) for o in report.opinions]
    for subject, o in others:
        row += 1
        _data_row(ws, row, [subject, "", *[""] * 8, f"{o.meeting}：{o.text}\n→ {o.response}"])
    text_column = (12, 40)
    fit_columns(
        ws,
        range(first, row + 1),
        font_size=SIZE,
        limits={1: (14, 24), 2: (16, 30), **{c: text_column for c in range(5, 12)}},
        header_rows=[header],
    )
    fit_rows(ws, range(first + 1, row + 1), font_size=SIZE)
    fit_rows(ws, [header], font_size=SIZE, always=True)
    set_print_layout(
        ws, font_size=SIZE, title_rows=f"{header}:{header}", title_cols="A:B", footer=FOOTER
    )


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
    ws.row_dimensions[1].height = row_height(1, TITLE_SIZE)


def _header(ws: Worksheet, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        put(cell, value)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = HEADER_ALIGN


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


def _date(value) -> str:
    value = timezone.localtime(value)
    return f"{value.year}年{value.month}月{value.day}日"
