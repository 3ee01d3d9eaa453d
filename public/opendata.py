"""Open-data datasets: one definition per dataset serves the JSON, the CSV, the
documentation on /opendata/, the Data Package (datapackage.json) and the DCAT catalogue.

The Digital Agency's 自治体標準オープンデータセット conventions:

- file names ``{6-digit code}_{dataset}.csv``: the area has no national code, so its
  datasets carry its central city's (新庄市 062057);
- every dataset starts with 全国地方公共団体コード (6 digits, always text), 地方公共団体名
  and 集計単位: a row that is not one municipality says what it is (圏域 with the central
  city's code and the area's name, 県 with the prefecture's code, 山形県 060003); never a
  blank code;
- timestamps to the second with the offset (2025-05-01T10:00:00+09:00);
- licence: 公共データ利用規約 第1.0版 (PDL1.0), compatible with CC BY 4.0.

JSON: an array of objects with exactly the keys in ``json_keys``; numbers as JSON
numbers, a missing value as null (never 0). CSV: UTF-8 with BOM, Japanese headers, long
format, fiscal years given both western and Japanese.

Only approved figures are ever included (the ``published()`` querysets).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.timezone import localtime

from core.japanese import era_year, fiscal_year_era, json_number
from evaluations.models import Direction, Opinion, ProgramEvaluation
from kpis.models import KPI, KPIActual
from kpis.progress import Status, round1
from kpis.selectors import attach_progress, grade_levels, public_kpis
from municipalities.validators import check_digit
from programs.models import CostShare, Program
from vision.models import AgreementItem, ItemParty, PopulationFigure, Vision

CODE_PATTERN = "^[0-9]{6}$"
PREFECTURES = {"06": "山形県"}  # the prefectures of the areas served; codes by check digit
SCOPE_LABELS = {"municipality": "市町村", "area": "圏域", "prefecture": "県"}

LICENSE_TITLE = "公共データ利用規約（第1.0版）"
LICENSE_SHORT = "PDL1.0"
LICENSE_URL = "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
LICENSE_NOTE = (
    "公共データ利用規約（第1.0版）（PDL1.0）により利用できます。"
    "PDL1.0 はクリエイティブ・コモンズ 表示 4.0 国際（CC BY 4.0）と互換性があります。"
)


def prefecture_code(municipality_code: str) -> str:
    """The prefecture's 全国地方公共団体コード: 062057 → 060003."""
    first_five = municipality_code[:2] + "000"
    return f"{first_five}{check_digit(first_five)}"


@dataclass(frozen=True)
class Area:
    """What a row of the whole area is called: its central city's code, the area's name."""

    code: str
    name: str
    prefecture_code: str
    prefecture_name: str

    @classmethod
    def of(cls, vision: Vision) -> "Area":
        central = vision.municipalities.filter(is_central_city=True).order_by("code").first()
        code = central.code if central else vision.municipalities.order_by("code").first().code
        return cls(code, vision.area_name, prefecture_code(code), PREFECTURES.get(code[:2], ""))

    def area_row(self) -> dict:
        return {"code": self.code, "place": self.name, "scope": "area", "municipality_code": None}

    def prefecture_row(self) -> dict:
        return {
            "code": self.prefecture_code,
            "place": self.prefecture_name,
            "scope": "prefecture",
            "municipality_code": None,
        }


def town_row(municipality) -> dict:
    """``place`` is the CSV's 地方公共団体名; ``municipality_code`` the JSON's key of old."""
    return {
        "code": municipality.code,
        "place": municipality.name,
        "scope": "municipality",
        "municipality_code": municipality.code,
    }


def attribution(vision: Vision, url: str) -> str:
    """The credit PDL1.0 asks for: 出典：…（URL）, and 「…を加工して作成」 for edited data."""
    return (
        f"出典：{vision.area_name}「{vision.title}」オープンデータ（{url}）。"
        f"加工した場合は「{vision.area_name}「{vision.title}」オープンデータ（{url}）を加工して作成」"
        "のように記載してください。"
    )


def timestamp(value: datetime | None) -> str | None:
    """Japan time to the second, with its offset: 2025-05-01T10:00:00+09:00."""
    if value is None:
        return None
    return localtime(value).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Column:
    """A CSV column, and its Table Schema field (type, unit, constraints)."""

    header: str
    description: str
    value: Callable[[dict], object]
    type: str = "string"  # Table Schema: string, integer, number, boolean, datetime, date
    unit: str = ""
    pattern: str = ""
    enum: tuple = ()
    required: bool = False

    def schema(self) -> dict:
        return _field(
            self.header,
            self.description,
            self.type,
            self.unit,
            self.pattern,
            self.enum,
            self.required,
            boolean_csv=True,
        )


@dataclass(frozen=True)
class JsonKey:
    """A key of the JSON objects, and its Table Schema field."""

    key: str
    description: str
    type: str = "string"  # also "object" and "array" for nested values
    unit: str = ""
    pattern: str = ""
    enum: tuple = ()
    required: bool = False

    def schema(self) -> dict:
        return _field(
            self.key, self.description, self.type, self.unit, self.pattern, self.enum, self.required
        )


def _field(name, description, type_, unit, pattern, enum, required, boolean_csv=False) -> dict:
    result = {"name": name, "type": type_}
    if description:
        result["description"] = description
    if unit:
        result["unit"] = unit  # not in the core spec; Frictionless keeps unknown properties
    if type_ == "boolean" and boolean_csv:
        result["trueValues"], result["falseValues"] = ["1"], ["0"]
    constraints = {}
    if required:
        constraints["required"] = True
    if pattern:
        constraints["pattern"] = pattern
    if enum:
        constraints["enum"] = list(enum)
    if constraints:
        result["constraints"] = constraints
    return result


# The three columns every dataset starts with, and their JSON keys.
CODE_COLUMNS = [
    Column(
        "全国地方公共団体コード",
        "6桁（検査数字を含む）の文字列。圏域の行は中心市のコード、県の行は県のコード",
        lambda r: r["code"],
        pattern=CODE_PATTERN,
        required=True,
    ),
    Column("地方公共団体名", "圏域の行は圏域の名称", lambda r: r["place"], required=True),
    Column(
        "集計単位",
        "市町村 / 圏域 / 県",
        lambda r: SCOPE_LABELS[r["scope"]],
        enum=tuple(SCOPE_LABELS.values()),
        required=True,
    ),
]
CODE_KEYS = [
    JsonKey(
        "code",
        "全国地方公共団体コード（6桁の文字列）。圏域の値は中心市のコード、県の値は県のコード",
        pattern=CODE_PATTERN,
        required=True,
    ),
    JsonKey(
        "scope",
        '"municipality"（市町村）、"area"（圏域）、"prefecture"（県）',
        enum=tuple(SCOPE_LABELS),
        required=True,
    ),
]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    json_keys: list[JsonKey]  # after code and scope
    csv_columns: list[Column]  # after the code, name and 集計単位
    rows: Callable[[Vision, Area], Iterable[dict]]
    csv_rows: Callable[[Vision, Area], Iterable[dict]] | None = None
    keywords: list[str] = field(default_factory=list)

    @property
    def all_json_keys(self) -> list[JsonKey]:
        return [*CODE_KEYS, *self.json_keys]

    @property
    def all_csv_columns(self) -> list[Column]:
        return [*CODE_COLUMNS, *self.csv_columns]

    def file_name(self, area: Area, extension: str) -> str:
        """062057_kpi_actuals.csv: the central city's code, the dataset's name."""
        return f"{area.code}_{self.name}.{extension}"

    def json(self, vision: Vision) -> list[dict]:
        keys = [k.key for k in self.all_json_keys]
        return [{k: row[k] for k in keys} for row in self.rows(vision, Area.of(vision))]

    def csv(self, vision: Vision) -> Iterable[list]:
        columns = self.all_csv_columns
        yield [c.header for c in columns]
        for row in (self.csv_rows or self.rows)(vision, Area.of(vision)):
            yield [_csv_cell(c.value(row)) for c in columns]


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


def municipality_rows(vision, area):
    for m in vision.municipalities.order_by("sort_order"):
        yield {
            **town_row(m),
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
        JsonKey("name", "市町村名"),
        JsonKey("name_kana", "ふりがな"),
        JsonKey("name_en", "英語名"),
        JsonKey("is_central_city", "中心市なら true", "boolean"),
        JsonKey("population", "人口（人）", "integer", unit="人"),
        JsonKey("area_km2", "面積（km²）", "number", unit="km2"),
    ],
    csv_columns=[
        Column("ふりがな", "", lambda r: r["name_kana"]),
        Column("英語名", "", lambda r: r["name_en"]),
        Column("中心市", "中心市なら 1、それ以外は 0", lambda r: r["is_central_city"], "boolean"),
        Column("人口（人）", "", lambda r: r["population"], "integer", unit="人"),
        Column("面積（km2）", "", lambda r: r["area_km2"], "number", unit="km2"),
    ],
    rows=municipality_rows,
    keywords=["市町村", "人口", "面積"],
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


def agreement_item_rows(vision, area):
    # Each item is an agreement the central city (甲) signs with each town (乙).
    for item in _items(vision):
        yield {
            **area.area_row(),
            "number": item.number,
            "title": item.title,
            "policy_field": item.category.policy_field.title,
            "category": item.category.title,
            "parties": {p.municipality.code: p.status for p in item.parties.all()},
        }


def agreement_item_csv_rows(vision, area):
    for item in _items(vision):
        for party in item.parties.all():
            yield {
                **town_row(party.municipality),
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
    description="協定項目一覧表の20項目と、7町村それぞれの締結状況（○ 締結／— 締結しない／未定）。CSV は町村ごとの行、JSON は項目ごとの行（圏域）。",
    json_keys=[
        JsonKey("number", "項目番号（1〜20）", "integer"),
        JsonKey("title", "連携する取組項目"),
        JsonKey("policy_field", "政策分野"),
        JsonKey("category", "分類"),
        JsonKey(
            "parties",
            '町村コード → "party"（○）、"not_party"（—）、"undecided"（空欄＝未定）',
            "object",
        ),
    ],
    csv_columns=[
        Column("項目番号", "", lambda r: r["number"], "integer"),
        Column("連携する取組項目", "", lambda r: r["title"]),
        Column("政策分野", "", lambda r: r["policy_field"]),
        Column("分類", "", lambda r: r["category"]),
        Column(
            "締結状況",
            "party / not_party / undecided",
            lambda r: r["status"],
            enum=("party", "not_party", "undecided"),
        ),
        Column("締結状況（表記）", "○ / — / 未定", lambda r: r["mark"]),
    ],
    rows=agreement_item_rows,
    csv_rows=agreement_item_csv_rows,
    keywords=["定住自立圏", "形成協定"],
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


def program_rows(vision, area):
    for program in _programs(vision):
        participants = sorted(program.participants.all(), key=lambda m: m.sort_order)
        yield {
            **area.area_row(),
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
    description="26の連携事業（圏域の事業）。関係市町村が未定の事業は participants が null。事業費見込の計はビジョンに印刷された令和7年度の計（印刷がなければ null）。",
    json_keys=[
        JsonKey("id", "事業ID（このシステムの番号）", "integer", required=True),
        JsonKey("name", "事業名"),
        JsonKey("agreement_item", "連携する取組項目の番号", "integer"),
        JsonKey("participants", "関係市町村コードの配列。未定なら null", "array"),
        JsonKey(
            "stated_total_kyen", "事業費見込の計（千円）。記載がなければ null", "integer", "千円"
        ),
    ],
    csv_columns=[
        Column("事業ID", "", lambda r: r["id"], "integer", required=True),
        Column("事業名", "", lambda r: r["name"]),
        Column("取組項目番号", "", lambda r: r["agreement_item"], "integer"),
        Column(
            "関係市町村コード",
            "; 区切り。未定なら空欄",
            lambda r: None if r["participants"] is None else ";".join(r["participants"]),
            pattern="^[0-9]{6}(;[0-9]{6})*$",
        ),
        Column("関係市町村未定", "未定なら 1", lambda r: r["participants"] is None, "boolean"),
        Column("関係市町村名（記載どおり）", "", lambda r: r["participants_printed"]),
        Column(
            "事業費見込の計（千円）",
            "記載がなければ空欄",
            lambda r: r["stated_total_kyen"],
            "integer",
            unit="千円",
        ),
    ],
    rows=program_rows,
    keywords=["連携事業", "事業費"],
)


# --- budget shares -------------------------------------------------------------


def budget_share_rows(vision, area):
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
            **town_row(share.municipality),
            "program_id": share.program_id,
            "program": share.program.name,
            "fiscal_year": share.fiscal_year,
            "kind": share.kind,
            "kind_label": share.get_kind_display(),
            "amount_kyen": share.approved_amount_kyen,
            "approved_at": timestamp(share.approved_at),
        }


BUDGET_SHARES = Dataset(
    name="budget_shares",
    title="市町村別の負担額",
    description="事業ごと・市町村ごと・年度ごとの負担額（千円）。plan はビジョンの事業費見込、budget は予算、settlement は決算。承認された値だけを掲載。空欄（未記入）は null。",
    json_keys=[
        JsonKey("program_id", "事業ID", "integer", required=True),
        JsonKey("program", "事業名"),
        JsonKey(
            "municipality_code",
            "市町村の値ならその市町村のコード、圏域・県の値なら null（以前からのキー）",
            pattern=CODE_PATTERN,
        ),
        JsonKey("fiscal_year", "年度（西暦。令和7年度なら 2025）", "integer"),
        JsonKey(
            "kind",
            '"plan"（事業費見込）、"budget"（予算）、"settlement"（決算）',
            enum=tuple(CostShare.Kind.values),
        ),
        JsonKey("amount_kyen", "負担額（千円）。空欄なら null", "integer", unit="千円"),
        JsonKey("approved_at", "承認日時（ISO 8601、秒まで、+09:00）", "datetime"),
    ],
    csv_columns=[
        Column("事業ID", "", lambda r: r["program_id"], "integer", required=True),
        Column("事業名", "", lambda r: r["program"]),
        Column("年度（西暦）", "", _fy("fiscal_year"), "integer"),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column(
            "種別",
            "plan / budget / settlement",
            lambda r: r["kind"],
            enum=tuple(CostShare.Kind.values),
        ),
        Column("種別（表記）", "事業費見込 / 予算 / 決算", lambda r: r["kind_label"]),
        Column("負担額（千円）", "空欄は未記入", lambda r: r["amount_kyen"], "integer", "千円"),
        Column("承認日時", "ISO 8601、秒まで、+09:00", lambda r: r["approved_at"], "datetime"),
    ],
    rows=budget_share_rows,
    keywords=["事業費", "負担金", "予算", "決算"],
)


# --- KPIs ---------------------------------------------------------------------


def _kpis(vision):
    return KPI.objects.filter(program__item__category__policy_field__vision=vision).select_related(
        "program"
    )


def kpi_rows(vision, area):
    for kpi in _kpis(vision):
        yield {
            **area.area_row(),
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


DIRECTIONS = ("increase", "decrease", "maintain")

KPIS = Dataset(
    name="kpis",
    title="成果指標（KPI）",
    description="各事業の成果指標（圏域の指標）。現状値は令和6年度（R6）、目標値は令和12年度（R12）。記載のない値は null。",
    json_keys=[
        JsonKey("id", "指標ID", "integer", required=True),
        JsonKey("program_id", "事業ID", "integer"),
        JsonKey("name", "指標名"),
        JsonKey("unit", "単位（記載がなければ空文字）"),
        JsonKey("baseline", "現状値。記載がなければ null", "number"),
        JsonKey("baseline_fiscal_year", "現状値の年度（西暦）", "integer"),
        JsonKey("target", "目標値。記載がなければ null", "number"),
        JsonKey("target_fiscal_year", "目標値の年度（西暦）", "integer"),
        JsonKey(
            "direction", '"increase"、"decrease"、"maintain"、目標がなければ null', enum=DIRECTIONS
        ),
        JsonKey("note", "備考"),
    ],
    csv_columns=[
        Column("指標ID", "", lambda r: r["id"], "integer", required=True),
        Column("事業ID", "", lambda r: r["program_id"], "integer"),
        Column("事業名", "", lambda r: r["program"]),
        Column("指標名", "", lambda r: r["name"]),
        Column("単位", "", lambda r: r["unit"]),
        Column("現状値", "単位は「単位」列", lambda r: r["baseline"], "number"),
        Column("現状値の年度（西暦）", "", _fy("baseline_fiscal_year"), "integer"),
        Column("現状値の年度（和暦）", "", _fy_era("baseline_fiscal_year")),
        Column("目標値", "単位は「単位」列", lambda r: r["target"], "number"),
        Column("目標値の年度（西暦）", "", _fy("target_fiscal_year"), "integer"),
        Column("目標値の年度（和暦）", "", _fy_era("target_fiscal_year")),
        Column(
            "目指す方向",
            "increase / decrease / maintain",
            lambda r: r["direction"],
            enum=DIRECTIONS,
        ),
        Column("備考", "", lambda r: r["note"]),
    ],
    rows=kpi_rows,
    keywords=["成果指標", "KPI"],
)


def kpi_actual_rows(vision, area):
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
        if code is None:
            where = area.area_row()
        else:
            where = {
                "code": code,
                "place": town,
                "scope": "municipality",
                "municipality_code": code,
            }
        yield {
            **where,
            "kpi_id": kpi_id,
            "kpi": name,
            "unit": unit,
            "fiscal_year": year,
            "value": json_number(value),
            "approved_at": timestamp(approved_at),
        }


KPI_ACTUALS = Dataset(
    name="kpi_actuals",
    title="成果指標の実績値",
    description="事務局が承認した実績値だけを掲載（下書き・提出中・差戻し中の値は含みません）。圏域全体の値は集計単位「圏域」（コードは中心市のもの）、各市町村の値の合計である指標は市町村ごとの値（集計単位「市町村」）。",
    json_keys=[
        JsonKey("kpi_id", "指標ID", "integer", required=True),
        JsonKey("fiscal_year", "年度（西暦）", "integer"),
        JsonKey(
            "municipality_code",
            "市町村の値ならその市町村のコード、圏域・県の値なら null（以前からのキー）",
            pattern=CODE_PATTERN,
        ),
        JsonKey("value", "実績値", "number"),
        JsonKey("approved_at", "承認日時（ISO 8601、秒まで、+09:00）", "datetime"),
    ],
    csv_columns=[
        Column("指標ID", "", lambda r: r["kpi_id"], "integer", required=True),
        Column("指標名", "", lambda r: r["kpi"]),
        Column("年度（西暦）", "", _fy("fiscal_year"), "integer"),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column("実績値", "単位は「単位」列", lambda r: r["value"], "number"),
        Column("単位", "", lambda r: r["unit"]),
        Column("承認日時", "ISO 8601、秒まで、+09:00", lambda r: r["approved_at"], "datetime"),
    ],
    rows=kpi_actual_rows,
    keywords=["成果指標", "KPI", "実績"],
)


# --- KPIs in the long form of 行政事業レビュー -------------------------------------

REVIEW_KINDS = {"target": "目標値", "actual": "実績値", "achievement_rate": "達成率"}


def kpi_review_rows(vision, area):
    """One row per KPI, fiscal year and kind: 目標値 / 実績値 / 達成率.

    目標値: the target in force, at its target year (and the earlier target, when a
    revision changed it); 実績値: the baseline (現状値) at its year and each approved
    area value (a summed KPI only once every participant is in: 集計中 years have none);
    達成率: the rate of each judged year, rounded to one decimal as on the pages.
    """
    kpis = attach_progress(
        public_kpis(_kpis(vision)).order_by("program__item__number", "program__number", "order"),
        grade_levels(),
    )
    for kpi in kpis:
        base = {
            **area.area_row(),
            "kpi_id": kpi.pk,
            "kpi": kpi.name,
            "program_id": kpi.program_id,
            "program": kpi.program.name,
        }
        rows = []
        if kpi.baseline is not None and kpi.baseline_year is not None:
            rows.append((kpi.baseline_year, "actual", kpi.baseline, kpi.unit, None, "現状値"))
        for j in kpi.progress.years:
            if j.status == Status.COLLECTING or j.actual is None:
                continue
            if j.fiscal_year == kpi.baseline_year:
                continue  # the baseline row already holds the baseline year
            rows.append((j.fiscal_year, "actual", j.actual, kpi.unit, j.approved_at, ""))
            if j.rate is not None:
                rows.append(
                    (j.fiscal_year, "achievement_rate", round1(j.rate), "%", j.approved_at, "")
                )
        targets = {(kpi.target_year, kpi.target)} if kpi.target is not None else set()
        for year in range(vision.period_start, vision.period_end + 1):
            target, target_year = kpi.target_for(year)
            if target is not None:
                targets.add((target_year, target))
        for target_year, target in targets:
            rows.append((target_year, "target", target, kpi.unit, None, ""))
        order = list(REVIEW_KINDS)
        for year, kind, value, unit, approved_at, note in sorted(
            rows, key=lambda r: (r[0], order.index(r[1]))
        ):
            yield {
                **base,
                "fiscal_year": year,
                "kind": kind,
                "kind_label": REVIEW_KINDS[kind],
                "value": json_number(value),
                "unit": unit,
                "approved_at": timestamp(approved_at),
                "note": note,
            }


KPI_REVIEW = Dataset(
    name="kpi_review",
    title="成果指標の目標値・実績値・達成率（行政事業レビュー形式）",
    description="国の行政事業レビューのデータと同じ縦長の形：指標・年度・種別（目標値／実績値／達成率）ごとに1行。実績値は承認された圏域の値と現状値（R6）、達成率＝（実績値−現状値）÷（目標値−現状値）×100（小数第1位）。各市町村の値の合計である指標は、すべての市町村がそろった年度だけ。",
    json_keys=[
        JsonKey("kpi_id", "指標ID", "integer", required=True),
        JsonKey("program_id", "事業ID", "integer"),
        JsonKey("fiscal_year", "年度（西暦）", "integer", required=True),
        JsonKey(
            "kind",
            '"target"（目標値）、"actual"（実績値）、"achievement_rate"（達成率）',
            enum=tuple(REVIEW_KINDS),
            required=True,
        ),
        JsonKey("value", "値", "number"),
        JsonKey("unit", "値の単位（達成率は %）"),
        JsonKey("approved_at", "承認日時（実績値・達成率、ISO 8601、+09:00）", "datetime"),
        JsonKey("note", "備考（現状値の行は「現状値」）"),
    ],
    csv_columns=[
        Column("指標ID", "", lambda r: r["kpi_id"], "integer", required=True),
        Column("指標名", "", lambda r: r["kpi"]),
        Column("事業ID", "", lambda r: r["program_id"], "integer"),
        Column("事業名", "", lambda r: r["program"]),
        Column("年度（西暦）", "", _fy("fiscal_year"), "integer", required=True),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column(
            "種別",
            "目標値 / 実績値 / 達成率",
            lambda r: r["kind_label"],
            enum=tuple(REVIEW_KINDS.values()),
            required=True,
        ),
        Column("値", "単位は「単位」列", lambda r: r["value"], "number"),
        Column("単位", "達成率は %", lambda r: r["unit"]),
        Column("承認日時", "実績値・達成率の承認日時", lambda r: r["approved_at"], "datetime"),
        Column("備考", "現状値の行は「現状値」", lambda r: r["note"]),
    ],
    rows=kpi_review_rows,
    keywords=["成果指標", "KPI", "行政事業レビュー", "達成率"],
)


# --- population -------------------------------------------------------------------


def population_rows(vision, area):
    figures = PopulationFigure.objects.filter(vision=vision).select_related("municipality")
    order = {"municipality": 0, "area": 1, "prefecture": 2}
    for f in sorted(
        figures,
        key=lambda f: (order[f.scope], f.municipality.sort_order if f.municipality else 0, f.year),
    ):
        if f.scope == "municipality":
            where = town_row(f.municipality)
        elif f.scope == "area":
            where = area.area_row()
        else:
            where = area.prefecture_row()
        yield {**where, "year": f.year, "population": f.population, "kind": f.kind}


POPULATION = Dataset(
    name="population",
    title="総人口の推移と将来推計",
    description="国勢調査（1990〜2020年）と国立社会保障・人口問題研究所の推計（令和5年推計、2025〜2050年）。市町村別、圏域の合計（集計単位「圏域」）、山形県（集計単位「県」、コード 060003）。",
    json_keys=[
        JsonKey(
            "municipality_code",
            "市町村の値ならその市町村のコード、圏域・県の値なら null（以前からのキー）",
            pattern=CODE_PATTERN,
        ),
        JsonKey("year", "年（西暦）", "integer", required=True),
        JsonKey("population", "人口（人）", "integer", unit="人"),
        JsonKey(
            "kind", '"census"（国勢調査）、"projection"（推計）', enum=("census", "projection")
        ),
    ],
    csv_columns=[
        Column("年（西暦）", "", lambda r: r["year"], "integer", required=True),
        Column("年（和暦）", "", lambda r: f"{era_year(r['year'])}年"),
        Column("人口（人）", "", lambda r: r["population"], "integer", unit="人"),
        Column("種別", "census / projection", lambda r: r["kind"], enum=("census", "projection")),
    ],
    rows=population_rows,
    keywords=["人口", "国勢調査", "将来推計"],
)


# --- the yearly evaluation ------------------------------------------------------------

DIRECTION_LABELS = dict(Direction.choices)


def evaluation_rows(vision, area):
    """One row per program and fiscal year with an approved evaluation: its approved copy
    (``approved_content``), never the sheet's working text."""
    evaluations = (
        ProgramEvaluation.objects.published()
        .filter(program__item__category__policy_field__vision=vision)
        .exclude(approved_content__isnull=True)
        .only("pk", "program", "fiscal_year", "approved_at", "approved_content")
        .select_related("program__item")
        .order_by("fiscal_year", "program__item__number", "program__number")
    )
    kpis = dict(
        KPI.objects.filter(program__item__category__policy_field__vision=vision).values_list(
            "pk", "name"
        )
    )
    for evaluation in evaluations:
        content = evaluation.approved_content
        program = evaluation.program
        rating = content.get("rating") or {}
        direction = content.get("direction") or None
        yield {
            **area.area_row(),
            "program_id": program.pk,
            "program": program.name,
            "agreement_item": program.item.number,
            "program_number": program.number,
            "fiscal_year": evaluation.fiscal_year,
            "rating_code": rating.get("code") or None,
            "rating": rating.get("label") or None,
            "direction": direction,
            "direction_label": DIRECTION_LABELS.get(direction) if direction else None,
            "direction_reason": content.get("direction_reason", ""),
            "done": content.get("done", ""),
            "results": content.get("results", ""),
            "issues": content.get("issues", ""),
            "analyses": [
                {
                    "kpi_id": a["kpi"],
                    "kpi": kpis.get(a["kpi"], ""),
                    "cause": a.get("cause", ""),
                    "remedy": a.get("remedy", ""),
                }
                for a in content.get("analyses") or []
                if a.get("kpi") in kpis
            ],
            "approved_at": timestamp(evaluation.approved_at),
        }


EVALUATIONS = Dataset(
    name="evaluations",
    title="連携事業の評価（年度ごと）",
    description="事務局が承認した連携事業の年度ごとの評価：評価の区分、今後の方向性とその理由、実施内容、成果、課題（圏域の事業）。承認された内容だけを掲載し、承認後に書き直した内容は再び承認されるまで含みません。JSON には成果指標ごとの要因分析と改善策（analyses）も含みます。",
    json_keys=[
        JsonKey("program_id", "事業ID", "integer", required=True),
        JsonKey("program", "事業名"),
        JsonKey("agreement_item", "連携する取組項目の番号", "integer"),
        JsonKey("program_number", "取組項目の中の事業番号", "integer"),
        JsonKey(
            "fiscal_year", "評価した年度（西暦。令和7年度なら 2025）", "integer", required=True
        ),
        JsonKey("rating_code", "評価の記号（例：A）"),
        JsonKey("rating", "評価の区分（例：順調）"),
        JsonKey(
            "direction",
            "今後の方向性："
            + "、".join(f'"{code}"（{label}）' for code, label in Direction.choices),
            enum=tuple(Direction.values),
        ),
        JsonKey("direction_label", "今後の方向性（表記）"),
        JsonKey("direction_reason", "今後の方向性の理由"),
        JsonKey("done", "実施内容"),
        JsonKey("results", "成果"),
        JsonKey("issues", "課題"),
        JsonKey(
            "analyses",
            "成果指標ごとの要因分析と改善策：{kpi_id, kpi, cause, remedy} の配列",
            "array",
        ),
        JsonKey("approved_at", "承認日時（ISO 8601、秒まで、+09:00）", "datetime"),
    ],
    csv_columns=[
        Column("事業ID", "", lambda r: r["program_id"], "integer", required=True),
        Column("事業名", "", lambda r: r["program"]),
        Column("取組項目番号", "", lambda r: r["agreement_item"], "integer"),
        Column("事業番号", "取組項目の中の番号", lambda r: r["program_number"], "integer"),
        Column("年度（西暦）", "評価した年度", _fy("fiscal_year"), "integer", required=True),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column("評価の記号", "例：A", lambda r: r["rating_code"]),
        Column("評価", "例：順調", lambda r: r["rating"]),
        Column(
            "今後の方向性",
            " / ".join(Direction.values),
            lambda r: r["direction"],
            enum=tuple(Direction.values),
        ),
        Column(
            "今後の方向性（表記）", " / ".join(Direction.labels), lambda r: r["direction_label"]
        ),
        Column("方向性の理由", "", lambda r: r["direction_reason"]),
        Column("実施内容", "", lambda r: r["done"]),
        Column("成果", "", lambda r: r["results"]),
        Column("課題", "", lambda r: r["issues"]),
        Column("承認日時", "ISO 8601、秒まで、+09:00", lambda r: r["approved_at"], "datetime"),
    ],
    rows=evaluation_rows,
    keywords=["事業評価", "進行管理", "効果検証", "今後の方向性"],
)


SUBJECT_KINDS = {"vision": "ビジョン全体", "policy_field": "政策分野", "program": "連携事業"}


def committee_opinion_rows(vision, area):
    """One row per published opinion of the 懇談会, with the published response (the
    copies made when the meeting was approved; the working text is not read)."""
    opinions = (
        Opinion.objects.published()
        .filter(meeting__vision=vision, meeting__approved_at__isnull=False)
        .defer("text", "response")
        .select_related("meeting", "program", "policy_field", "revision")
        .order_by("meeting__fiscal_year", "meeting__held_on", "meeting_id", "order")
    )
    for opinion in opinions:
        if opinion.program is not None:
            kind, subject_id, subject = "program", opinion.program.pk, opinion.program.name
        elif opinion.policy_field is not None:
            kind = "policy_field"
            subject_id, subject = opinion.policy_field.number, opinion.policy_field.title
        else:
            kind, subject_id, subject = "vision", None, vision.title
        meeting = opinion.meeting
        yield {
            **area.area_row(),
            "meeting_date": meeting.held_on.isoformat(),
            "meeting": meeting.title,
            "fiscal_year": meeting.fiscal_year,
            "number": opinion.order,
            "subject_kind": kind,
            "subject_kind_label": SUBJECT_KINDS[kind],
            "subject_id": subject_id,
            "subject": subject,
            "opinion": opinion.published_text,
            "response": opinion.published_response,
            "revision": opinion.revision.title if opinion.revision else None,
            "published_at": timestamp(opinion.published_at),
        }


COMMITTEE_OPINIONS = Dataset(
    name="committee_opinions",
    title="共生ビジョン懇談会の意見と対応",
    description="共生ビジョン懇談会で出された意見と、それに対する事務局の考え方・対応（公表したものだけ）。意見の対象は、ビジョン全体・政策分野・連携事業のいずれか。意見を受けてビジョンを変更したときは、その変更の名称。",
    json_keys=[
        JsonKey("meeting_date", "懇談会の開催日（YYYY-MM-DD）", "date", required=True),
        JsonKey("meeting", "懇談会の名称"),
        JsonKey("fiscal_year", "評価した年度（西暦）", "integer", required=True),
        JsonKey("number", "意見の番号（会議の中の順番）", "integer", required=True),
        JsonKey(
            "subject_kind",
            '意見の対象："vision"（ビジョン全体）、"policy_field"（政策分野）、"program"（連携事業）',
            enum=tuple(SUBJECT_KINDS),
            required=True,
        ),
        JsonKey(
            "subject_id",
            "対象が連携事業なら事業ID、政策分野ならその番号、ビジョン全体なら null",
            "integer",
        ),
        JsonKey("subject", "対象の名称（ビジョン全体ならビジョンの名称）"),
        JsonKey("opinion", "意見"),
        JsonKey("response", "意見に対する考え方・対応"),
        JsonKey("revision", "意見を受けて行ったビジョンの変更の名称。なければ null"),
        JsonKey("published_at", "公表日時（ISO 8601、秒まで、+09:00）", "datetime"),
    ],
    csv_columns=[
        Column("懇談会の開催日", "YYYY-MM-DD", lambda r: r["meeting_date"], "date", required=True),
        Column("懇談会の名称", "", lambda r: r["meeting"]),
        Column("年度（西暦）", "評価した年度", _fy("fiscal_year"), "integer", required=True),
        Column("年度（和暦）", "", _fy_era("fiscal_year")),
        Column("意見番号", "会議の中の順番", lambda r: r["number"], "integer", required=True),
        Column(
            "意見の対象",
            " / ".join(SUBJECT_KINDS.values()),
            lambda r: r["subject_kind_label"],
            enum=tuple(SUBJECT_KINDS.values()),
            required=True,
        ),
        Column(
            "対象の番号",
            "連携事業なら事業ID、政策分野ならその番号、ビジョン全体なら空欄",
            lambda r: r["subject_id"],
            "integer",
        ),
        Column("対象の名称", "", lambda r: r["subject"]),
        Column("意見", "", lambda r: r["opinion"]),
        Column("考え方・対応", "", lambda r: r["response"]),
        Column("反映した計画の変更", "なければ空欄", lambda r: r["revision"]),
        Column("公表日時", "ISO 8601、秒まで、+09:00", lambda r: r["published_at"], "datetime"),
    ],
    rows=committee_opinion_rows,
    keywords=["共生ビジョン懇談会", "意見", "進行管理"],
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
        KPI_REVIEW,
        POPULATION,
        EVALUATIONS,
        COMMITTEE_OPINIONS,
    ]
}


# --- machine-readable descriptions ------------------------------------------------------


def package_name(vision: Vision) -> str:
    """The Data Package's name: lower case, digits, '-', '_' and '.' only."""
    return f"{Area.of(vision).code}-{vision.slug}".lower()


def datapackage(vision: Vision, index_url: str) -> dict:
    """A Frictionless Data Package: every dataset's CSV and JSON with its Table Schema.

    ``index_url``: the absolute URL of /opendata/; the files' paths are relative to it,
    where datapackage.json is served, so a downloaded copy of the folder validates too.
    """
    area = Area.of(vision)
    resources = []
    for dataset in DATASETS.values():
        common = {"title": dataset.title, "description": dataset.description}
        resources.append(
            {
                "name": f"{dataset.name}-csv",
                "path": dataset.file_name(area, "csv"),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig",
                **common,
                "schema": {
                    "fields": [c.schema() for c in dataset.all_csv_columns],
                    "missingValues": [""],
                },
            }
        )
        resources.append(
            {
                "name": f"{dataset.name}-json",
                "path": dataset.file_name(area, "json"),
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                **common,
                "schema": {"fields": [k.schema() for k in dataset.all_json_keys]},
            }
        )
    return {
        "name": package_name(vision),
        "title": f"{vision.title} オープンデータ",
        "description": (
            f"{vision.area_name}の{vision.title}のデータ。承認された数値だけを掲載しています。"
            f"{LICENSE_NOTE}{attribution(vision, index_url)}"
        ),
        "homepage": index_url,
        "licenses": [{"path": LICENSE_URL, "title": f"{LICENSE_TITLE}（{LICENSE_SHORT}）"}],
        "keywords": ["定住自立圏", "共生ビジョン", vision.area_name],
        "resources": resources,
    }


DCAT_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _ja(text: str) -> dict:
    return {"@value": text, "@language": "ja"}


def dcat_catalog(vision: Vision, index_url: str) -> dict:
    """A DCAT catalogue (JSON-LD) of the datasets, for a CKAN portal (ckanext-dcat) to harvest."""
    area = Area.of(vision)
    licence = {"@id": LICENSE_URL}
    publisher = {
        "@id": f"{index_url}#publisher",
        "@type": "foaf:Organization",
        "foaf:name": _ja(vision.area_name),
    }
    rights = _ja(f"{LICENSE_NOTE}{attribution(vision, index_url)}")
    datasets = []
    for dataset in DATASETS.values():
        distributions = []
        for extension, media_type, label in (
            ("csv", "text/csv", "CSV"),
            ("json", "application/json", "JSON"),
        ):
            url = index_url + dataset.file_name(area, extension)
            distributions.append(
                {
                    "@id": url,
                    "@type": "dcat:Distribution",
                    "dct:title": _ja(f"{dataset.title}（{label}）"),
                    "dct:format": label,
                    "dcat:mediaType": media_type,
                    "dcat:accessURL": {"@id": url},
                    "dcat:downloadURL": {"@id": url},
                    "dct:license": licence,
                    "dct:rights": rights,
                    "dct:conformsTo": {"@id": index_url + "datapackage.json"},
                }
            )
        datasets.append(
            {
                "@id": f"{index_url}#ds-{dataset.name}",
                "@type": "dcat:Dataset",
                "dct:identifier": f"{area.code}_{dataset.name}",
                "dct:title": _ja(dataset.title),
                "dct:description": _ja(dataset.description),
                "dcat:keyword": [_ja(k) for k in dataset.keywords],
                "dct:publisher": publisher,
                "dct:license": licence,
                "dct:rights": rights,
                "dct:language": {"@id": "http://id.loc.gov/vocabulary/iso639-1/ja"},
                "dcat:landingPage": {"@id": f"{index_url}#ds-{dataset.name}"},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": DCAT_CONTEXT,
        "@id": index_url + "catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _ja(f"{vision.title} オープンデータ"),
        "dct:description": _ja(f"{vision.area_name}の{vision.title}のデータセット。"),
        "dct:publisher": publisher,
        "dct:license": licence,
        "dct:rights": rights,
        "foaf:homepage": {"@id": index_url},
        "dcat:dataset": datasets,
    }
