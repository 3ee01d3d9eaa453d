"""The yearly evaluation (進行管理・効果検証) of the vision, by program and fiscal year.

- ``TownActivity``: a participating town's 取組状況 for a program and year, written by
  the town's officer in its annual return; a reported figure (draft → submitted →
  returned/approved) whose value is text.
- ``ProgramEvaluation``: the secretariat's sheet (実施内容, 成果, 課題, 今後の方向性 with a
  reason, an overall 評価) with a ``KPIAnalysis`` (要因分析, 改善策) for each KPI that is
  behind, and ``Evidence`` files. Its approved content is copied into
  ``approved_content`` when it is approved: the public reads only that copy, so a
  sheet changed after approval shows its approved text until approved again.
- ``CommitteeMeeting`` and ``Opinion``: the 懇談会's opinions (意見) on the vision, a
  policy field or a program, with the secretariat's response (考え方・対応); public
  once the meeting is approved (``published_*`` copies, as above).

Every row belongs to one vision (through its program or directly), which is how
the area scoping of the platform reaches it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.models import FigureStatus, ReportedFigure

TEXT_LIMIT = 4000  # characters per written field: about two A4 pages of Japanese
# A TextField's max_length reaches forms only; the validator makes full_clean check it too.
WRITTEN = [MaxLengthValidator(TEXT_LIMIT)]


class Direction(models.TextChoices):
    """今後の方向性 (the fixed list of 行政事業レビュー and the towns' 効果検証)."""

    EXPAND = "expand", "拡充"
    CONTINUE = "continue", "継続"
    IMPROVE = "improve", "改善して継続"
    REDUCE = "reduce", "縮小"
    MERGE = "merge", "統合"
    END = "end", "完了・廃止"

    @classmethod
    def revising(cls) -> set[str]:
        """Directions that change the plan (見直し): a plan revision may act on them."""
        return {cls.IMPROVE, cls.REDUCE, cls.MERGE, cls.END}


DIRECTION_EN = {
    Direction.EXPAND: "Expand",
    Direction.CONTINUE: "Continue",
    Direction.IMPROVE: "Continue with improvements",
    Direction.REDUCE: "Reduce",
    Direction.MERGE: "Merge",
    Direction.END: "Complete / end",
}


class EvaluationRating(models.Model):
    """The overall 評価 of a program's year, on a scale the secretariat configures
    (default A 順調 / B 概ね順調 / C 課題あり / D 見直しが必要)."""

    code = models.CharField("記号", max_length=4, unique=True, help_text="例：A")
    label = models.CharField("評価", max_length=40, help_text="例：順調")
    label_en = models.CharField("評価（英語）", max_length=60, blank=True)
    order = models.PositiveSmallIntegerField("順番", unique=True, help_text="上の評価から 1, 2, 3…")

    class Meta:
        verbose_name = "事業評価の区分"
        verbose_name_plural = "事業評価の区分"
        ordering = ["order"]

    def __str__(self):
        return f"{self.code} {self.label}"


class TownActivityQuerySet(models.QuerySet):
    def published(self):
        return self.filter(approved_at__isnull=False)


class TownActivity(ReportedFigure):
    """取組状況: what one participating town did in a program in a fiscal year."""

    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="activities", verbose_name="事業"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name="市町村",
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", help_text="令和7年度なら 2025。")
    text = models.TextField("取組状況", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN)
    approved_text = models.TextField("公表中の取組状況", blank=True, editable=False)

    value_field = "text"
    approved_field = "approved_text"

    history = HistoricalRecords()
    objects = TownActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "取組状況"
        verbose_name_plural = "取組状況"
        ordering = ["fiscal_year", "program", "municipality__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "municipality", "fiscal_year"], name="activity_unique"
            ),
        ]

    def __str__(self):
        return f"{self.program} {self.municipality} {self.fiscal_year}年度 取組状況"


class ProgramEvaluationQuerySet(models.QuerySet):
    def published(self):
        """Sheets the public may see: approved once (the approved copy is shown)."""
        return self.filter(approved_at__isnull=False)


class ProgramEvaluation(models.Model):
    """事業評価シート: the secretariat's evaluation of one program in one fiscal year."""

    Status = FigureStatus

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name="事業",
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", help_text="令和7年度なら 2025。")
    done = models.TextField("実施内容", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN)
    results = models.TextField(
        "成果",
        blank=True,
        max_length=TEXT_LIMIT,
        validators=WRITTEN,
        help_text="成果指標（KPI）に触れて書きます。",
    )
    issues = models.TextField("課題", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN)
    direction = models.CharField(
        "今後の方向性", max_length=10, choices=Direction.choices, blank=True
    )
    direction_reason = models.TextField(
        "方向性の理由", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN
    )
    rating = models.ForeignKey(
        EvaluationRating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="評価",
    )
    revision = models.ForeignKey(
        "vision.PlanRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluations",
        verbose_name="反映した計画の変更",
        help_text="この方向性（見直し・縮小・統合・完了・廃止）を反映したビジョンの変更。",
    )
    copied_from_year = models.PositiveSmallIntegerField(
        "前年度から複写",
        null=True,
        blank=True,
        editable=False,
        help_text="前年度の文章を複写して作り、まだ編集していないとき、その年度。",
    )
    status = models.CharField(
        "状態", max_length=10, choices=FigureStatus.choices, default=FigureStatus.DRAFT
    )
    return_reason = models.TextField("差戻しの理由", blank=True)
    version = models.PositiveIntegerField("版", default=1, editable=False)
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最終更新者",
    )
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認者",
    )
    approved_content = models.JSONField(
        "公表中の内容",
        null=True,
        blank=True,
        editable=False,
        help_text="承認したときの内容（公開ページはこれだけを表示します）。",
    )

    history = HistoricalRecords()
    objects = ProgramEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "事業評価"
        verbose_name_plural = "事業評価"
        ordering = ["fiscal_year", "program__item__number", "program__number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "fiscal_year"], name="evaluation_unique"),
        ]

    def __str__(self):
        return f"{self.program} {self.fiscal_year}年度 事業評価"

    @property
    def is_copied_unedited(self) -> bool:
        return self.copied_from_year is not None

    def clean(self):
        if self.revision_id and self.direction not in Direction.revising():
            raise ValidationError(
                {
                    "revision": "計画の変更と結び付けられるのは、方向性が改善して継続・縮小・"
                    "統合・完了・廃止のときだけです。"
                }
            )


class KPIAnalysis(models.Model):
    """要因分析 and 改善策 of one KPI in one program's evaluation."""

    evaluation = models.ForeignKey(
        ProgramEvaluation, on_delete=models.CASCADE, related_name="analyses"
    )
    kpi = models.ForeignKey(
        "kpis.KPI", on_delete=models.CASCADE, related_name="analyses", verbose_name="成果指標"
    )
    cause = models.TextField("要因分析", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN)
    remedy = models.TextField("改善策", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "要因分析"
        verbose_name_plural = "要因分析"
        ordering = ["kpi__order"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "kpi"], name="analysis_unique"),
        ]

    def __str__(self):
        return f"{self.kpi} 要因分析"

    @property
    def is_written(self) -> bool:
        return bool(self.cause.strip() and self.remedy.strip())


def evidence_path(instance, filename):
    """Stored under a name the app chooses (never the uploader's)."""
    return f"evidence/{instance.token}{instance.extension}"


class Evidence(models.Model):
    """A file attached to a sheet as evidence (PDF, JPEG, PNG), public or internal."""

    class Kind(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    EXTENSIONS = {Kind.PDF: ".pdf", Kind.JPEG: ".jpg", Kind.PNG: ".png"}

    evaluation = models.ForeignKey(
        ProgramEvaluation, on_delete=models.CASCADE, related_name="evidence"
    )
    token = models.CharField(max_length=32, unique=True, editable=False)
    title = models.CharField("説明", max_length=200)
    original_name = models.CharField("元のファイル名", max_length=255, editable=False)
    content_type = models.CharField("形式", max_length=20, choices=Kind.choices, editable=False)
    size = models.PositiveIntegerField("大きさ（バイト）", editable=False)
    file = models.FileField("ファイル", upload_to=evidence_path, max_length=200)
    is_public = models.BooleanField(
        "公開する", default=False, help_text="公開すると、承認後に住民向けページに載ります。"
    )
    uploaded_at = models.DateTimeField("登録日時", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="登録者",
    )

    class Meta:
        verbose_name = "根拠資料"
        verbose_name_plural = "根拠資料"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.title

    @property
    def extension(self) -> str:
        return self.EXTENSIONS[self.content_type]


class CommitteeMeetingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(approved_at__isnull=False)


class CommitteeMeeting(models.Model):
    """A meeting of the vision's 懇談会 (共生ビジョン懇談会) that reviewed a fiscal year."""

    vision = models.ForeignKey(
        "vision.Vision", on_delete=models.CASCADE, related_name="meetings", verbose_name="ビジョン"
    )
    fiscal_year = models.PositiveSmallIntegerField(
        "評価した年度（西暦）", help_text="令和7年度の取組を評価した会議なら 2025。"
    )
    held_on = models.DateField("開催日")
    title = models.CharField("会議名", max_length=100, help_text="例：令和7年度 第1回懇談会")
    reviewed = models.TextField("審議した内容", max_length=TEXT_LIMIT, validators=WRITTEN)
    members_present = models.PositiveSmallIntegerField("出席委員数（人）")
    approved_at = models.DateTimeField("承認日時", null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認者",
        editable=False,
    )

    history = HistoricalRecords()
    objects = CommitteeMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "懇談会"
        verbose_name_plural = "懇談会"
        ordering = ["held_on", "pk"]

    def __str__(self):
        return self.title


class OpinionQuerySet(models.QuerySet):
    def published(self):
        """Opinions the public may see: approved with their meeting (the approved copy)."""
        return self.filter(published_at__isnull=False)


class Opinion(models.Model):
    """One opinion (意見) of the 懇談会 as given, and the secretariat's response."""

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.CASCADE, related_name="opinions", verbose_name="懇談会"
    )
    order = models.PositiveSmallIntegerField("番号", default=1)
    policy_field = models.ForeignKey(
        "vision.PolicyField",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name="政策分野",
        help_text="ビジョン全体への意見なら、政策分野も事業も空欄にします。",
    )
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name="事業",
    )
    text = models.TextField("意見", max_length=TEXT_LIMIT, validators=WRITTEN)
    response = models.TextField(
        "意見に対する考え方・対応", blank=True, max_length=TEXT_LIMIT, validators=WRITTEN
    )
    revision = models.ForeignKey(
        "vision.PlanRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="opinions",
        verbose_name="反映した計画の変更",
    )
    published_text = models.TextField("公表中の意見", blank=True, editable=False)
    published_response = models.TextField("公表中の考え方・対応", blank=True, editable=False)
    published_at = models.DateTimeField("公表日時", null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = "懇談会の意見"
        verbose_name_plural = "懇談会の意見"
        ordering = ["meeting__held_on", "meeting", "order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "order"], name="opinion_order_unique"),
            models.CheckConstraint(
                condition=models.Q(policy_field__isnull=True) | models.Q(program__isnull=True),
                name="opinion_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.meeting} 意見{self.order}"

    @property
    def subject(self):
        """What the opinion is about: a program, a policy field, or None (the vision)."""
        return self.program or self.policy_field

    def clean(self):
        if self.policy_field_id and self.program_id:
            raise ValidationError("意見の対象は、政策分野か事業のどちらか一つにしてください。")
