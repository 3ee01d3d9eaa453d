"""The public KPI list (django-tables2): sortable, filterable, exportable as CSV and .xlsx.

Rows are KPIs fetched with ``kpis.selectors.public_kpis`` and judged with
``attach_progress``: every figure is an approved one. On the page the numbers are
formatted (1,358 / 30.3%); in the downloads they are plain numbers, a blank stays blank
(never 0), and the fiscal year is given both western (2025) and Japanese (令和7年度).
"""

import html

import django_tables2 as tables
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.formats import (
    fy_short,
    is_english,
    iso_date,
    local_name,
    name_lang,
    num,
    unit,
    with_unit,
    ymd,
)
from core.japanese import fiscal_year_era, json_number
from kpis.progress import round1
from public.kpi_status import status_text

_SENTINEL = "987654321"


def program_url_maker():
    """A function giving a program page's address for a primary key, after one ``reverse()``.

    The address is reversed once with a stand-in number; each program's address puts its
    primary key (an ``<int:pk>``, written as ``str(pk)``) where that number was. The
    script prefix and language are the ones of the moment of the call, as ``reverse()``
    would use. Where the stand-in cannot be found exactly once, every call reverses.
    """
    url = reverse("public:programs:detail", args=[int(_SENTINEL)])
    if url.count(_SENTINEL) != 1:
        return lambda pk: reverse("public:programs:detail", args=[pk])
    head, _sep, tail = url.partition(_SENTINEL)
    return lambda pk: f"{head}{int(pk)}{tail}"


def _latest(kpi):
    return kpi.progress.latest


def _e(value) -> str:
    """Escaped text, as django.utils.html.conditional_escape gives it (safe HTML kept), but
    without its lazy-string wrapper: the table escapes a few hundred values per page."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _safe(text: str) -> SafeString:
    return mark_safe(text)  # noqa: S308 - callers escape every value with _e


class KPITable(tables.Table):
    field = tables.Column(
        verbose_name=_("政策分野"),
        accessor="program__item__category__policy_field__number",
        attrs={"td": {"class": "col-field"}},
    )
    item = tables.Column(
        verbose_name=_("取組項目"), accessor="program__item__number", visible=False
    )
    program = tables.Column(
        verbose_name=_("連携事業"),
        accessor="program__name",
        order_by=("program__item__number", "program__number"),
        attrs={"td": {"class": "col-name"}},
    )
    name = tables.Column(
        verbose_name=pgettext_lazy("column", "成果指標"),
        accessor="name",
        order_by=("program__item__number", "order"),
    )
    unit = tables.Column(verbose_name=_("単位"), accessor="unit", orderable=False, visible=False)
    baseline = tables.Column(
        empty_values=(),
        verbose_name=_("現状値"),
        accessor="baseline",
        attrs={"td": {"class": "num"}},
    )
    baseline_year = tables.Column(
        verbose_name=_("現状値の年度"), accessor="baseline_year", visible=False
    )
    latest = tables.Column(
        empty_values=(),
        verbose_name=_("最新の実績"),
        accessor="progress__latest__actual",
        attrs={"td": {"class": "num"}},
    )
    latest_year = tables.Column(
        verbose_name=_("実績の年度"), accessor="progress__latest__fiscal_year", visible=False
    )
    latest_year_ja = tables.Column(
        empty_values=(),
        verbose_name=_("実績の年度（和暦）"),
        accessor="progress__latest__fiscal_year",
        visible=False,
        orderable=False,
    )
    target = tables.Column(
        empty_values=(), verbose_name=_("目標値"), accessor="target", attrs={"td": {"class": "num"}}
    )
    target_year = tables.Column(
        verbose_name=_("目標値の年度"), accessor="target_year", visible=False
    )
    rate = tables.Column(
        empty_values=(),
        verbose_name=_("達成率"),
        accessor="progress__latest__rate",
        attrs={"td": {"class": "num"}},
    )
    grade = tables.Column(
        empty_values=(),
        verbose_name=_("評価"),
        accessor="progress__grade_order",
        attrs={"td": {"class": "nowrap"}},
    )
    approved_at = tables.Column(
        empty_values=(), verbose_name=_("承認日"), accessor="progress__latest__approved_at"
    )
    source = tables.Column(verbose_name=_("出典"), accessor="source", visible=False)

    class Meta:
        template_name = "kpis/_table.html"
        orderable = True
        empty_text = _("条件に合う成果指標はありません。")
        attrs = {"class": "data-table kpi-table"}
        sequence = (
            "name",
            "program",
            "field",
            "baseline",
            "latest",
            "target",
            "rate",
            "grade",
            "approved_at",
            "...",
        )

    # --- HTML -------------------------------------------------------------------------

    def html_rows(self) -> list[str]:
        """The body rows, each an HTML ``<tr>``, built from the ``render_*`` methods below.

        The same cells django-tables2 renders, without its per-cell machinery (an
        accessor lookup and a signature inspection for every cell, then a template
        node per cell), which took most of the page's time. The KPI name is the row
        header (``<th scope="row">``) for screen readers.
        """
        columns = []
        for column in self.columns:
            render = getattr(self, f"render_{column.name}", None)
            if render is None:  # a column without its own render_* method: the library's cell
                render = column.name
            tag = "th" if column.name == "name" else "td"
            opening = '<th scope="row">' if tag == "th" else f"<td {column.attrs['td'].as_html()}>"
            columns.append((opening, f"</{tag}>", render))
        rows = []
        for row in self.paginated_rows:
            cells = [
                opening
                + _e(row.get_cell(render) if isinstance(render, str) else render(record=row.record))
                + closing
                for opening, closing, render in columns
            ]
            rows.append(_safe("<tr>" + "".join(cells) + "</tr>"))
        return rows

    def render_field(self, record):
        field = record.program.item.category.policy_field
        return f"{field.number}. {local_name(field)}"

    def program_url(self, program_id: int) -> str:
        """The program page's address: ``reverse()`` once per table, not once per program."""
        make = self.__dict__.get("_program_url")
        if make is None:
            make = self.__dict__["_program_url"] = program_url_maker()
        return make(program_id)

    def render_program(self, record):
        url = self.program_url(record.program_id)
        return _safe(f'<a href="{_e(url)}">{_e(local_name(record.program))}</a>')

    def render_name(self, record):
        url = self.program_url(record.program_id) + f"#kpi-{record.pk}"
        return _safe(f'<a href="{_e(url)}">{_e(local_name(record))}</a>')

    def render_unit(self, record):
        return unit(record.unit) or "—"

    def render_baseline(self, record):
        return self._value_with_year(record.baseline, record.unit, record.baseline_year)

    def render_latest(self, record):
        latest = _latest(record)
        if latest is None:
            return "−"
        return self._value_with_year(latest.actual, record.unit, latest.fiscal_year)

    def render_target(self, record):
        return self._value_with_year(record.target, record.unit, record.target_year)

    def render_rate(self, record):
        latest = _latest(record)
        if latest is None or latest.rate is None:
            return "−"
        return f"{num(round1(latest.rate))}%"

    def render_grade(self, record):
        grade = record.progress.grade
        if grade is None:
            return _safe(
                f'<span class="status">{_e(status_text(record.progress.status, record.progress))}</span>'
            )
        return _safe(
            f'<span class="grade grade--{_e(grade.code.lower())}">'
            f'<span class="grade__symbol" aria-hidden="true">{_e(grade.symbol)}</span>'
            f'<span class="visually-hidden">{_e(grade.code)}</span> {_e(local_name(grade))}</span>'
        )

    def render_approved_at(self, record):
        latest = _latest(record)
        return ymd(latest.approved_at) if latest and latest.approved_at else "−"

    @staticmethod
    def _value_with_year(value, unit_text, year):
        if value is None:
            return "−"
        return _safe(
            f'{_e(with_unit(value, unit_text))}<span class="cell-note">{_e(fy_short(year))}</span>'
        )

    # --- downloads --------------------------------------------------------------------

    def value_field(self, record):
        return local_name(record.program.item.category.policy_field)

    def value_program(self, record):
        return local_name(record.program)

    def value_name(self, record):
        return local_name(record)

    def value_unit(self, record):
        return record.unit

    def value_baseline(self, record):
        return json_number(record.baseline)

    def value_latest(self, record):
        latest = _latest(record)
        return json_number(latest.actual) if latest else None

    def value_latest_year_ja(self, record):
        latest = _latest(record)
        return fiscal_year_era(latest.fiscal_year) if latest else None

    def value_target(self, record):
        return json_number(record.target)

    def value_rate(self, record):
        latest = _latest(record)
        return json_number(round1(latest.rate)) if latest and latest.rate is not None else None

    def value_grade(self, record):
        grade = record.progress.grade
        if grade is None:
            return status_text(record.progress.status, record.progress)
        return f"{grade.symbol} {local_name(grade)}"

    def value_approved_at(self, record):
        return iso_date(_latest(record).approved_at) if _latest(record) else None


class EvaluationYearTable(tables.Table):
    """The year page's table (年度の評価): one row per program (``YearRow`` of
    ``public.evaluation_views``) with its approved 評価 and 今後の方向性; 未評価 when the
    program's evaluation of the year is not approved. Sortable; downloads as the KPI list's.
    Names shown in Japanese on an English page (no English name given) are marked lang="ja".
    """

    field = tables.Column(
        empty_values=(),
        verbose_name=_("政策分野"),
        accessor="field_order",
        order_by=("field_order", "program_order"),
        attrs={"td": {"class": "col-field"}},
    )
    item = tables.Column(
        empty_values=(), verbose_name=_("取組項目"), accessor="program__item__number", visible=False
    )
    program_id = tables.Column(
        empty_values=(), verbose_name=_("事業ID"), accessor="program__pk", visible=False
    )
    program = tables.Column(
        empty_values=(),
        verbose_name=_("連携事業"),
        accessor="program_order",
        order_by=("program_order",),
        attrs={"td": {"class": "col-name"}},
    )
    fiscal_year = tables.Column(
        empty_values=(), verbose_name=_("年度"), accessor="fiscal_year", visible=False
    )
    fiscal_year_ja = tables.Column(
        empty_values=(),
        verbose_name=_("年度（和暦）"),
        accessor="fiscal_year",
        visible=False,
        orderable=False,
    )
    rating_code = tables.Column(
        empty_values=(),
        verbose_name=_("評価の記号"),
        accessor="rating_order",
        visible=False,
        orderable=False,
    )
    rating = tables.Column(
        empty_values=(),
        verbose_name=pgettext_lazy("evaluation", "評価"),
        accessor="rating_order",
        order_by=("rating_order", "program_order"),
        attrs={"td": {"class": "nowrap"}},
    )
    direction_code = tables.Column(
        empty_values=(),
        verbose_name=_("今後の方向性の記号"),
        accessor="direction_order",
        visible=False,
        orderable=False,
    )
    direction = tables.Column(
        empty_values=(),
        verbose_name=_("今後の方向性"),
        accessor="direction_order",
        order_by=("direction_order", "program_order"),
    )
    approved_at = tables.Column(
        empty_values=(),
        verbose_name=_("承認日"),
        accessor="approved_order",
        order_by=("approved_order", "program_order"),
    )

    class Meta:
        template_name = "evaluations/_public_year_table.html"
        orderable = True
        empty_text = _("この年度の連携事業はありません。")
        attrs = {"class": "data-table"}
        sequence = ("program", "field", "rating", "direction", "approved_at", "...")

    @staticmethod
    def _name(obj) -> SafeString:
        """The object's name in the page's language; marked lang="ja" when it is Japanese
        on an English page."""
        if is_english() and name_lang(obj) == "ja":
            return _safe(f'<span lang="ja">{_e(local_name(obj))}</span>')
        return _safe(_e(local_name(obj)))

    def render_field(self, record):
        policy_field = record.policy_field
        return _safe(f"{_e(policy_field.number)}. {self._name(policy_field)}")

    def render_program(self, record):
        if record.evaluation is not None:
            url = reverse(
                "public:evaluations:program", args=[record.fiscal_year, record.program.pk]
            )
        else:
            url = reverse("public:programs:detail", args=[record.program.pk])
        return _safe(f'<a href="{_e(url)}">{self._name(record.program)}</a>')

    def render_rating(self, record):
        rating = record.rating
        if rating is None:
            return _safe(f'<span class="muted">{_e(_("未評価"))}</span>')
        return _safe(f"{_e(rating.code)} {self._name(rating)}")

    def render_direction(self, record):
        if record.evaluation is None or not record.direction:
            return _safe(f'<span class="muted">{_e(_("未評価"))}</span>')
        return record.evaluation.direction_label

    def render_approved_at(self, record):
        return ymd(record.approved_at) if record.approved_at else "−"

    # --- downloads --------------------------------------------------------------------

    def value_field(self, record):
        return local_name(record.policy_field)

    def value_item(self, record):
        return record.program.item.number

    def value_program_id(self, record):
        return record.program.pk

    def value_program(self, record):
        return local_name(record.program)

    def value_fiscal_year(self, record):
        return record.fiscal_year

    def value_fiscal_year_ja(self, record):
        return fiscal_year_era(record.fiscal_year)

    def value_rating_code(self, record):
        return record.rating.code if record.rating else None

    def value_rating(self, record):
        return local_name(record.rating) if record.rating else str(_("未評価"))

    def value_direction_code(self, record):
        return record.direction or None

    def value_direction(self, record):
        if record.evaluation is None or not record.direction:
            return str(_("未評価"))
        return record.evaluation.direction_label

    def value_approved_at(self, record):
        return iso_date(record.approved_at) if record.approved_at else None
