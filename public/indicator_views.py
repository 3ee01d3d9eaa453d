"""Comparing areas honestly: only KPIs that carry the same indicator code (kpis.Indicator).

/indicators/ lists the shared catalogue with how many areas report each indicator;
/indicators/<code>/ shows, for each area whose current vision has a KPI with that code,
its baseline, target, latest approved actual and grade side by side. A KPI without a
code is never compared. A fixed number of queries whatever the number of areas.
"""

from django.shortcuts import get_object_or_404, render

from core.formats import fy_short, num, paren
from kpis.models import KPI, Indicator
from kpis.selectors import attach_progress, grade_levels, public_kpis
from public.area_views import area_url, current_visions
from public.kpi_status import status_text
from vision.areas import across_areas
from vision.models import Area


def _current(areas):
    current = current_visions(areas)
    return current, {vision.pk: area for area in areas if (vision := current.get(area.pk))}


def with_year(value, year) -> str:
    if value is None:
        return "−"
    return f"{num(value)}{paren(fy_short(year))}" if year else num(value)


@across_areas
def index(request):
    areas = list(Area.objects.all())
    current, _area_of = _current(areas)
    used: dict[int, set[int]] = {}
    for indicator_id, vision_id in KPI.objects.filter(
        indicator__isnull=False, program__item__category__policy_field__vision__in=current.values()
    ).values_list("indicator_id", "program__item__category__policy_field__vision_id"):
        used.setdefault(indicator_id, set()).add(vision_id)
    entries = [
        {"indicator": indicator, "areas": len(used.get(indicator.pk, ()))}
        for indicator in Indicator.objects.all()
    ]
    return render(request, "vision/indicators.html", {"entries": entries})


@across_areas
def detail(request, code: str):
    indicator = get_object_or_404(Indicator, code=code)
    areas = list(Area.objects.all())
    current, area_of = _current(areas)
    order = {area.pk: n for n, area in enumerate(areas)}
    kpis = attach_progress(
        public_kpis(
            KPI.objects.filter(
                indicator=indicator,
                program__item__category__policy_field__vision__in=current.values(),
            )
        ),
        grade_levels(),
    )
    rows = []
    for kpi in kpis:
        area = area_of[kpi.program.item.category.policy_field.vision_id]
        latest = kpi.progress.latest
        grade = kpi.progress.grade
        rows.append(
            {
                "area": area,
                "url": area_url(area),
                "kpi": kpi,
                "baseline": with_year(kpi.baseline, kpi.baseline_year),
                "target": with_year(kpi.target, kpi.target_year),
                "latest": with_year(latest.actual, latest.fiscal_year) if latest else "−",
                "grade": grade,
                "status": "" if grade else status_text(kpi.progress.status, kpi.progress),
                "order": (order[area.pk], kpi.order, kpi.pk),
            }
        )
    rows.sort(key=lambda row: row["order"])
    return render(
        request,
        "vision/indicator.html",
        {"indicator": indicator, "rows": rows},
    )
