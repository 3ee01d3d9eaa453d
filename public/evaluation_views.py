"""Public pages of the yearly evaluation (年度の評価): the years with published evaluations,
one page per fiscal year, one program's evaluation of a year, and the public evidence files.

Only what was approved reaches these pages: a sheet's ``approved_content`` (the copy made
at approval; its working text is never even read here), the towns' ``approved_text``, the
published copies of the 懇談会's opinions and responses, and evidence files that are
public and part of the approved content. The reads at the top are shared with the program
page (``public.program_views``) and open data (``public.opendata``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from core import charts
from core.formats import is_english, local_name
from evaluations.evidence import evidence_response
from evaluations.models import (
    DIRECTION_EN,
    CommitteeMeeting,
    Direction,
    Evidence,
    Opinion,
    ProgramEvaluation,
    TownActivity,
)
from evaluations.selectors import ratings
from kpis.models import KPI
from kpis.selectors import attach_progress, grade_levels
from programs.models import Program
from public.kpi_views import BOMTableExport
from public.tables import EvaluationYearTable
from vision.models import PolicyField, Vision
from vision.selectors import current_vision

NOT_EVALUATED = 10_000  # sorts after every rating and direction

# --- reads: approved content only -----------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """The 評価 as approved (code and labels copied at approval); ``order`` is its place
    in the current scale (a code the scale no longer has sorts after it)."""

    code: str
    label: str
    label_en: str = ""
    order: int = NOT_EVALUATED - 1


def direction_label(code: str) -> str:
    """今後の方向性 in the page's language (改善して継続 / Continue with improvements)."""
    if not code:
        return ""
    if is_english():
        return DIRECTION_EN.get(code, code)
    return dict(Direction.choices).get(code, code)


DIRECTION_ORDER = {code: i for i, code in enumerate(Direction.values)}


@dataclass
class Analysis:
    """A KPI's 要因分析 and 改善策 as approved, with the KPI's judgement of that year."""

    kpi_id: int
    cause: str
    remedy: str
    kpi: KPI | None = None
    judgement: object | None = None


@dataclass
class PublicEvaluation:
    """A program's evaluation of one fiscal year, as approved."""

    pk: int
    program_id: int
    fiscal_year: int
    approved_at: datetime
    rating: Rating | None
    direction: str
    done: str
    results: str
    issues: str
    direction_reason: str
    analyses: list[Analysis]
    evidence_ids: list[int]
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def direction_label(self) -> str:
        return direction_label(self.direction)

    @property
    def direction_order(self) -> int:
        return DIRECTION_ORDER.get(self.direction, NOT_EVALUATED - 1)


def rating_scale() -> dict[str, Rating]:
    """The current 評価 scale by code, in order."""
    return {r.code: Rating(r.code, r.label, r.label_en, i) for i, r in enumerate(ratings())}


def _rating(content: dict, scale: dict[str, Rating] | None) -> Rating | None:
    approved = content.get("rating")
    if not approved:
        return None
    current = (scale or {}).get(approved.get("code"))
    return Rating(
        code=approved.get("code", ""),
        label=approved.get("label", ""),
        label_en=approved.get("label_en", ""),
        order=current.order if current else NOT_EVALUATED - 1,
    )


def published_evaluations(queryset, scale=None) -> list[PublicEvaluation]:
    """The approved copies of the sheets in ``queryset`` (approved ones only).

    Only the copy and the keys are read from the database: a sheet's working text (a
    draft, or a change after approval) never leaves it on the way to a public page.
    ``scale`` (``rating_scale()``) gives each rating its place, for sorting.
    """
    rows = (
        queryset.filter(approved_at__isnull=False, approved_content__isnull=False)
        .only("pk", "program_id", "fiscal_year", "approved_at", "approved_content")
        .order_by("fiscal_year", "program_id")
    )
    evaluations = []
    for row in rows:
        content = row.approved_content or {}
        evaluations.append(
            PublicEvaluation(
                pk=row.pk,
                program_id=row.program_id,
                fiscal_year=row.fiscal_year,
                approved_at=row.approved_at,
                rating=_rating(content, scale),
                direction=content.get("direction") or "",
                done=content.get("done") or "",
                results=content.get("results") or "",
                issues=content.get("issues") or "",
                direction_reason=content.get("direction_reason") or "",
                analyses=[
                    Analysis(a["kpi"], a.get("cause") or "", a.get("remedy") or "")
                    for a in content.get("analyses") or []
                    if a.get("kpi") is not None
                ],
                evidence_ids=[pk for pk in content.get("evidence") or [] if isinstance(pk, int)],
            )
        )
    return evaluations


def vision_evaluations(vision: Vision):
    """The sheets of ``vision``'s programs (a queryset, to be filtered further)."""
    return ProgramEvaluation.objects.filter(program__item__category__policy_field__vision=vision)


def attach_evidence(evaluations: list[PublicEvaluation]) -> None:
    """Each evaluation's evidence files that are public and part of its approved content."""
    wanted = {pk for e in evaluations for pk in e.evidence_ids}
    if not wanted:
        return
    files = Evidence.objects.filter(
        pk__in=wanted,
        is_public=True,
        evaluation_id__in=[e.pk for e in evaluations],
    ).only("pk", "evaluation_id", "token", "title", "content_type", "size")
    by_pk = {f.pk: f for f in files}
    for evaluation in evaluations:
        evaluation.evidence = [
            by_pk[pk]
            for pk in evaluation.evidence_ids
            if pk in by_pk and by_pk[pk].evaluation_id == evaluation.pk
        ]


def public_evidence(token: str, vision: Vision) -> Evidence:
    """The evidence file behind a public download link, or 404: public, of an approved sheet
    of ``vision``, and part of that sheet's approved content."""
    evidence = (
        Evidence.objects.filter(
            token=token,
            is_public=True,
            evaluation__approved_at__isnull=False,
            evaluation__program__item__category__policy_field__vision=vision,
        )
        .select_related("evaluation")
        .first()
    )
    content = evidence.evaluation.approved_content if evidence else None
    if evidence is None or evidence.pk not in (content or {}).get("evidence", []):
        raise Http404("その資料は公開されていません。")
    return evidence


def published_activities(program: Program, fiscal_year: int) -> list[TownActivity]:
    """The participating towns' approved 取組状況 of a program and year (approved text only)."""
    return list(
        TownActivity.objects.published()
        .filter(program=program, fiscal_year=fiscal_year)
        .exclude(approved_text="")
        .only("pk", "program_id", "municipality", "fiscal_year", "approved_text", "approved_at")
        .select_related("municipality")
        .order_by("municipality__sort_order", "municipality__code")
    )


def published_opinions():
    """Published opinions with what a public page shows of them; the working text and
    response are left in the database."""
    return (
        Opinion.objects.published()
        .defer("text", "response")
        .select_related(
            "meeting", "program__item__category__policy_field", "policy_field", "revision"
        )
        .order_by("meeting__held_on", "meeting_id", "order")
    )


def evaluation_years(vision: Vision) -> list[int]:
    """Fiscal years with an approved evaluation or a published 懇談会 meeting, newest first."""
    years = set(
        vision_evaluations(vision)
        .filter(approved_at__isnull=False)
        .values_list("fiscal_year", flat=True)
    )
    years |= set(
        CommitteeMeeting.objects.published()
        .filter(vision=vision)
        .values_list("fiscal_year", flat=True)
    )
    return sorted(years, reverse=True)


def evaluation_block(program: Program, fiscal_year: int | None, *, kpis=None) -> dict:
    """What the program page and the program's year page show of one year's evaluation.

    ``fiscal_year``: None for the latest year with something published. ``kpis``: the
    program's KPIs with progress attached (the program page has them); read here
    otherwise. Returns ``evaluation`` (None when that year's evaluation is not approved),
    ``activities``, ``opinions``, ``years`` (every year with an approved evaluation or a
    published opinion on the program, newest first) and ``fiscal_year`` (None: nothing).
    Two queries when nothing is published, four at most.
    """
    evaluations = {
        e.fiscal_year: e
        for e in published_evaluations(ProgramEvaluation.objects.filter(program=program))
    }
    opinions = list(published_opinions().filter(program=program))
    years = sorted(set(evaluations) | {o.meeting.fiscal_year for o in opinions}, reverse=True)
    if fiscal_year is None:
        fiscal_year = years[0] if years else None
    evaluation = evaluations.get(fiscal_year)
    block = {
        "program": program,
        "fiscal_year": fiscal_year,
        "years": years,
        "evaluation": evaluation,
        "activities": [],
        "opinions": [o for o in opinions if o.meeting.fiscal_year == fiscal_year],
    }
    if evaluation is None:
        return block
    attach_evidence([evaluation])
    if kpis is None:
        kpis = attach_progress(list(KPI.objects.filter(program=program)), grade_levels())
    by_pk = {k.pk: k for k in kpis}
    for analysis in evaluation.analyses:
        analysis.kpi = by_pk.get(analysis.kpi_id)
        progress = getattr(analysis.kpi, "progress", None)
        analysis.judgement = next(
            (j for j in getattr(progress, "years", []) if j.fiscal_year == fiscal_year), None
        )
    evaluation.analyses = [a for a in evaluation.analyses if a.kpi is not None]
    block["activities"] = published_activities(program, fiscal_year)
    return block


# --- the year page ----------------------------------------------------------------------------


@dataclass
class YearRow:
    """A row of the year's table: a program and its approved evaluation (None: 未評価)."""

    program: Program
    evaluation: PublicEvaluation | None
    fiscal_year: int

    @property
    def policy_field(self) -> PolicyField:
        return self.program.item.category.policy_field

    @property
    def field_order(self) -> int:
        return self.policy_field.number

    @property
    def program_order(self) -> tuple[int, int]:
        return (self.program.item.number, self.program.number)

    @property
    def rating(self) -> Rating | None:
        return self.evaluation.rating if self.evaluation else None

    @property
    def rating_order(self) -> int:
        return self.rating.order if self.rating else NOT_EVALUATED

    @property
    def direction(self) -> str:
        return self.evaluation.direction if self.evaluation else ""

    @property
    def direction_order(self) -> int:
        return self.evaluation.direction_order if self.evaluation else NOT_EVALUATED

    @property
    def approved_at(self) -> datetime | None:
        return self.evaluation.approved_at if self.evaluation else None

    @property
    def approved_order(self) -> float:
        return self.approved_at.timestamp() if self.approved_at else 0.0


def year_programs(vision: Vision, fiscal_year: int, evaluated_ids) -> list[Program]:
    """The programs of the year: those in the plan that year, and any evaluated anyway."""
    programs = Program.objects.filter(item__category__policy_field__vision=vision)
    running = set(programs.running_in(fiscal_year).values_list("pk", flat=True))
    return list(
        programs.filter(pk__in=running | set(evaluated_ids))
        .select_related("item__category__policy_field")
        .order_by("item__number", "number")
    )


def year_rows(vision: Vision, fiscal_year: int, scale=None) -> list[YearRow]:
    evaluations = published_evaluations(
        vision_evaluations(vision).filter(fiscal_year=fiscal_year), scale
    )
    by_program = {e.program_id: e for e in evaluations}
    return [
        YearRow(program, by_program.get(program.pk), fiscal_year)
        for program in year_programs(vision, fiscal_year, by_program)
    ]


def _field_label(policy_field) -> str:
    return f"{policy_field.number}. {local_name(policy_field)}"


def count_tables(
    rows: list[YearRow], scale: dict[str, Rating]
) -> tuple[charts.Table, charts.Table]:
    """Programs counted by 評価 and by 今後の方向性, per policy field (with the total)."""
    fields = []
    for row in rows:
        if row.policy_field not in fields:
            fields.append(row.policy_field)
    codes = list(scale)
    codes += sorted({r.rating.code for r in rows if r.rating and r.rating.code not in scale})
    labels = {code: f"{code} {local_name(rating)}" for code, rating in scale.items()}
    for row in rows:
        if row.rating and row.rating.code not in labels:
            labels[row.rating.code] = f"{row.rating.code} {local_name(row.rating)}"
    not_evaluated = _("未評価")

    def table(caption, keys, key_label, key_of):
        header = [_("政策分野"), *[key_label(k) for k in keys], not_evaluated, _("計")]
        body = []
        totals = Counter()
        for policy_field in fields:
            mine = [r for r in rows if r.policy_field == policy_field]
            counts = Counter(key_of(r) for r in mine)
            totals.update(counts)
            body.append(
                [_field_label(policy_field)]
                + [str(counts.get(k, 0)) for k in keys]
                + [str(counts.get(None, 0)), str(len(mine))]
            )
        body.append(
            [_("計")]
            + [str(totals.get(k, 0)) for k in keys]
            + [str(totals.get(None, 0)), str(len(rows))]
        )
        return charts.Table(caption=caption, columns=header, rows=body, total_rows=1)

    ratings_table = table(
        _("政策分野別の評価（事業の数）"),
        codes,
        lambda code: labels[code],
        lambda r: r.rating.code if r.rating else None,
    )
    directions = [d for d in Direction.values]
    directions += sorted(
        {r.direction for r in rows if r.evaluation and r.direction not in directions}
    )
    directions_table = table(
        _("政策分野別の今後の方向性（事業の数）"),
        directions,
        direction_label,
        lambda r: (r.direction or None) if r.evaluation else None,
    )
    return ratings_table, directions_table


def year_meetings(vision: Vision, fiscal_year: int) -> list[CommitteeMeeting]:
    """The year's published 懇談会 meetings, each with its published opinions."""
    return list(
        CommitteeMeeting.objects.published()
        .filter(vision=vision, fiscal_year=fiscal_year)
        .prefetch_related(Prefetch("opinions", queryset=published_opinions(), to_attr="published"))
        .order_by("held_on", "pk")
    )


def _year_exists(vision: Vision, fiscal_year: int, years: list[int]) -> bool:
    """A page for each year of the plan (from the year before it, as the schedules do) and
    for any other year with something published."""
    return vision.period_start - 1 <= fiscal_year <= vision.period_end or fiscal_year in years


EXPORT_SEQUENCE = (
    "field",
    "item",
    "program_id",
    "program",
    "fiscal_year",
    "fiscal_year_ja",
    "rating_code",
    "rating",
    "direction_code",
    "direction",
    "approved_at",
)
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)


def index(request):
    vision = current_vision()
    years = evaluation_years(vision)
    evaluated = Counter(
        vision_evaluations(vision)
        .filter(approved_at__isnull=False)
        .values_list("fiscal_year", flat=True)
    )
    opinions = Counter(
        Opinion.objects.published()
        .filter(meeting__vision=vision)
        .values_list("meeting__fiscal_year", flat=True)
    )
    return render(
        request,
        "evaluations/public_index.html",
        {
            "vision": vision,
            "years": [
                {"fiscal_year": y, "evaluated": evaluated.get(y, 0), "opinions": opinions.get(y, 0)}
                for y in years
            ],
        },
    )


def year_page(request, fiscal_year: int):
    vision = current_vision()
    years = evaluation_years(vision)
    if not _year_exists(vision, fiscal_year, years):
        raise Http404("この年度の評価はありません。")
    scale = rating_scale()
    rows = year_rows(vision, fiscal_year, scale)
    export_format = request.GET.get("_export")
    if export_format in EXPORT_FORMATS:
        table = EvaluationYearTable(rows, sequence=EXPORT_SEQUENCE)
        RequestConfig(request, paginate=False).configure(table)
        exporter = BOMTableExport(
            export_format, table, dataset_kwargs={"title": str(_("年度の評価"))}
        )
        return exporter.response(filename=f"evaluations_{fiscal_year}.{export_format}")
    table = EvaluationYearTable(rows)
    table.fiscal_year = fiscal_year  # for its caption
    RequestConfig(request, paginate=False).configure(table)
    ratings_table, directions_table = count_tables(rows, scale)
    query = request.GET.copy()
    query.pop("_export", None)
    export_links = []
    for fmt in EXPORT_FORMATS:
        q = query.copy()
        q["_export"] = fmt
        export_links.append((fmt, "?" + q.urlencode()))
    return render(
        request,
        "evaluations/public_year.html",
        {
            "vision": vision,
            "fiscal_year": fiscal_year,
            "table": table,
            "evaluated": sum(1 for r in rows if r.evaluation),
            "program_count": len(rows),
            "ratings_table": ratings_table,
            "directions_table": directions_table,
            "meetings": year_meetings(vision, fiscal_year),
            "years": years,
            "export_links": export_links,
        },
    )


def program_year(request, fiscal_year: int, pk: int):
    """One program's evaluation of one year (the program page shows the latest)."""
    vision = current_vision()
    program = get_object_or_404(
        Program.objects.select_related("item__category__policy_field"),
        pk=pk,
        item__category__policy_field__vision=vision,
    )
    block = evaluation_block(program, fiscal_year)
    if fiscal_year not in block["years"]:
        raise Http404("この年度の評価は公表されていません。")
    return render(
        request,
        "evaluations/public_program.html",
        {"vision": vision, "program": program, "year_block": block, "fiscal_year": fiscal_year},
    )


def evidence_download(request, token: str):
    """A public evidence file, as a download only (``evidence_response``); never cached."""
    return evidence_response(public_evidence(token, current_vision()))
