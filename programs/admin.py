from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from programs.models import CostShare, Program, ScheduleTask, StatedTotal, SubsidyScheme


class ScheduleTaskInline(admin.TabularInline):
    model = ScheduleTask
    extra = 0


class SubsidySchemeInline(admin.TabularInline):
    model = SubsidyScheme
    extra = 0


class StatedTotalInline(admin.TabularInline):
    model = StatedTotal
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "item", "number", "participants_undecided", "kpi_policy"]
    list_filter = ["item__category__policy_field", "participants_undecided", "kpi_policy"]
    search_fields = ["name", "content"]
    filter_horizontal = ["participants"]
    inlines = [ScheduleTaskInline, SubsidySchemeInline, StatedTotalInline]


@admin.register(CostShare)
class CostShareAdmin(SimpleHistoryAdmin):
    list_display = ["program", "municipality", "fiscal_year", "kind", "amount_kyen", "status"]
    list_filter = ["kind", "fiscal_year", "status", "municipality"]
    search_fields = ["program__name"]
    readonly_fields = [
        "approved_amount_kyen",
        "approved_at",
        "approved_by",
        "submitted_at",
        "updated_by",
    ]
