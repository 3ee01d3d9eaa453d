from django.core.exceptions import ValidationError
from django.db import models

from municipalities.validators import validate_municipality_code


class MunicipalityQuerySet(models.QuerySet):
    def towns(self):
        """The partner towns and villages (everyone but the central city)."""
        return self.filter(is_central_city=False)


class Municipality(models.Model):
    code = models.CharField(
        "全国地方公共団体コード",
        max_length=6,
        unique=True,
        validators=[validate_municipality_code],
        help_text="検査数字を含む半角数字6桁（例：新庄市は 062057）。",
    )
    name = models.CharField("市町村名", max_length=40, help_text="例：金山町")
    name_kana = models.CharField(
        "ふりがな", max_length=80, blank=True, help_text="ひらがなで。例：かねやままち"
    )
    name_en = models.CharField("英語名", max_length=80, blank=True, help_text="例：Kaneyama Town")
    is_central_city = models.BooleanField(
        "中心市", default=False, help_text="定住自立圏の中心市（新庄市）だけに印を付けます。"
    )
    population = models.PositiveIntegerField(
        "人口（人）",
        null=True,
        blank=True,
        help_text="ビジョンの「構成市町村の概要」に記載の人口（令和6年山形県の人口と世帯数）。",
    )
    area_km2 = models.DecimalField(
        "面積（km²）",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="国土地理院「全国都道府県市区町村別面積調」による面積。",
    )
    profile = models.TextField(
        "概要", blank=True, help_text="ビジョン記載の市町村の概要。段落は空行で区切ります。"
    )
    slogan = models.CharField("将来像・スローガン", max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField("表示順", default=0)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = "市町村"
        verbose_name_plural = "市町村"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"),
                name="municipality_code_six_digits",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def profile_paragraphs(self) -> list[str]:
        return [p for p in self.profile.split("\n\n") if p.strip()]


class Profile(models.Model):
    """Who a user is in the partnership: the secretariat, a town's officer, or a reviewer."""

    class Role(models.TextChoices):
        SECRETARIAT = "secretariat", "事務局（新庄市）"
        OFFICER = "officer", "市町村担当者"
        REVIEWER = "reviewer", "閲覧者"

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="profile", verbose_name="ユーザー"
    )
    role = models.CharField("役割", max_length=12, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officers",
        verbose_name="担当する市町村",
        help_text="市町村担当者だけが選びます。その市町村の数値だけを入力・提出できます。",
    )

    class Meta:
        verbose_name = "担当者の役割"
        verbose_name_plural = "担当者の役割"
        ordering = ["role", "municipality__sort_order", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="officer", municipality__isnull=False)
                    | (~models.Q(role="officer") & models.Q(municipality__isnull=True))
                ),
                name="profile_officer_has_municipality",
            ),
        ]

    def __str__(self):
        if self.municipality_id:
            return f"{self.user.username}（{self.municipality} {self.get_role_display()}）"
        return f"{self.user.username}（{self.get_role_display()}）"

    def clean(self):
        if self.role == self.Role.OFFICER and self.municipality_id is None:
            raise ValidationError(
                {"municipality": "市町村担当者には担当する市町村を選んでください。"}
            )
        if self.role != self.Role.OFFICER and self.municipality_id is not None:
            raise ValidationError(
                {"municipality": "事務局・閲覧者には市町村を選ばないでください。"}
            )
