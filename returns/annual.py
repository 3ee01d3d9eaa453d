"""The annual return (年度報告): what one reporter owes for one fiscal year.

``build_return`` lists every figure due (a *line*), with its current figure
and the context an officer needs beside the input (unit, last year's value,
the plan estimate, baseline and target): the figures with numbers (``lines``: budget,
settlement, KPI actuals; what the Excel/CSV template carries) and each participating
program's 取組状況 (``activities``: a text the officer writes on the screen only).
``all_lines`` is both: what is due, counted, submitted and reviewed. ``evaluate``
checks proposed values for a return without saving anything: the annual return form,
the spreadsheet preview and the confirm step all use it, and ``returns.services``
saves only what it accepts. ``completeness`` counts the statuses of every return of a
year.

A blank 取組状況 is treated as a blank figure: 未着手, never sent, and never in the way of
submitting the figures (the confirmation lists the programs still without one, as a
reminder; the deadline reminder counts them). A 取組状況 longer than ``TEXT_LIMIT``, or with
control characters or 文字化け, is refused like an impossible number: nothing is saved.

Which figures are due, and who may see or change them, is decided in
``returns.permissions``; this module only arranges them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import models

from core.japanese import NumberFormatError, format_number, parse_number
from core.models import FigureStatus
from evaluations.models import TEXT_LIMIT, TownActivity
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from programs.models import CostShare, Program
from returns import permissions
from vision.models import ReportingYear, Vision

AREA_CODE = "area"
AREA_NAME = "圏域（事務局入力）"
SHARE_UNIT = "千円"


class LineKind(models.TextChoices):
    """What a line of a return asks for: a cost share (budget, settlement), a KPI actual, or
    a program's 取組状況 (a text)."""

    BUDGET = CostShare.Kind.BUDGET.value, CostShare.Kind.BUDGET.label
    SETTLEMENT = CostShare.Kind.SETTLEMENT.value, CostShare.Kind.SETTLEMENT.label
    ACTUAL = "actual", "実績"
    ACTIVITY = "activity", "取組状況"


# The kinds the Excel/CSV template names in its 区分 column: the figures with numbers.
# 取組状況 is written on the screen only (the upload refuses a row that says 取組状況).
LABEL_KINDS = {kind.label: kind.value for kind in LineKind if kind != LineKind.ACTIVITY}
ACTIVITY_LABEL = LineKind.ACTIVITY.label

# Units of KPIs counted in people or things: their values are whole numbers (1.5 人 is an
# error, whatever the comment says). Amounts in thousands (千人) and weights are not counts.
COUNT_UNITS = frozenset({
    "人", "名", "件", "回", "社", "本", "所", "か所", "カ所", "ヶ所", "箇所", "施設", "団体",
    "戸", "世帯", "台", "店", "校", "園", "組", "棟", "基", "隻",
})  # fmt: skip
# Units whose values can never be negative (counts and amounts). Other KPIs
# (percentages, unit-less indicators) only get a warning for a negative value.
NON_NEGATIVE_UNITS = COUNT_UNITS | {"千人", "t", "kg", "千円", "円"}
# How far a KPI actual may lie from its references (last year's value, the baseline and the
# target) before it is flagged, when the KPI sets no ``plausible_change_percent`` of its own:
# 900% means more than 10 times the largest reference or less than a tenth of the smallest.
# A typo (an extra digit, a town's figure typed as the area's) moves a value by a factor of
# ten or more; a real year rarely does, so a tenfold band flags the first and not the second.
DEFAULT_PLAUSIBLE_CHANGE_PERCENT = Decimal(900)
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


def activity_text(raw: str | None) -> str | None:
    """A 取組状況 as typed, normalised: browsers send a textarea's line breaks as CRLF (a
    4,000-character limit counts each break once), surrounding blanks go; blank is None
    (nothing written), as a blank number is."""
    if raw is None:
        return None
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def activity_problem(text: str | None) -> str | None:
    """Why a 取組状況 cannot be kept (too long, control characters, 文字化け); None if it can."""
    if text is None:
        return None
    return text_problem(text, label=ACTIVITY_LABEL, limit=TEXT_LIMIT)


def shown_value(value, *, blank: str = "空欄") -> str:
    """A line's value in a message or a mail: a number as offices write it (1,234), a text
    cut to its beginning (「…」), ``blank`` for nothing."""
    if value is None or value == "":
        return blank
    if isinstance(value, str):
        text = " ".join(value.split())
        return f"「{text if len(text) <= 40 else text[:40] + '…'}」"
    return format_number(value, blank=blank)


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


@dataclass(frozen=True)
class Reference:
    """A value a KPI actual is compared with (last year's value, the baseline, the target)."""

    label: str
    value: Decimal


def _references(pairs) -> list[Reference]:
    """The usable references of (label, value) pairs: known and above zero (a ratio to 0
    says nothing)."""
    return [Reference(label, Decimal(value)) for label, value in pairs if value is not None and value > 0]  # fmt: skip


@dataclass(frozen=True)
class PlausibleRange:
    """A KPI actual above ``factor`` times the largest reference in ``above``, or below the
    smallest in ``below`` divided by ``factor``, is flagged: a warning that a comment keeps."""

    above: list[Reference]
    below: list[Reference]
    factor: Decimal

    @property
    def highest(self) -> Reference | None:
        return max(self.above, key=lambda r: r.value, default=None)  # the first of equals

    @property
    def lowest(self) -> Reference | None:
        return min(self.below, key=lambda r: r.value, default=None)

    @property
    def upper(self) -> Decimal | None:
        return None if self.highest is None else self.highest.value * self.factor

    @property
    def lower(self) -> Decimal | None:
        return None if self.lowest is None else self.lowest.value / self.factor

    @property
    def upper_note(self) -> str:
        names = _names(self.above)
        which = names if len(self.above) == 1 else f"{names}のうち最も大きい値"
        return f"確認の目安：{which}の {format_number(self.factor)} 倍まで"

    @property
    def lower_note(self) -> str:
        names = _names(self.below)
        which = names if len(self.below) == 1 else f"{names}のうち最も小さい値"
        return f"確認の目安：{which}の {format_number(self.factor)} 分の1まで"

    def warning(self, value: Decimal) -> str | None:
        """What to say about ``value`` (not negative), or None when it is within the range."""
        high, low = self.highest, self.lowest
        if high is not None and value > self.upper:
            ratio = value / high.value
            if ratio >= 2:
                head = f"{high.label}（{format_number(high.value)}）の {_one_place(ratio)} 倍です"
            else:
                head = f"{high.label}（{format_number(high.value)}）から {_one_place((ratio - 1) * 100)}% 変わっています"  # fmt: skip
            return f"{head}（{self.upper_note}）。"
        if low is not None and value < self.lower:
            change = (low.value - value) * 100 / low.value
            return (
                f"{low.label}（{format_number(low.value)}）から {_one_place(change)}% 変わっています"
                f"（{self.lower_note}）。"
            )
        return None


def _names(references: list[Reference]) -> str:
    return "・".join(dict.fromkeys(r.label for r in references))


def _one_place(number: Decimal) -> str:
    return format_number(number.quantize(Decimal("0.1")))


def _plain(number: Decimal) -> str:
    """A number as a script reads it: 500, 4.8 (no separators, no exponent)."""
    return format(number.quantize(Decimal("0.0001")).normalize(), "f")


@dataclass(frozen=True)
class PreviousReturn:
    """The last time the secretariat returned a figure (from its history): the value it
    had then and the reason given."""

    value: Decimal | int | str | None
    reason: str
    returned_at: datetime
    returned_by: str


@dataclass
class Line:
    """One figure due on a return."""

    key: str
    kind: str  # a LineKind
    program: Program
    kpi: KPI | None
    municipality: Municipality | None  # the figure's own municipality field
    fiscal_year: int
    figure: CostShare | KPIActual | TownActivity | None = None
    last_year: Decimal | int | str | None = None
    last_year_approved: bool = True
    plan_kyen: int | None = None
    budget: Line | None = None  # a settlement line's budget line (the review shows it beside)
    previous_return: PreviousReturn | None = None  # set by ``attach_previous_returns``

    def __post_init__(self):
        self.attach(self.figure)

    def attach(self, figure: CostShare | KPIActual | TownActivity | None) -> None:
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
        return self.kind in (LineKind.BUDGET, LineKind.SETTLEMENT)

    @property
    def is_activity(self) -> bool:
        """A program's 取組状況: a text, not a number."""
        return self.kind == LineKind.ACTIVITY

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
        if self.is_activity:
            return ""
        return SHARE_UNIT if self.kpi is None else self.kpi.unit

    @property
    def is_component(self) -> bool:
        """A town's part of a KPI that is the sum of the towns' figures."""
        return self.kpi is not None and self.kpi.is_sum_of_municipalities

    @property
    def is_count(self) -> bool:
        """A KPI counted in people or things (``COUNT_UNITS``): whole numbers only."""
        return self.kpi is not None and self.unit.strip() in COUNT_UNITS

    @property
    def is_non_negative(self) -> bool:
        return self.is_share or self.unit.strip() in NON_NEGATIVE_UNITS

    def plausible_range(self) -> PlausibleRange | None:
        """Where a KPI actual is expected: within a factor of its references (last year's
        value, the baseline, the target in force). None for a share, or with no reference.

        The factor is 1 + the KPI's ``plausible_change_percent`` ÷ 100 (by default
        ``DEFAULT_PLAUSIBLE_CHANGE_PERCENT``: 10). A town's part of an area sum is compared
        with the area's baseline and target only from above: the part is smaller by nature.
        """
        kpi = self.kpi
        if kpi is None:
            return None
        percent = kpi.plausible_change_percent
        if percent is None:
            percent = DEFAULT_PLAUSIBLE_CHANGE_PERCENT
        factor = 1 + max(Decimal(percent), Decimal(0)) / 100
        own = [("前年度の値", self.last_year)]
        area = [("現状値", kpi.baseline), ("目標値", kpi.target_for(self.fiscal_year)[0])]
        if self.is_component:
            area = [(f"圏域の{label}", value) for label, value in area]
            above, below = _references(own + area), _references(own)
        else:
            above = below = _references(own + area)
        if not above and not below:
            return None
        return PlausibleRange(above=above, below=below, factor=factor)

    @property
    def check_data(self) -> dict[str, str]:
        """The checks the form's script repeats while typing, as plain strings for data-
        attributes (the server checks every value again on saving)."""
        band = self.plausible_range()
        data = {"whole": self.unit if self.is_count else "", "low": "", "high": ""}
        data.update(low_note="", high_note="")
        if band is not None and band.highest is not None:
            data.update(high=_plain(band.upper), high_note=band.upper_note)
        if band is not None and band.lowest is not None:
            data.update(low=_plain(band.lower), low_note=band.lower_note)
        return data

    @property
    def value(self):
        """The working value; None when nothing is entered (a blank 取組状況 too)."""
        if self.figure is None:
            return None
        value = self.figure.working_value
        return None if value == "" else value

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
        if (
            self.figure.status == FigureStatus.DRAFT
            and self.value is None
            and not self.is_withdrawal
        ):
            return NOT_STARTED
        return self.figure.status

    @property
    def is_withdrawal(self) -> bool:
        """A proposal of no value (値なしの提案): the working value is blank while an approved
        value is still public. Submitted and approved like any change; once approved,
        nothing of this figure is public any more."""
        figure = self.figure
        return figure is not None and self.value is None and figure.has_pending_change

    @property
    def is_withdrawn(self) -> bool:
        """Approved as no value: a withdrawal the secretariat accepted."""
        figure = self.figure
        return figure is not None and figure.status == FigureStatus.APPROVED and self.value is None

    @property
    def is_submittable(self) -> bool:
        """A draft or returned figure with a value, or a withdrawal with its reason (comment)."""
        figure = self.figure
        if figure is None or figure.status not in (FigureStatus.DRAFT, FigureStatus.RETURNED):
            return False
        if self.value is not None:
            return True
        return self.is_withdrawal and bool(figure.comment.strip())

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_symbol(self) -> str:
        return STATE_SYMBOLS[self.state]

    @property
    def has_pending_change(self) -> bool:
        return self.figure is not None and self.figure.has_pending_change

    def new_figure(self) -> CostShare | KPIActual | TownActivity:
        """An unsaved figure for this line (first entry)."""
        if self.is_activity:
            return TownActivity(
                program=self.program, municipality=self.municipality, fiscal_year=self.fiscal_year
            )
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
    """What one reporter owes for one fiscal year.

    ``lines``: the figures with numbers (budget and settlement of each program, then the KPI
    actuals), the rows of the Excel/CSV template; ``activities``: the 取組状況 of each program
    (none on the area return). ``all_lines`` (both) is what is due: counted, checked, saved,
    submitted and reviewed alike; ``line(key)`` finds any of them.
    """

    vision: Vision
    reporting_year: ReportingYear
    reporter: Municipality | None
    lines: list[Line] = field(default_factory=list)
    activities: list[Line] = field(default_factory=list)

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
        return [line for line in self.lines if line.kind == LineKind.ACTUAL]

    @property
    def all_lines(self) -> list[Line]:
        """Everything due: the figures with numbers, then the 取組状況."""
        return [*self.lines, *self.activities]

    def line(self, key: str) -> Line | None:
        return self._by_key().get(key)

    def _by_key(self) -> dict[str, Line]:
        if not hasattr(self, "_index"):
            self._index = {line.key: line for line in self.all_lines}
        return self._index

    def counts(self) -> dict[str, int]:
        counter = Counter(line.state for line in self.all_lines)
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
        return len(self.all_lines)

    @property
    def reported(self) -> int:
        """Figures with the secretariat or approved: what the reporting rate counts."""
        counts = self.counts()
        return counts[FigureStatus.SUBMITTED] + counts[FigureStatus.APPROVED]

    @property
    def rate(self) -> Decimal | None:
        if not self.due:
            return None
        return (Decimal(self.reported) * 100 / self.due).quantize(Decimal("0.1"))

    @property
    def is_complete(self) -> bool:
        return self.reported == self.due

    def submittable(self) -> list[Line]:
        return [line for line in self.all_lines if line.is_submittable]


def share_key(kind: str, program_id: int) -> str:
    return f"{kind}-{program_id}"


def kpi_key(kpi_id: int) -> str:
    return f"kpi-{kpi_id}"


def activity_key(program_id: int) -> str:
    return f"{LineKind.ACTIVITY.value}-{program_id}"


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
                        budget=ret.lines[-1] if kind == CostShare.Kind.SETTLEMENT else None,
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
    programs = list(permissions.due_activities(vision, reporter, year))
    if programs:
        activities = {
            (a.program_id, a.fiscal_year): a
            for a in TownActivity.objects.filter(
                municipality=reporter, program__in=programs, fiscal_year__in=[year, year - 1]
            ).select_related("updated_by", "approved_by")
        }
        for program in programs:
            last = activities.get((program.pk, year - 1))
            ret.activities.append(
                Line(
                    key=activity_key(program.pk),
                    kind=LineKind.ACTIVITY,
                    program=program,
                    kpi=None,
                    municipality=reporter,
                    fiscal_year=year,
                    figure=activities.get((program.pk, year)),
                    last_year=_shown_value(last) or None,
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


def attach_previous_returns(lines: list[Line]) -> None:
    """Set ``previous_return`` on each line whose figure the secretariat returned since it was
    last approved (a resubmission): the value and the reason of the latest history record in
    the returned state. One query per kind of figure."""
    by_model: dict[type, dict[int, Line]] = {}
    for line in lines:
        if line.figure is not None and line.figure.pk is not None:
            by_model.setdefault(type(line.figure), {})[line.figure.pk] = line
    for model, by_pk in by_model.items():
        records = (
            model.history.filter(id__in=sorted(by_pk), status=FigureStatus.RETURNED)
            .select_related("history_user")
            .order_by("id", "-history_date", "-history_id")
        )
        seen: set[int] = set()
        for record in records:
            if record.id in seen:
                continue
            seen.add(record.id)
            line = by_pk[record.id]
            approved_at = line.figure.approved_at
            if approved_at is not None and record.history_date < approved_at:
                continue  # returned before the last approval: not this submission's story
            line.previous_return = PreviousReturn(
                value=getattr(record, model.value_field),
                reason=record.return_reason,
                returned_at=record.history_date,
                returned_by=record.history_user.username if record.history_user else "",
            )


# ---------------------------------------------------------------------------
# Checking proposed values


@dataclass
class Entry:
    """A proposed value for one line: from the form, a spreadsheet row or a preview.

    ``value``: a number (Decimal) for a figure, a text (``activity_text``) for a 取組状況;
    None is blank. ``comment`` None keeps the current comment; ``version`` is the figure's
    version the user saw (0: no figure yet), None when unknown.
    """

    key: str
    value: Decimal | str | None
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
    """(errors, warnings) for a value on a line.

    An error is refused whatever the comment says (a negative count, a fraction of a
    person); a warning can be kept with a comment (a value far from its references,
    a negative percentage, more than 100%).
    """
    errors: list[str] = []
    warnings: list[str] = []
    if value is None or line.is_activity:
        return errors, warnings  # a 取組状況 is checked by ``activity_problem``
    if value < 0:
        if line.is_share:
            errors.append("負担額にマイナスは入力できません。")
        elif line.is_non_negative:
            errors.append(f"「{line.unit}」で数える指標にマイナスは入力できません。")
        else:
            warnings.append("マイナスの値です。")
    if line.is_count and value != value.to_integral_value():
        errors.append(f"「{line.unit}」で数える指標は整数で入力してください（小数は使えません）。")
    if line.kpi is not None and line.unit == "%" and value > 100:
        warnings.append("100% を超えています。")
    band = line.plausible_range()
    if band is not None and value >= 0 and (warning := band.warning(Decimal(value))):
        warnings.append(warning)
    return errors, warnings


def conflict_error(figure, typed) -> str:
    """The message for a value somebody else saved first: theirs and what the user typed."""
    who = figure.updated_by.username if figure.updated_by else "ほかの人"
    return (
        f"この値は {who} さんが先に変更しました（現在の値: "
        f"{shown_value(figure.working_value)}、あなたの入力: {shown_value(typed)}）。"
        "現在の値を確かめてから、もう一度保存してください。"
    )


def withdrawal_error(figure) -> str:
    """A blank on a figure whose approved value is public, without a reason."""
    if isinstance(figure, TownActivity):
        return (
            f"公開中の取組状況（{shown_value(figure.public_value)}）を空欄にすると、"
            "公開をやめる提案（値なしの提案）として事務局に提出することになります。"
            "公開をやめるときは、コメントに理由を書いてください。"
            "変えないときは、元の文章を入力し直してください。"
        )
    return (
        f"公開中の値（{shown_value(figure.public_value)}）を空欄にすると、"
        "「値なし」の提案として事務局に提出することになります。"
        "値なしにするときは、コメントに理由を書いてください。"
        "値を変えないときは、元の値を入力し直してください。"
    )


def evaluate(*, user, annual_return: AnnualReturn, entries: list[Entry]) -> list[Outcome]:
    """Check proposed values against the current figures; saves nothing.

    Errors: an unknown line, a duplicate, a value the user may not change now
    (submitted), a stale version (somebody else saved first), an impossible value,
    a comment or a 取組状況 that cannot be kept (too long, control characters, 文字化け), a
    flagged value without a comment, a blank on a figure whose approved value is public (a proposal
    of no value) without a reason in the comment. Permission to open and edit the return as
    a whole is checked by the caller.
    """
    outcomes: list[Outcome] = []
    seen: dict[str, Entry] = {}
    for entry in entries:
        line = annual_return.line(entry.key)
        if line is None:
            raise ValueError(f"unknown line {entry.key!r}")  # callers resolve keys first
        if entry.value is not None and isinstance(entry.value, str) != line.is_activity:
            raise ValueError(f"{entry.key}: a text for 取組状況, a number otherwise")
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
        if line.is_activity and (problem := activity_problem(entry.value)):
            outcome.errors.append(problem)
        errors, warnings = plausibility(line, entry.value)
        outcome.errors += errors
        outcome.warnings += warnings
        comment = line.comment if entry.comment is None else entry.comment
        # A comment keeps a warning, never an error: a value refused anyway invites none.
        if value_changed and warnings and not errors and not comment.strip():
            outcome.errors.append(
                "確認が必要な値です。このままでよければ、コメントに理由を書いてください。"
            )
        if entry.value is None and figure is not None and figure.approved_at is not None:
            if not comment.strip():
                outcome.errors.append(withdrawal_error(figure))
        if outcome.errors:
            outcome.state = ERROR
    return outcomes


# ---------------------------------------------------------------------------
# What a submission sends (the confirmation before submitting)

TYPED = "typed"  # typed on the form just now (saved when the submission is confirmed)
SOURCE_LABELS = {
    TYPED: "今回の入力",
    FigureStatus.DRAFT: "以前に保存した下書き",
    FigureStatus.RETURNED: "差戻しの値",
}


@dataclass
class Sending:
    """One line a confirmed submission sends: its value and comment, and where they come from
    (``source``: typed now, a draft saved earlier, a returned value). ``version`` is the
    figure's version the confirmation shows (0: no figure yet)."""

    line: Line
    value: Decimal | str | None
    comment: str
    source: str
    version: int
    entry: Entry | None = None  # what is saved first, for a typed value

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def is_withdrawal(self) -> bool:
        return self.value is None


def to_submit(
    annual_return: AnnualReturn, outcomes: list[Outcome]
) -> tuple[list[Sending], list[Line]]:
    """(what confirming sends, proposals of no value held back for want of a reason).

    Every line that is submittable once the typed values (the ``outcomes`` that write) are
    saved, in the return's order: what ``returns.services.submit_confirmed`` submits when
    nothing changed in between.
    """
    writes = {o.line.key: o for o in outcomes if o.writes}
    sending: list[Sending] = []
    held: list[Line] = []
    for line in annual_return.all_lines:
        figure = line.figure
        outcome = writes.get(line.key)
        if outcome is None:
            if line.is_submittable:
                sending.append(Sending(line, line.value, line.comment, figure.status, line.version))
            elif line.is_withdrawal and figure.status != FigureStatus.SUBMITTED:
                held.append(line)
            continue
        entry = outcome.entry
        if figure is not None and figure.status == FigureStatus.SUBMITTED:
            continue  # the secretariat's change of a submitted figure: it stays submitted
        comment = line.comment if entry.comment is None else entry.comment
        public = figure is not None and figure.approved_at is not None
        if entry.value is None and not (public and comment.strip()):
            continue  # a blank that withdraws nothing is saved, not sent
        sending.append(Sending(line, entry.value, comment, TYPED, line.version, entry))
    return sending, held


# ---------------------------------------------------------------------------
# Completeness (towns × what is due)


def open_years(vision: Vision):
    return ReportingYear.objects.filter(vision=vision).order_by("-fiscal_year")


def not_open_yet(vision: Vision, fiscal_year: int) -> bool:
    """A year after every opened reporting year, up to the plan's last year: its return will
    come once the secretariat opens the year (with no year opened yet: from the year before
    the plan, the first one reported in practice). Any other year without a reporting year
    (skipped, long past, after the plan) simply does not exist."""
    latest = open_years(vision).values_list("fiscal_year", flat=True).first()
    first = vision.period_start - 1 if latest is None else latest + 1
    return first <= fiscal_year <= vision.period_end


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
