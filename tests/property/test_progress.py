"""Property-based tests of kpis.progress: the achievement rate, the maintain band, the grade.

Invariants (from the module's docstring and /about/progress/):
- nothing raises, whatever the numbers: negative, zero, huge, tiny, equal baseline and target;
- increasing and decreasing targets are one formula: mirroring baseline, target and actual
  around 0 (or moving all three by the same amount) gives the same rate;
- the actual at the target is 100%, at the baseline 0%; baseline = target has no rate;
- a maintain target: an actual inside the band is 100%;
- the grade is monotonic: a higher progress never gets a lower grade, whatever thresholds
  the secretariat sets, and it is judged on the rounded progress that residents read;
- a missing actual is no grade and no rate, never 0; a summed KPI missing a town is
  「集計中」, never a partial sum.
"""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import assume, example, given
from hypothesis import strategies as st

from kpis.models import KPI, Direction, GradeLevel, derive_direction
from kpis.progress import (
    DEFAULT_GRADE_LEVELS,
    HUNDRED,
    Status,
    achievement_rate,
    expected_fraction,
    grade_for,
    judge_kpi,
    judge_value,
    maintain_rate,
    progress_percent,
    round1,
)

D = Decimal
BASELINE_YEAR, TARGET_YEAR = 2024, 2030

# What the database can hold: DecimalField(max_digits=14, decimal_places=2).
stored = st.decimals(min_value=D("-999999999999.99"), max_value=D("999999999999.99"), places=2)
# Anything finite: huge, tiny, many digits (what a caller outside the database might pass).
finite = st.decimals(
    allow_nan=False, allow_infinity=False, min_value=D("-1e30"), max_value=D("1e30")
) | st.sampled_from([D(0), D("-0"), D("1e-30"), D("-1e-30"), D("1e30"), D("9" * 28)])
tolerances = st.decimals(min_value=D(0), max_value=D("100.0"), places=1)
years = st.integers(min_value=2000, max_value=2060)


def default_levels() -> list[GradeLevel]:
    return [
        GradeLevel(code=code, symbol=symbol, label=label, min_percent=minimum, order=order)
        for code, symbol, label, _en, minimum, order in DEFAULT_GRADE_LEVELS
    ]


# Thresholds as the secretariat might set them: any minimums, in any order; the last has none.
level_sets = st.lists(
    st.decimals(min_value=D("-1000.0"), max_value=D("1000.0"), places=1), max_size=6
).map(
    lambda minimums: [
        *(GradeLevel(code=f"L{i}", min_percent=m, order=i + 1) for i, m in enumerate(minimums)),
        GradeLevel(code="Z", min_percent=None, order=len(minimums) + 1),
    ]
) | st.just(default_levels())


def make_kpi(baseline, target, **kwargs) -> KPI:
    """An unsaved KPI, as the public pages judge it (no database needed)."""
    return KPI(
        name="指標",
        baseline=baseline,
        baseline_year=None if baseline is None else BASELINE_YEAR,
        target=target,
        target_year=None if target is None else TARGET_YEAR,
        direction=derive_direction(baseline, target),
        **kwargs,
    )


# --- the achievement rate ------------------------------------------------------------


@given(finite, finite, finite)
@example(D("1e30"), D("-1e30"), D("1e-30"))
@example(D(5), D(3), D(3))
def test_the_rate_never_raises_and_is_none_only_without_a_distance(actual, baseline, target):
    rate = achievement_rate(actual, baseline, target)
    assert (rate is None) == (target == baseline)
    assert rate is None or rate.is_finite()


@given(finite, finite)
def test_the_actual_at_the_target_is_100_percent(baseline, target):
    assume(target != baseline)
    assert achievement_rate(target, baseline, target) == HUNDRED


@given(finite, finite)
def test_the_actual_at_the_baseline_is_0_percent(baseline, target):
    assume(target != baseline)
    assert achievement_rate(baseline, baseline, target) == 0


@given(finite, finite, finite)
def test_mirroring_around_zero_gives_the_same_rate(actual, baseline, target):
    # An increase 25 → 36 with 30 and a decrease −25 → −36 with −30 are the same progress.
    # (copy_negate: exact, where unary minus would round to the context's 28 digits.)
    mirrored = [x.copy_negate() for x in (actual, baseline, target)]
    assert achievement_rate(*mirrored) == achievement_rate(actual, baseline, target)


@given(stored, stored, stored, stored)
def test_moving_all_three_by_the_same_amount_gives_the_same_rate(actual, baseline, target, shift):
    # Exact with the database's two decimal places: the rate depends only on distances.
    assert achievement_rate(actual + shift, baseline + shift, target + shift) == achievement_rate(
        actual, baseline, target
    )


@given(stored, stored, stored)
def test_a_decreasing_target_judges_like_the_mirrored_increasing_one(actual, baseline, target):
    assume(target != baseline)
    levels = default_levels()
    up = judge_value(make_kpi(baseline, target), TARGET_YEAR, actual, levels)
    down = judge_value(make_kpi(-baseline, -target), TARGET_YEAR, -actual, levels)
    assert up.rate == down.rate
    assert up.grade.code == down.grade.code


# --- maintain targets ----------------------------------------------------------------------


@given(finite, finite, tolerances)
def test_the_maintain_rate_never_raises(actual, target, tolerance):
    assert maintain_rate(actual, target, tolerance).is_finite()


@given(stored, tolerances, st.integers(min_value=-100, max_value=100))
def test_an_actual_inside_the_band_is_100_percent(target, tolerance, share_of_band):
    band = abs(target) * tolerance / HUNDRED
    actual = target + band * share_of_band / 100
    assert maintain_rate(actual, target, tolerance) == HUNDRED


@given(stored, tolerances, stored)
def test_a_maintain_kpi_is_judged_every_year_after_the_baseline(target, tolerance, actual):
    kpi = make_kpi(target, target, maintain_tolerance_percent=tolerance)
    judgement = judge_value(kpi, BASELINE_YEAR + 1, actual, default_levels())
    assert judgement.is_maintain and judgement.grade is not None
    assert judgement.within_band == (judgement.rate == HUNDRED)


# --- progress and grade -----------------------------------------------------------------------


@given(finite, level_sets)
@example(D("1e27"), None)
@example(D("79.95"), None)
def test_grading_never_raises(progress, levels):
    levels = levels or default_levels()
    assert grade_for(progress, levels) is not None  # the last level catches everything


@given(finite, finite, level_sets)
def test_a_higher_progress_never_gets_a_lower_grade(low, high, levels):
    low, high = sorted([low, high])
    assert grade_for(high, levels).order <= grade_for(low, levels).order


@given(finite, level_sets)
@example(D("79.95"), default_levels())  # reads 80.0: 順調, not やや遅れ
@example(D("99.949"), default_levels())  # reads 99.9: not yet 目標達成
def test_the_grade_is_that_of_the_rounded_progress_residents_read(progress, levels):
    assert grade_for(progress, levels).order == grade_for(round1(progress), levels).order


@given(st.one_of(finite, st.none()), st.sampled_from([D(0), D("16.7"), D(50), HUNDRED]))
def test_progress_is_none_when_nothing_is_expected_or_no_rate(rate, expected):
    progress = progress_percent(rate, expected)
    assert (progress is None) == (rate is None or expected == 0)


@given(years, years, years)
def test_the_expected_share_runs_from_0_to_1(fiscal_year, baseline_year, target_year):
    fraction = expected_fraction(fiscal_year, baseline_year, target_year)
    assert 0 <= fraction <= 1
    assert fraction <= expected_fraction(fiscal_year + 1, baseline_year, target_year)


@given(stored, stored, stored, st.integers(min_value=BASELINE_YEAR + 1, max_value=2040))
def test_every_judged_year_after_the_baseline_gets_a_grade(actual, baseline, target, year):
    assume(target != baseline)
    judgement = judge_value(make_kpi(baseline, target), year, actual, default_levels())
    assert judgement.status == Status.JUDGED
    assert judgement.grade is not None and judgement.rate_display is not None


@given(stored, stored)
def test_equal_baseline_and_target_is_judged_as_maintain_not_divided_by_zero(value, actual):
    judgement = judge_value(make_kpi(value, value), TARGET_YEAR, actual, default_levels())
    assert judgement.is_maintain and judgement.grade is not None


# --- missing values ------------------------------------------------------------------------


def actual_row(value, year=TARGET_YEAR, municipality=None):
    return SimpleNamespace(
        fiscal_year=year,
        approved_value=value,
        approved_at=datetime(2031, 6, 1, tzinfo=UTC),
        municipality=municipality,
        municipality_id=None if municipality is None else municipality.code,
    )


@given(st.one_of(stored, st.none()), st.one_of(stored, st.none()))
def test_no_actual_is_no_grade_and_no_rate_never_zero(baseline, target):
    for actuals in ([], [actual_row(None)]):
        progress = judge_kpi(make_kpi(baseline, target), actuals, default_levels())
        assert progress.grade is None and progress.rate_display is None
        assert progress.latest is None
        assert progress.status in (
            Status.NO_DATA,
            Status.NO_TARGET,
            Status.NO_BASELINE,
            Status.TO_BE_SET,
        )


@given(stored, stored)
def test_without_a_target_there_is_no_grade(baseline, actual):
    progress = judge_kpi(make_kpi(baseline, None), [actual_row(actual)], default_levels())
    assert progress.status == Status.NO_TARGET and progress.grade is None


@given(stored, stored)
def test_without_a_baseline_an_increase_target_is_not_graded(target, actual):
    kpi = make_kpi(None, target)
    kpi.direction = Direction.INCREASE
    progress = judge_kpi(kpi, [actual_row(actual)], default_levels())
    assert progress.status == Status.NO_BASELINE and progress.grade is None


TOWNS = [SimpleNamespace(code=f"06{i:04d}", sort_order=i) for i in range(8)]


@given(
    st.lists(st.decimals(min_value=0, max_value=10**6, places=0), min_size=8, max_size=8),
    st.sets(st.integers(min_value=0, max_value=7), max_size=7),
)
def test_a_summed_kpi_missing_a_town_is_collecting_never_a_partial_sum(values, reported):
    kpi = make_kpi(D(25), D(36), is_sum_of_municipalities=True)
    actuals = [actual_row(values[i], municipality=TOWNS[i]) for i in sorted(reported)]
    progress = judge_kpi(kpi, actuals, default_levels(), participants=TOWNS)
    assert progress.grade is None and progress.latest is None
    if actuals:
        assert progress.collecting.status == Status.COLLECTING
        assert progress.collecting.actual is None


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=0), min_size=8, max_size=8))
def test_a_summed_kpi_with_every_town_is_judged_on_the_sum(values):
    kpi = make_kpi(D(25), D(36), is_sum_of_municipalities=True)
    actuals = [actual_row(v, municipality=town) for v, town in zip(values, TOWNS, strict=True)]
    progress = judge_kpi(kpi, actuals, default_levels(), participants=TOWNS)
    assert progress.latest.actual == sum(values)
    assert progress.grade is not None
