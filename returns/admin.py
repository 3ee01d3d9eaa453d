"""The figures in the admin: cost shares, KPI actuals and the towns' 取組状況.

``FigureAdmin``: officers see their own town's figures (and history) read-only;
they enter figures on the annual return. The secretariat changes figures here
through ``returns.services.save_figure`` (version check, reason for a locked year,
status rules, history) and approves submitted figures with an action. Export
(django-import-export) exports exactly the rows of the user's queryset, as .xlsx
through ``TextXLSX``: typed text stays text (a comment "=1+1" is never a
formula), a number the resource gives stays a number.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_field
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.text import Truncator
from import_export import fields
from import_export.admin import ExportMixin
from import_export.formats.base_formats import XLSX
from simple_history.admin import SimpleHistoryAdmin

from core.forms import JapaneseNumberField
from core.resources import ReportedFigureResource
from core.xlsx_export import dataset_to_xlsx
from evaluations.models import TownActivity
from kpis.models import KPIActual
from kpis.resources import KPIActualResource
from municipalities import roles
from municipalities.admin_access import SafeHistoryMixin, UserNamesMixin
from programs.models import CostShare
from programs.resources import CostShareResource
from returns import history, permissions, services

SHOWN_VERSION = "shown-version-"


class FigureAdminForm(forms.ModelForm):
    user = None  # set per request by FigureAdmin.get_form

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        label="変更の理由",
        required=False,
        max_length=100,
        help_text="履歴に残ります。締め済みの年度の値を変えるときは必須です。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            current = type(self.instance).objects.get(pk=self.instance.pk)
            expected = cleaned.get("expected_version")
            if expected is not None and expected != current.version:
                raise ValidationError(services.conflict_message(current))
            # The same rule save_figure enforces, asked here so the secretariat gets a
            # message on the form instead of an error page.
            reporting_year = services.reporting_year_of(current)
            reason = (cleaned.get("change_reason") or "").strip()
            if permissions.needs_change_reason(self.user, reporting_year) and not reason:
                self.add_error(
                    "change_reason",
                    "締め済みの年度の値を変えるときは、変更の理由を入力してください。",
                )
        return cleaned


class TextXLSX(XLSX):
    """django-import-export's .xlsx, written by ``core.xlsx_export``: text stays text."""

    def export_data(self, dataset, **kwargs):
        return dataset_to_xlsx(dataset)


class FigureAdmin(UserNamesMixin, SafeHistoryMixin, ExportMixin, SimpleHistoryAdmin):
    form = FigureAdminForm
    user_fields = ["approved_by", "updated_by"]
    # The history in Japanese and Japan time, the same table as the annual return's page.
    object_history_template = "admin/returns/figure_history.html"
    value_field = "value"
    identity_fields: list[str] = []
    workflow_fields = [
        "status",
        "approved_at",
        "approved_by",
        "submitted_at",
        "return_reason",
        "updated_by",
        "updated_at",
        "version",
    ]
    actions = ["approve_selected"]
    formats = [TextXLSX]
    skip_export_form = True
    list_per_page = 100

    # --- who sees what -------------------------------------------------------
    def get_queryset(self, request):
        return permissions.readable_figures(request.user, super().get_queryset(request))

    def has_module_permission(self, request):
        return roles.has_role(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return roles.has_role(request.user)
        return permissions.can_read_figure(request.user, obj)

    def has_add_permission(self, request):
        return permissions.can_change_figure_in_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_change_figure_in_admin(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_delete_figure(request.user, obj)

    def has_export_permission(self, request):
        return roles.can_export(request.user)

    def has_review_permission(self, request):
        return roles.can_review(request.user)

    def get_data_for_export(self, request, queryset, **kwargs):
        # Values in their own type (numbers as numbers): import-export asks for that only
        # for its own binary formats (``type(format) in BINARY_FORMATS``), not a subclass.
        kwargs["force_native_type"] = True
        return super().get_data_for_export(request, queryset, **kwargs)

    # --- the form ------------------------------------------------------------
    def get_readonly_fields(self, request, obj=None):
        readonly = [*self.workflow_fields, self.approved_field]
        if obj is not None:
            readonly += self.identity_fields
        return self.with_user_names(request, readonly)

    def get_fieldsets(self, request, obj=None):
        main = [*self.identity_fields, self.value_field, "comment"]
        fieldsets = [
            (None, {"fields": main}),
            ("承認の状況", {"fields": [self.approved_field, *self.workflow_fields]}),
        ]
        if self.has_change_permission(request, obj):
            fieldsets.append(("変更の記録", {"fields": ["change_reason", "expected_version"]}))
        return self.fieldsets_with_user_names(request, fieldsets)

    # --- the history -----------------------------------------------------------
    def history_view_title(self, request, obj):
        return f"変更履歴：{obj}"

    def render_history_view(self, request, template, context, **kwargs):
        if "page_obj" in context and template == self.object_history_template:
            context["entries"] = history.entries(context["page_obj"].object_list)
        return super().render_history_view(request, template, context, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == self.value_field and not isinstance(db_field, models.TextField):
            return JapaneseNumberField(
                integer=self.value_field == "amount_kyen",
                label=db_field.verbose_name,
                help_text=db_field.help_text
                or "全角数字・カンマ・△（マイナス）も使えます。空欄は未入力です（0 とは違います）。",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a fresh class for this request
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        services.save_figure(
            user=request.user,
            figure=obj,
            expected_version=form.cleaned_data.get("expected_version") if change else None,
            reason=form.cleaned_data.get("change_reason", ""),
        )

    # --- actions ------------------------------------------------------------
    @admin.action(description="選択した提出済みの値を承認する", permissions=["review"])
    def approve_selected(self, request, queryset):
        # Only the figures the list showed, at the version it showed (``shown_value``
        # writes it beside each value): "select all N" across pages, or a figure
        # resubmitted after the list was loaded, is never approved unseen.
        shown, unseen = [], 0
        for figure in queryset:
            version = request.POST.get(f"{SHOWN_VERSION}{figure.pk}", "")
            if version.isdigit():
                figure.version = int(version)
                shown.append(figure)
            else:
                unseen += 1
        approved, not_submitted, changed = services.approve_figures(
            user=request.user, figures=shown, request=request
        )
        self.message_user(request, f"{approved} 件を承認しました。", messages.SUCCESS)
        if not_submitted:
            self.message_user(
                request,
                f"{not_submitted} 件は提出済みでないため承認しませんでした。",
                messages.WARNING,
            )
        if changed or unseen:
            self.message_user(
                request,
                f"{changed + unseen} 件は一覧に表示した後に変わったか、一覧に表示していない値のため"
                "承認しませんでした。一覧を開き直して確かめてください。",
                messages.WARNING,
            )

    def get_list_display(self, request):
        """The value column carries the version the list showed (read by ``approve_selected``)."""
        field = self.model._meta.get_field(self.value_field)
        empty = self.get_empty_value_display()

        @admin.display(description=field.verbose_name, ordering=self.value_field)
        def shown_value(obj):
            value = getattr(obj, self.value_field)
            if isinstance(value, str):
                value = Truncator(value).chars(40)  # a 取組状況: its beginning in the list
            return format_html(
                '{}<input type="hidden" name="{}{}" value="{}">',
                display_for_field(value, field, empty),
                SHOWN_VERSION,
                obj.pk,
                obj.version,
            )

        return [
            shown_value if name == self.value_field else name
            for name in super().get_list_display(request)
        ]


@admin.register(CostShare)
class CostShareAdmin(FigureAdmin):
    resource_classes = [CostShareResource]
    value_field = "amount_kyen"
    approved_field = "approved_amount_kyen"
    identity_fields = ["program", "municipality", "fiscal_year", "kind"]
    list_display = [
        "program",
        "municipality",
        "fiscal_year",
        "kind",
        "amount_kyen",
        "status",
        "approved_amount_kyen",
    ]
    list_filter = ["kind", "fiscal_year", "status", "municipality"]
    search_fields = ["program__name"]
    list_select_related = ["program", "municipality"]


@admin.register(KPIActual)
class KPIActualAdmin(FigureAdmin):
    resource_classes = [KPIActualResource]
    value_field = "value"
    approved_field = "approved_value"
    identity_fields = ["kpi", "fiscal_year", "municipality"]
    list_display = ["kpi", "fiscal_year", "municipality", "value", "status", "approved_value"]
    list_filter = ["status", "fiscal_year", "municipality"]
    search_fields = ["kpi__name", "kpi__program__name"]
    list_select_related = ["kpi__program", "municipality"]


class TownActivityResource(ReportedFigureResource):
    """The export of 取組状況 (as ``CostShareResource``; kept here, beside its only user)."""

    code = fields.Field(attribute="municipality__code", column_name="全国地方公共団体コード")
    municipality_name = fields.Field(attribute="municipality__name", column_name="地方公共団体名")
    program_id = fields.Field(attribute="program_id", column_name="事業ID")
    program_name = fields.Field(attribute="program__name", column_name="事業名")
    text = fields.Field(attribute="text", column_name="取組状況")
    approved_text = fields.Field(attribute="approved_text", column_name="承認済みの取組状況")

    class Meta:
        model = TownActivity
        fields = (
            "code",
            "municipality_name",
            "program_id",
            "program_name",
            "fiscal_year",
            "fiscal_year_era",
            "text",
            "status_label",
            "approved_text",
            "approved_at",
            "comment",
            "return_reason",
            "version",
        )
        export_order = fields


@admin.register(TownActivity)
class TownActivityAdmin(FigureAdmin):
    """取組状況: officers write them on the annual return; here as the other figures."""

    resource_classes = [TownActivityResource]
    value_field = "text"
    approved_field = "approved_text"
    identity_fields = ["program", "municipality", "fiscal_year"]
    list_display = ["program", "municipality", "fiscal_year", "text", "status"]
    list_filter = ["fiscal_year", "status", "municipality"]
    search_fields = ["program__name"]
    list_select_related = ["program", "municipality"]
