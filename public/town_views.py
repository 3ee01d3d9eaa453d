"""Public town pages: profile, programs, cost shares, summed-KPI components, population."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from core import charts
from core.formats import local_name
from kpis.models import KPI
from kpis.selectors import attach_progress, grade_levels, public_kpis
from programs.models import CostShare, Program
from public.program_views import column_label, share_matrix
from public.views import population_chart
from vision.models import ItemParty, PopulationFigure
from vision.selectors import current_vision


def index(request):
    vision = current_vision()
    municipalities = list(vision.municipalities.order_by("sort_order"))
    return render(
        request,
        "municipalities/index.html",
        {"vision": vision, "municipalities": municipalities},
    )


def detail(request, code: str):
    vision = current_vision()
    town = vision.municipalities.filter(code=code).first()
    if town is None:
        raise Http404("その市町村はありません。")
    in_vision = {"item__category__policy_field__vision": vision}
    programs = list(
        Program.objects.filter(participants=town, **in_vision)
        .select_related("item__category__policy_field")
        .order_by("item__number", "number")
    )
    undecided = list(
        Program.objects.filter(participants_undecided=True, **in_vision)
        .exclude(participants=town)
        .select_related("item")
        .order_by("item__number", "number")
    )
    parties = list(
        ItemParty.objects.filter(municipality=town, item__category__policy_field__vision=vision)
        .select_related("item")
        .order_by("item__number")
    )
    shares = list(
        CostShare.objects.published()
        .filter(municipality=town, program__item__category__policy_field__vision=vision)
        .select_related("program__item")
    )
    share_programs = sorted({s.program for s in shares}, key=lambda p: (p.item.number, p.number))
    columns, share_rows, sums = share_matrix(shares, share_programs, lambda s: s.program_id)
    share_table = charts.Table(
        caption=_("{town}の事業別負担額（千円）").format(town=local_name(town)),
        columns=[_("連携事業")] + [column_label(c) for c in columns],
        rows=[[local_name(p)] + [charts.fmt(v) for v in cells] for p, cells in share_rows]
        + [[_("計")] + [charts.fmt(v) for v in sums]],
        total_rows=1,
        note=_("単位：千円。「−」は記載なし（空欄）で、0（負担なし）とは異なります。"),
    )
    levels = grade_levels()
    summed = attach_progress(
        public_kpis(KPI.objects.filter(is_sum_of_municipalities=True, **_kpi_in(vision))),
        levels,
    )
    components = []
    for kpi in summed:
        years = [
            {
                "judgement": j,
                "own": j.components.get(town.code),
                "expected_count": len(j.reported) + len(j.missing),
                "own_actual": next(
                    (
                        a
                        for a in kpi.published
                        if a.municipality_id == town.pk and a.fiscal_year == j.fiscal_year
                    ),
                    None,
                ),
            }
            for j in kpi.progress.years
        ]
        components.append({"kpi": kpi, "years": years})
    figures = list(PopulationFigure.objects.filter(vision=vision, municipality=town))
    return render(
        request,
        "municipalities/detail.html",
        {
            "vision": vision,
            "town": town,
            "programs": programs,
            "undecided": undecided,
            "parties": parties,
            "share_table": share_table,
            "share_programs": share_programs,
            "components": components,
            "population_chart": population_chart(
                figures,
                chart_id="town-population",
                title=_("{town}の人口の推移と将来推計").format(town=local_name(town)),
            )
            if figures
            else None,
        },
    )


def _kpi_in(vision):
    return {"program__item__category__policy_field__vision": vision}
