"""The yearly progress report (進捗状況報告): its content, shared by the Excel and PDF files.

``build_report(vision=…, fiscal_year=…)`` assembles, for one fiscal year:

- per policy field and program (those running that year): participants, the cost
  shares by town (事業費見込 / 予算 / 決算, 千円), the schedule, and each KPI with its
  baseline, the approved actuals so far, the target in force that year
  (``KPI.target_for``), the achievement rate, the progress and the grade
  (``kpis.progress``, never re-implemented here);
- a summary: KPI results per policy field, cost totals per field, and the reporting
  completeness per town (``returns.annual``, the same counts as the secretariat's
  提出状況 page);
- the yearly evaluation (``evaluations``): per program its approved 事業評価 of that
  year (評価, 実施内容, 成果, 課題, 今後の方向性, each KPI's 要因分析 and 改善策, the towns'
  取組状況) or 未評価, and the 懇談会's published opinions with their responses, on the
  vision, each policy field and each program; counts by 評価 and direction per field.

Only approved figures and texts are used (the ``published()`` querysets, approved
values and the evaluations' approved copies),
so the same report can be published as it is; drafts and submitted figures appear
only as counts in the completeness table. Actuals of later years are never used:
a report for 令和7年度 reads as it would have at the time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone, translation

from core.japanese import fiscal_year_label, fiscal_year_short, format_number
from core.models import FigureStatus
from evaluations.models import DIRECTION_EN, Direction, Opinion, ProgramEvaluation, TownActivity
from evaluations.selectors import ratings
from kpis.models import KPI, KPITarget
from kpis.progress import KPIProgress, Status, YearJudgement, judge_kpi
from kpis.selectors import grade_levels, load_public_actuals, public_kpis
from municipalities.models import Municipality
from programs.models import CostShare, Program
from returns.annual import LINE_STATES, build_return, totals
from vision.models import PolicyField, ReportingYear, Vision

KINDS = (CostShare.Kind.PLAN, CostShare.Kind.BUDGET, CostShare.Kind.SETTLEMENT)
APPROVED_ONLY_NOTE = (
    "この報告は、事務局が承認した数値だけで作成しています。"
    "提出中・下書きの数値は含めず、報告の状況（件数）だけを示します。"
    "空欄（−）は値がないことを示し、0 とは異なります。"
)
FORMULA_NOTE = (
    "達成率＝（実績値−現状値）÷（目標値−現状値）×100。維持を目指す指標は、目標値の許容幅の内なら100%。"
    "進捗＝達成率÷その年度の見込み（現状値から目標値への直線）×100。評価は進捗の区分によります。"
    "目標値は、その年度に適用される目標値です（ビジョンの変更で目標値が変わった指標は、変更前の年度を変更前の目標値で評価します）。"
)


@dataclass(frozen=True)
class Total:
    """A sum that is a total only when every part it adds up is in.

    ``value`` is set only when every part is in (None also when every part is blank);
    until then the total is 「集計中」 with how many parts are in, never a partial sum
    shown as if it were the whole (the rule of summed KPIs, ``kpis.progress``).
    """

    value: int | None
    reported: int  # parts in (towns that reported, programs whose total is complete)
    expected: int
    is_collecting: bool  # something is in, not everything
    unit: str = "市町村が報告"

    @property
    def text(self) -> str:
        """1,070 / 集計中（1/2市町村が報告） / − (nothing in yet, or every part blank)."""
        if self.is_collecting:
            return f"集計中（{self.reported}/{self.expected}{self.unit}）"
        return format_number(self.value)

    @property
    def cell(self):
        """For a spreadsheet cell: the number, the 集計中 words, or None (blank)."""
        return self.text if self.is_collecting else self.value


def share_total(amounts: dict[str, int | None], expected: set[str]) -> Total:
    """The total of one column of cost shares (千円).

    ``amounts``: municipality code → approved amount of every approved share in the
    column (None: approved as blank, which counts as that town's answer);
    ``expected``: the codes of the program's participants, who report its shares.
    """
    reported = len(expected & set(amounts))
    values = [v for v in amounts.values() if v is not None]
    complete = reported >= len(expected)
    return Total(
        value=sum(values) if complete and values else None,
        reported=reported,
        expected=len(expected),
        is_collecting=not complete and reported > 0,
    )


def sum_of_totals(parts: list[Total]) -> Total:
    """The total of several programs' totals: complete only when each of them is."""
    complete = [p for p in parts if not p.is_collecting and p.reported >= p.expected]
    values = [p.value for p in complete if p.value is not None]
    all_in = len(complete) == len(parts)
    return Total(
        value=sum(values) if all_in and values else None,
        reported=len(complete),
        expected=len(parts),
        is_collecting=not all_in and any(p.reported for p in parts),
        unit="事業が確定",
    )


@dataclass
class ShareRow:
    municipality: Municipality
    is_participant: bool
    amounts: dict[str, int | None]  # kind → approved amount (千円) or None

    @property
    def plan(self):
        return self.amounts[CostShare.Kind.PLAN]

    @property
    def budget(self):
        return self.amounts[CostShare.Kind.BUDGET]

    @property
    def settlement(self):
        return self.amounts[CostShare.Kind.SETTLEMENT]


@dataclass
class ActualCell:
    fiscal_year: int
    value: Decimal | None
    note: str = ""  # 集計中 for a summed KPI still being collected


@dataclass
class KPIRow:
    kpi: KPI
    progress: KPIProgress
    judgement: YearJudgement | None  # the report year's judgement
    actuals: list[ActualCell]
    target: Decimal | None  # in force in the report year
    target_year: int | None
    target_changed: bool  # the target in force differs from the current one
    bucket: str
    result: str  # the grade or status in words (symbol and text, never colour)

    @property
    def grade(self):
        return None if self.judgement is None else self.judgement.grade

    @property
    def rate(self) -> Decimal | None:
        return None if self.judgement is None else self.judgement.rate_display

    @property
    def expected(self) -> Decimal | None:
        return None if self.judgement is None else self.judgement.expected_display

    @property
    def progress_percent(self) -> Decimal | None:
        return None if self.judgement is None else self.judgement.progress_display


@dataclass
class TaskRow:
    title: str
    runs: bool | None  # None: the year is not recorded (未記載)

    @property
    def text(self) -> str:
        return {True: "実施", False: "実施しない", None: "未記載"}[self.runs]


@dataclass
class EvaluationBlock:
    """A program's approved evaluation of the report year (its approved copy only)."""

    rating_code: str
    rating: str  # "A 順調"
    rating_en: str
    direction: str  # the Direction value
    direction_label: str
    direction_reason: str
    done: str
    results: str
    issues: str
    analyses: list[tuple[str, str, str]]  # (KPI name, 要因分析, 改善策)

    @property
    def direction_en(self) -> str:
        return DIRECTION_EN.get(self.direction, "")


@dataclass
class OpinionRow:
    """A published opinion of the 懇談会 with the secretariat's response."""

    meeting: str
    held_on: object  # date
    subject: str
    text: str
    response: str


NOT_EVALUATED = "未評価"


@dataclass
class ProgramSection:
    program: Program
    participants: list[Municipality]
    shares: list[ShareRow]
    totals: dict[str, Total]  # kind → the participants' total (千円)
    stated_total: int | None  # the 計 of the plan estimate, as printed or decided
    tasks: list[TaskRow]
    kpis: list[KPIRow]
    evaluation: EvaluationBlock | None = None
    activities: list[tuple[str, str]] = field(default_factory=list)  # (town, 取組状況)
    opinions: list[OpinionRow] = field(default_factory=list)

    @property
    def evaluation_key(self) -> str:
        """The 評価 code for counting, or 未評価."""
        return self.evaluation.rating_code if self.evaluation else NOT_EVALUATED

    @property
    def participants_text(self) -> str:
        names = "、".join(m.name for m in self.participants)
        if self.program.participants_undecided:
            return f"{names}（ほかの市町村は未定）"
        return names


@dataclass
class FieldSection:
    field: PolicyField
    programs: list[ProgramSection]
    counts: dict[str, int] = field(default_factory=dict)  # bucket → KPIs
    totals: dict[str, Total] = field(default_factory=dict)  # kind → the programs' total (千円)
    opinions: list[OpinionRow] = field(default_factory=list)

    @property
    def evaluation_counts(self) -> dict[str, int]:
        """Programs by 評価 code (未評価 for those without an approved evaluation)."""
        counts: dict[str, int] = {}
        for p in self.programs:
            counts[p.evaluation_key] = counts.get(p.evaluation_key, 0) + 1
        return counts

    @property
    def direction_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for p in self.programs:
            key = p.evaluation.direction if p.evaluation else NOT_EVALUATED
            counts[key] = counts.get(key, 0) + 1
        return counts

    @property
    def name(self) -> str:
        return f"{self.field.number}. {self.field.title}"

    @property
    def kpi_count(self) -> int:
        return sum(self.counts.values())


@dataclass
class CompletenessRow:
    code: str
    name: str
    due: int
    counts: dict[str, int]
    reported: int
    rate: Decimal | None

    @property
    def approved(self) -> int:
        return self.counts.get(FigureStatus.APPROVED, 0)

    @property
    def submitted(self) -> int:
        return self.counts.get(FigureStatus.SUBMITTED, 0)

    @property
    def open(self) -> int:
        """Not yet with the secretariat: not started, draft or returned."""
        return self.due - self.reported


@dataclass
class Bucket:
    key: str
    label: str


@dataclass
class ProgressReport:
    vision: Vision
    fiscal_year: int
    generated_at: datetime
    as_of: datetime | None
    years: list[int]  # the actual columns (R7 … the report year)
    fields: list[FieldSection]
    buckets: list[Bucket]
    levels: list
    completeness: list[CompletenessRow]
    completeness_total: CompletenessRow
    grand_totals: dict[str, Total]
    ratings: list = field(default_factory=list)  # the 評価 scale
    opinions: list[OpinionRow] = field(default_factory=list)  # on the whole vision
    states: list[tuple[str, str]] = field(default_factory=lambda: list(LINE_STATES))
    directions: list[tuple[str, str]] = field(default_factory=lambda: list(Direction.choices))
    note: str = APPROVED_ONLY_NOTE
    formula: str = FORMULA_NOTE

    @property
    def title(self) -> str:
        return f"{fiscal_year_label(self.fiscal_year)} {self.vision.title} 進捗状況報告"

    @property
    def year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def year_short(self) -> str:
        return fiscal_year_short(self.fiscal_year)

    @property
    def total_counts(self) -> dict[str, int]:
        return {b.key: sum(f.counts.get(b.key, 0) for f in self.fields) for b in self.buckets}

    @property
    def kpi_count(self) -> int:
        return sum(f.kpi_count for f in self.fields)

    @property
    def program_count(self) -> int:
        return sum(len(f.programs) for f in self.fields)

    @property
    def evaluation_columns(self) -> list[tuple[str, str]]:
        """(key, heading) of the 評価 count columns: each rating, then 未評価."""
        return [*((r.code, f"{r.code} {r.label}") for r in self.ratings), (NOT_EVALUATED,) * 2]

    @property
    def direction_columns(self) -> list[tuple[str, str]]:
        return [*self.directions, (NOT_EVALUATED,) * 2]

    def _count(self, name: str) -> dict[str, int]:
        total: dict[str, int] = {}
        for f in self.fields:
            for key, n in getattr(f, name).items():
                total[key] = total.get(key, 0) + n
        return total

    @property
    def evaluation_counts(self) -> dict[str, int]:
        return self._count("evaluation_counts")

    @property
    def direction_counts(self) -> dict[str, int]:
        return self._count("direction_counts")


# ---------------------------------------------------------------------------


def buckets_for(levels) -> list[Bucket]:
    """The columns of the result count: each grade, then 未把握, 評価対象外, 事業化後に設定."""
    return [
        *(Bucket(level.code, f"{level.symbol} {level.label}") for level in levels),
        Bucket("no_data", "−（未把握）"),
        Bucket("not_judged", "評価対象外"),
        Bucket("to_be_set", "事業化後に設定"),
    ]


def build_report(*, vision: Vision, fiscal_year: int) -> ProgressReport:
    """The progress report of ``fiscal_year`` from approved figures only."""
    with translation.override("ja"):
        return _build(vision, fiscal_year)


def _build(vision: Vision, year: int) -> ProgressReport:
    levels = grade_levels()
    towns = list(vision.municipalities.order_by("sort_order", "code"))
    programs = list(
        Program.objects.filter(item__category__policy_field__vision=vision)
        .running_in(year)
        .select_related("item__category__policy_field")
        .prefetch_related("participants", "schedule_tasks", "stated_totals")
        .order_by("item__category__policy_field__number", "item__number", "number")
    )
    shares = list(
        CostShare.objects.published()
        .filter(program__in=programs, fiscal_year=year)
        .select_related("municipality")
    )
    shares_at = {(s.program_id, s.municipality_id, s.kind): s for s in shares}
    code_of = {t.pk: t.code for t in towns}
    kpis = list(
        public_kpis(KPI.objects.filter(program__in=programs))
        .prefetch_related(Prefetch("target_history", queryset=KPITarget.objects.all()))
        .order_by("program_id", "order")
    )
    load_public_actuals(kpis)
    kpis_by_program: dict[int, list[KPI]] = {}
    for kpi in kpis:
        kpis_by_program.setdefault(kpi.program_id, []).append(kpi)
    columns = list(range(min(vision.period_start - 1, year), year + 1))
    as_of = [s.approved_at for s in shares if s.approved_at]

    sections: dict[int, FieldSection] = {}
    for f in PolicyField.objects.filter(vision=vision).order_by("number"):
        sections[f.pk] = FieldSection(field=f, programs=[])
    for program in programs:
        participants = sorted(program.participants.all(), key=lambda m: (m.sort_order, m.code))
        participant_ids = {m.pk for m in participants}
        rows = []
        for town in towns:
            amounts = {}
            for kind in KINDS:
                share = shares_at.get((program.pk, town.pk, kind))
                amounts[kind] = None if share is None else share.approved_amount_kyen
            if town.pk in participant_ids or any(v is not None for v in amounts.values()):
                rows.append(ShareRow(town, town.pk in participant_ids, amounts))
        stated = next(
            (t.amount_kyen for t in program.stated_totals.all() if t.fiscal_year == year), None
        )
        kpi_rows = []
        for kpi in kpis_by_program.get(program.pk, []):
            actuals = [a for a in kpi.published if a.fiscal_year <= year]
            as_of += [a.approved_at for a in actuals if a.approved_at]
            kpi_rows.append(_kpi_row(kpi, actuals, participants, levels, year, columns))
        section = sections[program.item.category.policy_field_id]
        section.programs.append(
            ProgramSection(
                program=program,
                participants=participants,
                shares=rows,
                totals={
                    kind: share_total(
                        {
                            code_of[town_id]: share.approved_amount_kyen
                            for (program_id, town_id, k), share in shares_at.items()
                            if program_id == program.pk and k == kind
                        },
                        {m.code for m in participants},
                    )
                    for kind in KINDS
                },
                stated_total=stated,
                tasks=[TaskRow(t.title, t.runs_in(year)) for t in program.schedule_tasks.all()],
                kpis=kpi_rows,
            )
        )
    fields = list(sections.values())
    vision_opinions = _add_evaluations(vision, year, fields)
    for section in fields:
        for program in section.programs:
            for row in program.kpis:
                section.counts[row.bucket] = section.counts.get(row.bucket, 0) + 1
        section.totals = {k: sum_of_totals([p.totals[k] for p in section.programs]) for k in KINDS}
    completeness, completeness_total = completeness_rows(vision=vision, fiscal_year=year)
    return ProgressReport(
        vision=vision,
        fiscal_year=year,
        generated_at=timezone.now(),
        as_of=max(as_of, default=None),
        years=columns,
        fields=fields,
        buckets=buckets_for(levels),
        levels=levels,
        completeness=completeness,
        completeness_total=completeness_total,
        grand_totals={
            k: sum_of_totals([p.totals[k] for f in fields for p in f.programs]) for k in KINDS
        },
        ratings=ratings(),
        opinions=vision_opinions,
    )


def _add_evaluations(vision: Vision, year: int, fields: list[FieldSection]) -> list[OpinionRow]:
    """Set each program's approved evaluation, towns' 取組状況 and opinions of ``year``;
    set each field's opinions; return the opinions on the whole vision."""
    programs = {p.program.pk: p for f in fields for p in f.programs}
    by_field = {f.field.pk: f for f in fields}
    kpi_names = {k.kpi.pk: k.kpi.name for p in programs.values() for k in p.kpis}
    for program_id, content in (
        ProgramEvaluation.objects.published()
        .filter(program_id__in=programs, fiscal_year=year)
        .values_list("program_id", "approved_content")
    ):
        rating = content.get("rating") or {}
        direction = content.get("direction", "")
        programs[program_id].evaluation = EvaluationBlock(
            rating_code=rating.get("code", ""),
            rating=f"{rating.get('code', '')} {rating.get('label', '')}".strip(),
            rating_en=rating.get("label_en", ""),
            direction=direction,
            direction_label=Direction(direction).label if direction else "",
            direction_reason=content.get("direction_reason", ""),
            done=content.get("done", ""),
            results=content.get("results", ""),
            issues=content.get("issues", ""),
            analyses=[
                (kpi_names.get(a["kpi"], ""), a["cause"], a["remedy"])
                for a in content.get("analyses", [])
            ],
        )
    activities = (
        TownActivity.objects.published()
        .filter(program_id__in=programs, fiscal_year=year)
        .exclude(approved_text="")
        .select_related("municipality")
        .order_by("municipality__sort_order", "municipality__code")
    )
    for activity in activities:
        programs[activity.program_id].activities.append(
            (activity.municipality.name, activity.approved_text)
        )
    on_vision = []
    opinions = (
        Opinion.objects.published()
        .filter(meeting__vision=vision, meeting__fiscal_year=year)
        .select_related("meeting", "program", "policy_field")
        .order_by("meeting__held_on", "meeting_id", "order")
    )
    for opinion in opinions:
        row = OpinionRow(
            meeting=opinion.meeting.title,
            held_on=opinion.meeting.held_on,
            subject=str(opinion.program.name if opinion.program else opinion.policy_field or ""),
            text=opinion.published_text,
            response=opinion.published_response,
        )
        if opinion.program_id in programs:
            programs[opinion.program_id].opinions.append(row)
        elif opinion.policy_field_id in by_field:
            by_field[opinion.policy_field_id].opinions.append(row)
        else:
            row.subject = row.subject or "ビジョン全体"
            on_vision.append(row)
    return on_vision


def _kpi_row(kpi, actuals, participants, levels, year, columns) -> KPIRow:
    progress = judge_kpi(kpi, actuals, levels, participants)
    by_year = {j.fiscal_year: j for j in progress.years}
    judgement = by_year.get(year)
    cells = []
    for column in columns:
        j = by_year.get(column)
        if j is None:
            cells.append(ActualCell(column, None))
        elif j.status == Status.COLLECTING:
            cells.append(
                ActualCell(
                    column, None, f"集計中（{len(j.reported)}/{len(participants)}市町村が報告）"
                )
            )
        else:
            cells.append(ActualCell(column, j.actual))
    target, target_year = kpi.target_for(year)
    bucket, result = _result(kpi, progress, judgement, target, year, len(participants))
    return KPIRow(
        kpi=kpi,
        progress=progress,
        judgement=judgement,
        actuals=cells,
        target=target,
        target_year=target_year,
        target_changed=(target, target_year) != (kpi.target, kpi.target_year),
        bucket=bucket,
        result=result,
    )


def _result(kpi, progress, judgement, target, year, expected_towns) -> tuple[str, str]:
    """(bucket, words) of a KPI for the report year."""
    if kpi.to_be_set_later:
        return "to_be_set", "事業化後に設定"
    if target is None:
        return "not_judged", "評価対象外（目標未設定）"
    if judgement is None:
        if progress.status == Status.NO_BASELINE:
            return "not_judged", "評価対象外（現状値未設定）"
        if kpi.baseline_year is not None and year <= kpi.baseline_year:
            return "no_data", "基準年度のため評価なし"
        return "no_data", "−（未把握）"
    if judgement.status == Status.COLLECTING:
        return "no_data", f"集計中（{len(judgement.reported)}/{expected_towns}市町村が報告）"
    if judgement.status in (Status.NO_TARGET, Status.NO_BASELINE):
        return "not_judged", (
            "評価対象外（目標未設定）"
            if judgement.status == Status.NO_TARGET
            else "評価対象外（現状値未設定）"
        )
    if judgement.status == Status.TO_BE_SET:
        return "to_be_set", "事業化後に設定"
    if judgement.grade is not None:
        return judgement.grade.code, f"{judgement.grade.symbol} {judgement.grade.label}"
    if kpi.baseline_year is not None and year <= kpi.baseline_year:
        return "no_data", "基準年度のため評価なし"
    return "no_data", "−（未把握）"


def completeness_rows(
    *, vision: Vision, fiscal_year: int
) -> tuple[list[CompletenessRow], CompletenessRow]:
    """The reporting status per town (and the area return) with the issue-3 counts."""
    reporting_year = ReportingYear.objects.filter(vision=vision, fiscal_year=fiscal_year).first()
    if reporting_year is None:
        reporting_year = ReportingYear(vision=vision, fiscal_year=fiscal_year)
    reporters = [*vision.municipalities.order_by("sort_order", "code"), None]
    returns = [
        build_return(vision=vision, reporting_year=reporting_year, reporter=r) for r in reporters
    ]
    rows = [
        CompletenessRow(
            code=ret.code,
            name=ret.name,
            due=ret.due,
            counts=ret.counts(),
            reported=ret.reported,
            rate=ret.rate,
        )
        for ret in returns
    ]
    total = totals(returns)
    return rows, CompletenessRow(
        code="total",
        name="計",
        due=total["due"],
        counts=total["counts"],
        reported=total["reported"],
        rate=total["rate"],
    )


def summary_json(report: ProgressReport) -> dict:
    """The summary kept with a published report (shown on its public page)."""

    def number(value):
        return None if value is None else str(value)

    return {
        "fiscal_year": report.fiscal_year,
        "as_of": None if report.as_of is None else report.as_of.isoformat(),
        "buckets": [{"key": b.key, "label": b.label} for b in report.buckets],
        "fields": [
            {
                "name": f.name,
                "programs": len(f.programs),
                "counts": [f.counts.get(b.key, 0) for b in report.buckets],
                "kpis": f.kpi_count,
                "totals": [f.totals[k].value for k in KINDS],
                "totals_text": [f.totals[k].text for k in KINDS],
            }
            for f in report.fields
        ],
        "total_counts": [report.total_counts[b.key] for b in report.buckets],
        "kpis": report.kpi_count,
        "grand_totals": [report.grand_totals[k].value for k in KINDS],
        "grand_totals_text": [report.grand_totals[k].text for k in KINDS],
        "completeness": [
            {
                "name": r.name,
                "due": r.due,
                "approved": r.approved,
                "submitted": r.submitted,
                "open": r.open,
                "rate": number(r.rate),
            }
            for r in [*report.completeness, report.completeness_total]
        ],
    }
