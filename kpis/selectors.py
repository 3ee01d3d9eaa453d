"""The database reads behind KPI progress: grade levels and the approved actuals.

The rules themselves are pure functions in ``kpis.progress``; the public pages read
through these selectors so that only approved values (``KPIActual.objects.published()``)
and only public columns ever reach a judgement or a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kpis.models import GradeLevel, KPIActual
from kpis.progress import DEFAULT_GRADE_LEVELS, DEFAULT_NEEDS_ANALYSIS, judge_kpi
from municipalities.towns import with_missing
from programs.models import Program


def grade_levels() -> list:
    """The secretariat's grade levels, in order; the documented defaults if none are set."""
    levels = list(GradeLevel.objects.order_by("order"))
    if levels:
        return levels
    return [
        GradeLevel(
            code=code,
            symbol=symbol,
            label=label,
            label_en=label_en,
            min_percent=minimum,
            order=o,
            needs_analysis=code in DEFAULT_NEEDS_ANALYSIS,
        )
        for code, symbol, label, label_en, minimum, o in DEFAULT_GRADE_LEVELS
    ]


@dataclass(slots=True)
class PublicActual:
    """An approved KPI actual as the public pages see it: nothing but public columns.

    Loaded by ``load_public_actuals()``; the working value, comments and return
    reasons of a figure under review are never read, so they cannot reach a page.
    """

    kpi_id: int
    fiscal_year: int
    municipality_id: int | None
    approved_value: Decimal | None
    approved_at: datetime | None
    municipality: object = None  # the Municipality, set when it has one


# Long texts of the plan that no KPI page shows: not loaded with the KPIs.
_UNUSED_TEXTS = (
    "program__content",
    "program__effect",
    "program__cost_split",
    "program__item__content",
    "program__item__role_central",
    "program__item__role_partner",
)


def public_kpis(queryset):
    """KPIs with their program, item, category and policy field (one joined query).

    Then ``attach_progress()`` loads their approved actuals and judges them; to judge
    them some other way, call ``load_public_actuals()`` first.
    """
    return queryset.select_related("program__item__category__policy_field", "reporter").defer(
        *_UNUSED_TEXTS
    )


def load_public_actuals(kpis, towns: dict | None = None, participants: dict | None = None) -> dict:
    """Set ``kpi.published`` (PublicActual rows) on each KPI; return each program's participants.

    Three queries whatever the number of KPIs: the approved actuals (only
    ``KPIActual.objects.published()``), the programs' participant links and the
    municipalities these name. No municipality query when ``towns`` (the page's
    municipalities by primary key) has them all; no link query when ``participants``
    (each program's participating municipalities) is given, as the program page does.
    Actuals come by fiscal year, then by municipality as on the pages (``sort_order``,
    then code; the area's own value first); participants sorted the same way.
    """
    by_kpi = {kpi.pk: kpi for kpi in kpis}
    for kpi in kpis:
        kpi.published = []
    if not by_kpi:
        return {}
    rows = KPIActual.objects.published().filter(kpi_id__in=by_kpi).order_by()
    actuals = [
        PublicActual(*row)
        for row in rows.values_list(
            "kpi_id", "fiscal_year", "municipality_id", "approved_value", "approved_at"
        )
    ]
    if participants is None:
        links = list(
            Program.participants.through.objects.filter(
                program_id__in={kpi.program_id for kpi in kpis}
            ).values_list("program_id", "municipality_id")
        )
    else:
        links = [
            (pk, m.pk) for pk, towns_of_program in participants.items() for m in towns_of_program
        ]
        towns = {**(towns or {}), **{m.pk: m for ms in participants.values() for m in ms}}
    towns = with_missing(towns, {m for _, m in links} | {a.municipality_id for a in actuals})
    place = {pk: (m.sort_order, m.code) for pk, m in towns.items()}
    for actual in actuals:
        if actual.municipality_id is not None:
            actual.municipality = towns[actual.municipality_id]
    actuals.sort(key=lambda a: (a.fiscal_year, place.get(a.municipality_id, (-1, ""))))
    for actual in actuals:
        by_kpi[actual.kpi_id].published.append(actual)
    by_program: dict[int, list] = {}
    for program_id, municipality_id in links:
        by_program.setdefault(program_id, []).append(towns[municipality_id])
    for towns_of_program in by_program.values():
        towns_of_program.sort(key=lambda m: place[m.pk])
    return by_program


def attach_progress(
    kpis, levels=None, towns: dict | None = None, participants: dict | None = None
) -> list:
    """Set ``kpi.progress`` (a KPIProgress) on KPIs fetched with ``public_kpis()``.

    ``levels``: the grade levels, when the page has them already; ``towns`` and
    ``participants``: what the page knows of the municipalities (see
    ``load_public_actuals()``).
    """
    levels = grade_levels() if levels is None else levels
    kpis = list(kpis)
    participants = load_public_actuals(kpis, towns, participants)
    for kpi in kpis:
        kpi.progress = judge_kpi(kpi, kpi.published, levels, participants.get(kpi.program_id, []))
    return kpis
