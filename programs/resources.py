"""django-import-export resource for exporting cost shares from the admin.

Export only: the rows are whatever the admin's queryset holds, which
``returns.permissions.readable_figures`` has limited to the user. Figures
are imported through the annual return's preview (returns.imports), which keeps
the workflow's checks (permissions, versions, locked years, plausibility).
"""

from import_export import fields, widgets

from core.resources import ReportedFigureResource
from programs.models import CostShare


class CostShareResource(ReportedFigureResource):
    code = fields.Field(attribute="municipality__code", column_name="全国地方公共団体コード")
    municipality_name = fields.Field(attribute="municipality__name", column_name="地方公共団体名")
    program_id = fields.Field(
        attribute="program_id", column_name="事業ID", widget=widgets.IntegerWidget()
    )
    program_name = fields.Field(attribute="program__name", column_name="事業名")
    kind_label = fields.Field(column_name="区分")
    amount = fields.Field(
        attribute="amount_kyen", column_name="負担額（千円）", widget=widgets.IntegerWidget()
    )
    approved_amount = fields.Field(
        attribute="approved_amount_kyen",
        column_name="承認済みの負担額（千円）",
        widget=widgets.IntegerWidget(),
    )

    class Meta:
        model = CostShare
        fields = (
            "code",
            "municipality_name",
            "program_id",
            "program_name",
            "fiscal_year",
            "fiscal_year_era",
            "kind_label",
            "amount",
            "status_label",
            "approved_amount",
            "approved_at",
            "comment",
            "return_reason",
            "version",
        )
        export_order = fields

    def dehydrate_kind_label(self, share):
        return share.get_kind_display()
