from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kpis.models import KPI, GradeLevel, KPIActual
from kpis.resources import KPIActualResource
from vision.admin_access import FigureAdmin, ReferenceAdminMixin, SafeHistoryMixin


@admin.register(KPI)
class KPIAdmin(ReferenceAdminMixin, SafeHistoryMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "program",
        "unit",
        "baseline",
        "target",
        "direction",
        "reporter",
        "is_sum_of_municipalities",
        "plausible_change_percent",
    ]
    list_filter = ["direction", "is_sum_of_municipalities", "to_be_set_later", "reporter"]
    search_fields = ["name", "program__name", "note"]


@admin.register(GradeLevel)
class GradeLevelAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "symbol", "label", "min_percent"]


@admin.register(KPIActual)
class KPIActualAdmin(FigureAdmin):
    resource_classes = [KPIActualResource]
    value_field = "value"
    approved_field = "approved_value"
    identity_fields = ["kpi", "fiscal_year", "municipality"]
    list_display = ["kpi", "fiscal_year", "municipality", "value", "status", "approved_value"]
    list_filter = ["status", "fiscal_year", "municipality"]
    search_fields = ["kpi__name", "kpi__program__name"]
    list_select_related = ["kpi", "municipality"]
