"""The vision document (共生ビジョン 本文) rendered from the data.

``document_context(vision)`` gathers sections 1–5 of the document in its printed
order and numbering: names, purpose, history, period, the area situation with the
municipality profiles and the statistics tables, the future image, the roles, the
agreement matrix (section 4) and, for every agreement item, the agreement's content
and each joint program's table as printed (schedule, 事業費見込 with its 計, subsidy
schemes, cost-split thinking, KPIs).

Figures are shown exactly as stored, which is as printed: a stated 計 that differs
from the sum of the shares (子育て支援センター事業: 45,812千円) stays as it is, and
nothing is recomputed. After plan revisions the document shows the plan as revised
(added budget years, changed targets, added or moved programs) and says so.

The same context serves the public HTML page and the PDF (``core.pdf``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from core.japanese import era_year, fiscal_year_short, format_number
from kpis.models import KPI, KPITarget
from municipalities.models import Municipality
from programs.models import CostShare, Program
from revisions.services import revisions_of, target_periods
from vision.models import (
    AgreementItem,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    PolicyField,
    PopulationFigure,
    StatisticsSource,
    Vision,
)

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
KATAKANA = "アイウエオカキクケコサシスセソ"
STATUS_LABELS = {Vision.Status.DRAFT: "素案", Vision.Status.ADOPTED: "", Vision.Status.REVISED: ""}


def circled(n: int) -> str:
    return CIRCLED[n - 1] if 1 <= n <= len(CIRCLED) else f"({n})"


def katakana(n: int) -> str:
    return KATAKANA[n - 1] if 1 <= n <= len(KATAKANA) else str(n)


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


@dataclass
class CostTable:
    years: list[int]
    total_row: list[int | None]  # the stated 計 per year, as printed (None: blank)
    rows: list[tuple[Municipality, list[int | None]]]  # rows printed, amounts as printed

    @property
    def year_labels(self) -> list[str]:
        return [fiscal_year_short(y) for y in self.years]


@dataclass
class ProgramEntry:
    program: Program
    heading: str  # 具体的な連携事業 / 具体的な連携事業 1
    tasks: list
    schedule_cells: list[list[bool | None]]
    cost: CostTable
    subsidies: list[str]
    kpis: list[KPI]
    target_notes: list[str] = field(default_factory=list)


@dataclass
class ItemEntry:
    item: AgreementItem
    mark: str  # ア, イ…
    programs: list[ProgramEntry]


@dataclass
class CategoryEntry:
    category: object
    mark: str  # ①, ②…
    items: list[ItemEntry]


@dataclass
class FieldEntry:
    field: PolicyField
    categories: list[CategoryEntry]


def document_context(vision: Vision) -> dict:
    municipalities = list(vision.municipalities.order_by("sort_order", "code"))
    towns = [m for m in municipalities if not m.is_central_city]
    schedule_years = list(range(vision.period_start - 1, vision.period_end + 1))
    revisions = revisions_of(vision)
    return {
        "vision": vision,
        "status_label": STATUS_LABELS.get(vision.status, ""),
        "municipalities": municipalities,
        "municipality_names": "、".join(m.name for m in municipalities),
        "cover_names": _cover_names(municipalities),
        "towns": towns,
        "events": [
            {"mark": circled(i), "event": e}
            for i, e in enumerate(vision.events.order_by("order"), start=1)
        ],
        "area_paragraphs": paragraphs(vision.area_situation),
        "future_paragraphs": vision.future_image_paragraphs,
        "sources": {
            s.table: paragraphs(s.source) for s in StatisticsSource.objects.filter(vision=vision)
        },
        "population": _population(vision, municipalities),
        "daytime": _daytime(vision),
        "commuting": _commuting(vision, municipalities),
        "hospital": _hospital(vision, municipalities),
        "matrix": _matrix(vision, towns),
        "fields": _section5(vision, schedule_years),
        "schedule_years": schedule_years,
        "schedule_labels": [fiscal_year_short(y) for y in schedule_years],
        "cost_years": schedule_years,
        "revisions": revisions,
        "latest_revision": revisions[-1] if revisions else None,
        "generated_at": timezone.now(),
    }


def _cover_names(municipalities: list[Municipality]) -> list[str]:
    names = [m.name for m in municipalities]
    return ["・".join(names[:4]), "・".join(names[4:])] if len(names) > 4 else ["・".join(names)]


# ---------------------------------------------------------------------------
# Section 3 (1) ② and ③: the statistics tables


def _population(vision: Vision, municipalities: list[Municipality]) -> dict:
    figures = list(PopulationFigure.objects.filter(vision=vision).select_related("municipality"))
    years = sorted({f.year for f in figures})
    by_key: dict = {}
    for f in figures:
        key = f.municipality_id if f.municipality_id else f.scope
        by_key.setdefault(key, {})[f.year] = f
    kinds = {f.year: f.kind for f in figures}
    census = [y for y in years if kinds[y] == PopulationFigure.Kind.CENSUS]

    def row(label, values, *, rates=True):
        cells = [values.get(y) for y in years]
        return {
            "label": label,
            "values": [None if c is None else c.population for c in cells],
            "rates": [None if c is None else c.printed_change_rate for c in cells]
            if rates
            else None,
        }

    rows = [row(m.name, by_key.get(m.pk, {})) for m in municipalities]
    area = by_key.get(PopulationFigure.Scope.AREA, {})
    rows.append(row("圏域の合計", area))
    prefecture = row("山形県人口", by_key.get(PopulationFigure.Scope.PREFECTURE, {}), rates=False)
    shares = [area[y].printed_prefecture_share if y in area else None for y in years]
    return {
        "years": years,
        "era_labels": [f"{era_year(y)}年" for y in years],
        "census_count": len(census),
        "projection_count": len(years) - len(census),
        "rows": rows,
        "prefecture": prefecture,
        "shares": shares,
    }


def _daytime(vision: Vision) -> dict:
    rows = list(
        DaytimePopulation.objects.filter(vision=vision)
        .select_related("municipality")
        .order_by("census_year", "municipality__sort_order")
    )
    towns = [r for r in rows if r.municipality_id]
    total = next((r for r in rows if not r.municipality_id), None)
    columns = towns + ([total] if total else [])
    return {
        "year": rows[0].census_year if rows else None,
        "headers": [r.municipality.name for r in towns] + (["計"] if total else []),
        "population": [r.population for r in columns],
        "daytime": [r.daytime_population for r in columns],
        "ratio": [r.printed_ratio for r in columns],
    }


def _commuting(vision: Vision, municipalities: list[Municipality]) -> dict:
    origins = list(
        CommutingOrigin.objects.filter(vision=vision)
        .select_related("origin")
        .order_by("census_year", "origin__sort_order")
    )
    flows = {
        (f.origin_id, f.destination_id): f for f in CommutingFlow.objects.filter(vision=vision)
    }
    destinations = [m for m in municipalities if any(d == m.pk for _o, d in flows)]
    rows = []
    for o in origins:
        cells = [flows.get((o.origin_id, d.pk)) for d in destinations]
        rows.append(
            {
                "origin": o.origin,
                "commuters": [None if c is None else c.commuters for c in cells],
                "shares": [None if c is None else c.printed_share for c in cells],
                "total": o.printed_total,
                "to_other": o.printed_to_other_share,
            }
        )
    return {"destinations": destinations, "rows": rows}


def _hospital(vision: Vision, municipalities: list[Municipality]) -> dict:
    rows = list(HospitalPatients.objects.filter(vision=vision).select_related("municipality"))
    if not rows:
        return {"rows": []}
    at = {}
    for r in rows:
        key = r.municipality_id if r.row == HospitalPatients.Row.MUNICIPALITY else r.row
        at[(r.kind, key)] = r
    keys = [m.pk for m in municipalities if any(k == m.pk for _kind, k in at)]
    names = [m.name for m in municipalities if m.pk in keys]
    keys += [HospitalPatients.Row.OTHER, HospitalPatients.Row.TOTAL]
    table = []
    for kind, label in HospitalPatients.Kind.choices:
        cells = [at.get((kind, k)) for k in keys]
        table.append(
            {
                "label": label,
                "patients": [None if c is None else c.patients for c in cells],
                "shares": [None if c is None else c.printed_share for c in cells],
            }
        )
    return {
        "hospital": rows[0].hospital,
        "year": rows[0].fiscal_year,
        "year_label": f"{era_year(rows[0].fiscal_year)}年度",
        "names": names,
        "rows": table,
    }


# ---------------------------------------------------------------------------
# Section 4: the agreement matrix


def _matrix(vision: Vision, towns: list[Municipality]) -> list[dict]:
    items = list(
        AgreementItem.objects.filter(category__policy_field__vision=vision)
        .select_related("category__policy_field")
        .prefetch_related(Prefetch("parties", queryset=ItemParty.objects.all()))
        .order_by("category__policy_field__number", "category__number", "number")
    )
    rows = []
    field_counts: dict[int, int] = {}
    category_counts: dict[int, int] = {}
    for item in items:
        field_counts[item.category.policy_field_id] = (
            field_counts.get(item.category.policy_field_id, 0) + 1
        )
        category_counts[item.category_id] = category_counts.get(item.category_id, 0) + 1
    seen_fields, seen_categories = set(), set()
    for item in items:
        category = item.category
        policy_field = category.policy_field
        parties = {p.municipality_id: p.status for p in item.parties.all()}
        marks = []
        for town in towns:
            status = parties.get(town.pk, ItemParty.Status.UNDECIDED)
            marks.append(
                {"party": "○", "not_party": "—", "undecided": ""}[status]
                if status in ("party", "not_party", "undecided")
                else ""
            )
        rows.append(
            {
                "item": item,
                "field": None if policy_field.pk in seen_fields else policy_field,
                "field_rows": field_counts[policy_field.pk],
                "category": None if category.pk in seen_categories else category,
                "category_rows": category_counts[category.pk],
                "marks": marks,
            }
        )
        seen_fields.add(policy_field.pk)
        seen_categories.add(category.pk)
    return rows


# ---------------------------------------------------------------------------
# Section 5: the programs as printed


def _section5(vision: Vision, years: list[int]) -> list[FieldEntry]:
    programs = list(
        Program.objects.filter(item__category__policy_field__vision=vision)
        .prefetch_related(
            "schedule_tasks",
            "subsidies",
            "stated_totals",
            Prefetch(
                "kpis",
                queryset=KPI.objects.order_by("order").prefetch_related(
                    Prefetch(
                        "target_history", queryset=KPITarget.objects.select_related("revision")
                    )
                ),
            ),
            Prefetch(
                "cost_shares",
                queryset=CostShare.objects.published()
                .filter(kind=CostShare.Kind.PLAN)
                .select_related("municipality"),
                to_attr="plan_shares",
            ),
        )
        .order_by("item__number", "number")
    )
    by_item: dict[int, list[Program]] = {}
    for program in programs:
        by_item.setdefault(program.item_id, []).append(program)
    fields = []
    for policy_field in PolicyField.objects.filter(vision=vision).order_by("number"):
        categories = []
        for c_index, category in enumerate(policy_field.categories.order_by("number"), start=1):
            items = []
            for i_index, item in enumerate(category.items.order_by("number"), start=1):
                item_programs = by_item.get(item.pk, [])
                entries = [
                    _program_entry(
                        p,
                        years,
                        "具体的な連携事業" + (f" {n}" if len(item_programs) > 1 else ""),
                    )
                    for n, p in enumerate(item_programs, start=1)
                ]
                items.append(ItemEntry(item=item, mark=katakana(i_index), programs=entries))
            categories.append(CategoryEntry(category=category, mark=circled(c_index), items=items))
        fields.append(FieldEntry(field=policy_field, categories=categories))
    return fields


def _program_entry(program: Program, years: list[int], heading: str) -> ProgramEntry:
    tasks = list(program.schedule_tasks.all())
    stated = {t.fiscal_year: t.amount_kyen for t in program.stated_totals.all()}
    shares = [s for s in program.plan_shares if s.fiscal_year in years]
    rows: dict[int, tuple[Municipality, dict[int, int | None]]] = {}
    for share in sorted(shares, key=lambda s: (s.municipality.sort_order, s.municipality.code)):
        rows.setdefault(share.municipality_id, (share.municipality, {}))[1][share.fiscal_year] = (
            share.approved_amount_kyen
        )
    cost = CostTable(
        years=years,
        total_row=[stated.get(y) for y in years],
        rows=[(m, [amounts.get(y) for y in years]) for m, amounts in rows.values()],
    )
    kpis = list(program.kpis.all())
    notes = []
    for kpi in kpis:
        periods = target_periods(kpi)
        if len(periods) > 1:
            steps = "、".join(
                f"{_value(p.target)}{kpi.unit}"
                + (
                    f"（{fiscal_year_short(p.first_year)}から・{p.revision}）"
                    if p.first_year
                    else "（当初）"
                )
                for p in periods
            )
            notes.append(f"{kpi.name}の目標値：{steps}")
    return ProgramEntry(
        program=program,
        heading=heading,
        tasks=tasks,
        schedule_cells=[[t.runs_in(y) for y in years] for t in tasks],
        cost=cost,
        subsidies=[s.name for s in program.subsidies.all()],
        kpis=kpis,
        target_notes=notes,
    )


def _value(value: Decimal | None) -> str:
    return format_number(value, blank="未設定")
