"""How a KPI is judged (kpis.progress), rule by rule, with the document's own examples.

The rules as published on /about/progress/ and in DOMAIN.md: achievement rate =
(actual − baseline) ÷ (target − baseline) for increasing and decreasing targets alike;
maintain targets (baseline = target, or direction 維持) count as 100% within ± the KPI's
tolerance (5% when blank) and actual ÷ target outside it; the expected rate runs on a
straight line from the baseline year to the target year; progress = rate ÷ expected; the
grade is the first level whose minimum the rounded progress reaches. No target →
評価対象外（目標未設定）, no baseline → 評価対象外（現状値未設定）, no data → −（未把握）,
a KPI to be set after the program starts → 事業化後に設定, a summed KPI is 集計中 until
every town has reported.

Pure: unsaved KPIs and plain rows, no database.
"""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from kpis.models import KPI, Direction, GradeLevel, KPITarget, derive_direction
from kpis.progress import (
    DEFAULT_GRADE_LEVELS,
    DEFAULT_MAINTAIN_TOLERANCE_PERCENT,
    KPIProgress,
    Status,
    YearJudgement,
    achievement_rate,
    expected_fraction,
    expected_value,
    grade_for,
    is_maintain,
    judge_kpi,
    judge_value,
    maintain_rate,
    progress_percent,
    round1,
    sum_components,
    tolerance_of,
)

D = Decimal
R6, R9, R12 = 2024, 2027, 2030  # baseline year, mid-plan, target year


def levels() -> list[GradeLevel]:
    """The documented defaults: ◎ A ≥100%, ○ B ≥80%, △ C ≥50%, × D below."""
    return [
        GradeLevel(code=code, symbol=symbol, label=label, min_percent=minimum, order=order)
        for code, symbol, label, _en, minimum, order in DEFAULT_GRADE_LEVELS
    ]


def kpi(baseline="25", target="36", **kwargs) -> KPI:
    """An unsaved KPI from R6 to R12, direction as printed (derived from the two values)."""
    b = None if baseline is None else D(baseline)
    t = None if target is None else D(target)
    kwargs.setdefault("direction", derive_direction(b, t))
    return KPI(
        name="指標",
        baseline=b,
        baseline_year=R6 if b is not None else None,
        target=t,
        target_year=R12 if t is not None else None,
        **kwargs,
    )


def judged(k, value, year=R12):
    return judge_value(k, year, D(value), levels())


def row(value, year, town=None, approved_at=None):
    """An approved actual as the selectors hand it over (None: not approved)."""
    return SimpleNamespace(
        fiscal_year=year,
        approved_value=None if value is None else D(value),
        approved_at=approved_at or datetime(year + 1, 6, 1, tzinfo=UTC),
        municipality=town,
        municipality_id=None if town is None else town.code,
    )


def town(code, sort_order):
    return SimpleNamespace(code=code, sort_order=sort_order)


SHINJO, KANEYAMA, OKURA = town("062057", 1), town("063614", 2), town("063657", 6)


# --- rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("79.95"), D("80.0")),
        (D("79.94"), D("79.9")),
        (D("-25.45"), D("-25.5")),
        (D("45.454545"), D("45.5")),
        (D("100"), D("100.0")),
    ],
)
def test_rates_are_shown_rounded_half_up_to_one_decimal(value, shown):
    assert round1(value) == shown


def test_a_missing_rate_stays_missing():
    assert round1(None) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("1e27"), D("1000000000000000000000000000.0")),
        (D("999999999999999999999999999.95"), D("1000000000000000000000000000.0")),
        (D("-1e30"), D("-1000000000000000000000000000000.0")),
    ],
)
def test_huge_rates_are_rounded_not_refused(value, shown):
    # A tiny distance to the target makes a huge rate; it must still be shown and graded.
    assert round1(value) == shown


# --- achievement rate -----------------------------------------------------------------------


def test_the_documents_decreasing_example_is_30_3_percent():
    # 受診者数 2,717 → 2,000 with an actual of 2,500: 217 ÷ 717.
    assert round1(achievement_rate(D("2500"), D("2717"), D("2000"))) == D("30.3")


def test_the_rate_is_not_rounded_before_it_is_used():
    assert achievement_rate(D("30"), D("25"), D("36")) == D(5) / D(11) * 100


def test_passing_the_target_is_more_than_100_percent():
    assert achievement_rate(D("47"), D("25"), D("36")) == D(200)


def test_equal_baseline_and_target_has_no_rate():
    assert achievement_rate(D("41"), D("41"), D("41")) is None


# --- maintain targets -----------------------------------------------------------------------


@pytest.mark.parametrize("actual", ["95", "100", "105", "97.5"])
def test_an_actual_inside_the_band_counts_as_100_percent(actual):
    assert maintain_rate(D(actual), D("100"), D("5")) == 100


@pytest.mark.parametrize(("actual", "rate"), [("94", "94"), ("106", "106"), ("50", "50")])
def test_outside_the_band_the_rate_is_actual_over_target(actual, rate):
    assert maintain_rate(D(actual), D("100"), D("5")) == D(rate)


def test_the_band_of_a_negative_target_is_measured_from_its_size():
    assert maintain_rate(D("-10.5"), D("-10"), D("10")) == 100


def test_a_target_of_zero_is_kept_only_by_zero():
    assert maintain_rate(D("0"), D("0"), D("5")) == 100
    assert maintain_rate(D("3"), D("0"), D("5")) == 0


def test_a_tolerance_of_zero_means_exactly_the_target():
    assert maintain_rate(D("41"), D("41"), D("0")) == 100
    assert round1(maintain_rate(D("40"), D("41"), D("0"))) == D("97.6")


def test_the_tolerance_is_the_kpis_own_or_five_percent():
    assert DEFAULT_MAINTAIN_TOLERANCE_PERCENT == D("5")
    assert tolerance_of(kpi("3", "3")) == D("5")
    assert tolerance_of(kpi("3", "3", maintain_tolerance_percent=D("10"))) == D("10")


def test_a_tolerance_of_zero_is_not_replaced_by_the_default():
    assert tolerance_of(kpi("3", "3", maintain_tolerance_percent=D("0"))) == D("0")
    j = judged(kpi("41", "41", maintain_tolerance_percent=D("0")), "40")
    assert j.within_band is False and j.rate_display == D("97.6")


@pytest.mark.parametrize(
    ("baseline", "target", "direction"),
    [
        ("3", "3", ""),  # baseline = target: maintain, whatever direction was typed
        ("41", "41", Direction.INCREASE),
        ("3", "5", Direction.MAINTAIN),  # 維持 chosen explicitly
        (None, "3", Direction.MAINTAIN),
    ],
)
def test_these_are_maintain_targets(baseline, target, direction):
    assert is_maintain(kpi(baseline, target, direction=direction))
    assert is_maintain(kpi(baseline, target, direction=direction), R9)


@pytest.mark.parametrize(
    ("baseline", "target", "direction"),
    [
        ("25", "36", Direction.INCREASE),
        ("2717", "2000", Direction.DECREASE),
        ("3", None, Direction.MAINTAIN),  # no target: nothing to maintain
        (None, "3", Direction.INCREASE),
        (None, "3", ""),
    ],
)
def test_these_are_not_maintain_targets(baseline, target, direction):
    assert not is_maintain(kpi(baseline, target, direction=direction))
    assert not is_maintain(kpi(baseline, target, direction=direction), R9)


def revised(k, *, until: int, target, direction):
    """``k`` with an earlier target (in force before ``until``) from a plan revision."""
    k.target_effective_from = until
    history = [
        KPITarget(effective_from=None, target=D(target), target_year=R12, direction=direction),
        KPITarget(effective_from=until, target=k.target, target_year=R12, direction=k.direction),
    ]
    k.target_periods = lambda: history  # as the revision services store it, without a database
    return k


def test_a_revised_target_is_maintain_only_in_the_years_it_was_in_force():
    # 41 → 41 until a revision made it 41 → 45 from R9.
    k = revised(kpi("41", "45"), until=R9, target="41", direction=Direction.MAINTAIN)
    assert is_maintain(k, R9 - 1)
    assert not is_maintain(k, R9)
    assert not is_maintain(k)


def test_an_earlier_increase_is_judged_as_an_increase_after_a_revision_to_maintain():
    k = revised(kpi("41", "41"), until=R9, target="45", direction=Direction.INCREASE)
    j = judged(k, "43", year=R9 - 1)
    assert not j.is_maintain
    assert j.rate_display == D("50.0")  # 2 of the 4 to go to the target then in force


# --- the expected straight line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "fraction"),
    [(2022, D(0)), (R6, D(0)), (2025, D(1) / D(6)), (R9, D("0.5")), (R12, D(1)), (2033, D(1))],
)
def test_the_expected_share_runs_straight_from_the_baseline_year_to_the_target_year(year, fraction):
    assert expected_fraction(year, R6, R12) == fraction


def test_a_target_year_not_after_the_baseline_year_is_expected_in_full():
    # No line to follow: the target is expected in full, in every year.
    assert expected_fraction(R6, R6, R6) == 1
    assert expected_fraction(2023, R6, R6) == 1
    assert expected_fraction(2020, R6, 2023) == 1


def test_the_expected_value_lies_on_the_line():
    assert expected_value(D("25"), D("36"), R6, R12, R9) == D("30.5")
    assert expected_value(D("2717"), D("2000"), R6, R12, R6) == D("2717")
    assert expected_value(D("2717"), D("2000"), R6, R12, 2035) == D("2000")


# --- progress and grade ---------------------------------------------------------------------


def test_progress_is_the_rate_over_the_expected_rate():
    assert progress_percent(D("45"), D("50")) == D("90")
    assert progress_percent(D("-10"), D("50")) == D("-20")


def test_there_is_no_progress_when_nothing_is_expected_yet_or_no_rate():
    assert progress_percent(D("45"), D("0")) is None
    assert progress_percent(None, D("50")) is None


@pytest.mark.parametrize(
    ("progress", "code"),
    [
        ("150", "A"),
        ("100", "A"),
        ("99.95", "A"),  # reads 100.0
        ("99.94", "B"),
        ("80", "B"),
        ("79.95", "B"),
        ("79.9", "C"),
        ("50", "C"),
        ("49.9", "D"),
        ("-300", "D"),
    ],
)
def test_the_grade_is_the_first_level_whose_minimum_the_rounded_progress_reaches(progress, code):
    assert grade_for(D(progress), levels()).code == code


def test_no_progress_has_no_grade():
    assert grade_for(None, levels()) is None


def test_levels_are_taken_in_the_order_given():
    strict_first = [
        GradeLevel(code="S", min_percent=D("120"), order=1),
        GradeLevel(code="A", min_percent=D("100"), order=2),
        GradeLevel(code="Z", min_percent=None, order=3),
    ]
    assert grade_for(D("110"), strict_first).code == "A"
    assert grade_for(D("130"), strict_first).code == "S"


def test_without_a_catch_all_level_a_low_progress_has_no_grade():
    only_minimums = [GradeLevel(code="A", min_percent=D("100"), order=1)]
    assert grade_for(D("99"), only_minimums) is None


# --- one year judged ------------------------------------------------------------------------


def test_a_mid_plan_year_is_judged_against_the_straight_line():
    j = judged(kpi("25", "36"), "30", year=R9)
    assert (j.status, j.fiscal_year, j.actual) == (Status.JUDGED, R9, D("30"))
    assert (j.expected, j.expected_value) == (D("50"), D("30.5"))
    assert (j.rate_display, j.progress_display, j.grade.code) == (D("45.5"), D("90.9"), "B")


def test_a_decreasing_target_reached_early_is_grade_a():
    j = judged(kpi("2717", "2000"), "2000", year=R9)
    assert (j.rate_display, j.progress_display, j.grade.code) == (D("100.0"), D("200.0"), "A")


def test_a_maintain_target_is_expected_in_full_from_the_first_year():
    j = judged(kpi("41", "41"), "38", year=2025)
    assert j.is_maintain and j.within_band is False
    assert (j.expected, j.expected_value) == (D("100"), D("41"))
    assert (j.rate_display, j.progress_display, j.grade.code) == (D("92.7"), D("92.7"), "B")


def test_a_maintain_target_inside_the_band_is_reached():
    j = judged(kpi("41", "41"), "42", year=2025)
    assert j.within_band is True
    assert (j.rate, j.grade.code) == (D("100"), "A")


def test_the_band_edge_is_inside():
    assert judged(kpi("100", "100"), "105").within_band is True
    assert judged(kpi("100", "100"), "105.01").within_band is False


def test_a_maintain_target_needs_no_baseline():
    j = judged(kpi(None, "3", direction=Direction.MAINTAIN), "3")
    assert (j.status, j.grade.code) == (Status.JUDGED, "A")


def test_an_increase_without_a_baseline_is_not_judged():
    j = judged(kpi(None, "36", direction=Direction.INCREASE), "30")
    assert j.status == Status.NO_BASELINE
    assert (j.rate, j.progress, j.grade) == (None, None, None)


def test_a_baseline_without_its_year_is_not_judged():
    k = kpi("25", "36")
    k.baseline_year = None
    assert judged(k, "30").status == Status.NO_BASELINE


def test_without_a_target_there_is_nothing_to_judge():
    j = judged(kpi("6519", None), "6600")
    assert (j.status, j.actual) == (Status.NO_TARGET, D("6600"))
    assert (j.rate, j.expected, j.grade, j.is_maintain) == (None, None, None, False)


def test_a_kpi_to_be_set_after_the_program_starts_says_so():
    j = judged(kpi(None, None, to_be_set_later=True), "2")
    assert (j.status, j.rate, j.grade) == (Status.TO_BE_SET, None, None)


def test_the_baseline_year_itself_has_a_rate_but_no_grade():
    j = judged(kpi("25", "36"), "30", year=R6)
    assert (j.status, j.expected, j.progress, j.grade) == (Status.JUDGED, D("0"), None, None)
    assert j.rate_display == D("45.5")


def test_only_a_judged_year_says_it_is_judged():
    assert judged(kpi("25", "36"), "30").is_judged
    assert not judged(kpi("25", None), "30").is_judged


# --- a KPI over the years (what the public pages show) ----------------------------------------


def test_without_an_approved_actual_the_status_is_no_data():
    p = judge_kpi(kpi("25", "36"), [row(None, 2025)], levels())
    assert (p.status, p.latest, p.years) == (Status.NO_DATA, None, [])


@pytest.mark.parametrize(
    ("baseline", "target", "extra", "status"),
    [
        ("6519", None, {}, Status.NO_TARGET),
        (None, None, {"to_be_set_later": True}, Status.TO_BE_SET),
        (None, "36", {"direction": Direction.INCREASE}, Status.NO_BASELINE),
        (None, "3", {"direction": Direction.MAINTAIN}, Status.NO_DATA),
        ("41", "41", {}, Status.NO_DATA),
        ("25", "36", {}, Status.NO_DATA),
    ],
)
def test_the_status_before_any_actual_says_why_there_is_no_grade(baseline, target, extra, status):
    assert judge_kpi(kpi(baseline, target, **extra), [], levels()).status == status


def test_a_kpi_without_a_baseline_stays_unjudged_when_actuals_arrive():
    p = judge_kpi(kpi(None, "36", direction=Direction.INCREASE), [row("30", 2025)], levels())
    assert (p.status, p.grade) == (Status.NO_BASELINE, None)
    assert p.latest.status == Status.NO_BASELINE


def test_the_latest_year_is_shown_whatever_order_the_rows_come_in():
    rows = [row("36", R12), row("27", 2025), row("30", R9)]
    p = judge_kpi(kpi("25", "36"), rows, levels())
    assert [j.fiscal_year for j in p.years] == [2025, R9, R12]
    assert (p.fiscal_year, p.grade.code, p.status) == (R12, "A", Status.JUDGED)


def test_the_approval_date_of_the_latest_year_is_shown():
    approved = datetime(2028, 5, 31, tzinfo=UTC)
    p = judge_kpi(kpi("25", "36"), [row("30", R9, approved_at=approved)], levels())
    assert p.approved_at == approved
    assert p.years[0].approved_at == approved


def test_an_actual_of_the_baseline_year_is_listed_but_not_judged():
    p = judge_kpi(kpi("25", "36"), [row("25", R6)], levels())
    assert len(p.years) == 1 and p.latest is None
    assert (p.status, p.grade, p.rate_display, p.fiscal_year) == (Status.NO_DATA, None, None, None)


def test_a_maintain_kpi_without_a_baseline_year_is_judged_every_year():
    p = judge_kpi(kpi(None, "3", direction=Direction.MAINTAIN), [row("3", 2020)], levels())
    assert (p.fiscal_year, p.grade.code) == (2020, "A")


def test_an_unapproved_year_does_not_hide_the_years_after_it():
    rows = [row(None, 2025), row("30", R9)]
    p = judge_kpi(kpi("25", "36"), rows, levels())
    assert [j.fiscal_year for j in p.years] == [R9]
    assert p.fiscal_year == R9


def test_rows_of_a_town_are_not_the_area_figure():
    rows = [row("36", R12 - 1, town=KANEYAMA), row("30", R12)]
    p = judge_kpi(kpi("25", "36"), rows, levels())
    assert [(j.fiscal_year, j.actual) for j in p.years] == [(R12, D("30"))]


def test_the_kpis_tolerance_is_kept_for_the_page():
    assert judge_kpi(kpi("3", "3"), [], levels()).tolerance_percent == D("5")
    k = kpi("3", "3", maintain_tolerance_percent=D("10"))
    assert judge_kpi(k, [], levels()).tolerance_percent == D("10")


# --- summed KPIs (各市町村の値の合計) ------------------------------------------------------------


def test_the_sum_is_given_only_when_every_town_has_reported():
    assert sum_components({"a": D(2), "b": D(3)}, {"a", "b"}) == (D(5), True)
    assert sum_components({"a": D(2)}, {"a", "b"}) == (None, False)


def test_a_sum_of_zeros_is_zero_not_missing():
    assert sum_components({"a": D(0), "b": D(0)}, {"a", "b"}) == (D(0), True)


def test_a_summed_kpi_with_no_participants_is_never_complete():
    assert sum_components({}, set()) == (None, False)


def summed(baseline="48", target="50"):
    return kpi(baseline, target, is_sum_of_municipalities=True)


PARTICIPANTS = [OKURA, SHINJO, KANEYAMA]


def test_a_complete_year_is_judged_on_the_sum_of_the_towns():
    rows = [row("20", R12, t) for t in PARTICIPANTS]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert (p.latest.actual, p.grade.code, p.collecting) == (D("60"), "A", None)
    assert p.latest.components == {"063657": D("20"), "062057": D("20"), "063614": D("20")}


def test_a_year_still_being_collected_names_who_has_reported_and_who_has_not():
    first = datetime(2028, 5, 1, tzinfo=UTC)
    last = datetime(2028, 5, 20, tzinfo=UTC)
    rows = [row("9", R9, OKURA, approved_at=last), row("9", R9, SHINJO, approved_at=first)]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    c = p.collecting
    assert (c.status, c.fiscal_year, c.actual, c.grade) == (Status.COLLECTING, R9, None, None)
    assert c.reported == [SHINJO, OKURA]  # in the towns' order
    assert c.missing == [KANEYAMA]
    assert c.approved_at == last


def test_missing_towns_are_listed_in_the_towns_order():
    rows = [row("9", R9, KANEYAMA)]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert p.collecting.missing == [SHINJO, OKURA]


def test_a_summed_kpi_being_collected_says_so_and_has_no_grade_until_complete():
    rows = [row("9", R9, OKURA)]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert (p.status, p.latest, p.grade) == (Status.COLLECTING, None, None)
    assert p.bucket == Status.NO_DATA  # counted with the KPIs that have no result yet


def test_a_summed_kpi_without_a_target_stays_out_of_the_judgement_while_collected():
    rows = [row("9", R9, OKURA)]
    p = judge_kpi(summed(target=None), rows, levels(), participants=PARTICIPANTS)
    assert (p.status, p.collecting.fiscal_year) == (Status.NO_TARGET, R9)


def test_the_last_complete_year_stays_shown_while_the_next_is_collected():
    rows = [row("16", R9, t) for t in PARTICIPANTS] + [row("17", 2028, SHINJO)]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert (p.latest.fiscal_year, p.latest.actual, p.status) == (R9, D("48"), Status.JUDGED)
    assert p.collecting.fiscal_year == 2028
    assert [j.fiscal_year for j in p.years] == [R9, 2028]


def test_an_earlier_incomplete_year_is_not_the_one_being_collected():
    rows = [row("16", R9, SHINJO)] + [row("17", 2028, t) for t in PARTICIPANTS]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert p.collecting is None
    assert (p.latest.fiscal_year, p.latest.actual) == (2028, D("51"))


def test_an_area_row_or_an_unapproved_component_does_not_count_as_reported():
    rows = [row("48", R9), row(None, R9, KANEYAMA), row("9", R9, OKURA)]
    p = judge_kpi(summed(), rows, levels(), participants=PARTICIPANTS)
    assert p.collecting.components == {"063657": D("9")}
    assert p.collecting.missing == [SHINJO, KANEYAMA]


# --- what the pages read from a judged KPI ----------------------------------------------------


def test_an_unjudged_kpi_shows_nothing_in_place_of_a_grade_or_rate():
    p = KPIProgress(status=Status.NO_TARGET)
    assert (p.grade, p.rate_display, p.fiscal_year, p.approved_at) == (None, None, None, None)


def test_ungraded_kpis_sort_after_every_grade_and_count_by_status():
    graded = judge_kpi(kpi("25", "36"), [row("36", R12)], levels())
    no_target = judge_kpi(kpi("6519", None), [], levels())
    assert graded.grade_order == 1 and graded.bucket == "A"
    assert no_target.grade_order > max(level.order for level in levels())
    assert no_target.bucket == Status.NO_TARGET


def test_a_baseline_year_actual_counts_as_no_data():
    p = judge_kpi(kpi("25", "36"), [row("25", R6)], levels())
    assert p.bucket == Status.NO_DATA


def test_displayed_values_are_rounded_and_missing_ones_stay_missing():
    j = YearJudgement(fiscal_year=R9, status=Status.JUDGED, rate=D("45.45"), expected=D("50"))
    assert (j.rate_display, j.expected_display, j.progress_display) == (D("45.5"), D("50.0"), None)
