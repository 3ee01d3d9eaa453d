"""The public KPI list: every KPI with its latest approved actual, rate and grade."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django_tables2 import RequestConfig
from django_tables2.export import TableExport

from core.formats import local_name
from core.xlsx_export import dataset_to_xlsx
from kpis.models import KPI
from kpis.selectors import attach_progress, grade_levels, public_kpis
from public.tables import KPITable
from public.views import bucket_of, result_buckets
from vision.models import PolicyField, Vision
from vision.selectors import current_vision

# Downloads: one row per KPI, plain numbers, fiscal years western and Japanese.
EXPORT_SEQUENCE = (
    "field",
    "item",
    "program",
    "name",
    "unit",
    "baseline",
    "baseline_year",
    "latest",
    "latest_year",
    "latest_year_ja",
    "target",
    "target_year",
    "rate",
    "grade",
    "approved_at",
    "source",
)


class BOMTableExport(TableExport):
    """CSV in UTF-8 with a BOM, so that Excel opens the Japanese text correctly; .xlsx
    through ``core.xlsx_export``, so that a name typed as "=1+1" stays text."""

    def export(self):
        if self.format == self.XLSX:
            return dataset_to_xlsx(self.dataset)
        data = super().export()
        if self.format == self.CSV:
            return "\ufeff" + data
        return data


class KPIFilterForm(forms.Form):
    field = forms.TypedChoiceField(
        label=gettext_lazy("政策分野"), required=False, coerce=int, empty_value=None
    )
    town = forms.ChoiceField(label=gettext_lazy("市町村（参加する事業）"), required=False)
    grade = forms.ChoiceField(label=gettext_lazy("評価"), required=False)

    def __init__(self, *args, vision: Vision, levels, towns, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("すべて"))]
        self.fields["field"].choices = everything + [
            (f.pk, f"{f.number}. {local_name(f)}")
            for f in PolicyField.objects.filter(vision=vision).order_by("number")
        ]
        self.fields["town"].choices = everything + [(m.code, local_name(m)) for m in towns]
        self.fields["grade"].choices = everything + [
            (b["key"], b["label"]) for b in result_buckets(levels)
        ]


class KPIListView(TemplateView):
    template_name = "kpis/list.html"
    export_formats = (TableExport.CSV, TableExport.XLSX)

    def get(self, request, *args, **kwargs):
        self.vision = current_vision()
        self.levels = grade_levels()
        self.towns = list(self.vision.municipalities.order_by("sort_order"))
        self.form = KPIFilterForm(
            request.GET or None, vision=self.vision, levels=self.levels, towns=self.towns
        )
        export_format = request.GET.get("_export")
        if export_format in self.export_formats:
            exporter = BOMTableExport(
                export_format,
                self.build_table(sequence=EXPORT_SEQUENCE),
                dataset_kwargs={"title": str(_("成果指標"))},
            )
            return exporter.response(filename=f"kpis.{export_format}")
        self.table = self.build_table()
        return super().get(request, *args, **kwargs)

    def filtered_kpis(self) -> list:
        queryset = KPI.objects.filter(program__item__category__policy_field__vision=self.vision)
        filters = self.form.cleaned_data if self.form.is_valid() else {}
        if filters.get("field"):
            queryset = queryset.filter(program__item__category__policy_field_id=filters["field"])
        if filters.get("town"):
            queryset = queryset.filter(program__participants__code=filters["town"]).distinct()
        kpis = attach_progress(
            public_kpis(queryset), self.levels, towns={m.pk: m for m in self.towns}
        )
        if filters.get("grade"):
            kpis = [k for k in kpis if bucket_of(k) == filters["grade"]]
        return kpis

    def build_table(self, **kwargs) -> KPITable:
        table = KPITable(self.filtered_kpis(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("_export", None)
        context.update(
            {
                "vision": self.vision,
                "table": self.table,
                "form": self.form,
                "levels": self.levels,
                "filtered": any(self.request.GET.get(k) for k in ("field", "town", "grade")),
                "export_links": [(fmt, _export_query(query, fmt)) for fmt in self.export_formats],
            }
        )
        return context


def _export_query(query, export_format: str) -> str:
    q = query.copy()
    q["_export"] = export_format
    return "?" + q.urlencode()


kpi_list = KPIListView.as_view()
