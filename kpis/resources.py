"""django-import-export resource for exporting KPI actuals from the admin.

Export only (see programs/resources.py): rows come from the admin's queryset,
limited by ``returns.permissions.readable_figures``.
"""

from import_export import fields, widgets

from core.resources import ReportedFigureResource
from kpis.models import KPIActual


class KPIActualResource(ReportedFigureResource):
    code = fields.Field(column_name="全国地方公共団体コード")
    municipality_name = fields.Field(column_name="地方公共団体名")
    kpi_id = fields.Field(attribute="kpi_id", column_name="指標ID", widget=widgets.IntegerWidget())
    kpi_name = fields.Field(attribute="kpi__name", column_name="指標名")
    unit = fields.Field(attribute="kpi__unit", column_name="単位")
    value = fields.Field(attribute="value", column_name="実績値", widget=widgets.DecimalWidget())
    approved_value = fields.Field(
        attribute="approved_value", column_name="承認済みの実績値", widget=widgets.DecimalWidget()
    )

    class Meta:
        model = KPIActual
        fields = (
            "code",
            "municipality_name",
            "kpi_id",
            "kpi_name",
            "unit",
            "fiscal_year",
            "fiscal_year_era",
            "value",
            "status_label",
            "approved_value",
            "approved_at",
            "comment",
            "return_reason",
            "version",
        )
        export_order = fields

    def dehydrate_code(self, actual):
        return actual.municipality.code if actual.municipality_id else ""

    def dehydrate_municipality_name(self, actual):
        return actual.municipality.name if actual.municipality_id else "圏域"
