"""How KPI progress is judged: achievement rate, the expected straight-line path, the grade.

The rules (published in plain Japanese and English on /about/progress/):

- **Achievement rate** (達成率) = (actual − baseline) ÷ (target − baseline) × 100. The same
  formula serves increasing and decreasing targets: 2,717 → 2,000 with an actual of 2,500
  gives 217 ÷ 717 = 30.3%.
- **Maintain targets** (baseline = target, or direction 維持): an actual within the tolerance band
  (± ``KPI.maintain_tolerance_percent`` of the target, ``DEFAULT_MAINTAIN_TOLERANCE_PERCENT``
  when blank) counts as 100%; outside the band the rate is actual ÷ target × 100.
- **Expected rate** for a fiscal year: the share of the way from the baseline year to the
  target year, on a straight line (0% at the baseline year, 100% at the target year and after).
- **Progress** (進捗) = achievement rate ÷ expected rate × 100. At the target year it equals the
  achievement rate. Maintain targets are expected at 100% every year.
- **Grade**: the first ``GradeLevel`` (by order) whose ``min_percent`` the progress reaches; the
  last level has no minimum. Rates and progress are rounded half up to one decimal place before
  they are compared, so what residents read is what was judged.
- No target → 「評価対象外（目標未設定）」; no approved actual → 「−（未把握）」; a KPI to be
  set after the program starts → 「事業化後に設定」.
- **Summed KPIs** (各市町村の値の合計, e.g. 圏域内の新規就農者数): a year's value is the sum of the
  towns' approved components, and it exists only when every participating town has reported;
  until then the year is 「集計中」 and shows who has reported, never a partial sum.

Everything here is pure (no database); the reads that feed it (the grade levels, the
approved actuals) are in ``kpis.selectors``. Only approved values (``approved_value`` of
``KPIActual.objects.published()``) may ever be passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from kpis.models import Direction

DEFAULT_MAINTAIN_TOLERANCE_PERCENT = Decimal("5")
HUNDRED = Decimal("100")
ONE_DECIMAL = Decimal("0.1")

# Mirrors kpis/migrations/0003_default_grade_levels.py; used only when the table is empty
# (e.g. a freshly flushed test database), so pages never fail for want of thresholds.
DEFAULT_GRADE_LEVELS = [
    ("A", "◎", "目標達成", "Target reached", Decimal("100.0"), 1),
    ("B", "○", "順調", "On track", Decimal("80.0"), 2),
    ("C", "△", "やや遅れ", "Slightly behind", Decimal("50.0"), 3),
    ("D", "×", "遅れ", "Behind", None, 4),
]
# The levels whose KPIs the yearly evaluation must explain (要因分析・改善策) by default.
DEFAULT_NEEDS_ANALYSIS = frozenset({"C", "D"})


class Status(StrEnum):
    JUDGED = "judged"  # a rate (and a grade when the year is after the baseline year)
    NO_DATA = "no_data"  # −（未把握）
    NO_TARGET = "no_target"  # 評価対象外（目標未設定）
    NO_BASELINE = "no_baseline"  # 評価対象外（現状値未設定）
    TO_BE_SET = "to_be_set"  # 事業化後に設定
    COLLECTING = "collecting"  # summed KPI: not every town has reported yet


# --- pure arithmetic ----------------------------------------------------------------


def round1(value: Decimal | None) -> Decimal | None:
    """Half up to one decimal place (79.95 → 80.0); None stays None.

    With as many digits as the value needs: the default 28 would make a progress of
    10^27 % or more (a tiny distance to the target) raise instead of being graded.
    """
    if value is None:
        return None
    with localcontext() as context:
        context.prec = max(context.prec, value.adjusted() + 3)
        return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def achievement_rate(actual: Decimal, baseline: Decimal, target: Decimal) -> Decimal | None:
    """(actual − baseline) ÷ (target − baseline) × 100, unrounded; None when target = baseline."""
    if target == baseline:
        return None
    return (actual - baseline) / (target - baseline) * HUNDRED


def maintain_rate(actual: Decimal, target: Decimal, tolerance_percent: Decimal) -> Decimal:
    """100 inside the band target ± tolerance% of target; actual ÷ target × 100 outside it.

    A target of 0 has a band of exactly 0: 100 when the actual is 0, else 0.
    """
    band = abs(target) * tolerance_percent / HUNDRED
    if abs(actual - target) <= band:
        return HUNDRED
    if target == 0:
        return Decimal(0)
    return actual / target * HUNDRED


def expected_fraction(fiscal_year: int, baseline_year: int, target_year: int) -> Decimal:
    """Share of the straight line from baseline year (0) to target year (1), clamped to 0..1."""
    if target_year <= baseline_year or fiscal_year >= target_year:
        return Decimal(1)
    if fiscal_year <= baseline_year:
        return Decimal(0)
    return Decimal(fiscal_year - baseline_year) / Decimal(target_year - baseline_year)


def expected_value(
    baseline: Decimal, target: Decimal, baseline_year: int, target_year: int, fiscal_year: int
) -> Decimal:
    """The value on the straight line from baseline to target for a fiscal year."""
    return baseline + (target - baseline) * expected_fraction(
        fiscal_year, baseline_year, target_year
    )


def progress_percent(rate: Decimal | None, expected_percent: Decimal) -> Decimal | None:
    """Achievement rate ÷ expected rate × 100; None when nothing is expected yet."""
    if rate is None or expected_percent == 0:
        return None
    return rate / expected_percent * HUNDRED


def grade_for(progress: Decimal | None, levels):
    """The first level (by order) whose minimum the rounded progress reaches."""
    if progress is None:
        return None
    value = round1(progress)
    for level in levels:
        if level.min_percent is None or value >= level.min_percent:
            return level
    return None


def sum_components(components: dict, expected_codes: set[str]) -> tuple[Decimal | None, bool]:
    """The sum of the towns' values, and whether every expected town has reported.

    ``components`` maps municipality code → approved value. The sum is returned only
    when the year is complete; a partial sum is never given as if it were the total.
    """
    complete = bool(expected_codes) and expected_codes <= set(components)
    if not complete:
        return None, False
    return sum(components.values(), Decimal(0)), True


# --- judgements ---------------------------------------------------------------------


@dataclass
class YearJudgement:
    """One fiscal year's approved actual of a KPI, judged."""

    fiscal_year: int
    status: Status
    actual: Decimal | None = None
    approved_at: datetime | None = None
    rate: Decimal | None = None  # achievement rate, unrounded
    expected: Decimal | None = None  # expected rate in percent, unrounded
    expected_value: Decimal | None = None
    progress: Decimal | None = None
    grade: object | None = None  # GradeLevel
    is_maintain: bool = False
    within_band: bool | None = None
    components: dict = field(default_factory=dict)  # summed KPIs: code → value
    reported: list = field(default_factory=list)  # summed KPIs: municipalities that reported
    missing: list = field(default_factory=list)  # summed KPIs: municipalities still to report

    @property
    def rate_display(self) -> Decimal | None:
        return round1(self.rate)

    @property
    def expected_display(self) -> Decimal | None:
        return round1(self.expected)

    @property
    def progress_display(self) -> Decimal | None:
        return round1(self.progress)

    @property
    def is_judged(self) -> bool:
        return self.status == Status.JUDGED


@dataclass
class KPIProgress:
    """Everything the public pages (and later the reports) show about one KPI."""

    status: Status
    latest: YearJudgement | None = None  # latest year with a complete approved value
    years: list[YearJudgement] = field(default_factory=list)  # every year with approved data
    collecting: YearJudgement | None = None  # a later summed year still being collected
    tolerance_percent: Decimal = DEFAULT_MAINTAIN_TOLERANCE_PERCENT

    @property
    def grade(self):
        return self.latest.grade if self.latest else None

    @property
    def rate_display(self) -> Decimal | None:
        return self.latest.rate_display if self.latest else None

    @property
    def fiscal_year(self) -> int | None:
        return self.latest.fiscal_year if self.latest else None

    @property
    def approved_at(self) -> datetime | None:
        return self.latest.approved_at if self.latest else None

    @property
    def grade_order(self) -> int:
        """For sorting: the grade's order, ungraded KPIs after every grade."""
        if self.grade is not None:
            return self.grade.order
        return 1000 + list(Status).index(self.status)

    @property
    def bucket(self) -> str:
        """Grade code, or the status, for counting KPIs by result."""
        if self.grade is not None:
            return self.grade.code
        if self.status in (Status.JUDGED, Status.COLLECTING):
            return str(Status.NO_DATA)
        return str(self.status)


def is_maintain(kpi, fiscal_year: int | None = None) -> bool:
    """Whether the target (in force in ``fiscal_year``, when given) is a maintain target.

    A plan revision can turn a maintain target (41 → 41) into an increase (41 → 45)
    from a later year: earlier years are still judged as maintain.
    """
    if fiscal_year is None:
        target, direction = kpi.target, kpi.direction
    else:
        target, direction = kpi.target_for(fiscal_year)[0], kpi.direction_for(fiscal_year)
    if target is None:
        return False
    if direction == Direction.MAINTAIN:
        return True
    return kpi.baseline is not None and kpi.baseline == target


def tolerance_of(kpi) -> Decimal:
    if kpi.maintain_tolerance_percent is None:
        return DEFAULT_MAINTAIN_TOLERANCE_PERCENT
    return kpi.maintain_tolerance_percent


def judge_value(kpi, fiscal_year: int, actual: Decimal, levels) -> YearJudgement:
    """Judge one approved value of a KPI for a fiscal year (pure: no database)."""
    target, target_year = kpi.target_for(fiscal_year)
    judgement = YearJudgement(fiscal_year=fiscal_year, status=Status.JUDGED, actual=actual)
    if target is None:
        judgement.status = Status.TO_BE_SET if kpi.to_be_set_later else Status.NO_TARGET
        return judgement
    if is_maintain(kpi, fiscal_year):
        tolerance = tolerance_of(kpi)
        judgement.is_maintain = True
        judgement.rate = maintain_rate(actual, target, tolerance)
        judgement.within_band = abs(actual - target) <= abs(target) * tolerance / HUNDRED
        judgement.expected = HUNDRED
        judgement.expected_value = target
    else:
        if kpi.baseline is None or kpi.baseline_year is None:
            judgement.status = Status.NO_BASELINE
            return judgement
        judgement.rate = achievement_rate(actual, kpi.baseline, target)
        judgement.expected = (
            expected_fraction(fiscal_year, kpi.baseline_year, target_year) * HUNDRED
        )
        judgement.expected_value = expected_value(
            kpi.baseline, target, kpi.baseline_year, target_year, fiscal_year
        )
    judgement.progress = progress_percent(judgement.rate, judgement.expected)
    judgement.grade = grade_for(judgement.progress, levels)
    return judgement


def judge_kpi(kpi, actuals, levels, participants=()) -> KPIProgress:
    """Judge a KPI from its approved actuals.

    ``actuals``: published ``KPIActual`` rows of this KPI (their ``approved_value`` is used).
    ``participants``: the municipalities expected to report a summed KPI.
    """
    tolerance = tolerance_of(kpi)
    if kpi.target is None:
        status = Status.TO_BE_SET if kpi.to_be_set_later else Status.NO_TARGET
    elif kpi.baseline is None and not is_maintain(kpi):
        status = Status.NO_BASELINE
    else:
        status = Status.NO_DATA
    years: list[YearJudgement] = []
    collecting = None
    if kpi.is_sum_of_municipalities:
        by_year: dict[int, list] = {}
        for actual in actuals:
            if actual.municipality_id is not None and actual.approved_value is not None:
                by_year.setdefault(actual.fiscal_year, []).append(actual)
        expected = {m.code: m for m in participants}
        for year in sorted(by_year):
            rows = by_year[year]
            components = {a.municipality.code: a.approved_value for a in rows}
            total, complete = sum_components(components, set(expected))
            reported = sorted((a.municipality for a in rows), key=lambda m: (m.sort_order, m.code))
            missing = [m for code, m in expected.items() if code not in components]
            approved_at = max(a.approved_at for a in rows)
            if complete:
                judgement = judge_value(kpi, year, total, levels)
            else:
                judgement = YearJudgement(fiscal_year=year, status=Status.COLLECTING)
            judgement.approved_at = approved_at
            judgement.components = components
            judgement.reported = reported
            judgement.missing = sorted(missing, key=lambda m: (m.sort_order, m.code))
            years.append(judgement)
    else:
        for actual in sorted(actuals, key=lambda a: a.fiscal_year):
            if actual.municipality_id is not None or actual.approved_value is None:
                continue
            judgement = judge_value(kpi, actual.fiscal_year, actual.approved_value, levels)
            judgement.approved_at = actual.approved_at
            years.append(judgement)
    # Actuals of the baseline year or earlier are shown but not judged: nothing is expected yet.
    after_baseline = [
        j
        for j in years
        if j.status != Status.COLLECTING
        and (kpi.baseline_year is None or j.fiscal_year > kpi.baseline_year)
    ]
    latest = after_baseline[-1] if after_baseline else None
    if years and years[-1].status == Status.COLLECTING:
        collecting = years[-1]
    if latest is not None:
        status = latest.status
    elif collecting is not None and status == Status.NO_DATA:
        # Towns have reported, not all of them: 集計中 on every page, not −（未把握）.
        status = Status.COLLECTING
    return KPIProgress(
        status=status,
        latest=latest,
        years=years,
        collecting=collecting,
        tolerance_percent=tolerance,
    )
