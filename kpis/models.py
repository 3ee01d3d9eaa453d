"""KPIs (成果指標) of the joint programs and their yearly actuals."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import ReportedFigure


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


class Indicator(models.Model):
    """An entry of the shared indicator catalogue (共通指標), kept by the platform administrator.

    Most KPIs are local: 「年間事業開催数」 of one area means nothing in another. A KPI that
    measures the same thing as KPIs of other areas (新規就農者数, 移住者数 …) carries the
    catalogue's code; only KPIs with the same code are compared across areas
    (/indicators/<code>/).
    """

    code = models.SlugField(
        "コード",
        max_length=40,
        unique=True,
        help_text="半角英小文字・数字・ハイフン（例：new-farmers）。後から変えないでください。",
    )
    name = models.CharField("指標名", max_length=150, help_text="例：新規就農者数")
    name_en = models.CharField("英語名", max_length=200, blank=True)
    definition = models.TextField(
        "定義", help_text="何を、どの期間で、どう数えるか。比べる圏域が同じ数え方をするための説明。"
    )
    unit = models.CharField("単位", max_length=20, help_text="例：人")
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "共通指標"
        verbose_name_plural = "共通指標"
        ordering = ["sort_order", "code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class KPI(models.Model):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="kpis", verbose_name="連携事業"
    )
    order = models.PositiveSmallIntegerField("順番", default=1)
    name = models.CharField("指標名", max_length=150)
    name_printed = models.CharField("指標名（印刷どおり）", max_length=200, blank=True)
    name_en = models.CharField("英語名", max_length=200, blank=True)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        verbose_name="共通指標",
        help_text="他の圏域と同じ定義で数える指標だけ選びます。同じ共通指標の KPI だけが圏域の間で比べられます。",
    )
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

    target_effective_from = models.PositiveSmallIntegerField(
        "目標値の適用開始年度（西暦）",
        null=True,
        blank=True,
        editable=False,
        help_text="ビジョンの変更で目標値が変わったとき、現在の目標値を適用する最初の年度。"
        "空欄は当初の目標値。それより前の年度は目標値の履歴で評価します。",
    )

    plausible_change_percent = models.DecimalField(
        "実績値の確認の目安（%）",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="実績値が、前年度の値・現状値・目標値のうち最も大きい値よりこの割合を超えて大きいとき"
        "（または最も小さい値を 1＋この割合 で割った値より小さいとき）、担当者に確認を求めます"
        "（コメントを書けば保存できます）。例：30 なら最も大きい値の 1.3 倍まで・最も小さい値の 1.3 分の1まで。"
        "空欄は 900（10 倍まで・10 分の1まで）。",
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

        ``target``/``target_year`` are the current target. When a plan revision
        changed it (``target_effective_from`` is set), a year before the change is
        judged against the target of the ``KPITarget`` history that applied then.
        No query unless a year before a change is asked for (and none at all when
        ``target_history`` is prefetched).
        """
        period = self.target_period_for(fiscal_year)
        if period is None:
            return self.target, self.target_year
        return period.target, period.target_year

    def direction_for(self, fiscal_year: int) -> str:
        """The direction of the target in force in a fiscal year."""
        period = self.target_period_for(fiscal_year)
        return self.direction if period is None else period.direction

    def target_period_for(self, fiscal_year: int) -> "KPITarget | None":
        """The history row in force for a year, or None when the current target applies."""
        if self.target_effective_from is None or fiscal_year >= self.target_effective_from:
            return None
        history = self.target_periods()
        if not history:
            return None
        in_force = history[0]  # the original target applies to every year before a change
        for period in history:
            if period.effective_from is not None and period.effective_from <= fiscal_year:
                in_force = period
        return in_force

    def target_periods(self) -> list["KPITarget"]:
        """The target history, oldest first (empty when the target never changed)."""
        cache = getattr(self, "_prefetched_objects_cache", {})
        if "target_history" in cache:
            rows = list(cache["target_history"])
        elif hasattr(self, "_target_periods"):
            return self._target_periods
        elif self.pk is None or self.target_effective_from is None:
            rows = []
        else:
            rows = list(self.target_history.select_related("revision"))
        rows.sort(key=lambda p: -1 if p.effective_from is None else p.effective_from)
        self._target_periods = rows
        return rows


class KPITarget(models.Model):
    """One period of a KPI's target: the target in force from a fiscal year on.

    Written only by the plan revision services (``revisions.services``): the first
    change of a KPI's target keeps the original target as the row with no start
    year, then adds the new target from its effective year. Rows are never
    changed afterwards, so a past year stays judged against the target of its time.
    """

    kpi = models.ForeignKey(
        KPI, on_delete=models.PROTECT, related_name="target_history", verbose_name="成果指標"
    )
    effective_from = models.PositiveSmallIntegerField(
        "適用開始年度（西暦）",
        null=True,
        blank=True,
        help_text="この目標値で評価する最初の年度。空欄は当初の目標値（最初の変更より前のすべての年度）。",
    )
    target = models.DecimalField("目標値", max_digits=14, decimal_places=2, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField("目標値の年度（西暦）", null=True, blank=True)
    direction = models.CharField("目指す方向", max_length=10, choices=Direction.choices, blank=True)
    revision = models.ForeignKey(
        "vision.PlanRevision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpi_targets",
        verbose_name="ビジョンの変更",
        help_text="空欄は当初のビジョン。",
    )

    class Meta:
        verbose_name = "目標値の履歴"
        verbose_name_plural = "目標値の履歴"
        ordering = ["kpi", models.F("effective_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "effective_from"],
                condition=models.Q(effective_from__isnull=False),
                name="kpi_target_year_unique",
            ),
            models.UniqueConstraint(
                fields=["kpi"],
                condition=models.Q(effective_from__isnull=True),
                name="kpi_target_original_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(target__isnull=True) | models.Q(target_year__isnull=False),
                name="kpi_target_history_has_year",
            ),
        ]

    def __str__(self):
        start = "当初" if self.effective_from is None else f"{self.effective_from}年度から"
        value = "未設定" if self.target is None else f"{self.target.normalize():,f}"
        return f"{self.kpi.name} {start}: {value}"

    def clean(self):
        if self.target is not None and self.target_year is None:
            raise ValidationError(
                {"target_year": "目標値を入れたときは、その年度も入れてください。"}
            )


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
    needs_analysis = models.BooleanField(
        "要因分析が必要",
        default=False,
        help_text="この評価の指標には、年度の評価で要因分析と改善策を求めます（△・×など）。",
    )

    class Meta:
        verbose_name = "評価の区分"
        verbose_name_plural = "評価の区分"
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["order"], name="grade_level_order_unique"),
        ]

    def __str__(self):
        return f"{self.symbol} {self.label}"

    def clean(self):
        """Every level must be reachable: minimums fall from the top level down, and only
        the last level may have none (a level below a blank or a higher minimum would
        never be given)."""
        if self.order is None:
            return
        others = GradeLevel.objects.exclude(pk=self.pk).order_by("order")
        above = [level for level in others if level.order < self.order]
        below = [level for level in others if level.order > self.order]
        blank_above = next((level for level in above if level.min_percent is None), None)
        if blank_above is not None:
            raise ValidationError(
                {
                    "order": f"上の区分「{blank_above}」は下限が空欄（それ未満すべて）のため、"
                    "この区分になることはありません。下限が空欄の区分は最後に置いてください。"
                }
            )
        if self.min_percent is None:
            if below:
                raise ValidationError(
                    {
                        "min_percent": f"下限を空欄にできるのは最後の区分だけです（下に「{below[0]}」"
                        "があります）。下限を入れるか、順番を最後にしてください。"
                    }
                )
            return
        too_low = next((lv for lv in above if lv.min_percent <= self.min_percent), None)
        if too_low is not None:
            raise ValidationError(
                {
                    "min_percent": f"上の区分「{too_low}」の下限（{too_low.min_percent}%）より"
                    "低い値にしてください。同じか高いと、この区分になることはありません。"
                }
            )
        too_high = next(
            (
                lv
                for lv in below
                if lv.min_percent is not None and lv.min_percent >= self.min_percent
            ),
            None,
        )
        if too_high is not None:
            raise ValidationError(
                {
                    "min_percent": f"下の区分「{too_high}」の下限（{too_high.min_percent}%）より"
                    "高い値にしてください。同じか低いと、下の区分になることはありません。"
                }
            )


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
