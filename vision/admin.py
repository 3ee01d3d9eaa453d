from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from municipalities.admin_access import ReferenceAdminMixin, ReferenceInlineMixin
from municipalities.roles import can_read_all
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
    StatisticsSource,
    Vision,
    VisionEvent,
)
from vision.quality import ERROR, check_vision


class VisionEventInline(ReferenceInlineMixin, admin.TabularInline):
    model = VisionEvent
    extra = 0


@admin.register(Vision)
class VisionAdmin(ReferenceAdminMixin, admin.ModelAdmin):
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
class PolicyFieldAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "section_title", "vision"]
    list_filter = ["vision"]


@admin.register(Category)
class CategoryAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "title", "section_title", "policy_field"]
    list_filter = ["policy_field"]


class ItemPartyInline(ReferenceInlineMixin, admin.TabularInline):
    model = ItemParty
    extra = 0


@admin.register(AgreementItem)
class AgreementItemAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "category"]
    list_filter = ["category__policy_field"]
    search_fields = ["title", "section_title", "content"]
    inlines = [ItemPartyInline]


@admin.register(StatisticsSource)
class StatisticsSourceAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["table", "vision"]


@admin.register(KeyFigure)
class KeyFigureAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["label", "value", "unit", "vision"]


@admin.register(PopulationFigure)
class PopulationFigureAdmin(ReferenceAdminMixin, admin.ModelAdmin):
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
    list_select_related = ["municipality"]


@admin.register(DaytimePopulation)
class DaytimePopulationAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = [
        "census_year",
        "municipality",
        "population",
        "daytime_population",
        "printed_ratio",
    ]
    list_select_related = ["municipality"]


@admin.register(CommutingOrigin)
class CommutingOriginAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["census_year", "origin", "printed_total", "printed_to_other_share"]
    list_select_related = ["origin"]


@admin.register(CommutingFlow)
class CommutingFlowAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["census_year", "origin", "destination", "commuters", "printed_share"]
    list_filter = ["origin", "destination"]
    list_select_related = ["origin", "destination"]


@admin.register(HospitalPatients)
class HospitalPatientsAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["fiscal_year", "kind", "row", "municipality", "patients", "printed_share"]
    list_filter = ["kind", "row"]
    list_select_related = ["municipality"]
