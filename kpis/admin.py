from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kpis.models import KPI, GradeLevel, Indicator
from municipalities.admin_access import ReferenceAdminMixin, SafeHistoryMixin


@admin.register(KPI)
class KPIAdmin(ReferenceAdminMixin, SafeHistoryMixin, SimpleHistoryAdmin):
    shown_to_officers = True  # the KPIs they report: unit, baseline, target, source
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
    list_filter = [
        "direction",
        "is_sum_of_municipalities",
        "to_be_set_later",
        "reporter",
        "indicator",
    ]
    search_fields = ["name", "program__name", "note"]
    list_select_related = ["program", "reporter"]
    autocomplete_fields = ["indicator"]

    # A target changes only through a plan revision (ビジョンの変更), which keeps the
    # old target for the years it applied to; editing it here would rewrite history.
    revised_fields = ["target", "target_year", "direction", "target_effective_from"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.revised_fields if f not in fields]
        return fields


@admin.register(GradeLevel)
class GradeLevelAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["order", "code", "symbol", "label", "label_en", "min_percent", "needs_analysis"]
    list_display_links = ["code"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "order",
                    "code",
                    "symbol",
                    "label",
                    "label_en",
                    "min_percent",
                    "needs_analysis",
                ],
                "description": "進捗（達成率÷その年度に期待される達成率×100）が下限以上の最初の区分が評価になります。"
                "最後の区分は下限を空欄にします。変更はすぐに公開ページ（進捗の評価方法を含む）に反映されます。",
            },
        )
    ]


@admin.register(Indicator)
class IndicatorAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """The shared indicator catalogue: every area's staff read it (to pick a code for a
    KPI); only the platform administrator (a superuser) changes it, since a change of a
    definition changes what every area's figures are compared against."""

    list_display = ["code", "name", "unit", "sort_order"]
    list_display_links = ["code", "name"]
    search_fields = ["code", "name", "name_en", "definition"]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
