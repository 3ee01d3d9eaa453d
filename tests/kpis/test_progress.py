"""The progress rules: achievement rate, expected straight-line path, grade, summed KPIs."""

from decimal import Decimal

import pytest

from core.models import FigureStatus
from kpis.models import KPI, GradeLevel
from kpis.progress import (
    DEFAULT_MAINTAIN_TOLERANCE_PERCENT,
    Status,
    achievement_rate,
    expected_fraction,
    expected_value,
    grade_for,
    judge_value,
    round1,
)
from kpis.selectors import attach_progress, grade_levels, public_kpis
from municipalities.models import Municipality
from tests.constants import TOWN_CODES
from tests.factories import make_actual, make_item, make_kpi, make_program, make_vision

pytestmark = pytest.mark.django_db

D = Decimal


def kpi(baseline="25", target="36", **kwargs) -> KPI:
    """An unsaved KPI (R6 → R12) for the pure rules."""
    from kpis.models import derive_direction

    b = None if baseline is None else D(baseline)
    t = None if target is None else D(target)
    return KPI(
        name="指標",
        baseline=b,
        baseline_year=2024 if b is not None else None,
        target=t,
        target_year=2030 if t is not None else None,
        direction=derive_direction(b, t),
        **kwargs,
    )


def judged(k, value, year=2030):
    return judge_value(k, year, D(value), grade_levels())


def test_increasing_target_rate_is_share_of_the_way():
    assert round1(achievement_rate(D("30"), D("25"), D("36"))) == D("45.5")


def test_decreasing_target_uses_the_same_formula():
    # 受診者数 2,717 → 2,000: 2,300 is 417 of the 717 to go.
    assert round1(achievement_rate(D("2300"), D("2717"), D("2000"))) == D("58.2")


def test_moving_away_from_a_decreasing_target_is_negative():
    j = judged(kpi("2717", "2000"), "2900")
    assert j.rate_display == D("-25.5")
    assert j.grade.code == "D"


def test_reaching_the_target_at_the_target_year_is_grade_a():
    j = judged(kpi("25", "36"), "36")
    assert (j.rate_display, j.grade.code) == (D("100.0"), "A")


def test_maintain_inside_the_band_counts_as_reached():
    j = judged(kpi("41", "41"), "40")  # 1 below, band is ±2.05
    assert j.is_maintain and j.within_band
    assert (j.rate_display, j.grade.code) == (D("100.0"), "A")


def test_maintain_below_the_band_is_actual_over_target():
    j = judged(kpi("41", "41"), "38")
    assert j.within_band is False
    assert (j.rate_display, j.grade.code) == (D("92.7"), "B")


def test_maintain_band_comes_from_the_kpi_when_set():
    j = judged(kpi("41", "41", maintain_tolerance_percent=D("10")), "38")
    assert j.within_band is True
    assert j.rate_display == D("100.0")


def test_maintain_band_default_is_documented_five_percent():
    assert DEFAULT_MAINTAIN_TOLERANCE_PERCENT == D("5")
    assert judged(kpi("100", "100"), "95").within_band is True
    assert judged(kpi("100", "100"), "94.9").within_band is False


def test_maintain_is_expected_in_full_every_year():
    j = judged(kpi("3", "3"), "3", year=2026)
    assert (j.expected, j.progress_display) == (D("100"), D("100.0"))


def test_no_target_is_not_judged():
    j = judged(kpi("6519", None), "6600")
    assert j.status == Status.NO_TARGET
    assert j.rate is None and j.grade is None


def test_kpi_to_be_set_later_says_so():
    j = judged(kpi(None, None, to_be_set_later=True), "2")
    assert j.status == Status.TO_BE_SET


def test_expected_rate_runs_straight_from_baseline_year_to_target_year():
    assert expected_fraction(2024, 2024, 2030) == 0
    assert expected_fraction(2027, 2024, 2030) == D("0.5")
    assert expected_fraction(2030, 2024, 2030) == 1
    assert expected_fraction(2032, 2024, 2030) == 1


def test_expected_value_is_on_the_line():
    assert expected_value(D("25"), D("36"), 2024, 2030, 2027) == D("30.5")
    assert expected_value(D("2717"), D("2000"), 2024, 2030, 2030) == D("2000")


def test_mid_plan_progress_compares_with_the_expected_rate():
    # R9: half the way expected; 30 of 25 → 36 is 45.5% achieved → progress 90.9% → ○ 順調.
    j = judged(kpi("25", "36"), "30", year=2027)
    assert j.expected_display == D("50.0")
    assert j.progress_display == D("90.9")
    assert j.grade.code == "B"


def test_the_same_rate_at_the_target_year_is_a_worse_grade():
    j = judged(kpi("25", "36"), "30", year=2030)
    assert (j.progress_display, j.grade.code) == (D("45.5"), "D")


def test_thresholds_are_read_from_the_grade_levels():
    GradeLevel.objects.filter(code="B").update(min_percent=D("95"))
    j = judged(kpi("25", "36"), "30", year=2027)  # progress 90.9
    assert j.grade.code == "C"


def test_progress_is_rounded_before_it_is_graded():
    levels = grade_levels()
    assert grade_for(D("79.95"), levels).code == "B"
    assert grade_for(D("79.94"), levels).code == "C"


def test_without_grade_levels_the_documented_defaults_apply():
    GradeLevel.objects.all().delete()
    assert [(g.code, g.min_percent) for g in grade_levels()] == [
        ("A", D("100.0")),
        ("B", D("80.0")),
        ("C", D("50.0")),
        ("D", None),
    ]


def test_the_target_for_the_year_is_used(monkeypatch):
    monkeypatch.setattr(KPI, "target_for", lambda self, year: (D("46"), 2030))
    assert judged(kpi("25", "36"), "46").grade.code == "A"


# --- judging stored KPIs (only approved actuals count) -------------------------------------


@pytest.fixture
def program(db):
    vision = make_vision()
    return make_program(make_item(vision), participants=TOWN_CODES)


def progress_of(k):
    [k] = attach_progress(public_kpis(KPI.objects.filter(pk=k.pk)))
    return k.progress


def test_no_approved_actual_is_no_data(program):
    k = make_kpi(program, baseline="25", target="36")
    make_actual(k, "30", year=2027, status=FigureStatus.SUBMITTED)
    p = progress_of(k)
    assert p.status == Status.NO_DATA and p.latest is None


def test_the_approved_value_is_judged_not_the_working_value(program):
    k = make_kpi(program, baseline="25", target="36")
    actual = make_actual(k, "36", year=2030, status=FigureStatus.APPROVED)
    actual.value = D("1")  # changed after approval, not yet approved again
    actual.status = FigureStatus.DRAFT
    actual.save()
    assert progress_of(k).latest.actual == D("36")


def test_the_latest_year_is_the_one_shown(program):
    k = make_kpi(program, baseline="25", target="36")
    make_actual(k, "27", year=2026, status=FigureStatus.APPROVED)
    make_actual(k, "36", year=2030, status=FigureStatus.APPROVED)
    p = progress_of(k)
    assert (p.fiscal_year, p.grade.code, len(p.years)) == (2030, "A", 2)


def test_an_actual_of_the_baseline_year_is_shown_but_not_judged(program):
    k = make_kpi(program, baseline="25", target="36")
    make_actual(k, "25", year=2024, status=FigureStatus.APPROVED)
    p = progress_of(k)
    assert len(p.years) == 1 and p.latest is None and p.status == Status.NO_DATA


def summed_kpi(program):
    return make_kpi(program, baseline="48", target="50", is_sum_of_municipalities=True)


def test_summed_kpi_is_collecting_until_every_town_has_reported(program):
    k = summed_kpi(program)
    towns = list(Municipality.objects.order_by("sort_order"))
    for town in towns[:-1]:
        make_actual(k, "6", year=2027, municipality=town, status=FigureStatus.APPROVED)
    p = progress_of(k)
    assert p.latest is None
    assert p.collecting.status == Status.COLLECTING
    assert p.collecting.actual is None  # never a partial sum
    assert [m.code for m in p.collecting.missing] == [towns[-1].code]


def test_summed_kpi_is_the_sum_of_the_towns_once_complete(program):
    k = summed_kpi(program)
    for town in Municipality.objects.all():
        make_actual(k, "7", year=2030, municipality=town, status=FigureStatus.APPROVED)
    p = progress_of(k)
    assert p.latest.actual == D("56")
    assert p.grade.code == "A"


def test_a_draft_component_leaves_the_summed_year_collecting(program):
    k = summed_kpi(program)
    towns = list(Municipality.objects.order_by("sort_order"))
    for town in towns[:-1]:
        make_actual(k, "7", year=2030, municipality=town, status=FigureStatus.APPROVED)
    make_actual(k, "7", year=2030, municipality=towns[-1], status=FigureStatus.DRAFT)
    assert progress_of(k).collecting is not None


def test_summed_kpi_keeps_the_last_complete_year_while_the_next_is_collected(program):
    k = summed_kpi(program)
    towns = list(Municipality.objects.order_by("sort_order"))
    for town in towns:
        make_actual(k, "6", year=2026, municipality=town, status=FigureStatus.APPROVED)
    make_actual(k, "9", year=2027, municipality=towns[0], status=FigureStatus.APPROVED)
    p = progress_of(k)
    assert (p.latest.fiscal_year, p.latest.actual) == (2026, D("48"))
    assert p.collecting.fiscal_year == 2027
    assert len(p.collecting.reported) == 1
