"""The export columns every reported figure shares (django-import-export).

``programs.resources.CostShareResource`` and ``kpis.resources.KPIActualResource`` add
their own columns and name the order in their ``Meta``.
"""

from import_export import fields, resources, widgets

from core.japanese import fiscal_year_era


class ReportedFigureResource(resources.ModelResource):
    fiscal_year = fields.Field(
        attribute="fiscal_year", column_name="年度（西暦）", widget=widgets.IntegerWidget()
    )
    fiscal_year_era = fields.Field(column_name="年度（和暦）")
    status_label = fields.Field(column_name="状態")
    approved_at = fields.Field(
        attribute="approved_at", column_name="承認日時", widget=widgets.DateTimeWidget()
    )
    comment = fields.Field(attribute="comment", column_name="担当者のコメント")
    return_reason = fields.Field(attribute="return_reason", column_name="差戻しの理由")
    version = fields.Field(attribute="version", column_name="版", widget=widgets.IntegerWidget())

    def dehydrate_fiscal_year_era(self, figure):
        return fiscal_year_era(figure.fiscal_year)

    def dehydrate_status_label(self, figure):
        return figure.get_status_display()
