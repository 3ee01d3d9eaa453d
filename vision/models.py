"""The vision itself: its plan tree (policy field → category → agreement item),
who is party to each item, and the area statistics printed in section 3.

Figures are stored exactly as printed. Where the document prints a derived
figure (a total, a rate, a share) it is kept in a ``printed_…`` field beside
the parts, so that ``vision.quality`` can report where the two disagree.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from core.japanese import fiscal_year_label
from municipalities.models import Municipality


class Area(models.Model):
    """A partnership area (圏域): a central city and its members, with visions in turn.

    A municipality may belong to several areas (a 定住自立圏 and a 連携中枢都市圏 at
    once); its code stays its identity. The members are the current vision's
    municipalities (``Vision.municipalities``), not a second list to keep in step. The area's visions follow one another (第2次,
    第3次 …): the current one is the latest edition (``current_vision``).
    """

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", "定住自立圏"
        METROPOLITAN = "metropolitan", "連携中枢都市圏"
        OTHER = "other", "その他"

    slug = models.SlugField(
        "識別名",
        max_length=40,
        unique=True,
        help_text="URL（/areas/識別名/）に使う半角英小文字・数字・ハイフン。後から変えないでください。",
    )
    name = models.CharField("圏域の名称", max_length=100, help_text="例：新庄最上定住自立圏")
    name_en = models.CharField("英語名", max_length=150, blank=True)
    kind = models.CharField("種類", max_length=20, choices=Kind.choices, default=Kind.SETTLEMENT)
    central = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="central_of_areas",
        verbose_name="中心市",
        null=True,
        blank=True,
    )
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "圏域"
        verbose_name_plural = "圏域"
        ordering = ["sort_order", "slug"]

    def __str__(self):
        return self.name

    def current_vision(self) -> "Vision | None":
        return self.visions.order_by("-edition", "-period_start").first()

    def members(self):
        """The member municipalities: those of the current vision (its 構成市町村)."""
        vision = self.current_vision()
        if vision is None:
            return Municipality.objects.none()
        return vision.municipalities.order_by("sort_order", "code")

    @property
    def central_city(self):
        """The central city as set, else the member flagged as one (中心市)."""
        if self.central_id:
            return self.central
        return self.members().filter(is_central_city=True).first()


def area_slug_for(vision_slug: str, edition: int | None) -> str:
    """The area slug a vision's slug implies: ``shinjo-mogami-3`` (第3次) → ``shinjo-mogami``."""
    suffix = f"-{edition}"
    if edition and vision_slug.endswith(suffix) and len(vision_slug) > len(suffix):
        return vision_slug[: -len(suffix)][:40]
    return vision_slug[:40]


class VisionQuerySet(models.QuerySet):
    def current(self) -> "Vision | None":
        """The vision the public pages show when no area is asked for: the latest edition."""
        return self.order_by("-edition", "-period_start").first()


class Vision(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "素案"
        ADOPTED = "adopted", "策定"
        REVISED = "revised", "変更"

    slug = models.SlugField(
        "識別名", max_length=60, unique=True, help_text="URL などに使う半角英数字の名前。"
    )
    area_name = models.CharField("定住自立圏の名称", max_length=100)
    title = models.CharField("ビジョンの名称", max_length=200)
    edition = models.PositiveSmallIntegerField("次数", help_text="第3次なら 3。")
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    date_label = models.CharField(
        "日付（表示）", max_length=40, blank=True, help_text="例：令和8年1月"
    )
    period_start = models.PositiveSmallIntegerField(
        "計画期間の初年度（西暦）", help_text="令和8年度なら 2026。"
    )
    period_end = models.PositiveSmallIntegerField(
        "計画期間の最終年度（西暦）", help_text="令和12年度なら 2030。"
    )
    purpose = models.TextField("策定の趣旨", blank=True)
    period_text = models.TextField("ビジョンの期間（本文）", blank=True)
    area_situation = models.TextField("圏域の状況（本文）", blank=True)
    future_image = models.TextField(
        "圏域の将来像（本文）", blank=True, help_text="段落は空行で区切ります。"
    )
    role_central = models.TextField("中心市の役割分担", blank=True)
    role_partners = models.TextField("連携町村の役割分担", blank=True)
    profile_sources = models.TextField("市町村概要の出典", blank=True)
    municipalities = models.ManyToManyField(
        "municipalities.Municipality", related_name="visions", verbose_name="構成市町村", blank=True
    )

    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="visions",
        verbose_name="圏域",
        null=True,
        blank=True,
        help_text="空のまま保存すると、識別名と定住自立圏の名称から圏域を作ります。",
    )

    objects = VisionQuerySet.as_manager()

    class Meta:
        verbose_name = "共生ビジョン"
        verbose_name_plural = "共生ビジョン"
        ordering = ["-edition", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="vision_period_in_order",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Every vision belongs to an area: one saved without (the fixtures, a workbook of
        # an area not yet on the platform) gets the area its slug implies, created if new.
        if self.area_id is None and self.slug:
            self.area, _ = Area.objects.get_or_create(
                slug=area_slug_for(self.slug, self.edition),
                defaults={"name": self.area_name or self.slug},
            )
        super().save(*args, **kwargs)

    def clean(self):
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": "最終年度は初年度と同じか後の年度にしてください。"}
            )

    @property
    def fiscal_years(self) -> range:
        return range(self.period_start, self.period_end + 1)

    @property
    def future_image_paragraphs(self) -> list[str]:
        return [p for p in self.future_image.split("\n\n") if p.strip()]


class VisionEvent(models.Model):
    """One line of 「これまでの取組」."""

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="events", verbose_name="ビジョン"
    )
    order = models.PositiveSmallIntegerField("順番")
    date_label = models.CharField(
        "日付", max_length=40, help_text="印刷どおり。例：平成27年2月13日"
    )
    text = models.TextField("内容")

    class Meta:
        verbose_name = "これまでの取組"
        verbose_name_plural = "これまでの取組"
        ordering = ["vision", "order"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "order"], name="vision_event_order_unique"),
        ]

    def __str__(self):
        return f"{self.date_label} {self.text}"


class PolicyField(models.Model):
    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="policy_fields", verbose_name="ビジョン"
    )
    number = models.PositiveSmallIntegerField("番号")
    title = models.CharField("名称（協定項目一覧表）", max_length=100)
    section_title = models.CharField(
        "名称（具体的取組の見出し）",
        max_length=100,
        blank=True,
        help_text="ビジョン5章の見出しの書き方。一覧表と違う場合はデータ品質チェックで報告されます。",
    )
    name_en = models.CharField("英語名", max_length=150, blank=True)

    class Meta:
        verbose_name = "政策分野"
        verbose_name_plural = "政策分野"
        ordering = ["vision", "number"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "number"], name="policy_field_number_unique"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Category(models.Model):
    policy_field = models.ForeignKey(
        PolicyField, on_delete=models.CASCADE, related_name="categories", verbose_name="政策分野"
    )
    number = models.PositiveSmallIntegerField("番号", help_text="政策分野の中での番号。")
    title = models.CharField("名称（協定項目一覧表）", max_length=100)
    section_title = models.CharField("名称（具体的取組の見出し）", max_length=100, blank=True)
    name_en = models.CharField("英語名", max_length=150, blank=True)

    class Meta:
        verbose_name = "分類"
        verbose_name_plural = "分類"
        ordering = ["policy_field", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy_field", "number"], name="category_number_unique"
            ),
        ]

    def __str__(self):
        return f"{self.policy_field.number}-{self.number}. {self.title}"


class AgreementItem(models.Model):
    """連携する取組項目: one line of the 形成協定項目一覧表."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="items", verbose_name="分類"
    )
    number = models.PositiveSmallIntegerField(
        "項目番号", help_text="協定項目一覧表の通し番号（1〜20）。"
    )
    title = models.CharField("名称（協定項目一覧表）", max_length=100)
    section_title = models.CharField("名称（具体的取組の見出し）", max_length=100, blank=True)
    name_en = models.CharField("英語名", max_length=150, blank=True)
    content = models.TextField("取組の内容", blank=True)
    role_central = models.TextField("甲（新庄市）の役割", blank=True)
    role_partner = models.TextField("乙（連携町村）の役割", blank=True)

    class Meta:
        verbose_name = "連携する取組項目"
        verbose_name_plural = "連携する取組項目"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def vision(self) -> Vision:
        return self.category.policy_field.vision


class ItemParty(models.Model):
    """Whether a town is party to an agreement item (○ / — / blank)."""

    class Status(models.TextChoices):
        PARTY = "party", "○（締結）"
        NOT_PARTY = "not_party", "—（締結しない）"
        UNDECIDED = "undecided", "未定"

    item = models.ForeignKey(
        AgreementItem, on_delete=models.CASCADE, related_name="parties", verbose_name="取組項目"
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="item_parties",
        verbose_name="町村",
    )
    status = models.CharField(
        "協定締結",
        max_length=10,
        choices=Status.choices,
        default=Status.UNDECIDED,
        help_text="一覧表の ○ は締結、— は締結しない、空欄は未定。",
    )

    class Meta:
        verbose_name = "協定締結状況"
        verbose_name_plural = "協定締結状況"
        ordering = ["item__number", "municipality__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "municipality"], name="item_party_unique"),
        ]

    def __str__(self):
        return f"{self.item.number} {self.municipality}: {self.get_status_display()}"

    @property
    def mark(self) -> str:
        return {"party": "○", "not_party": "—", "undecided": "未定"}[self.status]


# ---------------------------------------------------------------------------
# Reporting rounds


class ReportingYear(models.Model):
    """A fiscal year's reporting round: its deadline and whether it is locked."""

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="reporting_years", verbose_name="ビジョン"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）", help_text="令和7年度なら 2025。")
    deadline = models.DateField(
        "提出期限",
        null=True,
        blank=True,
        help_text="市町村担当者の提出期限。期限前に未提出の担当者へメールで知らせます。",
    )
    is_locked = models.BooleanField(
        "締め（ロック）",
        default=False,
        help_text="締めた年度は事務局だけが変更でき、変更には理由が必要です。",
    )
    locked_at = models.DateTimeField("締めた日時", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="締めた人",
    )
    report_published_at = models.DateTimeField(
        "進捗状況報告の公表日時",
        null=True,
        blank=True,
        help_text="事務局が進捗状況報告を公表した日時。公表した年度だけ、公開ページに報告書が載ります。",
    )
    report_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="公表した人",
    )

    class Meta:
        verbose_name = "報告年度"
        verbose_name_plural = "報告年度"
        ordering = ["vision", "-fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "fiscal_year"], name="reporting_year_unique"),
        ]

    def __str__(self):
        return f"{fiscal_year_label(self.fiscal_year)}{'（締め済み）' if self.is_locked else ''}"

    @property
    def is_report_published(self) -> bool:
        return self.report_published_at is not None


# ---------------------------------------------------------------------------
# Area statistics (section 3 (1) ② and ③)


class StatisticsSource(models.Model):
    class Table(models.TextChoices):
        POPULATION = "population", "総人口の推移と将来推計"
        DAYTIME = "daytime", "昼夜間人口比率"
        COMMUTING = "commuting", "圏域内の通勤通学者(15歳以上)の動向"
        HOSPITAL = "hospital", "県立新庄病院の利用状況"

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="statistics_sources", verbose_name="ビジョン"
    )
    table = models.CharField("表", max_length=20, choices=Table.choices)
    source = models.TextField("資料（出典）")

    class Meta:
        verbose_name = "統計表の出典"
        verbose_name_plural = "統計表の出典"
        ordering = ["vision", "table"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "table"], name="statistics_source_unique"),
        ]

    def __str__(self):
        return self.get_table_display()


class KeyFigure(models.Model):
    """A figure quoted in the text (e.g. 平成30年推計の令和2年人口 71,401人)."""

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="key_figures", verbose_name="ビジョン"
    )
    key = models.SlugField("識別名", max_length=60)
    label = models.CharField("内容", max_length=200)
    value = models.BigIntegerField("値")
    unit = models.CharField("単位", max_length=20, blank=True)

    class Meta:
        verbose_name = "本文中の数値"
        verbose_name_plural = "本文中の数値"
        ordering = ["vision", "key"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "key"], name="key_figure_unique"),
        ]

    def __str__(self):
        return f"{self.label}: {self.value:,}{self.unit}"


class PopulationFigure(models.Model):
    class Scope(models.TextChoices):
        MUNICIPALITY = "municipality", "市町村"
        AREA = "area", "圏域の合計"
        PREFECTURE = "prefecture", "山形県"

    class Kind(models.TextChoices):
        CENSUS = "census", "実績（国勢調査）"
        PROJECTION = "projection", "推計（社人研）"

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="population_figures", verbose_name="ビジョン"
    )
    scope = models.CharField("範囲", max_length=12, choices=Scope.choices)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="population_figures",
        verbose_name="市町村",
        help_text="範囲が「市町村」のときだけ選びます。",
    )
    year = models.PositiveSmallIntegerField("年（西暦）")
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    population = models.PositiveIntegerField("人口（人）")
    printed_change_rate = models.DecimalField(
        "増減率（%・印刷値）",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="表の下段に印刷された5年前からの増減率。",
    )
    printed_prefecture_share = models.DecimalField(
        "県人口に占める割合（%・印刷値）",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="「圏域の割合」の行。範囲が圏域の合計のときだけ。",
    )

    class Meta:
        verbose_name = "人口"
        verbose_name_plural = "人口"
        ordering = ["vision", "scope", "municipality__sort_order", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["vision", "municipality", "year"],
                condition=models.Q(scope="municipality"),
                name="population_municipality_year_unique",
            ),
            models.UniqueConstraint(
                fields=["vision", "scope", "year"],
                condition=~models.Q(scope="municipality"),
                name="population_scope_year_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope="municipality", municipality__isnull=False)
                    | (~models.Q(scope="municipality") & models.Q(municipality__isnull=True))
                ),
                name="population_municipality_matches_scope",
            ),
        ]

    def __str__(self):
        who = self.municipality or self.get_scope_display()
        return f"{who} {self.year}年: {self.population:,}人"

    def clean(self):
        if self.scope == self.Scope.MUNICIPALITY and self.municipality_id is None:
            raise ValidationError({"municipality": "範囲が市町村のときは市町村を選んでください。"})
        if self.scope != self.Scope.MUNICIPALITY and self.municipality_id is not None:
            raise ValidationError(
                {"municipality": "圏域の合計・山形県の行には市町村を選ばないでください。"}
            )


class DaytimePopulation(models.Model):
    """昼夜間人口比率; the row with no municipality is the printed 計."""

    vision = models.ForeignKey(
        Vision,
        on_delete=models.CASCADE,
        related_name="daytime_populations",
        verbose_name="ビジョン",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="市町村",
        help_text="空欄は「計」の行。",
    )
    census_year = models.PositiveSmallIntegerField("国勢調査の年")
    population = models.PositiveIntegerField("人口（人）")
    daytime_population = models.PositiveIntegerField("昼間人口（人）")
    printed_ratio = models.DecimalField("昼夜間人口比率（印刷値）", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "昼夜間人口"
        verbose_name_plural = "昼夜間人口"
        ordering = ["vision", "census_year", "municipality__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["vision", "census_year", "municipality"],
                condition=models.Q(municipality__isnull=False),
                name="daytime_municipality_unique",
            ),
            models.UniqueConstraint(
                fields=["vision", "census_year"],
                condition=models.Q(municipality__isnull=True),
                name="daytime_total_unique",
            ),
        ]

    def __str__(self):
        return f"{self.municipality or '計'} {self.census_year}年"


class CommutingOrigin(models.Model):
    """Printed row totals of the commuting table for one home municipality."""

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="commuting_origins", verbose_name="ビジョン"
    )
    origin = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="常住地",
    )
    census_year = models.PositiveSmallIntegerField("国勢調査の年")
    printed_total = models.PositiveIntegerField(
        "通勤通学者の総数（印刷値）", help_text="自宅従業者を含まない。"
    )
    printed_to_other_share = models.DecimalField(
        "圏域内の他市町村へ（%・印刷値）", max_digits=5, decimal_places=1
    )

    class Meta:
        verbose_name = "通勤通学者の総数"
        verbose_name_plural = "通勤通学者の総数"
        ordering = ["vision", "census_year", "origin__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["vision", "census_year", "origin"], name="commuting_origin_unique"
            ),
        ]

    def __str__(self):
        return f"{self.origin} {self.census_year}年"


class CommutingFlow(models.Model):
    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="commuting_flows", verbose_name="ビジョン"
    )
    origin = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="常住地",
    )
    destination = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="通勤通学先",
    )
    census_year = models.PositiveSmallIntegerField("国勢調査の年")
    commuters = models.PositiveIntegerField("通勤通学者（人）")
    printed_share = models.DecimalField("通勤通学割合（%・印刷値）", max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = "通勤通学の流れ"
        verbose_name_plural = "通勤通学の流れ"
        ordering = ["vision", "census_year", "origin__sort_order", "destination__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["vision", "census_year", "origin", "destination"],
                name="commuting_flow_unique",
            ),
        ]

    def __str__(self):
        return f"{self.origin}→{self.destination} {self.census_year}年: {self.commuters:,}人"


class HospitalPatients(models.Model):
    class Kind(models.TextChoices):
        INPATIENT = "inpatient", "入院患者数"
        OUTPATIENT = "outpatient", "外来患者数"

    class Row(models.TextChoices):
        MUNICIPALITY = "municipality", "市町村"
        OTHER = "other", "その他"
        TOTAL = "total", "合計"

    vision = models.ForeignKey(
        Vision, on_delete=models.CASCADE, related_name="hospital_patients", verbose_name="ビジョン"
    )
    hospital = models.CharField("病院", max_length=60)
    fiscal_year = models.PositiveSmallIntegerField("年度（西暦）")
    kind = models.CharField("区分", max_length=12, choices=Kind.choices)
    row = models.CharField("行", max_length=12, choices=Row.choices, default=Row.MUNICIPALITY)
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="住所地",
    )
    patients = models.PositiveIntegerField("患者数（人）")
    printed_share = models.DecimalField("比率（%・印刷値）", max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = "県立新庄病院の利用状況"
        verbose_name_plural = "県立新庄病院の利用状況"
        ordering = ["vision", "fiscal_year", "kind", "row", "municipality__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["vision", "fiscal_year", "kind", "municipality"],
                condition=models.Q(row="municipality"),
                name="hospital_municipality_unique",
            ),
            models.UniqueConstraint(
                fields=["vision", "fiscal_year", "kind", "row"],
                condition=~models.Q(row="municipality"),
                name="hospital_row_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(row="municipality", municipality__isnull=False)
                    | (~models.Q(row="municipality") & models.Q(municipality__isnull=True))
                ),
                name="hospital_municipality_matches_row",
            ),
        ]

    def __str__(self):
        who = self.municipality or self.get_row_display()
        return f"{self.get_kind_display()} {who}: {self.patients:,}人"


# ---------------------------------------------------------------------------
# The yearly cycle: the published progress report and plan revisions


class PublishedReport(models.Model):
    """The progress report of a year as it was published (PDF and Excel, frozen).

    Publishing stores the files, so what residents download never changes when a
    figure is approved later; publishing again adds a new version, and every
    version is kept.
    """

    reporting_year = models.ForeignKey(
        ReportingYear,
        on_delete=models.PROTECT,
        related_name="published_reports",
        verbose_name="報告年度",
    )
    version = models.PositiveSmallIntegerField("版", help_text="公表するたびに1増えます。")
    published_at = models.DateTimeField("公表日時")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="公表した人",
    )
    as_of = models.DateTimeField(
        "数値の時点", null=True, blank=True, help_text="報告に含めた承認済みの値の最終承認日時。"
    )
    pdf = models.BinaryField("PDF", editable=False)
    xlsx = models.BinaryField("Excel", editable=False)
    summary = models.JSONField(
        "概要",
        default=dict,
        editable=False,
        help_text="公開ページに表で示す概要（評価の件数、報告の状況）。公表時の値です。",
    )

    class Meta:
        verbose_name = "公表した進捗状況報告"
        verbose_name_plural = "公表した進捗状況報告"
        ordering = ["reporting_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporting_year", "version"], name="published_report_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.reporting_year} 進捗状況報告（第{self.version}版）"


class PlanRevision(models.Model):
    """A revision of the vision (e.g. 令和9年3月変更) and the decision it rests on.

    What it changed is recorded in ``RevisionChange`` rows by the services in
    ``revisions.services``, which also apply each change; nothing is overwritten
    without a record of the value before.
    """

    vision = models.ForeignKey(
        Vision, on_delete=models.PROTECT, related_name="revisions", verbose_name="ビジョン"
    )
    title = models.CharField("名称", max_length=100, help_text="例：令和9年3月変更")
    decided_on = models.DateField(
        "決定日", help_text="変更を決定した日（協議・協定の締結日など）。"
    )
    basis = models.CharField(
        "決定の根拠",
        max_length=200,
        help_text="変更が拠って立つ決定。例：新庄最上定住自立圏共生ビジョン懇談会（令和9年2月10日）",
    )
    note = models.TextField("説明", blank=True, help_text="公開ページに表示する、変更の説明。")
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登録した人",
    )

    class Meta:
        verbose_name = "ビジョンの変更"
        verbose_name_plural = "ビジョンの変更"
        ordering = ["vision", "decided_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vision", "title"], name="plan_revision_title_unique"),
        ]

    def __str__(self):
        return self.title


class RevisionChange(models.Model):
    """One fact a revision changed: one value, before and after, from a fiscal year on.

    ``subject`` names what changed (e.g. ``target:12`` for KPI 12's target), so the
    changes of several revisions can be compared; ``before`` and ``after`` are the
    values (JSON; null = did not exist).
    """

    class Kind(models.TextChoices):
        BUDGET = "budget", "事業費見込の追加・変更"
        TARGET = "target", "目標値の変更"
        PROGRAM_ADDED = "program_added", "連携事業の追加"
        PROGRAM_ENDED = "program_ended", "連携事業の終了"
        PROGRAM_MOVED = "program_moved", "連携事業の移動"
        PARTY = "party", "協定締結の変更"
        PARTICIPANT = "participant", "関係市町村の変更"

    revision = models.ForeignKey(
        PlanRevision, on_delete=models.PROTECT, related_name="changes", verbose_name="変更"
    )
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    subject = models.CharField("対象（識別名）", max_length=120, editable=False)
    label = models.CharField("対象", max_length=300, help_text="何が変わったかを文章で。")
    effective_year = models.PositiveSmallIntegerField(
        "適用年度（西暦）", help_text="この変更を適用する最初の年度。令和9年度なら 2027。"
    )
    basis = models.CharField(
        "決定の根拠",
        max_length=200,
        blank=True,
        help_text="空欄は変更全体の決定の根拠と同じ。",
    )
    before = models.JSONField("変更前", null=True, blank=True, editable=False)
    after = models.JSONField("変更後", null=True, blank=True, editable=False)
    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision_changes",
        verbose_name="連携事業",
    )
    kpi = models.ForeignKey(
        "kpis.KPI",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision_changes",
        verbose_name="成果指標",
    )
    item = models.ForeignKey(
        AgreementItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision_changes",
        verbose_name="取組項目",
    )
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revision_changes",
        verbose_name="市町村",
    )
    recorded_at = models.DateTimeField("記録日時", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="記録した人",
    )

    class Meta:
        verbose_name = "変更の内容"
        verbose_name_plural = "変更の内容"
        ordering = ["revision__decided_on", "revision", "pk"]

    def __str__(self):
        return f"{self.revision}: {self.label}"

    @property
    def basis_text(self) -> str:
        return self.basis or self.revision.basis
