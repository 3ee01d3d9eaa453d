from django.contrib import admin

from municipalities.admin_access import ReferenceAdminMixin, ReferenceInlineMixin
from programs.models import Program, ScheduleTask, StatedTotal, SubsidyScheme


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
    shown_to_officers = True  # the programs their shares are for
    list_display = ["name", "item", "number", "participants_undecided", "kpi_policy"]
    list_filter = ["item__category__policy_field", "participants_undecided", "kpi_policy"]
    search_fields = ["name", "content"]
    filter_horizontal = ["participants"]
    inlines = [ScheduleTaskInline, SubsidySchemeInline, StatedTotalInline]
