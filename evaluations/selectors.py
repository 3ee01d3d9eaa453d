"""Reads of the yearly evaluation shared by the secretariat's pages, the public pages,
the progress report and open data."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.models import FigureStatus
from evaluations.models import EvaluationRating, ProgramEvaluation, TownActivity
from kpis.models import KPI
from kpis.progress import Status
from kpis.selectors import attach_progress, grade_levels, public_kpis
from programs.models import Program
from vision.models import Vision

NOT_STARTED = "not_started"
STATE_LABELS = {NOT_STARTED: "未作成", **dict(FigureStatus.choices)}
# A symbol beside every state: state is never told by colour alone.
STATE_SYMBOLS = {
    NOT_STARTED: "□",
    FigureStatus.DRAFT: "✎",
    FigureStatus.SUBMITTED: "→",
    FigureStatus.RETURNED: "↩",
    FigureStatus.APPROVED: "✔",
}
ACTIVITY_MISSING = "missing"
ACTIVITY_LABELS = {ACTIVITY_MISSING: "未記入", **dict(FigureStatus.choices)}
ACTIVITY_SYMBOLS = {**STATE_SYMBOLS, ACTIVITY_MISSING: "□"}
DEFAULT_RATINGS = [
    ("A", "順調", "On track", 1),
    ("B", "概ね順調", "Mostly on track", 2),
    ("C", "課題あり", "Issues found", 3),
    ("D", "見直しが必要", "Needs review", 4),
]


def ratings() -> list[EvaluationRating]:
    """The secretariat's 評価 scale, in order; the documented default if none is set."""
    levels = list(EvaluationRating.objects.order_by("order"))
    if levels:
        return levels
    return [
        EvaluationRating(code=code, label=label, label_en=label_en, order=order)
        for code, label, label_en, order in DEFAULT_RATINGS
    ]


@dataclass
class KPIYear:
    """A KPI of a program in the evaluated year: its judgement, and whether the sheet
    must explain it (要因分析 and 改善策)."""

    kpi: KPI
    judgement: object | None  # kpis.progress.YearJudgement of that year, if approved data
    needs_analysis: bool
    reason: str  # why it needs one: the grade, or 未把握 (no data although due)


def kpi_years(program, fiscal_year: int, levels=None) -> list[KPIYear]:
    """Every KPI of ``program`` judged for ``fiscal_year`` from approved figures.

    A KPI needs a 要因分析 when its grade that year is one the secretariat marked as
    needing one (GradeLevel.needs_analysis: △ and × by default), or when it was due
    (not 事業化後に設定, with a target) and has no complete approved value that year.
    """
    levels = grade_levels() if levels is None else levels
    kpis = attach_progress(public_kpis(KPI.objects.filter(program=program)), levels)
    rows = []
    for kpi in kpis:
        judgement = next((j for j in kpi.progress.years if j.fiscal_year == fiscal_year), None)
        judged = judgement is not None and judgement.status == Status.JUDGED
        if judged and judgement.grade is not None:
            needs = judgement.grade.needs_analysis
            reason = f"{judgement.grade.symbol} {judgement.grade.label}" if needs else ""
        elif judged:
            needs, reason = False, ""  # the baseline year or earlier: nothing expected yet
        else:
            due = not kpi.to_be_set_later and kpi.progress.status not in (
                Status.NO_TARGET,
                Status.NO_BASELINE,
                Status.TO_BE_SET,
            )
            due = due and (kpi.baseline_year is None or fiscal_year > kpi.baseline_year)
            needs, reason = due, ("−（未把握）" if due else "")
        rows.append(KPIYear(kpi=kpi, judgement=judgement, needs_analysis=needs, reason=reason))
    return rows


def missing_analyses(evaluation: ProgramEvaluation) -> list[KPIYear]:
    """The KPIs of the sheet's year that need a 要因分析 and 改善策 and lack one."""
    written = {a.kpi_id for a in evaluation.analyses.all() if a.is_written}
    return [
        row
        for row in kpi_years(evaluation.program, evaluation.fiscal_year)
        if row.needs_analysis and row.kpi.pk not in written
    ]


# ---------------------------------------------------------------------------
# The year's completeness


@dataclass
class TownRow:
    municipality: object
    activity: TownActivity | None

    @property
    def state(self) -> str:
        if self.activity is None or not self.activity.text.strip():
            return ACTIVITY_MISSING
        return self.activity.status

    @property
    def is_written(self) -> bool:
        return self.state != ACTIVITY_MISSING

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self.state]

    @property
    def symbol(self) -> str:
        return ACTIVITY_SYMBOLS[self.state]


@dataclass
class ProgramRow:
    """One program of the year: its towns' 取組状況, its sheet, its KPIs lacking analyses."""

    program: Program
    evaluation: ProgramEvaluation | None
    towns: list[TownRow]
    missing_kpis: list[KPIYear] = field(default_factory=list)

    @property
    def state(self) -> str:
        return NOT_STARTED if self.evaluation is None else self.evaluation.status

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def symbol(self) -> str:
        return STATE_SYMBOLS[self.state]

    @property
    def is_approved(self) -> bool:
        return self.state == FigureStatus.APPROVED

    @property
    def towns_missing(self) -> list[TownRow]:
        return [town for town in self.towns if not town.is_written]

    @property
    def towns_written(self) -> int:
        return sum(1 for town in self.towns if town.is_written)


def program_rows(vision: Vision, fiscal_year: int) -> list[ProgramRow]:
    """Every program of ``vision`` running in ``fiscal_year``, in the document's order."""
    programs = list(
        Program.objects.filter(item__category__policy_field__vision=vision)
        .running_in(fiscal_year)
        .select_related("item__category__policy_field")
        .prefetch_related("participants")
        .order_by("item__category__policy_field__number", "item__number", "number")
    )
    evaluations = {
        e.program_id: e
        for e in ProgramEvaluation.objects.filter(program__in=programs, fiscal_year=fiscal_year)
        .select_related("rating")
        .prefetch_related("analyses")
    }
    activities = {
        (a.program_id, a.municipality_id): a
        for a in TownActivity.objects.filter(program__in=programs, fiscal_year=fiscal_year)
    }
    levels = grade_levels()
    rows = []
    for program in programs:
        evaluation = evaluations.get(program.pk)
        written = set()
        if evaluation is not None:
            written = {a.kpi_id for a in evaluation.analyses.all() if a.is_written}
        participants = sorted(program.participants.all(), key=lambda m: (m.sort_order, m.code))
        rows.append(
            ProgramRow(
                program=program,
                evaluation=evaluation,
                towns=[TownRow(m, activities.get((program.pk, m.pk))) for m in participants],
                missing_kpis=[
                    row
                    for row in kpi_years(program, fiscal_year, levels)
                    if row.needs_analysis and row.kpi.pk not in written
                ],
            )
        )
    return rows
