"""django-import-export resource for exporting KPI actuals from the admin.

Export only (see programs/resources.py): rows come from the admin's queryset,
limited by ``returns.permissions.readable_figures``.
"""

from import_export import fields, resources, widgets

from core.japanese import fiscal_year_era
from kpis.models import KPIActual


class KPIActualResource(resources.ModelResource):
    code = fields.Field(column_name="全国地方公共団体コード")
    municipality_name = fields.Field(column_name="地方公共団体名")
    kpi_id = fields.Field(attribute="kpi_id", column_name="指標ID", widget=widgets.IntegerWidget())
    kpi_name = fields.Field(attribute="kpi__name", column_name="指標名")
    unit = fields.Field(attribute="kpi__unit", column_name="単位")
    fiscal_year = fields.Field(
        attribute="fiscal_year", column_name="年度（西暦）", widget=widgets.IntegerWidget()
    )
    fiscal_year_era = fields.Field(column_name="年度（和暦）")
    value = fields.Field(attribute="value", column_name="実績値", widget=widgets.DecimalWidget())
    status_label = fields.Field(column_name="状態")
    approved_value = fields.Field(
        attribute="approved_value", column_name="承認済みの実績値", widget=widgets.DecimalWidget()
    )
    approved_at = fields.Field(
        attribute="approved_at", column_name="承認日時", widget=widgets.DateTimeWidget()
    )
    comment = fields.Field(attribute="comment", column_name="担当者のコメント")
    return_reason = fields.Field(attribute="return_reason", column_name="差戻しの理由")
    version = fields.Field(attribute="version", column_name="版", widget=widgets.IntegerWidget())

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

    def dehydrate_fiscal_year_era(self, actual):
        return fiscal_year_era(actual.fiscal_year)

    def dehydrate_status_label(self, actual):
        return actual.get_status_display()
