"""Joint programs (具体的な連携事業), their schedule, subsidies and cost shares."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from core.models import ReportedFigure


class ProgramQuerySet(models.QuerySet):
    def running_in(self, fiscal_year: int):
        """Programs that are part of the plan in a fiscal year (not yet ended, already added)."""
        return self.filter(
            models.Q(first_year__isnull=True) | models.Q(first_year__lte=fiscal_year),
            models.Q(last_year__isnull=True) | models.Q(last_year__gte=fiscal_year),
        )


class Program(models.Model):
    class KPIPolicy(models.TextChoices):
        SET = "set", "成果指標あり"
        LATER = "later", "事業化した後に設定"
        NONE = "none", "設定しない"

    item = models.ForeignKey(
        "vision.AgreementItem",
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name="連携する取組項目",
    )
    number = models.PositiveSmallIntegerField(
        "事業番号", default=1, help_text="取組項目の中の「具体的な連携事業 1, 2…」の番号。"
    )
    name = models.CharField("事業名", max_length=150)
    name_en = models.CharField("英語名", max_length=200, blank=True)
    participants_printed = models.CharField(
        "関係市町村名（印刷どおり）",
        max_length=200,
        blank=True,
        help_text="ビジョンに印刷されたとおりの関係市町村名。",
    )
    participants_undecided = models.BooleanField(
        "関係市町村が未定",
        default=False,
        help_text="素案で新庄市だけが記載され、他の市町村が決まっていない事業に印を付けます。",
    )
    participants = models.ManyToManyField(
        "municipalities.Municipality",
        related_name="programs",
        verbose_name="関係市町村",
        blank=True,
    )
    content = models.TextField("事業内容", blank=True)
    effect = models.TextField("期待される効果", blank=True)
    cost_split = models.TextField(
        "役割分担の考え方", blank=True, help_text="項目ごとに1行で書きます。"
    )
    kpi_policy = models.CharField(
        "成果指標の設定", max_length=8, choices=KPIPolicy.choices, default=KPIPolicy.SET
    )
    kpi_policy_text = models.CharField("成果指標についての記載", max_length=200, blank=True)
    first_year = models.PositiveSmallIntegerField(
        "実施開始年度（西暦）",
        null=True,
        blank=True,
        help_text="ビジョンの変更で追加された事業の最初の年度。空欄は当初から実施。",
    )
    last_year = models.PositiveSmallIntegerField(
        "最終年度（西暦）",
        null=True,
        blank=True,
        help_text="ビジョンの変更で終了した事業の最後の年度。空欄は継続中。",
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = "連携事業"
        verbose_name_plural = "連携事業"
        ordering = ["item__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="program_number_unique"),
            models.CheckConstraint(
                condition=models.Q(first_year__isnull=True)
                | models.Q(last_year__isnull=True)
                | models.Q(last_year__gte=models.F("first_year")),
                name="program_years_in_order",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError(
                {"last_year": "最終年度は実施開始年度と同じか後の年度にしてください。"}
            )

    def runs_in_year(self, fiscal_year: int) -> bool:
        """Whether the program is part of the plan in a fiscal year (added / ended by revisions)."""
        if self.first_year is not None and fiscal_year < self.first_year:
            return False
        return self.last_year is None or fiscal_year <= self.last_year

    @property
    def has_ended(self) -> bool:
        return self.last_year is not None

    @property
    def cost_split_lines(self) -> list[str]:
        return [line for line in self.cost_split.splitlines() if line.strip()]


class ScheduleTask(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="schedule_tasks", verbose_name="連携事業"
    )
    order = models.PositiveSmallIntegerField("順番")
    title = models.CharField("具体的な事業項目", max_length=200)
    start_year = models.PositiveSmallIntegerField(
        "開始年度（西暦）",
        null=True,
        blank=True,
        help_text="空欄は未記載（素案の本文からは実施年度が読み取れません）。",
    )
    end_year = models.PositiveSmallIntegerField("終了年度（西暦）", null=True, blank=True)

    class Meta:
        verbose_name = "実施スケジュール"
        verbose_name_plural = "実施スケジュール"
        ordering = ["program", "order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="schedule_task_order_unique"),
            models.CheckConstraint(
                condition=models.Q(start_year__isnull=True)
                | models.Q(end_year__isnull=True)
                | models.Q(end_year__gte=models.F("start_year")),
                name="schedule_task_years_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError(
                {"end_year": "終了年度は開始年度と同じか後の年度にしてください。"}
            )

    def runs_in(self, fiscal_year: int) -> bool | None:
        if self.start_year is None or self.end_year is None:
            return None
        return self.start_year <= fiscal_year <= self.end_year


class SubsidyScheme(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="subsidies", verbose_name="連携事業"
    )
    order = models.PositiveSmallIntegerField("順番")
    name = models.CharField("活用を想定する補助制度等", max_length=200)

    class Meta:
        verbose_name = "活用を想定する補助制度等"
        verbose_name_plural = "活用を想定する補助制度等"
        ordering = ["program", "order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="subsidy_order_unique"),
        ]

    def __str__(self):
        return self.name


class StatedTotal(models.Model):
    """The total the document prints for a program's 事業費見込 in one fiscal year."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="stated_totals", verbose_name="連携事業"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）")
    amount_kyen = models.BigIntegerField("計（千円）")

    class Meta:
        verbose_name = "事業費見込の計"
        verbose_name_plural = "事業費見込の計"
        ordering = ["program", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "fiscal_year"], name="stated_total_unique"),
        ]

    def __str__(self):
        return f"{self.program} {self.fiscal_year}年度: {self.amount_kyen:,}千円"


class CostShareQuerySet(models.QuerySet):
    def published(self):
        """Shares the public may see: the approved value of approved figures."""
        return self.filter(approved_at__isnull=False)


class CostShare(ReportedFigure):
    class Kind(models.TextChoices):
        # gettext_noop: the labels stay plain strings (as in the migrations) and are
        # translated where a page shows them (public.program_views.kind_label).
        PLAN = "plan", gettext_noop("事業費見込")
        BUDGET = "budget", gettext_noop("予算")
        SETTLEMENT = "settlement", gettext_noop("決算")

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="cost_shares", verbose_name="連携事業"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="cost_shares",
        verbose_name="市町村",
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", help_text="令和7年度なら 2025。")
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    amount_kyen = models.BigIntegerField(
        "負担額（千円）",
        null=True,
        blank=True,
        help_text="千円単位の整数。空欄は「未記入」、0 は「負担なし」で、意味が違います。",
    )
    approved_amount_kyen = models.BigIntegerField(
        "承認済みの負担額（千円）", null=True, blank=True, editable=False
    )

    history = HistoricalRecords()
    objects = CostShareQuerySet.as_manager()

    value_field = "amount_kyen"
    approved_field = "approved_amount_kyen"

    class Meta:
        verbose_name = "負担額"
        verbose_name_plural = "負担額"
        ordering = [
            "program__item__number",
            "program__number",
            "fiscal_year",
            "kind",
            "municipality__sort_order",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "municipality", "fiscal_year", "kind"], name="cost_share_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_kyen__isnull=True) | models.Q(amount_kyen__gte=0),
                name="cost_share_not_negative",
            ),
        ]

    def __str__(self):
        amount = "空欄" if self.amount_kyen is None else f"{self.amount_kyen:,}千円"
        return f"{self.program} {self.municipality} {self.fiscal_year}年度 {self.get_kind_display()}: {amount}"

    def clean(self):
        if self.amount_kyen is not None and self.amount_kyen < 0:
            raise ValidationError({"amount_kyen": "負担額にマイナスは入力できません。"})
