"""Public program pages: content, participants, schedule, cost shares, KPIs and the latest
approved evaluation (the earlier ones on ``public.evaluation_views.program_year``)."""

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core import charts
from core.formats import fy_short, local_name
from kpis.models import KPI, KPITarget
from kpis.progress import expected_value, is_maintain, round1
from kpis.selectors import attach_progress, grade_levels
from municipalities.towns import with_towns
from programs.models import CostShare, Program
from public.evaluation_views import evaluation_block
from reports.report import Total, share_total
from revisions.services import describe, target_periods
from vision.areas import area_filter
from vision.models import RevisionChange

KIND_ORDER = {CostShare.Kind.PLAN: 0, CostShare.Kind.BUDGET: 1, CostShare.Kind.SETTLEMENT: 2}


def kind_label(kind: str) -> str:
    """予算 on Japanese pages, Budget on English ones."""
    return _(CostShare.Kind(kind).label)


def share_columns(shares) -> list[tuple[int, str]]:
    """(fiscal year, kind) pairs present, by year then plan → budget → settlement."""
    return sorted({(s.fiscal_year, s.kind) for s in shares}, key=lambda c: (c[0], KIND_ORDER[c[1]]))


def column_label(column) -> str:
    year, kind = column
    return f"{fy_short(year)} {kind_label(kind)}"


def share_matrix(shares, rows, row_of) -> tuple[list, list, list]:
    """Approved amounts (千円) per row and (fiscal year, kind) column, with column sums.

    ``row_of(share)`` is the primary key of the share's row among ``rows``. A cell with
    no approved share is None, and so is the sum of a column without a value: blank,
    never 0. Returns (columns, [(row, cells)], sums).
    """
    columns = share_columns(shares)
    at = {(row_of(s), s.fiscal_year, s.kind): s for s in shares}
    body = []
    for row in rows:
        shares_of_row = [at.get((row.pk, year, kind)) for year, kind in columns]
        body.append((row, [None if s is None else s.approved_amount_kyen for s in shares_of_row]))
    sums = []
    for i in range(len(columns)):
        values = [cells[i] for _row, cells in body if cells[i] is not None]
        sums.append(sum(values) if values else None)
    return columns, body, sums


def total_text(total: Total) -> str:
    """The total row's cell: the sum, 集計中（n/m市町村が報告）, or − (nothing to add up)."""
    if total.is_collecting:
        # The msgid of the town page's 集計中, so both say it in the same words.
        return _("集計中（%(n)s/%(m)s市町村が報告）") % {"n": total.reported, "m": total.expected}
    return charts.fmt(total.value)


def column_totals(shares, columns, participants) -> list[Total]:
    """Each column's total, a total only when every participant's approved share is in."""
    expected = {m.code for m in participants}
    return [
        share_total(
            {
                s.municipality.code: s.approved_amount_kyen
                for s in shares
                if (s.fiscal_year, s.kind) == column
            },
            expected,
        )
        for column in columns
    ]


def cost_share_block(program, shares, stated_totals, municipalities, participants):
    """The cost-share table (千円) and its chart; only approved amounts are passed in."""
    involved = {s.municipality_id for s in shares}
    columns, body, _partial_sums = share_matrix(
        shares, [m for m in municipalities if m.pk in involved], lambda s: s.municipality_id
    )
    totals = column_totals(shares, columns, participants)
    sums = [t.value for t in totals]
    stated = {t.fiscal_year: t.amount_kyen for t in stated_totals}
    stated_row = [
        stated.get(year) if kind == CostShare.Kind.PLAN else None for year, kind in columns
    ]
    mismatches = [
        (columns[i][0], stated_row[i], sums[i])
        for i in range(len(columns))
        if stated_row[i] is not None and sums[i] is not None and stated_row[i] != sums[i]
    ]
    table_rows = [[local_name(m)] + [charts.fmt(v) for v in cells] for m, cells in body]
    table_rows.append([_("各市町村の合計")] + [total_text(t) for t in totals])
    total_rows = 1
    if any(v is not None for v in stated_row):
        table_rows.append([_("計（ビジョン記載）")] + [charts.fmt(v) for v in stated_row])
        total_rows = 2
    table = charts.Table(
        caption=_("{name}の市町村別負担額（千円）").format(name=local_name(program)),
        columns=[_("市町村")] + [column_label(c) for c in columns],
        rows=table_rows,
        total_rows=total_rows,
        note=_("単位：千円。「−」は記載なし（空欄）で、0（負担なし）とは異なります。"),
    )
    chart = None
    if columns and any(v is not None for _m, cells in body for v in cells):
        chart = charts.bar_chart(
            chart_id=f"shares-{program.pk}",
            title=_("市町村別負担額"),
            description=_(
                "市町村ごとの負担額（千円）の横棒グラフ。年度・種別ごとに棒を分けています。数は下の表のとおり。"
            ),
            categories=[local_name(m) for m, _c in body],
            series=[
                charts.Series(column_label(c), [cells[i] for _m, cells in body])
                for i, c in enumerate(columns)
            ],
            table=table,
            unit=_("千円"),
        )
    return {
        "columns": columns,
        "table": table,
        "chart": chart,
        "mismatches": mismatches,
        "empty": not columns,
    }


def kpi_path(kpi):
    """Rows of the expected straight-line path from baseline to target, with approved actuals."""
    progress = kpi.progress
    by_year = {j.fiscal_year: j for j in progress.years}
    rows = []
    if kpi.target is None or (kpi.baseline is None and not is_maintain(kpi)):
        for j in progress.years:
            rows.append({"year": j.fiscal_year, "judgement": j, "expected": None})
        return rows, None
    first = kpi.baseline_year or min([kpi.target_year, *by_year])
    target, target_year = kpi.target_for(first)
    last = max([target_year, *by_year])
    for year in range(min([first, *by_year]), last + 1):
        target, target_year = kpi.target_for(year)
        if is_maintain(kpi):
            expected = target if year > (kpi.baseline_year or 0) else None
        elif year >= first:
            expected = round1(
                expected_value(kpi.baseline, target, kpi.baseline_year, target_year, year)
            )
        else:
            expected = None
        rows.append(
            {
                "year": year,
                "is_baseline": year == kpi.baseline_year,
                "is_target": year == target_year,
                "expected": expected,
                "judgement": by_year.get(year),
            }
        )
    unit = kpi.unit
    years = [r["year"] for r in rows]
    actual_values = []
    for r in rows:
        j = r["judgement"]
        if j is not None and j.actual is not None:
            actual_values.append(j.actual)
        elif r.get("is_baseline") and kpi.baseline is not None:
            actual_values.append(kpi.baseline)
        else:
            actual_values.append(None)
    chart = charts.line_chart(
        chart_id=f"kpi-{kpi.pk}",
        title=_("{name}：目標への直線の見込みと実績").format(name=local_name(kpi)),
        description=_(
            "現状値から目標値までを直線で結んだ見込み（破線）と、承認済みの実績（実線）。値は下の表のとおり。"
        ),
        x_labels=[fy_short(y) for y in years],
        series=[
            charts.Series(_("直線の見込み"), [r["expected"] for r in rows], dashed=True),
            charts.Series(_("実績（現状値を含む）"), actual_values),
        ],
        table=charts.Table(caption="", columns=[], rows=[]),  # the page's own table is richer
        unit=unit,
        zero_based=False,
    )
    return rows, chart


def detail(request, pk: int):
    program = get_object_or_404(
        Program.objects.select_related("item__category__policy_field__vision").prefetch_related(
            "participants",
            "schedule_tasks",
            "subsidies",
            "stated_totals",
            "item__parties",
        ),
        area_filter("item__category__policy_field__vision__"),  # another area's: 404
        pk=pk,
    )
    vision = program.item.category.policy_field.vision
    municipalities = list(vision.municipalities.order_by("sort_order"))
    town_by_pk = {m.pk: m for m in municipalities}
    parties = with_towns(program.item.parties.all(), town_by_pk, "municipality")
    participants = sorted(program.participants.all(), key=lambda m: (m.sort_order, m.code))
    participant_ids = {m.pk for m in participants}
    undecided = (
        [m for m in municipalities if m.pk not in participant_ids]
        if program.participants_undecided
        else []
    )
    shares = with_towns(
        CostShare.objects.published().filter(program=program), town_by_pk, "municipality"
    )
    levels = grade_levels()
    kpis = with_towns(KPI.objects.filter(program=program), town_by_pk, "reporter")
    for kpi in kpis:
        kpi.program = program  # the page's own program, with everything it shows
    # Target histories exist only for KPIs whose target a revision changed.
    prefetch_related_objects(
        [kpi for kpi in kpis if kpi.target_effective_from is not None],
        Prefetch("target_history", queryset=KPITarget.objects.select_related("revision")),
    )
    attach_progress(kpis, levels, town_by_pk, {program.pk: participants})
    for kpi in kpis:
        kpi.target_changes = target_periods(kpi)
        kpi.path_rows, kpi.path_chart = kpi_path(kpi)
        if kpi.is_sum_of_municipalities:
            kpi.component_towns = participants
    tasks = list(program.schedule_tasks.all())
    # The document's schedule grids run from the year before the plan period (R7) to its end.
    years = list(range(vision.period_start - 1, vision.period_end + 1))
    schedule_known = any(t.start_year is not None for t in tasks)
    return render(
        request,
        "programs/detail.html",
        {
            "vision": vision,
            "program": program,
            "participants": participants,
            "undecided": undecided,
            "parties": sorted(parties, key=lambda p: p.municipality.sort_order),
            "tasks": [{"task": t, "cells": [t.runs_in(y) for y in years]} for t in tasks],
            "schedule_years": years,
            "schedule_known": schedule_known,
            "costs": cost_share_block(
                program,
                shares,
                list(program.stated_totals.all()),
                municipalities,
                participants,
            ),
            "kpis": kpis,
            "levels": levels,
            "plan_changes": plan_changes(program),
            # The latest year with an approved evaluation (or a published opinion).
            "evaluation": evaluation_block(program, None, kpis=kpis),
        },
    )


def plan_changes(program) -> list[dict]:
    """What the vision's revisions changed in this program (newest first), in words."""
    changes = RevisionChange.objects.filter(program=program).select_related("revision")
    return [
        {
            "change": c,
            "before": describe(c.kind, c.before),
            "after": describe(c.kind, c.after),
        }
        for c in changes.order_by("-revision__decided_on", "-revision_id", "-pk")
    ]
