"""Open-data datasets: one definition per dataset serves the JSON, the CSV
and the documentation on /opendata/.

JSON: an array of objects with exactly the keys in ``json_keys``; numbers as
JSON numbers, a missing value as null (never 0).
CSV: UTF-8 with BOM, Japanese headers, long format, starting with
全国地方公共団体コード and 地方公共団体名 where a municipality is involved, fiscal
years given both western and Japanese.

Only approved figures are ever included.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.timezone import localtime

from core.japanese import era_year, fiscal_year_era, json_number
from kpis.models import KPI, KPIActual
from programs.models import CostShare, Program
from vision.models import AgreementItem, ItemParty, PopulationFigure, Vision


@dataclass(frozen=True)
class Column:
    header: str
    description: str
    value: Callable[[dict], object]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    json_keys: list[tuple[str, str]]  # (key, description)
    csv_columns: list[Column]
    rows: Callable[[Vision], Iterable[dict]]
    csv_rows: Callable[[Vision], Iterable[dict]] | None = None

    def json(self, vision: Vision) -> list[dict]:
        keys = [k for k, _ in self.json_keys]
        return [{k: row[k] for k in keys} for row in self.rows(vision)]

    def csv(self, vision: Vision) -> Iterable[list]:
        yield [c.header for c in self.csv_columns]
        for row in (self.csv_rows or self.rows)(vision):
            yield [_csv_cell(c.value(row)) for c in self.csv_columns]


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float | Decimal):
        return format(Decimal(str(value)).normalize(), "f")
    return value


def _fy(key):
    return lambda r: r[key]


def _fy_era(key):
    return lambda r: None if r[key] is None else fiscal_year_era(r[key])


# --- municipalities ---------------------------------------------------------


def municipality_rows(vision):
    for m in vision.municipalities.order_by("sort_order"):
        yield {
            "code": m.code,
            "name": m.name,
            "name_kana": m.name_kana,
            "name_en": m.name_en,
            "is_central_city": m.is_central_city,
            "population": m.population,
            "area_km2": json_number(m.area_km2),
        }


MUNICIPALITIES = Dataset(
    name="municipalities",
    title="構成市町村",
    description="圏域を構成する8市町村。人口は「令和6年山形県の人口と世帯数」、面積は国土地理院の面積調による（ビジョン記載値）。",
    json_keys=[
        ("code", "全国地方公共団体コード（6桁、検査数字を含む）"),
        ("name", "市町村名"),
        ("name_kana", "ふりがな"),
        ("name_en", "英語名"),
        ("is_central_city", "中心市なら true"),
        ("population", "人口（人）"),
        ("area_km2", "面積（km²）"),
    ],
    csv_columns=[
        Column("全国地方公共団体コード", "6桁", lambda r: r["code"]),
        Column("地方公共団体名", "", lambda r: r["name"]),
        Column("ふりがな", "", lambda r: r["name_kana"]),
        Column("英語名", "", lambda r: r["name_en"]),
        Column("中心市", "中心市なら 1", lambda r: r["is_central_city"]),
        Column("人口（人）", "", lambda r: r["population"]),
        Column("面積（km2）", "", lambda r: r["area_km2"]),
    ],
    rows=municipality_rows,
)


# --- agreement items ---------------------------------------------------------


def _items(vision):
    return (
        AgreementItem.objects.filter(category__policy_field__vision=vision)
        .select_related("category__policy_field")
        .prefetch_related(
            Prefetch("parties", queryset=ItemParty.objects.select_related("municipality"))
        )
        .order_by("number")
    )


def agreement_item_rows(vision):
    for item in _items(vision):
        yield {
            "number": item.number,
            "title": item.title,
            "policy_field": item.category.policy_field.title,
            "category": item.category.title,
            "parties": {p.municipality.code: p.status for p in item.parties.all()},
        }


def agreement_item_csv_rows(vision):
    for item in _items(vision):
        for party in item.parties.all():
            yield {
                "code": party.municipality.code,
                "municipality": party.municipality.name,
                "number": item.number,
                "title": item.title,
                "policy_field": item.category.policy_field.title,
                "category": item.category.title,
                "status": party.status,
                "mark": party.mark,
            }


AGREEMENT_ITEMS = Dataset(
    name="agreement_items",
    title="形成協定の取組項目と締結状況",
    description="協定項目一覧表の20項目と、7町村それぞれの締結状況（○ 締結／— 締結しない／未定）。",
    json_keys=[
        ("number", "項目番号（1〜20）"),
        ("title", "連携する取組項目"),
        ("policy_field", "政策分野"),
        ("category", "分類"),
        ("parties", '町村コード → "party"（○）、"not_party"（—）、"undecided"（空欄＝未定）'),
    ],
    csv_columns=[
        Column("全国地方公共団体コード", "町村のコード", lambda r: r["code"]),
        Column("地方公共団体名", "", lambda r: r["municipality"]),
        Column("項目番号", "", lambda r: r["number"]),
        Column("連携する取組項目", "", lambda r: r["title"]),
        Column("政策分野", "", lambda r: r["policy_field"]),
        Column("分類", "", lambda r: r["category"]),
        Column("締結状況", "party / not_party / undecided", lambda r: r["status"]),
        Column("締結状況（表記）", "○ / — / 未定", lambda r: r["mark"]),
    ],
    rows=agreement_item_rows,
    csv_rows=agreement_item_csv_rows,
)


# --- programs ------------------------------------------------------------------


def _programs(vision):
    return (
        Program.objects.filter(item__category__policy_field__vision=vision)
        .select_related("item")
        .prefetch_related("participants", "stated_totals")
        .order_by("item__number", "number")
    )


def _stated_total(program):
    totals = sorted(program.stated_totals.all(), key=lambda t: t.fiscal_year)
    return totals[0].amount_kyen if totals else None


def program_rows(vision):
    for program in _programs(vision):
        participants = sorted(program.participants.all(), key=lambda m: m.sort_order)
        yield {
            "id": program.pk,
            "name": program.name,
            "agreement_item": program.item.number,
            "participants": None
            if program.participants_undecided
            else [m.code for m in participants],
            "participants_printed": program.participants_printed,
            "stated_total_kyen": _stated_total(program),
        }


PROGRAMS = Dataset(
    name="programs",
    title="具体的な連携事業",
    description="26の連携事業。関係市町村が未定の事業は participants が null。事業費見込の計はビジョンに印刷された令和7年度の計（印刷がなければ null）。",
    json_keys=[
        ("id", "事業ID（このシステムの番号）"),
        ("name", "事業名"),
        ("agreement_item", "連携する取組項目の番号"),
        ("participants", "関係市町村コードの配列。未定なら null"),
        ("stated_total_kyen", "事業費見込の計（千円）。記載がなければ null"),
    ],
    csv_columns=[
        Column("事業ID", "", lambda r: r["id"]),
        Column("事業名", "", lambda r: r["name"]),
        Column("取組項目番号", "", lambda r: r["agreement_item"]),
        Column(
            "関係市町村コード",
            "; 区切り。未定なら空欄",
            lambda r: None if r["participants"] is None else ";".join(r["participants"]),
        ),
        Column("関係市町村未定", "未定なら 1", lambda r: r["participants"] is None),
        Column("関係市町村名（記載どおり）", "", lambda r: r["participants_printed"]),
        Column("事業費見込の計（千円）", "記載がなければ空欄", lambda r: r["stated_total_kyen"]),
    ],
    rows=program_rows,
)


# --- budget shares -------------------------------------------------------------


def budget_share_rows(vision):
    shares = (
        CostShare.objects.published()
        .filter(program__item__category__policy_field__vision=vision)
        .select_related("program", "municipality")
        .order_by(
            "program__item__number",
            "program__number",
            "fiscal_year",
            "kind",
            "municipality__sort_order",
        )
    )
    for share in shares:
        yield {
            "program_id": share.program_id,
            "program": share.program.name,
            "municipality_code": share.municipality.code,
            "municipality": share.municipality.name,
            "fiscal_year": share.fiscal_year,
            "kind": share.kind,
            "kind_label": share.get_kind_display(),
            "amount_kyen": share.approved_amount_kyen,
            "approved_at": share.approved_at,
        }


BUDGET_SHARES = Dataset(
    name="budget_shares",
    title="市町村別の負担額",
    description="事業ごと・市町村ごと・年度ごとの負担額（千円）。plan はビジョンの事業費見込、budget は予算、settlement は決算。承認された値だけを掲載。空欄（未記入）は null。",
    json_keys=[
        ("program_id", "事業ID"),
        ("program", "事業名"),
        ("municipality_code", "全国地方公共団体コード"),
        ("fiscal_year", "年度（西暦。令和7年度なら 2025）"),
        ("kind", '"plan"（事業費見込）、"budget"（予算）、"settlement"（決算）'),
        ("amount_kyen", "負担額（千円）。空欄なら null"),
    ],
    csv_columns=[
        Column("全国地方公共団体コード", "", lambda r: r["municipality_code"]),
        Column("地方公共団体名", "", lambda r: r["municipality"]),
        Column("事業ID", "", lambda r: r["program_id"]),
        Column("事業名", "", lambda r: r["program"]),
        Column("年度（西暦）", "", _fy("fiscal_year")),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column("種別", "plan / budget / settlement", lambda r: r["kind"]),
        Column("種別（表記）", "事業費見込 / 予算 / 決算", lambda r: r["kind_label"]),
        Column("負担額（千円）", "空欄は未記入", lambda r: r["amount_kyen"]),
    ],
    rows=budget_share_rows,
)


# --- KPIs ---------------------------------------------------------------------


def _kpis(vision):
    return KPI.objects.filter(program__item__category__policy_field__vision=vision).select_related(
        "program"
    )


def kpi_rows(vision):
    for kpi in _kpis(vision):
        yield {
            "id": kpi.pk,
            "program_id": kpi.program_id,
            "program": kpi.program.name,
            "name": kpi.name,
            "unit": kpi.unit,
            "baseline": json_number(kpi.baseline),
            "baseline_fiscal_year": kpi.baseline_year,
            "target": json_number(kpi.target),
            "target_fiscal_year": kpi.target_year,
            "direction": kpi.direction or None,
            "note": kpi.note,
        }


KPIS = Dataset(
    name="kpis",
    title="成果指標（KPI）",
    description="各事業の成果指標。現状値は令和6年度（R6）、目標値は令和12年度（R12）。記載のない値は null。",
    json_keys=[
        ("id", "指標ID"),
        ("program_id", "事業ID"),
        ("name", "指標名"),
        ("unit", "単位（記載がなければ空文字）"),
        ("baseline", "現状値。記載がなければ null"),
        ("baseline_fiscal_year", "現状値の年度（西暦）"),
        ("target", "目標値。記載がなければ null"),
        ("target_fiscal_year", "目標値の年度（西暦）"),
        ("direction", '"increase"、"decrease"、"maintain"、目標がなければ null'),
        ("note", "備考"),
    ],
    csv_columns=[
        Column("指標ID", "", lambda r: r["id"]),
        Column("事業ID", "", lambda r: r["program_id"]),
        Column("事業名", "", lambda r: r["program"]),
        Column("指標名", "", lambda r: r["name"]),
        Column("単位", "", lambda r: r["unit"]),
        Column("現状値", "", lambda r: r["baseline"]),
        Column("現状値の年度（西暦）", "", _fy("baseline_fiscal_year")),
        Column("現状値の年度（和暦）", "", _fy_era("baseline_fiscal_year")),
        Column("目標値", "", lambda r: r["target"]),
        Column("目標値の年度（西暦）", "", _fy("target_fiscal_year")),
        Column("目標値の年度（和暦）", "", _fy_era("target_fiscal_year")),
        Column("目指す方向", "increase / decrease / maintain", lambda r: r["direction"]),
        Column("備考", "", lambda r: r["note"]),
    ],
    rows=kpi_rows,
)


def kpi_actual_rows(vision):
    # Only the public columns are read (values(), not whole rows): the approved value
    # and its date, never a working value or comment of a figure under review.
    actuals = (
        KPIActual.objects.published()
        .filter(kpi__program__item__category__policy_field__vision=vision)
        .order_by(
            "kpi__program__item__number",
            "kpi__program__number",
            "kpi__order",
            "fiscal_year",
            "municipality__sort_order",
        )
        .values_list(
            "kpi_id",
            "kpi__name",
            "kpi__unit",
            "fiscal_year",
            "municipality__code",
            "municipality__name",
            "approved_value",
            "approved_at",
        )
    )
    for kpi_id, name, unit, year, code, town, value, approved_at in actuals:
        yield {
            "kpi_id": kpi_id,
            "kpi": name,
            "unit": unit,
            "fiscal_year": year,
            "municipality_code": code,
            "municipality": town,
            "value": json_number(value),
            "approved_at": localtime(approved_at).isoformat(),
        }


KPI_ACTUALS = Dataset(
    name="kpi_actuals",
    title="成果指標の実績値",
    description="事務局が承認した実績値だけを掲載（下書き・提出中・差戻し中の値は含みません）。圏域全体の値は municipality_code が null。",
    json_keys=[
        ("kpi_id", "指標ID"),
        ("fiscal_year", "年度（西暦）"),
        ("municipality_code", "市町村別の値ならその全国地方公共団体コード、圏域の値なら null"),
        ("value", "実績値"),
        ("approved_at", "承認日時（ISO 8601、日本時間）"),
    ],
    csv_columns=[
        Column("全国地方公共団体コード", "圏域の値は空欄", lambda r: r["municipality_code"]),
        Column("地方公共団体名", "圏域の値は空欄", lambda r: r["municipality"]),
        Column("指標ID", "", lambda r: r["kpi_id"]),
        Column("指標名", "", lambda r: r["kpi"]),
        Column("年度（西暦）", "", _fy("fiscal_year")),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column("実績値", "", lambda r: r["value"]),
        Column("単位", "", lambda r: r["unit"]),
        Column("承認日時", "", lambda r: r["approved_at"]),
    ],
    rows=kpi_actual_rows,
)


# --- population -------------------------------------------------------------------


def population_rows(vision):
    figures = PopulationFigure.objects.filter(vision=vision).select_related("municipality")
    order = {"municipality": 0, "area": 1, "prefecture": 2}
    for f in sorted(
        figures,
        key=lambda f: (order[f.scope], f.municipality.sort_order if f.municipality else 0, f.year),
    ):
        yield {
            "scope": f.scope,
            "scope_label": f.get_scope_display(),
            "municipality_code": f.municipality.code if f.municipality else None,
            "municipality": f.municipality.name if f.municipality else None,
            "year": f.year,
            "population": f.population,
            "kind": f.kind,
        }


POPULATION = Dataset(
    name="population",
    title="総人口の推移と将来推計",
    description="国勢調査（1990〜2020年）と国立社会保障・人口問題研究所の推計（令和5年推計、2025〜2050年）。市町村別、圏域の合計、山形県。",
    json_keys=[
        ("scope", '"municipality"、"area"（圏域の合計）、"prefecture"（山形県）'),
        ("municipality_code", "scope が municipality のときのコード、それ以外は null"),
        ("year", "年（西暦）"),
        ("population", "人口（人）"),
        ("kind", '"census"（国勢調査）、"projection"（推計）'),
    ],
    csv_columns=[
        Column("全国地方公共団体コード", "市町村の行だけ", lambda r: r["municipality_code"]),
        Column("地方公共団体名", "", lambda r: r["municipality"]),
        Column("範囲", "municipality / area / prefecture", lambda r: r["scope"]),
        Column("範囲（表記）", "", lambda r: r["scope_label"]),
        Column("年（西暦）", "", lambda r: r["year"]),
        Column("年（和暦）", "", lambda r: f"{era_year(r['year'])}年"),
        Column("人口（人）", "", lambda r: r["population"]),
        Column("種別", "census / projection", lambda r: r["kind"]),
    ],
    rows=population_rows,
)


DATASETS = {
    d.name: d
    for d in [
        MUNICIPALITIES,
        AGREEMENT_ITEMS,
        PROGRAMS,
        BUDGET_SHARES,
        KPIS,
        KPI_ACTUALS,
        POPULATION,
    ]
}
