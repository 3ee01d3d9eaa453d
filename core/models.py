"""Abstract bases shared by the domain apps (core has no tables of its own).

``ReportedFigure``: the workflow fields of every figure an officer reports (cost
shares in programs, KPI actuals in kpis): draft → submitted → returned/approved,
with the approved value kept apart from the working value.
"""

from django.conf import settings
from django.db import models


class FigureStatus(models.TextChoices):
    DRAFT = "draft", "下書き"
    SUBMITTED = "submitted", "提出済み"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "承認済み"


class ReportedFigure(models.Model):
    """Abstract base: a figure that goes draft → submitted → returned/approved.

    ``value`` is the working value; ``approved_value`` is what the public sees.
    A change after approval leaves ``approved_value`` in place until the new
    value is approved.
    """

    status = models.CharField(
        "状態", max_length=10, choices=FigureStatus.choices, default=FigureStatus.DRAFT
    )
    comment = models.TextField(
        "担当者のコメント", blank=True, help_text="値について事務局に伝えたいこと。"
    )
    return_reason = models.TextField("差戻しの理由", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最終更新者",
    )
    updated_at = models.DateTimeField("最終更新日時", auto_now=True)
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
    version = models.PositiveIntegerField(
        "版",
        default=1,
        editable=False,
        help_text="保存のたびに1増えます。同時に保存したときの上書きを防ぎます。",
    )

    # The concrete model names its working and approved value fields.
    value_field: str = "value"
    approved_field: str = "approved_value"

    class Meta:
        abstract = True

    @property
    def working_value(self):
        """The value being entered (may differ from what the public sees)."""
        return getattr(self, self.value_field)

    @working_value.setter
    def working_value(self, value):
        setattr(self, self.value_field, value)

    @property
    def public_value(self):
        """The approved value: the only one the public ever sees."""
        return getattr(self, self.approved_field)

    @public_value.setter
    def public_value(self, value):
        setattr(self, self.approved_field, value)

    @property
    def has_pending_change(self) -> bool:
        """Approved once, and changed since: the old approved value stays public."""
        return self.approved_at is not None and self.status != FigureStatus.APPROVED
