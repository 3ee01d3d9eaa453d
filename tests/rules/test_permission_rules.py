"""What is due from whom, and who may open, edit or read which figure (returns.permissions).

From the module's rules and DOMAIN.md:
- each town owes a budget and a settlement share (千円) for each program it takes part in,
  the actuals of the KPIs it reports (stored as the area figure) and its own part of a KPI
  that is the sum of the towns' figures; the secretariat's area return has the KPIs that
  no town reports and that are not a sum; a plan estimate (事業費見込) is never due, nor is
  a KPI still to be set after the program starts (事業化後に設定);
- an officer opens and edits only their own town's return, while the year is open, and
  only figures that are due and not waiting for the secretariat; the secretariat does
  everything (a locked year asks it for a reason); a reviewer reads everything and
  changes nothing; anyone else sees nothing.

The first half needs no database (unsaved figures, the cast of tests/rules/people.py); the
second uses made-up visions (tests.factories) where the rule is a query.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from municipalities.models import Municipality
from programs.models import CostShare
from returns.permissions import (
    can_change_figure_in_admin,
    can_delete_figure,
    can_edit_figure,
    can_edit_return,
    can_open_return,
    can_read_figure,
    can_take_back,
    due_kpis,
    due_programs,
    figure_reporter,
    is_due,
    needs_change_reason,
    readable_figures,
    returns_for,
)
from tests.conftest import KANEYAMA, OKURA, SHINJO
from tests.factories import make_actual, make_item, make_kpi, make_program, make_share, make_vision
from tests.rules.people import (
    KANEYAMA_OFFICER,
    KANEYAMA_TOWN,
    NOBODY,
    OKURA_TOWN,
    REVIEWER,
    SECRETARIAT,
    SHINJO_TOWN,
    SUPERUSER_WITHOUT_PROFILE,
)
from vision.models import ReportingYear

PLAN, BUDGET, SETTLEMENT = CostShare.Kind.PLAN, CostShare.Kind.BUDGET, CostShare.Kind.SETTLEMENT
OPEN, LOCKED = ReportingYear(fiscal_year=2025), ReportingYear(fiscal_year=2025, is_locked=True)
THE_SECRETARIAT = [SECRETARIAT, SUPERUSER_WITHOUT_PROFILE]
NOBODY_IDS, NOBODY_USERS = list(NOBODY), list(NOBODY.values())

# --- unsaved KPIs and figures ------------------------------------------------------------------

AREA_KPI = KPI(name="圏域の指標")  # no reporting town: the secretariat's area return
KANEYAMA_SURVEY = KPI(name="金山町調べ", reporter=KANEYAMA_TOWN)
OKURA_SURVEY = KPI(name="大蔵村調べ", reporter=OKURA_TOWN)
SUMMED = KPI(name="合計の指標", is_sum_of_municipalities=True)
LATER = KPI(name="後で設定", reporter=KANEYAMA_TOWN, to_be_set_later=True)


def actual(kpi, town=None, status=FigureStatus.DRAFT) -> KPIActual:
    return KPIActual(kpi=kpi, municipality=town, fiscal_year=2025, status=status)


def estimate(town) -> CostShare:
    """A plan estimate (事業費見込) as printed in the vision."""
    return CostShare(municipality=town, fiscal_year=2025, kind=PLAN, amount_kyen=110)


# --- whose return a figure belongs to, and whether it is due -----------------------------------


def test_a_figure_belongs_to_the_return_of_its_reporter():
    assert figure_reporter(estimate(KANEYAMA_TOWN)) == KANEYAMA_TOWN
    assert figure_reporter(actual(SUMMED, OKURA_TOWN)) == OKURA_TOWN
    assert figure_reporter(actual(KANEYAMA_SURVEY)) == KANEYAMA_TOWN  # the town's own survey
    assert figure_reporter(actual(AREA_KPI)) is None  # the area return


def test_a_plan_estimate_is_never_due():
    assert not is_due(estimate(KANEYAMA_TOWN))


def test_a_kpi_to_be_set_later_is_never_due():
    assert not is_due(actual(LATER))


def test_a_kpi_that_is_not_a_sum_is_due_as_the_area_figure_only():
    assert is_due(actual(KANEYAMA_SURVEY)) and is_due(actual(AREA_KPI))
    assert not is_due(actual(KANEYAMA_SURVEY, KANEYAMA_TOWN))


def test_the_total_of_a_summed_kpi_is_never_entered():
    assert not is_due(actual(SUMMED))


# --- returns (town × year) ------------------------------------------------------------------


@pytest.mark.parametrize("user", [*THE_SECRETARIAT, REVIEWER])
def test_the_secretariat_and_reviewers_open_every_return(user):
    assert all(can_open_return(user, r) for r in (KANEYAMA_TOWN, OKURA_TOWN, None))


def test_an_officer_opens_their_own_towns_return_only():
    assert can_open_return(KANEYAMA_OFFICER, KANEYAMA_TOWN)
    assert not can_open_return(KANEYAMA_OFFICER, OKURA_TOWN)
    assert not can_open_return(KANEYAMA_OFFICER, None)  # the area return is the secretariat's


@pytest.mark.parametrize("user", NOBODY_USERS, ids=NOBODY_IDS)
def test_anyone_else_opens_no_return(user):
    assert not can_open_return(user, KANEYAMA_TOWN)
    assert not can_open_return(user, None)


def test_an_officer_edits_their_own_return_while_the_year_is_open():
    assert can_edit_return(KANEYAMA_OFFICER, KANEYAMA_TOWN, OPEN)
    assert not can_edit_return(KANEYAMA_OFFICER, KANEYAMA_TOWN, LOCKED)


def test_an_officer_edits_no_other_return():
    assert not can_edit_return(KANEYAMA_OFFICER, OKURA_TOWN, OPEN)
    assert not can_edit_return(KANEYAMA_OFFICER, None, OPEN)


@pytest.mark.parametrize("user", THE_SECRETARIAT)
def test_the_secretariat_edits_every_return_also_in_a_locked_year(user):
    assert can_edit_return(user, OKURA_TOWN, LOCKED)
    assert can_edit_return(user, None, OPEN)


@pytest.mark.parametrize("user", [REVIEWER, *NOBODY_USERS], ids=["reviewer", *NOBODY_IDS])
def test_a_reviewer_or_anyone_else_edits_no_return(user):
    assert not can_edit_return(user, KANEYAMA_TOWN, OPEN)
    assert not can_edit_return(user, None, OPEN)


def test_an_officer_takes_back_their_towns_submission_while_the_year_is_open():
    assert can_take_back(KANEYAMA_OFFICER, KANEYAMA_TOWN, OPEN)
    assert not can_take_back(KANEYAMA_OFFICER, KANEYAMA_TOWN, LOCKED)


def test_an_officer_takes_back_nothing_of_another_return():
    assert not can_take_back(KANEYAMA_OFFICER, OKURA_TOWN, OPEN)
    assert not can_take_back(KANEYAMA_OFFICER, None, OPEN)


@pytest.mark.parametrize(
    "user",
    [*THE_SECRETARIAT, REVIEWER, *NOBODY_USERS],
    ids=["secretariat", "superuser", "reviewer", *NOBODY_IDS],
)
def test_only_the_towns_officers_take_a_submission_back(user):
    # The secretariat returns a figure with a reason instead (差戻し).
    assert not can_take_back(user, KANEYAMA_TOWN, OPEN)


def test_a_change_in_a_locked_year_needs_a_reason():
    assert needs_change_reason(SECRETARIAT, LOCKED)
    assert not needs_change_reason(SECRETARIAT, OPEN)
    assert not needs_change_reason(SECRETARIAT, None)  # no reporting year: nothing is locked


# --- reading single figures -----------------------------------------------------------------


OWN = {
    "estimate": estimate(KANEYAMA_TOWN),
    "part of a sum": actual(SUMMED, KANEYAMA_TOWN),
    "survey": actual(KANEYAMA_SURVEY),
}
NOT_OWN = {
    "another town's estimate": estimate(SHINJO_TOWN),
    "another town's part": actual(SUMMED, OKURA_TOWN),
    "another town's survey": actual(OKURA_SURVEY),
    "area figure": actual(AREA_KPI),
}
EVERY_FIGURE = [*OWN.values(), *NOT_OWN.values()]


@pytest.mark.parametrize("figure", OWN.values(), ids=OWN)
def test_an_officer_reads_their_own_towns_figures(figure):
    assert can_read_figure(KANEYAMA_OFFICER, figure)


@pytest.mark.parametrize("figure", NOT_OWN.values(), ids=NOT_OWN)
def test_an_officer_reads_no_other_towns_or_area_figure(figure):
    assert not can_read_figure(KANEYAMA_OFFICER, figure)


@pytest.mark.parametrize("user", [*THE_SECRETARIAT, REVIEWER])
def test_the_secretariat_and_reviewers_read_every_figure(user):
    assert all(can_read_figure(user, f) for f in EVERY_FIGURE)


@pytest.mark.parametrize("user", NOBODY_USERS, ids=NOBODY_IDS)
def test_anyone_else_reads_no_figure(user):
    assert not any(can_read_figure(user, f) for f in EVERY_FIGURE)


@pytest.mark.parametrize("user", THE_SECRETARIAT)
def test_the_secretariat_changes_and_deletes_figures_in_the_admin(user):
    assert can_change_figure_in_admin(user, OWN["survey"]) and can_delete_figure(user)


@pytest.mark.parametrize(
    "user", [REVIEWER, KANEYAMA_OFFICER, *NOBODY_USERS], ids=["reviewer", "officer", *NOBODY_IDS]
)
def test_nobody_else_changes_or_deletes_figures_in_the_admin(user):
    # Officers change their figures on the annual return only, and never delete one.
    assert not can_change_figure_in_admin(user, OWN["survey"])
    assert not can_delete_figure(user, OWN["survey"])


# --- editing single figures on the annual return ----------------------------------------------


def test_an_officer_edits_their_towns_survey_kpi():
    assert can_edit_figure(KANEYAMA_OFFICER, actual(KANEYAMA_SURVEY))


@pytest.mark.parametrize("status", [FigureStatus.RETURNED, FigureStatus.APPROVED])
def test_a_returned_or_approved_figure_can_be_changed_again(status):
    assert can_edit_figure(KANEYAMA_OFFICER, actual(KANEYAMA_SURVEY, status=status))


def test_a_submitted_figure_waits_for_the_secretariat():
    figure = actual(KANEYAMA_SURVEY, status=FigureStatus.SUBMITTED)
    assert not can_edit_figure(KANEYAMA_OFFICER, figure)


def test_an_officer_may_not_edit_their_towns_plan_estimate():
    assert not can_edit_figure(KANEYAMA_OFFICER, estimate(KANEYAMA_TOWN))


def test_an_officer_may_not_edit_a_kpi_of_their_town_to_be_set_later():
    assert not can_edit_figure(KANEYAMA_OFFICER, actual(LATER))


def test_an_officer_may_not_edit_a_figure_of_their_town_that_the_kpi_does_not_ask_for():
    assert not can_edit_figure(KANEYAMA_OFFICER, actual(KANEYAMA_SURVEY, KANEYAMA_TOWN))


@pytest.mark.parametrize(
    "figure", [actual(OKURA_SURVEY), actual(AREA_KPI)], ids=["another town's", "area"]
)
def test_an_officer_may_not_edit_another_towns_or_the_area_figure(figure):
    assert not can_edit_figure(KANEYAMA_OFFICER, figure)


@pytest.mark.parametrize("user", THE_SECRETARIAT)
def test_the_secretariat_edits_any_figure_also_one_that_is_not_due(user):
    assert all(can_edit_figure(user, f) for f in [*EVERY_FIGURE, actual(LATER)])


@pytest.mark.parametrize("user", [REVIEWER, *NOBODY_USERS], ids=["reviewer", *NOBODY_IDS])
def test_a_reviewer_or_anyone_else_edits_no_figure(user):
    assert not any(can_edit_figure(user, f) for f in [*EVERY_FIGURE, actual(KANEYAMA_SURVEY)])


# =============================================================================================
# With the database: what is due, the lists of returns and of readable figures.


@pytest.fixture
def plan(db):
    """A small vision: a program of 新庄市 and 金山町, one of 大蔵村 alone, their KPIs."""
    vision = make_vision()
    item = make_item(vision)
    joint = make_program(item, participants=[SHINJO, KANEYAMA], name="共同事業")
    okura_only = make_program(item, participants=[OKURA], name="大蔵村の事業")
    kaneyama, okura = town(KANEYAMA), town(OKURA)
    return {
        "vision": vision,
        "joint": joint,
        "okura_only": okura_only,
        "area": make_kpi(joint, name="圏域の指標"),
        "kaneyama_survey": make_kpi(joint, name="金山町調べ", reporter=kaneyama),
        "okura_survey": make_kpi(okura_only, name="大蔵村調べ", reporter=okura),
        "summed": make_kpi(joint, name="合計の指標", is_sum_of_municipalities=True),
        "later": make_kpi(joint, name="後で設定", baseline=None, target=None, to_be_set_later=True),
    }


@pytest.fixture
def stranger(db):
    return User.objects.create_user("stranger", is_staff=True)


def town(code):
    return Municipality.objects.get(code=code)


def names(pairs):
    return [(k.name, None if m is None else m.code) for k, m in pairs]


# --- what is due ------------------------------------------------------------------------------


def test_a_town_owes_shares_of_the_programs_it_takes_part_in(plan):
    assert list(due_programs(plan["vision"], town(KANEYAMA))) == [plan["joint"]]
    assert list(due_programs(plan["vision"], town(OKURA))) == [plan["okura_only"]]


def test_a_town_owes_nothing_for_another_visions_programs(plan, vision):
    assert plan["joint"] not in due_programs(vision, town(KANEYAMA))


def test_programs_are_due_in_plan_order_once_each(plan):
    later_item = make_item(plan["vision"])
    second = make_program(later_item, participants=[KANEYAMA, SHINJO])
    first = plan["joint"]
    first.item.number, later_item.number = 200, 150
    first.item.save()
    later_item.save()
    assert list(due_programs(plan["vision"], town(KANEYAMA))) == [second, first]


def test_a_program_is_due_only_in_the_years_it_runs(plan):
    joint = plan["joint"]
    joint.first_year, joint.last_year = 2026, 2027
    joint.save()
    due = [list(due_programs(plan["vision"], town(SHINJO), y)) for y in (2025, 2026, 2027, 2028)]
    assert due == [[], [joint], [joint], []]
    assert list(due_programs(plan["vision"], town(SHINJO))) == [joint]  # any year


def test_a_town_owes_its_survey_kpi_as_the_area_figure_and_its_part_of_a_sum(plan):
    assert names(due_kpis(plan["vision"], town(KANEYAMA))) == [
        ("金山町調べ", None),
        ("合計の指標", KANEYAMA),
    ]


def test_a_town_owes_no_part_of_a_sum_of_a_program_it_is_not_in(plan):
    assert names(due_kpis(plan["vision"], town(OKURA))) == [("大蔵村調べ", None)]


def test_the_area_return_has_the_kpis_no_town_reports_and_that_are_no_sum(plan):
    assert names(due_kpis(plan["vision"], None)) == [("圏域の指標", None)]


def test_kpis_are_due_in_plan_order(plan):
    first = make_kpi(plan["joint"], name="先の指標", order=0)
    assert [k for k, _ in due_kpis(plan["vision"], None)] == [first, plan["area"]]


def test_a_kpi_to_be_set_later_is_due_from_nobody(plan):
    for reporter in (None, town(SHINJO), town(KANEYAMA)):
        assert plan["later"] not in [k for k, _ in due_kpis(plan["vision"], reporter)]


def test_a_summed_kpi_with_a_reporting_town_is_still_each_towns_part(plan):
    summed = plan["summed"]
    summed.reporter = town(KANEYAMA)
    summed.save()
    assert ("合計の指標", SHINJO) in names(due_kpis(plan["vision"], town(SHINJO)))
    assert ("合計の指標", KANEYAMA) in names(due_kpis(plan["vision"], town(KANEYAMA)))


def test_a_town_named_as_reporter_of_a_sum_owes_no_part_of_a_program_it_is_not_in(plan):
    summed = plan["summed"]
    summed.reporter = town(OKURA)  # 大蔵村 is not in the joint program
    summed.save()
    assert names(due_kpis(plan["vision"], town(OKURA))) == [("大蔵村調べ", None)]


def test_area_kpis_are_due_in_the_order_of_items_then_programs(plan):
    # Items 150 and 200, and two programs in item 200; numbers unlike the creation order.
    item_200 = plan["joint"].item
    item_200.number = 200
    item_200.save()
    item_150 = make_item(plan["vision"])
    item_150.number = 150
    item_150.save()
    program_in_150 = make_program(item_150, participants=[SHINJO])  # numbered after "joint"
    second_in_200 = make_program(item_200, participants=[SHINJO])
    make_kpi(second_in_200, name="200-2", order=1)
    make_kpi(program_in_150, name="150", order=9)
    plan["area"].order = 5
    plan["area"].save()
    due = [k.name for k, _ in due_kpis(plan["vision"], None)]
    assert due == ["150", "圏域の指標", "200-2"]


def test_programs_of_one_item_are_due_in_their_number_order(plan):
    joint = plan["joint"]
    second = make_program(joint.item, participants=[KANEYAMA])
    joint.number = second.number + 1
    joint.save()
    assert list(due_programs(plan["vision"], town(KANEYAMA))) == [second, joint]


def queries_for_what_is_due(vision, reporter):
    """Queries to list what is due with what the return shows of each line."""
    with CaptureQueriesContext(connection) as queries:
        shown = [
            (k.program.item.number, k.program.name, k.reporter)
            for k, _ in due_kpis(vision, reporter)
        ]
        shown += [(p.item.number, p.name, None) for p in due_programs(vision, reporter)]
    assert shown
    return len(queries)


def test_what_is_due_takes_as_many_queries_for_many_lines_as_for_few(plan, kaneyama):
    few = queries_for_what_is_due(plan["vision"], kaneyama)
    more = make_program(make_item(plan["vision"]), participants=[KANEYAMA, OKURA])
    for n in range(3):
        make_kpi(more, name=f"金山町調べ{n}", reporter=kaneyama)
    make_kpi(more, name="もう一つの合計", is_sum_of_municipalities=True)
    assert queries_for_what_is_due(plan["vision"], kaneyama) == few


def test_budget_and_settlement_are_due_from_participants_only(plan):
    assert is_due(make_share(plan["joint"], KANEYAMA, 5, kind=BUDGET))
    assert is_due(make_share(plan["joint"], KANEYAMA, 5, kind=SETTLEMENT))
    assert not is_due(make_share(plan["joint"], OKURA, 5, kind=BUDGET))


def test_the_part_of_a_sum_is_due_from_participating_towns_only(plan):
    assert is_due(make_actual(plan["summed"], "3", municipality=town(KANEYAMA)))
    assert not is_due(make_actual(plan["summed"], "3", municipality=town(OKURA)))


def test_an_officer_edits_their_towns_shares_and_parts(plan, kaneyama_officer, kaneyama):
    assert can_edit_figure(kaneyama_officer, make_share(plan["joint"], KANEYAMA, 5, kind=BUDGET))
    assert can_edit_figure(
        kaneyama_officer, make_actual(plan["summed"], "3", municipality=kaneyama)
    )


def test_an_officer_may_not_edit_their_towns_share_of_a_program_it_is_not_in(
    plan, kaneyama_officer
):
    share = make_share(plan["okura_only"], KANEYAMA, 5, kind=BUDGET, approved=False)
    assert not can_edit_figure(kaneyama_officer, share)


def test_an_officer_may_not_edit_another_towns_share(plan, kaneyama_officer):
    share = make_share(plan["joint"], SHINJO, 5, kind=BUDGET, approved=False)
    assert not can_edit_figure(kaneyama_officer, share)


# --- the returns a user may open ---------------------------------------------------------------


def test_the_secretariat_and_reviewers_list_every_return_then_the_area_return(
    vision, secretariat, reviewer
):
    towns = list(vision.municipalities.order_by("sort_order", "code"))
    assert len(towns) == 8
    assert returns_for(secretariat, vision) == [*towns, None]
    assert returns_for(reviewer, vision) == [*towns, None]


def test_returns_are_listed_in_the_towns_display_order(vision, secretariat):
    Municipality.objects.filter(code=OKURA).update(sort_order=0)
    assert returns_for(secretariat, vision)[:2] == [town(OKURA), town(SHINJO)]


def test_towns_with_the_same_display_order_are_listed_by_code(vision, secretariat):
    yamagata = Municipality.objects.create(code="062014", name="山形市", sort_order=1)
    vision.municipalities.add(yamagata)
    Municipality.objects.filter(code=SHINJO).update(sort_order=1)
    assert returns_for(secretariat, vision)[:2] == [yamagata, town(SHINJO)]


def test_an_officer_lists_their_own_towns_return_only(vision, kaneyama_officer, kaneyama):
    assert returns_for(kaneyama_officer, vision) == [kaneyama]


def test_an_officer_of_a_town_outside_the_vision_lists_nothing(kaneyama_officer):
    other = make_vision()
    other.municipalities.set(Municipality.objects.exclude(code=KANEYAMA))
    assert returns_for(kaneyama_officer, other) == []


def test_anyone_else_lists_no_return(vision, stranger):
    assert returns_for(stranger, vision) == []
    assert returns_for(AnonymousUser(), vision) == []


# --- the figures a user may read (admin lists, exports) ----------------------------------------


@pytest.fixture
def figures(plan, kaneyama, okura):
    return {
        "own_share": make_share(plan["joint"], KANEYAMA, 5, kind=BUDGET, approved=False),
        "shinjo_share": make_share(plan["joint"], SHINJO, 7, kind=BUDGET, approved=False),
        "own_survey": make_actual(plan["kaneyama_survey"], "3"),
        "own_part": make_actual(plan["summed"], "4", municipality=kaneyama),
        "okura_part": make_actual(plan["summed"], "5", municipality=okura),
        "okura_survey": make_actual(plan["okura_survey"], "5"),
        "area": make_actual(plan["area"], "6"),
    }


def these(model, figures):
    """The made-up figures of one model (the loaded vision has plan estimates of its own)."""
    pks = [f.pk for f in figures.values() if isinstance(f, model)]
    return model.objects.filter(pk__in=pks).order_by("pk")


def test_an_officer_reads_their_towns_shares_only(figures, kaneyama_officer):
    shares = readable_figures(kaneyama_officer, these(CostShare, figures))
    assert list(shares) == [figures["own_share"]]


def test_an_officer_reads_their_towns_parts_and_survey_kpis(figures, kaneyama_officer):
    actuals = readable_figures(kaneyama_officer, these(KPIActual, figures))
    assert list(actuals) == [figures["own_survey"], figures["own_part"]]


def test_another_towns_part_stays_hidden_when_the_officers_town_reports_the_kpi(
    plan, figures, kaneyama_officer, kaneyama
):
    plan["summed"].reporter = kaneyama
    plan["summed"].save()
    actuals = readable_figures(kaneyama_officer, these(KPIActual, figures))
    assert figures["okura_part"] not in actuals
    assert figures["own_part"] in actuals


def test_the_secretariat_and_reviewers_read_every_listed_figure(figures, secretariat, reviewer):
    for user in (secretariat, reviewer):
        assert readable_figures(user, these(KPIActual, figures)).count() == 5
        assert readable_figures(user, these(CostShare, figures)).count() == 2


def test_anyone_else_reads_no_listed_figure(figures, stranger):
    for user in (stranger, AnonymousUser()):
        assert not readable_figures(user, these(KPIActual, figures)).exists()
        assert not readable_figures(user, these(CostShare, figures)).exists()
