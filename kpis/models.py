"""KPIs (成果指標) of the joint programs and their yearly actuals."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from vision.models import ReportedFigure


class Direction(models.TextChoices):
    INCREASE = "increase", "増加を目指す"
    DECREASE = "decrease", "減少を目指す"
    MAINTAIN = "maintain", "維持を目指す"


def derive_direction(baseline: Decimal | None, target: Decimal | None) -> str:
    """Direction implied by the printed baseline and target ("" when either is blank)."""
    if baseline is None or target is None:
        return ""
    if target > baseline:
        return Direction.INCREASE
    if target < baseline:
        return Direction.DECREASE
    return Direction.MAINTAIN


class KPI(models.Model):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="kpis", verbose_name="連携事業"
    )
    order = models.PositiveSmallIntegerField("順番", default=1)
    name = models.CharField("指標名", max_length=150)
    name_printed = models.CharField("指標名（印刷どおり）", max_length=200, blank=True)
    name_en = models.CharField("英語名", max_length=200, blank=True)
    unit = models.CharField(
        "単位",
        max_length=20,
        blank=True,
        help_text="例：回、人、千人、%。ビジョンに単位がなければ空欄。",
    )
    baseline = models.DecimalField(
        "現状値",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="空欄は「未設定」。0 とは違います。",
    )
    baseline_year = models.PositiveSmallIntegerField(
        "現状値の年度（西暦）", null=True, blank=True, help_text="R6 なら 2024。"
    )
    target = models.DecimalField(
        "目標値",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="空欄は「目標未設定」。",
    )
    target_year = models.PositiveSmallIntegerField(
        "目標値の年度（西暦）", null=True, blank=True, help_text="R12 なら 2030。"
    )
    direction = models.CharField(
        "目指す方向",
        max_length=10,
        choices=Direction.choices,
        blank=True,
        help_text="現状値と目標値から自動で決まります（目標＞現状なら増加）。必要なら変更できます。空欄は目標未設定。",
    )
    note = models.CharField(
        "備考", max_length=200, blank=True, help_text="ビジョンの備考欄のとおり。"
    )
    source = models.CharField(
        "出典・調査主体", max_length=100, blank=True, help_text="例：新庄市調べ、山形県観光者数調査"
    )
    period_note = models.CharField(
        "集計期間・時点", max_length=100, blank=True, help_text="例：1月～12月まで、毎年4月時点"
    )
    reporter = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_kpis",
        verbose_name="報告する市町村",
        help_text="実績を報告する市町村。空欄は事務局（新庄市）が圏域の値を入力します。",
    )
    is_sum_of_municipalities = models.BooleanField(
        "各市町村の値の合計",
        default=False,
        help_text="圏域の値が各市町村の値の合計である指標（例：新規就農者数）。各市町村が自分の値を報告します。",
    )
    to_be_set_later = models.BooleanField(
        "事業化後に設定", default=False, help_text="「事業化した後に、成果指標を設定する」指標。"
    )
    maintain_tolerance_percent = models.DecimalField(
        "維持の許容幅（%）",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="維持を目指す指標で、目標値から何%以内なら達成とみなすか。空欄は評価基準の既定値を使います。",
    )

    plausible_change_percent = models.DecimalField(
        "前年度からの変化の目安（%）",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="前年度の値からこの割合を超えて変わった実績値に注意を表示します。空欄なら確認しません。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "成果指標（KPI）"
        verbose_name_plural = "成果指標（KPI）"
        ordering = ["program__item__number", "program__number", "order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="kpi_order_unique"),
            models.CheckConstraint(
                condition=models.Q(baseline__isnull=True) | models.Q(baseline_year__isnull=False),
                name="kpi_baseline_has_year",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target_year__isnull=False),
                name="kpi_target_has_year",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.program}）"

    def clean(self):
        errors = {}
        if self.baseline is not None and self.baseline_year is None:
            errors["baseline_year"] = "現状値を入れたときは、その年度も入れてください。"
        if self.target is not None and self.target_year is None:
            errors["target_year"] = "目標値を入れたときは、その年度も入れてください。"
        if errors:
            raise ValidationError(errors)

    @property
    def derived_direction(self) -> str:
        return derive_direction(self.baseline, self.target)

    @property
    def has_target(self) -> bool:
        return self.target is not None

    def target_for(self, fiscal_year: int) -> tuple[Decimal | None, int | None]:
        """The target (value, fiscal year) in force for judging a given year's actual.

        One place to ask, so that plan revisions can later keep the target that
        applied at the time without every caller changing.
        """
        return self.target, self.target_year


class GradeLevel(models.Model):
    """A grade of KPI progress (e.g. A ◎ 達成). Thresholds are set by the secretariat.

    A KPI's grade for a year is the first level (by ``order``) whose ``min_percent``
    the progress reaches; the last level has no minimum. Progress is the achievement
    rate divided by the rate expected on the straight line from baseline to target
    for that year (at the target year the expected rate is 100%).
    """

    code = models.CharField("記号（英字）", max_length=4, unique=True, help_text="例：A")
    symbol = models.CharField(
        "記号",
        max_length=4,
        help_text="例：◎。色だけで区別しないよう、必ず記号と文字で表示します。",
    )
    label = models.CharField("評価", max_length=40, help_text="例：目標達成")
    label_en = models.CharField("評価（英語）", max_length=60, blank=True)
    min_percent = models.DecimalField(
        "下限（%）",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="この評価になる進捗の下限。最後の評価は空欄（それ未満すべて）。",
    )
    order = models.PositiveSmallIntegerField("順番", help_text="上の評価から 1, 2, 3…")

    class Meta:
        verbose_name = "評価の区分"
        verbose_name_plural = "評価の区分"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["order"], name="grade_level_order_unique"),
        ]

    def __str__(self):
        return f"{self.symbol} {self.label}"


class KPIActualQuerySet(models.QuerySet):
    def published(self):
        """Actuals the public may see: those with an approved value."""
        return self.filter(approved_at__isnull=False)


class KPIActual(ReportedFigure):
    kpi = models.ForeignKey(
        KPI, on_delete=models.PROTECT, related_name="actuals", verbose_name="成果指標"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", help_text="令和7年度なら 2025。")
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpi_actuals",
        verbose_name="市町村",
        help_text="各市町村の値の合計である指標で、その市町村の値のとき選びます。圏域の値なら空欄。",
    )
    value = models.DecimalField("実績値", max_digits=14, decimal_places=2, null=True, blank=True)
    approved_value = models.DecimalField(
        "承認済みの実績値", max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )

    history = HistoricalRecords()
    objects = KPIActualQuerySet.as_manager()

    class Meta:
        verbose_name = "KPI実績"
        verbose_name_plural = "KPI実績"
        ordering = [
            "kpi__program__item__number",
            "kpi__program__number",
            "kpi__order",
            "fiscal_year",
            "municipality__sort_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year", "municipality"],
                condition=models.Q(municipality__isnull=False),
                name="kpi_actual_municipality_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi", "fiscal_year"],
                condition=models.Q(municipality__isnull=True),
                name="kpi_actual_area_unique",
            ),
        ]

    def __str__(self):
        who = f" {self.municipality}" if self.municipality_id else ""
        value = "空欄" if self.value is None else f"{self.value:,}"
        return f"{self.kpi.name}{who} {self.fiscal_year}年度: {value}"
