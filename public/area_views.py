"""/areas/: the partnership areas of the installation, side by side.

Each area with its kind, central city and members, its population against the
projection for the same year, and its KPIs counted by grade. A fixed number of
queries whatever the number of areas (the page of an installation of 130 areas).
"""

from django.shortcuts import render
from django.urls import get_script_prefix
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.formats import num
from kpis.models import KPI
from kpis.selectors import attach_progress, grade_levels, public_kpis
from public.opendata import DATASETS
from public.views import bucket_of, result_buckets
from vision.areas import across_areas
from vision.models import Area, PopulationFigure, Vision


def current_visions(areas) -> dict[int, Vision]:
    """Each area's current vision (the latest edition), by area pk, in one query."""
    current: dict[int, Vision] = {}
    for vision in (
        Vision.objects.filter(area__in=areas)
        .order_by("area_id", "-edition", "-period_start")
        .prefetch_related("municipalities")
    ):
        current.setdefault(vision.area_id, vision)
    return current


def population(visions) -> dict[int, dict]:
    """Per vision: the latest census of the whole area and the projection for that year."""
    figures: dict[int, dict] = {}
    for figure in PopulationFigure.objects.filter(
        vision__in=visions, scope=PopulationFigure.Scope.AREA
    ).order_by("vision_id", "year", "pk"):
        entry = figures.setdefault(figure.vision_id, {"census": None, "projection": {}})
        if figure.kind == PopulationFigure.Kind.CENSUS:
            entry["census"] = figure  # the latest year last
        else:
            entry["projection"].setdefault(figure.year, figure)
    result = {}
    for vision_id, entry in figures.items():
        census = entry["census"]
        if census is None:
            continue
        projected = entry["projection"].get(census.year)
        result[vision_id] = {
            "year": census.year,
            "census": census.population,
            "projection": projected.population if projected else None,
            "difference": signed(census.population - projected.population) if projected else None,
        }
    return result


def signed(value: int) -> str:
    """+1,234 / −1,234 / 0: above or below the projection at a glance."""
    if value > 0:
        return f"+{num(value)}"
    if value < 0:
        return f"−{num(-value)}"
    return "0"


def area_url(area: Area) -> str:
    """The area's top page, in the page's language (/areas/<slug>/, /areas/<slug>/en/)."""
    language = "en/" if get_language() == "en" else ""
    return f"{get_script_prefix()}areas/{area.slug}/{language}"


def kind_labels() -> dict[str, str]:
    return {
        Area.Kind.SETTLEMENT: _("定住自立圏"),
        Area.Kind.METROPOLITAN: _("連携中枢都市圏"),
        Area.Kind.OTHER: _("その他の圏域"),
    }


@across_areas
def areas(request):
    kinds = kind_labels()
    areas = list(Area.objects.select_related("central"))
    current = current_visions(areas)
    visions = list(current.values())
    levels = grade_levels()
    buckets = result_buckets(levels)
    counts: dict[int, dict[str, int]] = {vision.pk: {} for vision in visions}
    kpis = attach_progress(
        public_kpis(KPI.objects.filter(program__item__category__policy_field__vision__in=visions)),
        levels,
    )
    for kpi in kpis:
        vision_id = kpi.program.item.category.policy_field.vision_id
        key = bucket_of(kpi)
        counts[vision_id][key] = counts[vision_id].get(key, 0) + 1
    people = population(visions)
    rows = []
    for area in areas:
        vision = current.get(area.pk)
        members = (
            sorted(vision.municipalities.all(), key=lambda m: (m.sort_order, m.code))
            if vision
            else []
        )
        central = area.central or next((m for m in members if m.is_central_city), None)
        rows.append(
            {
                "area": area,
                "url": area_url(area),
                "kind": kinds.get(area.kind, area.get_kind_display()),
                "vision": vision,
                "central": central,
                "members": [m for m in members if m != central],
                "population": people.get(vision.pk) if vision else None,
                "grades": [(b, counts.get(vision.pk, {}).get(b["key"], 0)) for b in buckets]
                if vision
                else [],
                "kpi_count": sum(counts.get(vision.pk, {}).values()) if vision else 0,
            }
        )
    return render(
        request,
        "vision/areas.html",
        {"rows": rows, "buckets": buckets, "datasets": list(DATASETS.values())},
    )
