"""What is due from whom, and who may open, edit or read which figure.

Admin querysets, change/delete permissions, imports, exports, the annual
return and the secretariat's pages all ask these functions (and the roles in
``municipalities.roles``); none keeps a copy of the rules.

A *return* (年度報告) is what one reporter owes for one fiscal year. The reporter
is a municipality, or ``None`` for the area-wide figures the secretariat enters
(圏域の値: KPIs with no reporting town that are not a sum of the towns' figures).

What is due from town T for fiscal year Y (``due_programs`` / ``due_kpis``):
- a budget (予算) and a settlement (決算) share in 千円 for every program T takes
  part in (the programs whose participants are still undecided list only 新庄市);
- the actual of every KPI that T reports (``KPI.reporter == T``; stored as the
  area figure, municipality blank) and T's own component of every KPI that is
  the sum of the towns' figures (stored with municipality T);
- its 取組状況 (``evaluations.TownActivity``: what T did in the program that year, a
  text) for every program T takes part in that year (``due_activities``: the same
  programs as its budget and settlement). Towns that are not participants are not
  asked; the area return has none.
KPIs still "to be set after the program starts" (事業化後に設定) are not due.

Outsiders get 404 (``can_open_return`` / ``can_read_figure`` is False); users who
may read but not write get 403.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.models import FigureStatus
from evaluations.models import TownActivity
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from municipalities.roles import can_read_all, is_secretariat, officer_municipality
from programs.models import CostShare, Program
from vision.models import ReportingYear, Vision

Figure = CostShare | KPIActual | TownActivity

# ---------------------------------------------------------------------------
# What is due


def due_programs(
    vision: Vision, municipality: Municipality, fiscal_year: int | None = None
) -> QuerySet[Program]:
    """Programs whose budget and settlement shares ``municipality`` reports
    (in ``fiscal_year``, when given: a program added or ended by a revision is due
    only in the years it runs)."""
    programs = Program.objects.filter(
        item__category__policy_field__vision=vision, participants=municipality
    )
    if fiscal_year is not None:
        programs = programs.running_in(fiscal_year)
    return programs.select_related("item").order_by("item__number", "number").distinct()


def due_activities(
    vision: Vision, reporter: Municipality | None, fiscal_year: int
) -> QuerySet[Program]:
    """Programs whose 取組状況 ``reporter`` writes for ``fiscal_year``: every program it takes
    part in that year (the programs of its budget and settlement). None for the area return."""
    if reporter is None:
        return Program.objects.none()
    return due_programs(vision, reporter, fiscal_year)


def due_kpis(
    vision: Vision, reporter: Municipality | None
) -> list[tuple[KPI, Municipality | None]]:
    """(KPI, the actual's municipality) for every KPI actual ``reporter`` reports.

    ``reporter`` None is the secretariat's area return.
    """
    kpis = (
        KPI.objects.filter(program__item__category__policy_field__vision=vision)
        .filter(to_be_set_later=False)
        .select_related("program__item", "reporter")
        .order_by("program__item__number", "program__number", "order")
    )
    if reporter is None:
        return [
            (k, None) for k in kpis.filter(reporter__isnull=True, is_sum_of_municipalities=False)
        ]
    due = []
    for kpi in kpis.filter(
        Q(reporter=reporter, is_sum_of_municipalities=False)
        | Q(is_sum_of_municipalities=True, program__participants=reporter)
    ).distinct():
        due.append((kpi, reporter if kpi.is_sum_of_municipalities else None))
    return due


def figure_reporter(figure: Figure) -> Municipality | None:
    """The reporter whose return a figure belongs to (None: the area return)."""
    if isinstance(figure, KPIActual):
        if figure.municipality_id is not None:
            return figure.municipality
        return figure.kpi.reporter
    return figure.municipality  # a cost share or a 取組状況: the town's own


def is_due(figure: Figure) -> bool:
    """Whether a figure is one an annual return asks for (plan rows are not; a 取組状況
    only from a participant, in a year the program runs)."""
    if isinstance(figure, TownActivity):
        return (
            Program.objects.running_in(figure.fiscal_year)
            .filter(pk=figure.program_id, participants=figure.municipality_id)
            .exists()
        )
    if isinstance(figure, CostShare):
        if figure.kind == CostShare.Kind.PLAN:
            return False
        return figure.program.participants.filter(pk=figure.municipality_id).exists()
    assert isinstance(figure, KPIActual)
    kpi = figure.kpi
    if kpi.to_be_set_later:
        return False
    if kpi.is_sum_of_municipalities:
        return (
            figure.municipality_id is not None
            and kpi.program.participants.filter(pk=figure.municipality_id).exists()
        )
    return figure.municipality_id is None


# ---------------------------------------------------------------------------
# Returns (town × fiscal year)


def returns_for(user, vision: Vision) -> list[Municipality | None]:
    """The returns a user may open, in display order (None: the area return)."""
    if can_read_all(user):
        return [*vision.municipalities.order_by("sort_order", "code"), None]
    town = officer_municipality(user)
    if town is not None and vision.municipalities.filter(pk=town.pk).exists():
        return [town]
    return []


def can_open_return(user, reporter: Municipality | None) -> bool:
    if can_read_all(user):
        return True
    town = officer_municipality(user)
    return town is not None and reporter is not None and town.pk == reporter.pk


def can_edit_return(user, reporter: Municipality | None, reporting_year: ReportingYear) -> bool:
    """Save and submit figures of a return. A locked year is the secretariat's only."""
    if is_secretariat(user):
        return True
    if reporting_year.is_locked:
        return False
    town = officer_municipality(user)
    return town is not None and reporter is not None and town.pk == reporter.pk


def can_take_back(user, reporter: Municipality | None, reporting_year: ReportingYear) -> bool:
    """Take a submitted figure back to draft before review (取り下げ): the town's officers,
    while the year is open. The secretariat returns a figure with a reason instead."""
    if reporting_year.is_locked:
        return False
    town = officer_municipality(user)
    return town is not None and reporter is not None and town.pk == reporter.pk


def needs_change_reason(user, reporting_year: ReportingYear | None) -> bool:
    """The secretariat must give a reason to change a figure of a locked year."""
    return reporting_year is not None and reporting_year.is_locked


# ---------------------------------------------------------------------------
# Single figures (cost shares, KPI actuals, 取組状況), for the admin and exports


def readable_figures(user, queryset: QuerySet) -> QuerySet:
    """Limit a CostShare, KPIActual or TownActivity queryset to what ``user`` may read."""
    if can_read_all(user):
        return queryset
    town = officer_municipality(user)
    if town is None:
        return queryset.none()
    if queryset.model is KPIActual:
        return queryset.filter(
            Q(municipality=town) | Q(municipality__isnull=True, kpi__reporter=town)
        )
    return queryset.filter(municipality=town)  # cost shares and 取組状況: the town's own rows


def can_read_figure(user, figure: Figure) -> bool:
    if can_read_all(user):
        return True
    town = officer_municipality(user)
    if town is None:
        return False
    owner = figure_reporter(figure)
    return owner is not None and owner.pk == town.pk


def can_change_figure_in_admin(user, figure: Figure | None = None) -> bool:
    """Officers change figures on the annual return only; the admin is the secretariat's."""
    return is_secretariat(user)


def can_delete_figure(user, figure: Figure | None = None) -> bool:
    """Nobody but the secretariat removes a figure; officers never hard-delete."""
    return is_secretariat(user)


def can_edit_figure(user, figure: Figure) -> bool:
    """Whether ``user`` may change this existing figure's value (on a return).

    Officers: their own due figures, while the year is open and the figure is
    not waiting for the secretariat (submitted). The secretariat: everything.
    """
    if is_secretariat(user):
        return True
    town = officer_municipality(user)
    if town is None or not is_due(figure):
        return False
    owner = figure_reporter(figure)
    if owner is None or owner.pk != town.pk:
        return False
    return figure.status != FigureStatus.SUBMITTED
