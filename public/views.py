"""Public pages of the vision (Japanese at /, English at /en/) and the open data.

Every figure shown here that an officer reports goes through the ``published()``
querysets and their approved values; drafts never reach these pages.
"""

import csv
import io
from decimal import Decimal

from django.db.models import Max, Prefetch
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import charts
from core.formats import cy_short, fy_short, local_name, num, pct, with_unit
from kpis.models import KPI, derive_direction
from kpis.progress import DEFAULT_MAINTAIN_TOLERANCE_PERCENT, Status, judge_value, sum_components
from kpis.selectors import attach_progress, grade_levels, public_kpis
from municipalities.towns import with_towns
from programs.models import CostShare, Program
from public.kpi_status import status_text
from public.opendata import (
    DATASETS,
    LICENSE_SHORT,
    LICENSE_TITLE,
    LICENSE_URL,
    Area,
    attribution,
    datapackage,
    dcat_catalog,
)
from vision.models import (
    AgreementItem,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    KeyFigure,
    PopulationFigure,
    StatisticsSource,
    Vision,
)
from vision.selectors import current_vision, current_vision_or_none


def latest_approval(vision: Vision, kpis: list[KPI]):
    """When a figure was last approved (the public data's "as of" date).

    ``kpis``: every KPI of the vision, as ``vision_kpis()`` returns them (their
    approved actuals are already loaded); the cost shares take one query.
    """
    kpi = max(
        (a.approved_at for k in kpis for a in k.published if a.approved_at is not None),
        default=None,
    )
    share = (
        CostShare.objects.published()
        .filter(program__item__category__policy_field__vision=vision)
        .aggregate(latest=Max("approved_at"))["latest"]
    )
    return max([d for d in (kpi, share) if d is not None], default=None)


def vision_kpis(vision: Vision, levels=None) -> list[KPI]:
    """Every KPI of the vision with ``.progress``, in a fixed number of queries."""
    return attach_progress(
        public_kpis(KPI.objects.filter(program__item__category__policy_field__vision=vision)),
        levels,
    )


# --- grade summary -----------------------------------------------------------------------


def result_buckets(levels) -> list[dict]:
    """The columns of a result count: each grade, then 未把握, 評価対象外, 事業化後に設定."""
    buckets = [
        {
            "key": level.code,
            "css": level.code.lower(),
            "short": level.symbol,
            "label": f"{level.symbol} {local_name(level)}",
        }
        for level in levels
    ]
    buckets += [
        {"key": "no_data", "css": "nodata", "short": "−", "label": _("−（未把握）")},
        {"key": "not_judged", "css": "notjudged", "short": "／", "label": _("評価対象外")},
        {"key": "to_be_set", "css": "later", "short": "…", "label": _("事業化後に設定")},
    ]
    return buckets


def bucket_of(kpi) -> str:
    key = kpi.progress.bucket
    if key in (Status.NO_TARGET, Status.NO_BASELINE):
        return "not_judged"
    return key


def grade_summary(kpis, levels, chart_id="grades"):
    """Counts of KPIs per result, per policy field: a table and a stacked bar chart."""
    buckets = result_buckets(levels)
    fields = {}
    for kpi in kpis:
        field = kpi.program.item.category.policy_field
        counts = fields.setdefault(field.pk, {"field": field, "counts": {}})["counts"]
        key = bucket_of(kpi)
        counts[key] = counts.get(key, 0) + 1
    rows = sorted(fields.values(), key=lambda r: r["field"].number)
    total = {b["key"]: sum(r["counts"].get(b["key"], 0) for r in rows) for b in buckets}
    table_rows = [
        [f"{r['field'].number}. {local_name(r['field'])}"]
        + [str(r["counts"].get(b["key"], 0)) for b in buckets]
        + [str(sum(r["counts"].values()))]
        for r in rows
    ]
    table_rows.append(
        [_("計")] + [str(total[b["key"]]) for b in buckets] + [str(sum(total.values()))]
    )
    table = charts.Table(
        caption=_("政策分野ごとの指標の評価（指標の数）"),
        columns=[_("政策分野")] + [b["label"] for b in buckets] + [_("計")],
        rows=table_rows,
        total_rows=1,
    )
    chart = charts.stacked_bar_chart(
        chart_id=chart_id,
        title=_("政策分野ごとの指標の評価"),
        description=_(
            "政策分野ごとに、成果指標を評価の区分別に数えた帯グラフ。数は下の表のとおり。"
        ),
        categories=[f"{r['field'].number}. {local_name(r['field'])}" for r in rows],
        segments=[
            (b["css"], b["short"], [r["counts"].get(b["key"], 0) for r in rows]) for b in buckets
        ],
        table=table,
    )
    return {"rows": rows, "buckets": buckets, "total": total, "chart": chart}


# --- population --------------------------------------------------------------------------


def population_chart(figures, *, chart_id: str, title: str, annotate: bool = True):
    """Census actuals (solid) and the IPSS projection (dashed) of one population series."""
    figures = sorted(figures, key=lambda f: f.year)
    years = [f.year for f in figures]
    census = [f.population if f.kind == PopulationFigure.Kind.CENSUS else None for f in figures]
    last_census = max((i for i, v in enumerate(census) if v is not None), default=None)
    projection = [
        f.population if f.kind == PopulationFigure.Kind.PROJECTION or i == last_census else None
        for i, f in enumerate(figures)
    ]
    unit = _("人")
    annotations = []
    if annotate and last_census is not None:
        annotations.append(
            (
                0,
                last_census,
                with_unit(census[last_census], "人") + charts.paren(str(years[last_census])),
                "ne",
            )
        )
        annotations.append(
            (
                1,
                len(years) - 1,
                with_unit(projection[-1], "人") + charts.paren(str(years[-1])),
                "sw",
            )
        )
    table = charts.Table(
        caption=title,
        columns=[_("年"), _("実績（国勢調査）"), _("推計（社人研）")],
        rows=[
            [
                cy_short(f.year),
                charts.fmt(f.population) if f.kind == PopulationFigure.Kind.CENSUS else "",
                charts.fmt(f.population) if f.kind == PopulationFigure.Kind.PROJECTION else "",
            ]
            for f in figures
        ],
        note=_("単位：人。空欄はその年の値がその種類ではないことを示します。"),
    )
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        description=_(
            "{first}年から{last}年までの人口。{census_end}年までは国勢調査の実績（実線）、その後は国立社会保障・人口問題研究所の推計（破線）。"
        ).format(first=years[0], last=years[-1], census_end=years[last_census or 0]),
        x_labels=[cy_short(y) for y in years],
        series=[
            charts.Series(_("実績（国勢調査）"), census),
            charts.Series(
                _("推計（社人研）"),
                projection,
                dashed=True,
                marker_from=(last_census or 0) + 1,
            ),
        ],
        table=table,
        unit=unit,
        label_every=2,
        annotations=annotations,
    )


def _commuting_cell(flow) -> str:
    # The template compared flow.origin_id with flow.destination_id, which an empty
    # cell (no flow: both blank) passed too: it is shaded like a town's own cell.
    shaded = flow is None or flow.origin_id == flow.destination_id
    opening = '<td class="num commuting__self">' if shaded else '<td class="num">'
    if flow is None:
        return opening + "−</td>"
    return (
        f"{opening}{escape(num(flow.commuters))}"
        f'<span class="cell-note">{escape(pct(flow.printed_share))}</span></td>'
    )


def commuting_rows(origins, destinations, flow_at) -> list[str]:
    """The commuting matrix's body rows, each a ``<tr>``, built here rather than cell by
    cell in the template (about 80 cells, each a few template nodes): the same HTML."""
    rows = []
    for o in origins:
        cells = "".join(
            f"\n          {_commuting_cell(flow_at.get((o.origin_id, d.pk)))}\n          "
            for d in destinations
        )
        rows.append(
            mark_safe(  # noqa: S308 - every value is escaped above
                f'\n        <tr>\n          <th scope="row">{escape(local_name(o.origin))}</th>'
                f"\n          {cells}"
                f'\n          <td class="num">{escape(num(o.printed_total))}</td>'
                f'\n          <td class="num">{escape(pct(o.printed_to_other_share))}</td>'
                "\n        </tr>\n      "
            )
        )
    return rows


# --- pages ---------------------------------------------------------------------------------


def home(request):
    vision = current_vision_or_none(request)
    if vision is None:
        return render(request, "vision/home.html", {"vision": None})
    levels = grade_levels()
    kpis = vision_kpis(vision, levels)
    area = list(PopulationFigure.objects.filter(vision=vision, scope=PopulationFigure.Scope.AREA))
    key_figures = {f.key.replace("-", "_"): f for f in KeyFigure.objects.filter(vision=vision)}
    programs = Program.objects.filter(item__category__policy_field__vision=vision).count()
    context = {
        "vision": vision,
        "summary": grade_summary(kpis, levels),
        "population_chart": population_chart(
            area, chart_id="area-population", title=_("圏域の人口の推移と将来推計")
        )
        if area
        else None,
        "key": key_figures,
        "latest_approval": latest_approval(vision, kpis),
        "kpi_count": len(kpis),
        "program_count": programs,
        "levels": levels,
    }
    return render(request, "vision/home.html", context)


def plan(request):
    """The plan tree: policy fields → categories → agreement items → programs, with progress."""
    vision = current_vision()
    items = list(
        AgreementItem.objects.filter(category__policy_field__vision=vision)
        .select_related("category__policy_field")
        .order_by("category__policy_field__number", "category__number", "number")
    )
    programs = list(
        Program.objects.filter(item__category__policy_field__vision=vision).prefetch_related(
            "participants"
        )
    )
    levels = grade_levels()
    kpis = vision_kpis(vision, levels)
    kpis_by_program: dict[int, list] = {}
    for kpi in kpis:
        kpis_by_program.setdefault(kpi.program_id, []).append(kpi)
    programs_by_item: dict[int, list] = {}
    for program in programs:
        program.public_kpis = kpis_by_program.get(program.pk, [])
        programs_by_item.setdefault(program.item_id, []).append(program)
    tree: list[dict] = []
    for item in items:
        category = item.category
        field = category.policy_field
        if not tree or tree[-1]["field"].pk != field.pk:
            tree.append({"field": field, "categories": [], "kpis": []})
        node = tree[-1]
        if not node["categories"] or node["categories"][-1]["category"].pk != category.pk:
            node["categories"].append({"category": category, "items": []})
        item.public_programs = programs_by_item.get(item.pk, [])
        node["categories"][-1]["items"].append(item)
        for program in item.public_programs:
            node["kpis"] += program.public_kpis
    buckets = result_buckets(levels)
    for node in tree:
        counts: dict[str, int] = {}
        for kpi in node["kpis"]:
            key = bucket_of(kpi)
            counts[key] = counts.get(key, 0) + 1
        node["counts"] = [(b, counts.get(b["key"], 0)) for b in buckets if counts.get(b["key"])]
    return render(
        request,
        "vision/plan.html",
        {"vision": vision, "tree": tree, "levels": levels, "kpi_count": len(kpis)},
    )


def agreement(request):
    """The agreement matrix: 20 items × 7 towns, ○ / — / 未定."""
    vision = current_vision()
    towns = list(vision.municipalities.filter(is_central_city=False).order_by("sort_order"))
    items = list(
        AgreementItem.objects.filter(category__policy_field__vision=vision)
        .select_related("category__policy_field")
        .prefetch_related(
            Prefetch("parties", queryset=ItemParty.objects.select_related("municipality"))
        )
        .order_by("number")
    )
    rows = []
    counts = {t.pk: {"party": 0, "not_party": 0, "undecided": 0} for t in towns}
    for item in items:
        by_town = {p.municipality_id: p for p in item.parties.all()}
        cells = []
        for town in towns:
            party = by_town.get(town.pk)
            status = party.status if party else ItemParty.Status.UNDECIDED
            counts[town.pk][status] += 1
            cells.append({"town": town, "status": status})
        rows.append({"item": item, "cells": cells})
    return render(
        request,
        "vision/agreement.html",
        {
            "vision": vision,
            "towns": towns,
            "rows": rows,
            "town_counts": [(t, counts[t.pk]) for t in towns],
        },
    )


def statistics(request):
    """The area's statistics from section 3 of the vision."""
    vision = current_vision()
    municipalities = list(vision.municipalities.order_by("sort_order"))
    town_by_pk = {m.pk: m for m in municipalities}
    figures = with_towns(PopulationFigure.objects.filter(vision=vision), town_by_pk, "municipality")
    years = sorted({f.year for f in figures})
    by_key: dict = {}
    for f in figures:
        key = f.municipality.code if f.municipality_id else f.scope
        by_key.setdefault(key, {})[f.year] = f
    area = by_key.get(PopulationFigure.Scope.AREA, {})
    prefecture = by_key.get(PopulationFigure.Scope.PREFECTURE, {})

    def pop_row(label, row):
        return [label] + [charts.fmt(row[y].population) if y in row else "−" for y in years]

    population_table = charts.Table(
        caption=_("構成市町村・圏域・山形県の人口（人）"),
        columns=[_("市町村")] + [cy_short(y) for y in years],
        rows=[pop_row(local_name(m), by_key.get(m.code, {})) for m in municipalities]
        + [
            pop_row(_("圏域の合計"), area),
            pop_row(_("山形県"), prefecture),
            [_("圏域の割合（%）")]
            + [
                charts.fmt_printed(area[y].printed_prefecture_share)
                if y in area and area[y].printed_prefecture_share is not None
                else "−"
                for y in years
            ],
        ],
        total_rows=3,
        note=_(
            "2020年までは国勢調査の実績、2025年以降は国立社会保障・人口問題研究所の推計（令和5年12月推計）。"
        ),
    )
    rate_years = years[1:]
    rates_table = charts.Table(
        caption=_("5年前からの増減率（%・ビジョン記載値）"),
        columns=[_("市町村")] + [cy_short(y) for y in rate_years],
        rows=[
            [local_name(m)]
            + [
                charts.fmt_printed(by_key.get(m.code, {}).get(y).printed_change_rate)
                if by_key.get(m.code, {}).get(y)
                else "−"
                for y in rate_years
            ]
            for m in municipalities
        ]
        + [
            [_("圏域の合計")]
            + [
                charts.fmt_printed(area[y].printed_change_rate) if y in area else "−"
                for y in rate_years
            ]
        ],
        total_rows=1,
    )
    share_values = [area[y].printed_prefecture_share if y in area else None for y in years]
    share_chart = charts.line_chart(
        chart_id="prefecture-share",
        title=_("山形県の人口に占める圏域の割合"),
        description=_(
            "圏域の人口が山形県の人口に占める割合（%）の推移。値は人口の表の最下行のとおり。"
        ),
        x_labels=[cy_short(y) for y in years],
        series=[charts.Series(_("圏域の割合"), share_values)],
        table=charts.Table(
            caption=_("山形県の人口に占める圏域の割合（%）"),
            columns=[_("年"), _("圏域の割合（%）")],
            rows=[
                [cy_short(y), charts.fmt_printed(v)]
                for y, v in zip(years, share_values, strict=True)
            ],
        ),
        unit="%",
        label_every=2,
    )

    daytime = with_towns(
        DaytimePopulation.objects.filter(vision=vision).order_by(
            "census_year", "municipality__sort_order"
        ),
        town_by_pk,
        "municipality",
    )
    day_rows = [d for d in daytime if d.municipality_id]
    day_total = next((d for d in daytime if not d.municipality_id), None)
    daytime_table = charts.Table(
        caption=_("昼夜間人口比率（{year}年国勢調査）").format(
            year=daytime[0].census_year if daytime else ""
        ),
        columns=[_("市町村"), _("人口（人）"), _("昼間人口（人）"), _("昼夜間人口比率")],
        rows=[
            [
                local_name(d.municipality),
                charts.fmt(d.population),
                charts.fmt(d.daytime_population),
                charts.fmt_printed(d.printed_ratio),
            ]
            for d in day_rows
        ]
        + (
            [
                [
                    _("計"),
                    charts.fmt(day_total.population),
                    charts.fmt(day_total.daytime_population),
                    charts.fmt_printed(day_total.printed_ratio),
                ]
            ]
            if day_total
            else []
        ),
        total_rows=1 if day_total else 0,
        note=_(
            "昼夜間人口比率＝昼間人口÷人口×100。100を超えると、通勤・通学で昼間に人が集まる市町村です。"
        ),
    )
    daytime_chart = charts.bar_chart(
        chart_id="daytime",
        title=_("昼夜間人口比率"),
        description=_(
            "市町村ごとの昼夜間人口比率の横棒グラフ。100の線より長い市町村は昼間に人が集まる。"
        ),
        categories=[local_name(d.municipality) for d in day_rows],
        series=[charts.Series(_("昼夜間人口比率"), [d.printed_ratio for d in day_rows])],
        table=daytime_table,
        reference=(100, _("100（昼夜同じ）")),
    )

    origins = with_towns(
        CommutingOrigin.objects.filter(vision=vision).order_by("census_year", "origin__sort_order"),
        town_by_pk,
        "origin",
    )
    flows = with_towns(
        CommutingFlow.objects.filter(vision=vision), town_by_pk, "origin", "destination"
    )
    flow_at = {(f.origin_id, f.destination_id): f for f in flows}
    destinations = sorted({f.destination for f in flows}, key=lambda m: (m.sort_order, m.code))
    matrix = commuting_rows(origins, destinations, flow_at)
    central = next((m for m in municipalities if m.is_central_city), None)
    flow_chart = None
    if central is not None and flows:
        bearings = {
            "063614": 35,
            "063622": 90,
            "063631": 145,
            "063649": 335,
            "063657": 195,
            "063665": 285,
            "063673": 240,
        }
        towns = [m for m in municipalities if not m.is_central_city]
        spokes = []
        flow_rows = []
        for i, town in enumerate(towns):
            inbound = flow_at.get((town.pk, central.pk))
            outbound = flow_at.get((central.pk, town.pk))
            spokes.append(
                (
                    local_name(town),
                    bearings.get(town.code, i * 360 / len(towns)),
                    inbound.commuters if inbound else 0,
                    outbound.commuters if outbound else 0,
                )
            )
            flow_rows.append(
                [
                    local_name(town),
                    charts.fmt(inbound.commuters if inbound else None),
                    charts.fmt(outbound.commuters if outbound else None),
                ]
            )
        flow_chart = charts.flow_chart(
            chart_id="commuting-flow",
            title=_("新庄市と町村の間の通勤・通学の流れ"),
            description=_(
                "新庄市を中心に7町村を配置し、町村から新庄市へ、新庄市から町村への通勤・通学者数を矢印の太さと数字で示した図。数は下の表のとおり。"
            ),
            hub=local_name(central),
            spokes=spokes,
            table=charts.Table(
                caption=_("新庄市と町村の間の通勤・通学者数（人）"),
                columns=[_("町村"), _("町村から新庄市へ"), _("新庄市から町村へ")],
                rows=flow_rows,
            ),
            inbound_label=_("町村から新庄市へ（人）"),
            outbound_label=_("新庄市から町村へ（人）"),
            notes=[_("町村の位置はおおよその方角です。町村どうしの流れは下の表をご覧ください。")],
        )

    hospital = with_towns(
        HospitalPatients.objects.filter(vision=vision).order_by(
            "fiscal_year", "kind", "row", "municipality__sort_order"
        ),
        town_by_pk,
        "municipality",
    )
    hosp_rows: dict = {}
    hosp_year = hospital[0].fiscal_year if hospital else None
    hosp_name = hospital[0].hospital if hospital else ""
    for h in hospital:
        key = h.municipality.code if h.municipality_id else h.row
        label = (
            local_name(h.municipality)
            if h.municipality_id
            else (_("その他") if h.row == HospitalPatients.Row.OTHER else _("合計"))
        )
        hosp_rows.setdefault(key, {"label": label, "row": h.row})[h.kind] = h
    ordered = [r for r in hosp_rows.values() if r["row"] == HospitalPatients.Row.MUNICIPALITY]
    ordered += [r for r in hosp_rows.values() if r["row"] == HospitalPatients.Row.OTHER]
    totals = [r for r in hosp_rows.values() if r["row"] == HospitalPatients.Row.TOTAL]

    def hosp_cells(r):
        cells = [r["label"]]
        for kind in (HospitalPatients.Kind.INPATIENT, HospitalPatients.Kind.OUTPATIENT):
            h = r.get(kind)
            cells += [
                charts.fmt(h.patients if h else None),
                charts.fmt_printed(h.printed_share if h else None),
            ]
        return cells

    hospital_table = charts.Table(
        caption=_("{hospital}の住所地別患者数（{year}）").format(
            # the document's one hospital has an English name; any other keeps its own
            hospital=_("山形県立新庄病院") if hosp_name == "山形県立新庄病院" else hosp_name,
            year=fy_short(hosp_year) if hosp_year else "",
        ),
        columns=[
            _("住所地"),
            _("入院患者数（人）"),
            _("比率（%）"),
            _("外来患者数（人）"),
            _("比率（%）"),
        ],
        rows=[hosp_cells(r) for r in ordered + totals],
        total_rows=len(totals),
    )
    hospital_chart = charts.bar_chart(
        chart_id="hospital",
        title=_("県立新庄病院の住所地別患者数"),
        description=_("住所地ごとの入院患者数と外来患者数の横棒グラフ。数は下の表のとおり。"),
        categories=[r["label"] for r in ordered],
        series=[
            charts.Series(
                _("入院患者数"),
                [
                    r.get(HospitalPatients.Kind.INPATIENT).patients
                    if r.get(HospitalPatients.Kind.INPATIENT)
                    else None
                    for r in ordered
                ],
            ),
            charts.Series(
                _("外来患者数"),
                [
                    r.get(HospitalPatients.Kind.OUTPATIENT).patients
                    if r.get(HospitalPatients.Kind.OUTPATIENT)
                    else None
                    for r in ordered
                ],
            ),
        ],
        table=hospital_table,
        unit=_("人"),
    )
    sources = {s.table: s.source for s in StatisticsSource.objects.filter(vision=vision)}
    area_years = sorted(area.values(), key=lambda f: f.year)
    area_census = [f for f in area_years if f.kind == PopulationFigure.Kind.CENSUS]
    return render(
        request,
        "vision/statistics.html",
        {
            "vision": vision,
            "population_chart": population_chart(
                list(area.values()),
                chart_id="area-population",
                title=_("圏域の人口の推移と将来推計"),
            )
            if area
            else None,
            "population_table": population_table,
            "rates_table": rates_table,
            "share_chart": share_chart,
            "daytime_chart": daytime_chart,
            "commuting_year": origins[0].census_year if origins else None,
            "destinations": destinations,
            "commuting_rows": matrix,
            "flow_chart": flow_chart,
            "hospital_chart": hospital_chart,
            "sources": sources,
            "area_first": area_years[0] if area_years else None,
            "area_census": area_census[-1] if area_census else None,
            "area_last": area_years[-1] if area_years else None,
            "above_100": [local_name(d.municipality) for d in day_rows if d.printed_ratio > 100],
        },
    )


def _example_kpi(name, baseline, target, **kwargs) -> KPI:
    """An unsaved KPI for the worked examples (judged by the very same functions)."""
    b = None if baseline is None else Decimal(baseline)
    t = None if target is None else Decimal(target)
    return KPI(
        name=name,
        baseline=b,
        baseline_year=2024 if b is not None else None,
        target=t,
        target_year=2030 if t is not None else None,
        direction=derive_direction(b, t),
        **kwargs,
    )


def progress_rules(request):
    """How progress is judged: the formula, the thresholds and worked examples."""
    levels = grade_levels()
    examples = []
    for key, name, unit, baseline, target, year, actual in [
        ("increase", _("年間事業開催数"), "回", "25", "36", 2027, "30"),
        ("decrease", _("受診者数"), "人", "2717", "2000", 2030, "2300"),
        ("maintain_in", _("陸羽東西線運行列車本数"), "本", "41", "41", 2027, "40"),
        ("maintain_out", _("陸羽東西線運行列車本数"), "本", "41", "41", 2027, "38"),
        ("no_target", _("施設利用者"), "人", "6519", None, 2027, "6600"),
    ]:
        kpi = _example_kpi(name, baseline, target, unit=unit)
        examples.append(
            {
                "key": key,
                "kpi": kpi,
                "actual": Decimal(actual),
                "judgement": judge_value(kpi, year, Decimal(actual), levels),
            }
        )
    # A summed KPI with one town still to report: no total, only who has reported.
    # The towns of the vision shown, not every municipality of the installation.
    vision = current_vision_or_none(request)
    towns = list(vision.municipalities.order_by("sort_order", "code")) if vision else []
    reported = dict(zip([t.code for t in towns[:-1]], [20, 5, 6, 4, 5, 3, 4], strict=False))
    total, complete = sum_components(
        {code: Decimal(v) for code, v in reported.items()}, {t.code for t in towns}
    )
    summed = {
        "reported": [t for t in towns if t.code in reported],
        "missing": [t for t in towns if t.code not in reported],
        "total": total,
        "complete": complete,
        "partial": sum(reported.values()),
        "expected": len(towns),
    }
    return render(
        request,
        "vision/progress_rules.html",
        {
            "levels": levels,
            "examples": examples,
            "tolerance": DEFAULT_MAINTAIN_TOLERANCE_PERCENT,
            "summed": summed,
            "status_texts": [
                status_text(s)
                for s in (Status.NO_TARGET, Status.NO_DATA, Status.TO_BE_SET, Status.COLLECTING)
            ],
        },
    )


def accessibility(request):
    return render(request, "vision/accessibility.html", {"vision": current_vision_or_none(request)})


# --- open data ----------------------------------------------------------------------------


def opendata_index(request):
    vision = current_vision_or_none(request)
    area = Area.of(vision) if vision else None
    index_url = request.build_absolute_uri(reverse("opendata:index"))
    return render(
        request,
        "vision/opendata.html",
        {
            "datasets": [
                {
                    "dataset": d,
                    "csv": d.file_name(area, "csv"),
                    "json": d.file_name(area, "json"),
                }
                for d in DATASETS.values()
            ]
            if vision
            else [],
            "vision": vision,
            "license": {"title": LICENSE_TITLE, "short": LICENSE_SHORT, "url": LICENSE_URL},
            "attribution": attribution(vision, index_url) if vision else "",
        },
    )


def _opendata_file(name, code):
    """The vision and dataset of /opendata/{code}_{name}.{extension} (or the old {name}.…)."""
    vision = current_vision()
    dataset = DATASETS.get(name)
    if dataset is None or (code is not None and code != Area.of(vision).code):
        raise Http404("そのデータセットはありません。")
    return vision, dataset


def _file_headers(response, request, vision, dataset, extension, code):
    file_name = dataset.file_name(Area.of(vision), extension)
    if code is None:
        # The old address (/opendata/kpis.csv) still serves the file, pointing to its name.
        response["Link"] = f'<{request.build_absolute_uri(file_name)}>; rel="canonical"'
    return file_name


def opendata_json(request, name, code=None):
    vision, dataset = _opendata_file(name, code)
    response = JsonResponse(
        dataset.json(vision), safe=False, json_dumps_params={"ensure_ascii": False}
    )
    _file_headers(response, request, vision, dataset, "json", code)
    return response


def opendata_csv(request, name, code=None):
    vision, dataset = _opendata_file(name, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(dataset.csv(vision))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    file_name = _file_headers(response, request, vision, dataset, "csv", code)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def opendata_datapackage(request):
    """/opendata/datapackage.json: the Frictionless Data Package of every dataset."""
    index_url = request.build_absolute_uri(reverse("opendata:index"))
    return JsonResponse(
        datapackage(current_vision(), index_url), json_dumps_params={"ensure_ascii": False}
    )


def opendata_catalog(request):
    """/opendata/catalog.jsonld: the DCAT catalogue (JSON-LD) for a CKAN portal to harvest."""
    index_url = request.build_absolute_uri(reverse("opendata:index"))
    return JsonResponse(
        dcat_catalog(current_vision(), index_url),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
