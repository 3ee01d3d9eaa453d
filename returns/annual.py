"""The annual return (年度報告): what one reporter owes for one fiscal year.

``build_return`` lists every figure due (a *line*), with its current figure
and the context an officer needs beside the input (unit, last year's value,
the plan estimate, baseline and target). ``evaluate`` checks proposed values
for a return without saving anything: the annual return form, the spreadsheet
preview and the confirm step all use it, and ``returns.services`` saves only
what it accepts. ``completeness`` counts the statuses of every return of a year.

Which figures are due, and who may see or change them, is decided in
``returns.permissions``; this module only arranges them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models

from core.japanese import NumberFormatError, format_number, parse_number
from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from programs.models import CostShare, Program
from returns import permissions
from vision.models import ReportingYear, Vision

AREA_CODE = "area"
AREA_NAME = "圏域（事務局入力）"
SHARE_UNIT = "千円"


class LineKind(models.TextChoices):
    """What a line of a return asks for: a cost share (budget, settlement) or a KPI actual."""

    BUDGET = CostShare.Kind.BUDGET.value, CostShare.Kind.BUDGET.label
    SETTLEMENT = CostShare.Kind.SETTLEMENT.value, CostShare.Kind.SETTLEMENT.label
    ACTUAL = "actual", "実績"


LABEL_KINDS = {kind.label: kind.value for kind in LineKind}

# Units whose values can never be negative (counts and amounts). Other KPIs
# (percentages, unit-less indicators) only get a warning for a negative value.
NON_NEGATIVE_UNITS = {
    "人", "千人", "回", "件", "社", "本", "所", "か所", "箇所", "施設", "団体", "戸",
    "世帯", "台", "店", "校", "園", "組", "t", "kg", "千円", "円",
}  # fmt: skip
MAX_ABS_VALUE = Decimal("999999999999")  # 12 digits: fits every figure column
MAX_COMMENT = 1000  # characters of an officer's comment
MAX_RETURN_REASON = 500  # characters of the secretariat's reason for returning a figure

# Control characters other than tab and line breaks: NUL cannot be stored in PostgreSQL,
# and none of them can be written into the officer's .xlsx template.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LineState(models.TextChoices):
    """A line's state: no figure yet (未着手), or its figure's status."""

    NOT_STARTED = "not_started", "未着手"
    DRAFT = FigureStatus.DRAFT.value, FigureStatus.DRAFT.label
    SUBMITTED = FigureStatus.SUBMITTED.value, FigureStatus.SUBMITTED.label
    RETURNED = FigureStatus.RETURNED.value, FigureStatus.RETURNED.label
    APPROVED = FigureStatus.APPROVED.value, FigureStatus.APPROVED.label


NOT_STARTED = LineState.NOT_STARTED
LINE_STATES = LineState.choices
STATE_LABELS = dict(LINE_STATES)
# A symbol beside every status label: status is never conveyed by colour alone.
STATE_SYMBOLS = {
    NOT_STARTED: "□",
    FigureStatus.DRAFT: "✎",
    FigureStatus.SUBMITTED: "→",
    FigureStatus.RETURNED: "↩",
    FigureStatus.APPROVED: "✔",
}


def reporter_code(reporter: Municipality | None) -> str:
    return AREA_CODE if reporter is None else reporter.code


def reporter_name(reporter: Municipality | None) -> str:
    return AREA_NAME if reporter is None else reporter.name


def text_problem(text: str, *, label: str, limit: int) -> str | None:
    """Why a typed or imported text (a comment, a reason) cannot be kept; None if it can."""
    if len(text) > limit:
        return f"{label}は{limit}文字までにしてください。"
    if _CONTROL_CHARACTERS.search(text):
        return f"{label}に使えない制御文字が含まれています。削除してから入力し直してください。"
    if "\ufffd" in text:  # what bytes that were not UTF-8 became on the way in
        return (
            f"{label}に読み取れない文字（文字化け）が含まれています。"
            "文字を確かめて入力し直してください。"
        )
    return None


@dataclass
class Line:
    """One figure due on a return."""

    key: str
    kind: str  # a LineKind
    program: Program
    kpi: KPI | None
    municipality: Municipality | None  # the figure's own municipality field
    fiscal_year: int
    figure: CostShare | KPIActual | None = None
    last_year: Decimal | int | None = None
    last_year_approved: bool = True
    plan_kyen: int | None = None

    def __post_init__(self):
        self.attach(self.figure)

    def attach(self, figure: CostShare | KPIActual | None) -> None:
        """Make ``figure`` this line's (None: nothing saved yet), with its program or KPI
        and its town taken from the line: reading them (permissions do, for every
        figure) then costs no query per figure."""
        if figure is not None:
            if self.kpi is None and figure.program_id == self.program.pk:
                figure.program = self.program
            if self.kpi is not None and figure.kpi_id == self.kpi.pk:
                figure.kpi = self.kpi
            if figure.municipality_id == (self.municipality and self.municipality.pk):
                figure.municipality = self.municipality
        self.figure = figure

    @property
    def is_share(self) -> bool:
        return self.kpi is None

    @property
    def kind_label(self) -> str:
        return LineKind(self.kind).label

    @property
    def name(self) -> str:
        return self.program.name if self.kpi is None else self.kpi.name

    @property
    def label(self) -> str:
        """What the line is, in words (for labels, messages and mails)."""
        if self.kpi is None:
            return f"{self.program.name}（{self.kind_label}）"
        return f"{self.kpi.name}（{self.program.name}）"

    @property
    def unit(self) -> str:
        return SHARE_UNIT if self.kpi is None else self.kpi.unit

    @property
    def is_component(self) -> bool:
        """A town's part of a KPI that is the sum of the towns' figures."""
        return self.kpi is not None and self.kpi.is_sum_of_municipalities

    @property
    def value(self):
        return None if self.figure is None else self.figure.working_value

    @property
    def version(self) -> int:
        return 0 if self.figure is None else self.figure.version

    @property
    def comment(self) -> str:
        return "" if self.figure is None else self.figure.comment

    @property
    def state(self) -> str:
        if self.figure is None:
            return NOT_STARTED
        if self.figure.status == FigureStatus.DRAFT and self.figure.working_value is None:
            return NOT_STARTED
        return self.figure.status

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_symbol(self) -> str:
        return STATE_SYMBOLS[self.state]

    @property
    def has_pending_change(self) -> bool:
        return self.figure is not None and self.figure.has_pending_change

    def new_figure(self) -> CostShare | KPIActual:
        """An unsaved figure for this line (first entry)."""
        if self.kpi is None:
            return CostShare(
                program=self.program,
                municipality=self.municipality,
                fiscal_year=self.fiscal_year,
                kind=self.kind,
            )
        return KPIActual(kpi=self.kpi, fiscal_year=self.fiscal_year, municipality=self.municipality)


@dataclass
class AnnualReturn:
    vision: Vision
    reporting_year: ReportingYear
    reporter: Municipality | None
    lines: list[Line] = field(default_factory=list)

    @property
    def fiscal_year(self) -> int:
        return self.reporting_year.fiscal_year

    @property
    def code(self) -> str:
        return reporter_code(self.reporter)

    @property
    def name(self) -> str:
        return reporter_name(self.reporter)

    @property
    def share_lines(self) -> list[Line]:
        return [line for line in self.lines if line.is_share]

    @property
    def kpi_lines(self) -> list[Line]:
        return [line for line in self.lines if not line.is_share]

    def line(self, key: str) -> Line | None:
        return self._by_key().get(key)

    def _by_key(self) -> dict[str, Line]:
        if not hasattr(self, "_index"):
            self._index = {line.key: line for line in self.lines}
        return self._index

    def counts(self) -> dict[str, int]:
        counter = Counter(line.state for line in self.lines)
        return {state: counter.get(state, 0) for state, _ in LINE_STATES}

    @property
    def count_summary(self) -> list[dict]:
        """Non-zero status counts with label and symbol, in workflow order."""
        counts = self.counts()
        return [
            {"state": state, "label": label, "symbol": STATE_SYMBOLS[state], "count": counts[state]}
            for state, label in LINE_STATES
            if counts[state]
        ]

    @property
    def due(self) -> int:
        return len(self.lines)

    @property
    def reported(self) -> int:
        """Figures with the secretariat or approved: what the reporting rate counts."""
        counts = self.counts()
        return counts[FigureStatus.SUBMITTED] + counts[FigureStatus.APPROVED]

    @property
    def rate(self) -> Decimal | None:
        if not self.lines:
            return None
        return (Decimal(self.reported) * 100 / len(self.lines)).quantize(Decimal("0.1"))

    @property
    def is_complete(self) -> bool:
        return self.reported == self.due

    def submittable(self) -> list[Line]:
        return [
            line
            for line in self.lines
            if line.figure is not None
            and line.figure.working_value is not None
            and line.figure.status in (FigureStatus.DRAFT, FigureStatus.RETURNED)
        ]


def share_key(kind: str, program_id: int) -> str:
    return f"{kind}-{program_id}"


def kpi_key(kpi_id: int) -> str:
    return f"kpi-{kpi_id}"


def build_return(
    *, vision: Vision, reporting_year: ReportingYear, reporter: Municipality | None
) -> AnnualReturn:
    """Every figure due from ``reporter`` for the reporting year, with its context."""
    year = reporting_year.fiscal_year
    ret = AnnualReturn(vision=vision, reporting_year=reporting_year, reporter=reporter)
    if reporter is not None:
        programs = list(permissions.due_programs(vision, reporter, year))
        shares = {
            (s.program_id, s.kind, s.fiscal_year): s
            for s in CostShare.objects.filter(
                municipality=reporter,
                program__in=programs,
                fiscal_year__in=[year, year - 1],
            ).select_related("updated_by", "approved_by")
        }
        for program in programs:
            plan = shares.get((program.pk, CostShare.Kind.PLAN, year))
            for kind in (CostShare.Kind.BUDGET, CostShare.Kind.SETTLEMENT):
                last = shares.get((program.pk, kind, year - 1))
                ret.lines.append(
                    Line(
                        key=share_key(kind, program.pk),
                        kind=kind,
                        program=program,
                        kpi=None,
                        municipality=reporter,
                        fiscal_year=year,
                        figure=shares.get((program.pk, kind, year)),
                        last_year=_shown_value(last),
                        last_year_approved=last is None or last.status == FigureStatus.APPROVED,
                        plan_kyen=None if plan is None else plan.public_value,
                    )
                )
    due = permissions.due_kpis(vision, reporter)
    actuals = {}
    if due:
        for a in KPIActual.objects.filter(
            kpi__in=[k for k, _ in due], fiscal_year__in=[year, year - 1]
        ).select_related("updated_by", "approved_by"):
            actuals[(a.kpi_id, a.municipality_id, a.fiscal_year)] = a
    for kpi, municipality in due:
        municipality_id = None if municipality is None else municipality.pk
        last = actuals.get((kpi.pk, municipality_id, year - 1))
        last_value = _shown_value(last)
        if last is None and municipality is None and kpi.baseline_year == year - 1:
            last_value = kpi.baseline  # the printed 現状値 is last year's area figure
        ret.lines.append(
            Line(
                key=kpi_key(kpi.pk),
                kind=LineKind.ACTUAL,
                program=kpi.program,
                kpi=kpi,
                municipality=municipality,
                fiscal_year=year,
                figure=actuals.get((kpi.pk, municipality_id, year)),
                last_year=last_value,
                last_year_approved=last is None or last.status == FigureStatus.APPROVED,
            )
        )
    return ret


def _shown_value(figure):
    """Last year's figure as the officer should see it: approved if there is one."""
    if figure is None:
        return None
    if figure.status == FigureStatus.APPROVED:
        return figure.public_value
    return figure.working_value


# ---------------------------------------------------------------------------
# Checking proposed values


@dataclass
class Entry:
    """A proposed value for one line: from the form, a spreadsheet row or a preview.

    ``comment`` None keeps the current comment; ``version`` is the figure's
    version the user saw (0: no figure yet), None when unknown.
    """

    key: str
    value: Decimal | None
    comment: str | None = None
    version: int | None = None
    row: int | None = None  # spreadsheet row number, for messages


NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"
OUTCOME_LABELS = {NEW: "新規", CHANGED: "変更", UNCHANGED: "変更なし", ERROR: "エラー"}


@dataclass
class Outcome:
    line: Line
    entry: Entry
    state: str = UNCHANGED
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    old: object = None
    new: object = None
    conflict: bool = False  # somebody else saved this figure after the user read it

    @property
    def state_label(self) -> str:
        return OUTCOME_LABELS[self.state]

    @property
    def writes(self) -> bool:
        return self.state in (NEW, CHANGED)


def parse_entry_value(raw, *, line: Line) -> Decimal | None:
    """A typed or uploaded value for a line, normalised (raises NumberFormatError)."""
    value = parse_number(raw)
    if value is None:
        return None
    if abs(value) > MAX_ABS_VALUE:
        raise NumberFormatError("桁数が多すぎます（12桁まで）。")
    if line.is_share:
        if value != value.to_integral_value():
            raise NumberFormatError(
                "負担額は千円単位の整数で入力してください（小数は使えません）。"
            )
        return Decimal(int(value))
    if value != value.quantize(Decimal("0.01")):
        raise NumberFormatError("小数点以下は2桁までで入力してください。")
    return value


def plausibility(line: Line, value: Decimal | None) -> tuple[list[str], list[str]]:
    """(errors, warnings) for a value on a line; a warning can be kept with a comment."""
    errors: list[str] = []
    warnings: list[str] = []
    if value is None:
        return errors, warnings
    if value < 0:
        if line.is_share:
            errors.append("負担額にマイナスは入力できません。")
        elif line.unit in NON_NEGATIVE_UNITS:
            errors.append(f"「{line.unit}」で数える指標にマイナスは入力できません。")
        else:
            warnings.append("マイナスの値です。")
    if line.kpi is not None and line.unit == "%" and value > 100:
        warnings.append("100% を超えています。")
    threshold = None if line.kpi is None else line.kpi.plausible_change_percent
    last = line.last_year
    if threshold is not None and last not in (None, 0) and value >= 0:
        change = (Decimal(value) - Decimal(last)) * 100 / abs(Decimal(last))
        if abs(change) > threshold:
            warnings.append(
                f"前年度の値（{format_number(last)}）から {format_number(change.quantize(Decimal('0.1')))}% "
                f"変わっています（確認の目安は ±{format_number(threshold)}%）。"
            )
    return errors, warnings


def conflict_error(figure, typed) -> str:
    """The message for a value somebody else saved first: theirs and what the user typed."""
    who = figure.updated_by.username if figure.updated_by else "ほかの人"
    return (
        f"この値は {who} さんが先に変更しました（現在の値: "
        f"{format_number(figure.working_value, blank='空欄')}、あなたの入力: "
        f"{format_number(typed, blank='空欄')}）。"
        "現在の値を確かめてから、もう一度保存してください。"
    )


def evaluate(*, user, annual_return: AnnualReturn, entries: list[Entry]) -> list[Outcome]:
    """Check proposed values against the current figures; saves nothing.

    Errors: an unknown line, a duplicate, a value the user may not change now
    (submitted), a stale version (somebody else saved first), an impossible value,
    a comment that cannot be kept (too long, control characters, 文字化け), a flagged
    value without a comment. Permission to open and edit the return as
    a whole is checked by the caller.
    """
    outcomes: list[Outcome] = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        line = annual_return.line(entry.key)
        if line is None:
            raise ValueError(f"unknown line {entry.key!r}")  # callers resolve keys first
        outcome = Outcome(line=line, entry=entry, old=line.value, new=entry.value)
        outcomes.append(outcome)
        if entry.key in seen:
            first = seen[entry.key]
            where = f"{first.row}行目" if first.row else "前の行"
            outcome.errors.append(f"{where}と同じ数値の行が重複しています。")
            outcome.state = ERROR
            continue
        seen[entry.key] = entry
        value_changed = entry.value != line.value
        comment_changed = entry.comment is not None and entry.comment != line.comment
        if not (value_changed or comment_changed):
            outcome.state = UNCHANGED
            continue
        outcome.state = NEW if line.figure is None or line.value is None else CHANGED
        figure = line.figure
        if figure is not None and not permissions.can_edit_figure(user, figure):
            outcome.errors.append(
                f"{figure.get_status_display()}のため変更できません。"
                "修正が必要なときは事務局に差戻しを依頼してください。"
            )
        if entry.version is not None and entry.version != line.version:
            outcome.conflict = True
            if figure is None:
                outcome.errors.append("この値はほかの人が先に保存しました。")
            else:
                outcome.errors.append(conflict_error(figure, entry.value))
        if entry.comment is not None and (
            problem := text_problem(entry.comment, label="コメント", limit=MAX_COMMENT)
        ):
            outcome.errors.append(problem)
        errors, warnings = plausibility(line, entry.value)
        outcome.errors += errors
        outcome.warnings += warnings
        comment = line.comment if entry.comment is None else entry.comment
        if value_changed and warnings and not comment.strip():
            outcome.errors.append(
                "確認が必要な値です。このままでよければ、コメントに理由を書いてください。"
            )
        if outcome.errors:
            outcome.state = ERROR
    return outcomes


# ---------------------------------------------------------------------------
# Completeness (towns × what is due)


def open_years(vision: Vision):
    return ReportingYear.objects.filter(vision=vision).order_by("-fiscal_year")


def completeness(*, vision: Vision, reporting_year: ReportingYear, user) -> list[AnnualReturn]:
    """Every return of the year the user may open, with its lines."""
    return [
        build_return(vision=vision, reporting_year=reporting_year, reporter=reporter)
        for reporter in permissions.returns_for(user, vision)
    ]


def totals(returns: list[AnnualReturn]) -> dict:
    counts = Counter()
    for ret in returns:
        counts.update(ret.counts())
    due = sum(ret.due for ret in returns)
    reported = counts[FigureStatus.SUBMITTED] + counts[FigureStatus.APPROVED]
    return {
        "counts": {state: counts.get(state, 0) for state, _ in LINE_STATES},
        "due": due,
        "reported": reported,
        "rate": None if not due else (Decimal(reported) * 100 / due).quantize(Decimal("0.1")),
    }
