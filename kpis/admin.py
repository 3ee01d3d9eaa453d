from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kpis.models import KPI, KPIActual


@admin.register(KPI)
class KPIAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "program",
        "unit",
        "baseline",
        "target",
        "direction",
        "reporter",
        "is_sum_of_municipalities",
    ]
    list_filter = ["direction", "is_sum_of_municipalities", "to_be_set_later", "reporter"]
    search_fields = ["name", "program__name", "note"]


@admin.register(KPIActual)
class KPIActualAdmin(SimpleHistoryAdmin):
    list_display = ["kpi", "fiscal_year", "municipality", "value", "status", "approved_value"]
    list_filter = ["status", "fiscal_year", "municipality"]
    readonly_fields = ["approved_value", "approved_at", "approved_by", "submitted_at", "updated_by"]
