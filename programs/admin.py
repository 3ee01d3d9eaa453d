from django.contrib import admin

from programs.models import CostShare, Program, ScheduleTask, StatedTotal, SubsidyScheme
from programs.resources import CostShareResource
from vision.admin_access import FigureAdmin, ReferenceAdminMixin, ReferenceInlineMixin


class ScheduleTaskInline(ReferenceInlineMixin, admin.TabularInline):
    model = ScheduleTask
    extra = 0


class SubsidySchemeInline(ReferenceInlineMixin, admin.TabularInline):
    model = SubsidyScheme
    extra = 0


class StatedTotalInline(ReferenceInlineMixin, admin.TabularInline):
    model = StatedTotal
    extra = 0


@admin.register(Program)
class ProgramAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "item", "number", "participants_undecided", "kpi_policy"]
    list_filter = ["item__category__policy_field", "participants_undecided", "kpi_policy"]
    search_fields = ["name", "content"]
    filter_horizontal = ["participants"]
    inlines = [ScheduleTaskInline, SubsidySchemeInline, StatedTotalInline]


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
