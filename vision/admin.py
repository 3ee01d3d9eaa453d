from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from municipalities import permissions
from municipalities.permissions import can_read_all
from vision import services
from vision.admin_access import ReferenceAdminMixin
from vision.japanese import fiscal_year_label
from vision.models import (
    AgreementItem,
    Category,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    KeyFigure,
    PolicyField,
    PopulationFigure,
    ReportingYear,
    StatisticsSource,
    Vision,
    VisionEvent,
)
from vision.quality import ERROR, check_vision


class VisionEventInline(admin.TabularInline):
    model = VisionEvent
    extra = 0


@admin.register(Vision)
class VisionAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "date_label", "period_start", "period_end"]
    inlines = [VisionEventInline]
    filter_horizontal = ["municipalities"]

    def get_urls(self):
        return [
            path(
                "quality/",
                self.admin_site.admin_view(self.quality_view),
                name="vision_vision_quality",
            ),
            *super().get_urls(),
        ]

    def quality_view(self, request):
        if not can_read_all(request.user):
            raise PermissionDenied
        reports = []
        for vision in Vision.objects.all():
            findings = check_vision(vision)
            errors = [f for f in findings if f.severity == ERROR]
            reports.append(
                {
                    "vision": vision,
                    "findings": findings,
                    "errors": len(errors),
                    "notices": len(findings) - len(errors),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "データ品質チェック",
            "reports": reports,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/vision/quality.html", context)


@admin.register(PolicyField)
class PolicyFieldAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "section_title", "vision"]
    list_filter = ["vision"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "section_title", "policy_field"]
    list_filter = ["policy_field"]


class ItemPartyInline(admin.TabularInline):
    model = ItemParty
    extra = 0


@admin.register(AgreementItem)
class AgreementItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "category"]
    list_filter = ["category__policy_field"]
    search_fields = ["title", "section_title", "content"]
    inlines = [ItemPartyInline]


@admin.register(StatisticsSource)
class StatisticsSourceAdmin(admin.ModelAdmin):
    list_display = ["table", "vision"]


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ["label", "value", "unit", "vision"]


@admin.register(PopulationFigure)
class PopulationFigureAdmin(admin.ModelAdmin):
    list_display = [
        "year",
        "scope",
        "municipality",
        "kind",
        "population",
        "printed_change_rate",
        "printed_prefecture_share",
    ]
    list_filter = ["scope", "kind", "municipality", "year"]


@admin.register(DaytimePopulation)
class DaytimePopulationAdmin(admin.ModelAdmin):
    list_display = [
        "census_year",
        "municipality",
        "population",
        "daytime_population",
        "printed_ratio",
    ]


@admin.register(CommutingOrigin)
class CommutingOriginAdmin(admin.ModelAdmin):
    list_display = ["census_year", "origin", "printed_total", "printed_to_other_share"]


@admin.register(CommutingFlow)
class CommutingFlowAdmin(admin.ModelAdmin):
    list_display = ["census_year", "origin", "destination", "commuters", "printed_share"]
    list_filter = ["origin", "destination"]


@admin.register(HospitalPatients)
class HospitalPatientsAdmin(admin.ModelAdmin):
    list_display = ["fiscal_year", "kind", "row", "municipality", "patients", "printed_share"]
    list_filter = ["kind", "row"]


@admin.register(ReportingYear)
class ReportingYearAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """Reporting rounds: the secretariat opens a fiscal year, sets its deadline, locks it."""

    list_display = ["label", "deadline", "is_locked", "locked_at", "locked_by", "status_link"]
    list_filter = ["vision", "is_locked"]
    fields = ["vision", "fiscal_year", "deadline", "is_locked", "locked_at", "locked_by"]
    readonly_fields = ["is_locked", "locked_at", "locked_by"]
    actions = ["lock", "unlock"]

    @admin.display(description="年度", ordering="fiscal_year")
    def label(self, reporting_year):
        return fiscal_year_label(reporting_year.fiscal_year)

    @admin.display(description="提出状況")
    def status_link(self, reporting_year):
        return format_html(
            '<a href="{}">提出状況を見る</a>',
            reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk]),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "vision", "fiscal_year"]
        return self.readonly_fields

    def has_lock_permission(self, request):
        return permissions.can_manage(request.user)

    @admin.action(
        description="選択した年度を締める（担当者は変更できなくなります）", permissions=["lock"]
    )
    def lock(self, request, queryset):
        for reporting_year in queryset:
            services.lock_year(user=request.user, reporting_year=reporting_year)
        self.message_user(request, f"{queryset.count()} 年度を締めました。", messages.SUCCESS)

    @admin.action(description="選択した年度の締めを解除する", permissions=["lock"])
    def unlock(self, request, queryset):
        for reporting_year in queryset:
            services.unlock_year(user=request.user, reporting_year=reporting_year)
        self.message_user(
            request, f"{queryset.count()} 年度の締めを解除しました。", messages.SUCCESS
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/completeness/",
                self.admin_site.admin_view(self.completeness_view),
                name="vision_reportingyear_completeness",
            ),
            *super().get_urls(),
        ]

    def completeness_view(self, request, pk):
        from vision.returns import LINE_STATES, completeness, totals

        if not can_read_all(request.user):
            raise PermissionDenied
        reporting_year = self.get_object(request, str(pk))
        if reporting_year is None:
            from django.http import Http404

            raise Http404
        returns = completeness(
            vision=reporting_year.vision, reporting_year=reporting_year, user=request.user
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{fiscal_year_label(reporting_year.fiscal_year)} 提出状況",
            "reporting_year": reporting_year,
            "returns": returns,
            "totals": totals(returns),
            "states": LINE_STATES,
            "can_review": permissions.can_review(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/vision/completeness.html", context)
