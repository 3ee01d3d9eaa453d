"""The vision workbook: a whole partnership area's plan in one Excel file (docs/vision-workbook.md).

A secretariat fills it in from its own vision document; ``manage.py import_vision`` and
the admin screen 「ビジョンの取り込み」 load it, ``manage.py export_vision`` writes any area
in the same format.

Design: the workbook is the loader's document, in rows. ``vision.loader`` already maps a
document-shaped dict (``fixtures/vision/plan.json`` + ``statistics.json``, format in
``fixtures/vision/SCHEMA.md``) onto the models by natural keys, so there is one mapping
from a document to the database, and it is the one the fixtures are loaded with:

- **export** = models → that document dict (``export_document``) → .xlsx
  (``write_workbook``): one sheet per table, Japanese headers, a 説明 sheet documenting
  every column, municipality codes as text, every cell through ``core.xlsx_export.put``;
- **import** = .xlsx → the same dict (``read_workbook``: every sheet, row and cell checked,
  with Japanese messages that name the sheet, the row and the column) → checks against
  the database (a new area only) → ``load_vision`` inside one transaction → the quality
  checks of ``vision.quality`` (``import_workbook``). A dry run (``--dry-run``, the admin
  preview) rolls the transaction back after the quality checks, so what it reports is
  what the real import would create, found by the same code.

The English names (``name_en`` of the plan tree, programs and KPIs) travel in the workbook
and are handed to the loader explicitly, so an imported area never gets 新庄最上's
``fixtures/vision/names_en.json``. Decimal numbers are read as written (``parse_number``,
no float rounding beyond what Excel stores); a whole-number cell where a code belongs
(Excel drops the leading zero of 062057) is read as the six-digit code, whose check digit
then proves it.

What the workbook refuses as a whole (nothing saved): a missing sheet, column or item; a
hidden sheet; a formula or an error value in a cell; a date where a number or a text
belongs; a value that is not a number, not whole or out of range; an unknown choice; a
municipality code with a wrong check digit or not in the 「市町村」 sheet; a party to an
agreement item that is not a member or is the central city; a row that points at a
program, item, category or field that is not there; duplicate keys; an incomplete
statistics table the loader could not store; an oversized or unreadable file.

New areas only, in this round: a workbook whose 識別名 (slug) or ビジョンの名称 is already
registered is refused (the loader would update that vision in place; updating is for a
later round). Municipalities are shared between areas (a town may belong to two), so a
code that is already registered is reused only when the workbook gives it exactly the
registered values (name, figures, texts and its row position, which is its display order);
otherwise the import is refused rather than changing another area's town.

Not in the workbook: what the yearly cycle adds after the plan (budget, settlement and
KPI actuals, reporting years, published reports, plan revisions and the target history
they keep: a revised KPI is exported with its current target), and the fields the loader
does not write (schedule years, a program's first and last year, KPI tolerances).

The admin preview keeps the uploaded file server-side between the preview and the
confirmation (``keep_pending``): under an app-chosen random name in a private folder of
the system's temporary directory, with its SHA-256 in the user's session. Confirming
reads that very file back, checks the hash, and imports it only if it would create
exactly what the preview showed; otherwise nothing is saved and the page asks for a
fresh look. (Re-uploading with a hash check would make the secretariat pick the same
file twice; keeping it in the session would put megabytes into the session table.) The
folder must be shared by the app's processes, which it is on the single server of
deploy/; files older than a day are removed at the next upload.

One installation still serves one vision on its public pages, the current one (the
highest edition, ``Vision.objects.current``). An import that would make the new area the
current one says so (``becomes_current``) in the dry run and on the preview.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import re
import secrets
import tempfile
import time
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.parsers import expat

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from core.japanese import NumberFormatError, parse_number
from core.xlsx_export import put
from kpis.models import KPI
from municipalities.models import Municipality
from municipalities.validators import validate_municipality_code
from programs.models import CostShare, Program, ScheduleTask, StatedTotal, SubsidyScheme
from vision.loader import KEY_FIGURE_LABELS, load_vision
from vision.models import (
    AgreementItem,
    Category,
    HospitalPatients,
    ItemParty,
    PolicyField,
    PopulationFigure,
    StatisticsSource,
    Vision,
)
from vision.quality import ERROR, Finding, check_vision

# --- limits ----------------------------------------------------------------------------

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # a zip bomb is refused before openpyxl expands it
MAX_ROWS = 20000  # per sheet (新庄最上 has about 250 rows in its largest sheet)
MAX_COLUMNS = 40  # read per row; a value further right is reported, not silently dropped
MAX_MESSAGES = 100
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_bytes() -> int:
    return getattr(settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES)


# --- column kinds ----------------------------------------------------------------------

TEXT = "text"  # a text, exactly as typed ("" when blank)
LONG = "long"  # a long text (wide, wrapped column); paragraphs or lines as the help says
CODE = "code"  # 全国地方公共団体コード, six digits with the check digit, written as text
INT = "int"  # a whole number
YEAR = "year"  # a western year (2026)
DECIMAL = "decimal"  # a number as printed (89.6, -0.5)
MARK = "mark"  # ○ or blank
CHOICE = "choice"  # one of the column's labels (or its internal value)
PARTY = "party"  # ○ / — / 未定 (blank = 未定)
HOME = "home"  # a municipality code, その他 or 合計 (the hospital table's rows)

KIND_HELP = {
    TEXT: "文字",
    LONG: "文字（長文）",
    CODE: "全国地方公共団体コード（6桁の文字）",
    INT: "整数",
    YEAR: "西暦の年・年度（整数）",
    DECIMAL: "数値（小数可）",
    MARK: "○ または空欄",
    CHOICE: "選択肢",
    PARTY: "○・—・未定（空欄は未定）",
    HOME: "市町村コード・その他・合計",
}

CIRCLES = ("○", "〇", "◯")
DASHES = ("—", "－", "-", "―", "‐", "ー", "─", "‒", "–")
UNDECIDED = "未定"
PARTY_MARKS = {
    ItemParty.Status.PARTY: "○",
    ItemParty.Status.NOT_PARTY: "—",
    ItemParty.Status.UNDECIDED: UNDECIDED,
}
OTHER, TOTAL = "その他", "合計"


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    example: str = ""
    max_length: int | None = None
    places: int | None = None  # decimal places a DECIMAL may have
    digits: int | None = None  # all digits a DECIMAL may have
    minimum: int | None = 0  # for INT and DECIMAL; None = no lower bound
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = ()  # (value, label); the label is written
    width: int = 12

    @property
    def is_long(self) -> bool:
        return self.kind == LONG

    def labels(self) -> list[str]:
        if self.kind == MARK:
            return ["○"]
        if self.kind == PARTY:
            return ["○", "—", UNDECIDED]
        return [label for _value, label in self.choices]


@dataclass(frozen=True)
class Sheet:
    title: str
    help: str
    columns: tuple[Column, ...]
    vertical: bool = False  # 項目 | 値 rows (the vision's own fields) instead of a table

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _choices(text_choices) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in text_choices)


MAX_INT = 2_147_483_647  # PositiveIntegerField
MAX_AMOUNT = 10**15  # 千円 (BigIntegerField)

ITEM = Column("項目番号", "item", INT, True, "協定項目一覧表の通し番号。", "1", minimum=1, width=9)
PROGRAM_NUMBER = Column(
    "事業番号",
    "program",
    INT,
    True,
    "取組項目の中の「具体的な連携事業 1, 2…」の番号（番号のない事業は 1）。",
    "1",
    minimum=1,
    width=9,
)
ORDER = Column("順番", "order", INT, True, "並べる順（1, 2, 3…）。", "1", minimum=1, width=7)


def _year(header: str, key: str, required: bool = True, help: str = "", example: str = "2025"):
    return Column(header, key, YEAR, required, help, example, width=10)


def _code(header: str, key: str, help: str = "", required: bool = True, example: str = "062057"):
    return Column(header, key, CODE, required, help, example, width=12)


def _percent(header: str, key: str, help: str = "", required: bool = True, example: str = "7.5"):
    return Column(
        header, key, DECIMAL, required, help, example, places=1, digits=5, minimum=None, width=12
    )


VISION_SHEET = Sheet(
    "ビジョン",
    "ビジョンそのものの項目。1列目（項目）は変えずに、2列目（値）に入力します。",
    (
        Column(
            "識別名",
            "slug",
            TEXT,
            True,
            "URL などに使う半角英数字・ハイフンの名前。登録済みのビジョンと同じ識別名は使えません。",
            "shinjo-mogami-3",
            max_length=60,
        ),
        Column("定住自立圏の名称", "area_name", TEXT, True, "", "新庄最上定住自立圏", 100),
        Column(
            "ビジョンの名称",
            "title",
            TEXT,
            True,
            "登録済みのビジョンと同じ名称は使えません。",
            "新庄最上定住自立圏 第3次共生ビジョン",
            200,
        ),
        Column("次数", "edition", INT, True, "第3次なら 3。", "3", maximum=32767),
        Column("状態", "status", CHOICE, True, "", "素案", choices=_choices(Vision.Status.choices)),
        Column("日付（表示）", "date_label", TEXT, False, "表紙の日付。", "令和8年1月", 40),
        _year(
            "計画期間の初年度（西暦）", "period_start", help="令和8年度なら 2026。", example="2026"
        ),
        _year(
            "計画期間の最終年度（西暦）", "period_end", help="令和12年度なら 2030。", example="2030"
        ),
        Column("策定の趣旨", "purpose", LONG, False, "本文のとおり。", "（本文）"),
        Column("ビジョンの期間（本文）", "period_text", LONG, False, "本文のとおり。", "（本文）"),
        Column("圏域の状況（本文）", "area_situation", LONG, False, "本文のとおり。", "（本文）"),
        Column(
            "圏域の将来像（本文）",
            "future_image",
            LONG,
            False,
            "段落は空行で区切ります（セル内の改行は Alt+Enter）。",
            "（本文）",
        ),
        Column("中心市の役割分担", "role_central", LONG, False, "本文のとおり。", "（本文）"),
        Column("連携町村の役割分担", "role_partners", LONG, False, "本文のとおり。", "（本文）"),
        Column(
            "市町村概要の出典", "profile_sources", LONG, False, "人口・面積の注記。", "※人口：…"
        ),
    ),
    vertical=True,
)

SHEETS: tuple[Sheet, ...] = (
    VISION_SHEET,
    Sheet(
        "これまでの取組",
        "「これまでの取組」の年表。1行に1つ。",
        (
            ORDER,
            Column("日付", "label", TEXT, True, "印刷どおり。", "平成27年2月13日", 40, width=18),
            Column("内容", "text", LONG, True, "", "新庄市が中心市宣言"),
        ),
    ),
    Sheet(
        "市町村",
        "構成市町村。1行に1市町村、行の順がホームページでの表示順です。中心市に ○ を付けます（1つ以上）。",
        (
            _code("全国地方公共団体コード", "code", "検査数字を含む6桁。"),
            Column("市町村名", "name", TEXT, True, "", "新庄市", 40),
            Column("ふりがな", "name_kana", TEXT, False, "ひらがなで。", "しんじょうし", 80),
            Column("英語名", "name_en", TEXT, False, "英語のページに表示。", "Shinjo City", 80),
            Column("中心市", "is_central_city", MARK, False, "中心市だけ ○。", "○", width=7),
            Column(
                "人口（人）",
                "population",
                INT,
                False,
                "市町村の概要の人口。",
                "32075",
                maximum=MAX_INT,
            ),
            Column("面積（km²）", "area_km2", DECIMAL, False, "", "222.85", places=2, digits=8),
            Column("概要", "profile", LONG, False, "段落は空行で区切ります。", "（本文）"),
            Column(
                "将来像・スローガン", "slogan", TEXT, False, "", "（概要に引用された将来像）", 200
            ),
        ),
    ),
    Sheet(
        "政策分野",
        "協定項目一覧表の政策分野。",
        (
            Column("番号", "number", INT, True, "", "1", minimum=1, width=7),
            Column(
                "名称（一覧表）",
                "title",
                TEXT,
                True,
                "協定項目一覧表の書き方。",
                "生活機能の強化",
                100,
            ),
            Column(
                "名称（見出し）",
                "section_title",
                TEXT,
                False,
                "具体的取組の章の見出しの書き方。",
                "生活機能の強化に係る政策分野",
                100,
            ),
            Column("英語名", "name_en", TEXT, False, "", "Strengthening living functions", 150),
        ),
    ),
    Sheet(
        "分類",
        "政策分野の中の分類（医療、福祉…）。",
        (
            Column(
                "政策分野番号",
                "field",
                INT,
                True,
                "「政策分野」シートの番号。",
                "1",
                minimum=1,
                width=9,
            ),
            Column("番号", "number", INT, True, "政策分野の中での番号。", "1", minimum=1, width=7),
            Column("名称（一覧表）", "title", TEXT, True, "", "医療", 100),
            Column("名称（見出し）", "section_title", TEXT, False, "", "医療", 100),
            Column("英語名", "name_en", TEXT, False, "", "Medical care", 150),
        ),
    ),
    Sheet(
        "取組項目",
        "連携する取組項目（協定項目一覧表の1行）。",
        (
            Column(
                "項目番号", "number", INT, True, "ビジョン全体の通し番号。", "1", minimum=1, width=9
            ),
            Column("政策分野番号", "field", INT, True, "", "1", minimum=1, width=9),
            Column(
                "分類番号",
                "category",
                INT,
                True,
                "政策分野の中の分類の番号。",
                "1",
                minimum=1,
                width=9,
            ),
            Column("名称（一覧表）", "title", TEXT, True, "", "地域医療体制の充実", 100),
            Column("名称（見出し）", "section_title", TEXT, False, "", "地域医療体制の充実", 100),
            Column("英語名", "name_en", TEXT, False, "", "Better regional medical care", 150),
            Column("取組の内容", "content", LONG, False, "", "（本文）"),
            Column("甲（中心市）の役割", "role_central", LONG, False, "", "（本文）"),
            Column("乙（連携町村）の役割", "role_partner", LONG, False, "", "（本文）"),
        ),
    ),
    Sheet(
        "協定締結",
        "取組項目ごとの連携町村の協定締結（一覧表の ○・—・空欄）。中心市の行は入れません。",
        (
            ITEM,
            _code("市町村コード", "code", "「市町村」シートの連携町村。"),
            Column(
                "締結",
                "status",
                PARTY,
                False,
                "○ は締結、— は締結しない、未定（空欄）は未定。",
                "○",
                width=7,
            ),
        ),
    ),
    Sheet(
        "連携事業",
        "具体的な連携事業。",
        (
            ITEM,
            PROGRAM_NUMBER,
            Column("事業名", "name", TEXT, True, "", "最上地域保健医療対策事業", 150, width=30),
            Column(
                "英語名", "name_en", TEXT, False, "", "Mogami regional health care program", 200
            ),
            Column(
                "関係市町村名（印刷どおり）",
                "participants_printed",
                TEXT,
                False,
                "ビジョンに印刷されたとおり。関係市町村そのものは「関係市町村」シートに。",
                "新庄市、金山町、最上町、…",
                200,
                width=30,
            ),
            Column(
                "関係市町村未定",
                "undecided",
                MARK,
                False,
                "中心市だけが記載され、ほかが決まっていない事業に ○（「関係市町村」シートには行を入れません）。",
                "",
                width=9,
            ),
            Column("事業内容", "content", LONG, False, "", "（本文）"),
            Column("期待される効果", "effect", LONG, False, "", "（本文）"),
            Column(
                "役割分担の考え方",
                "cost_split",
                LONG,
                False,
                "項目（・）ごとに1行。",
                "新庄市は、協議会の事務局を担い、…",
            ),
            Column(
                "成果指標",
                "kpi_policy",
                CHOICE,
                True,
                "成果指標の表があれば「成果指標あり」。",
                "成果指標あり",
                choices=_choices(Program.KPIPolicy.choices),
                width=16,
            ),
            Column(
                "成果指標についての記載",
                "kpi_policy_text",
                TEXT,
                False,
                "「事業化した後に設定」「設定しない」のときの文のとおり。",
                "事業化した後に、成果指標を設定する。",
                200,
                width=30,
            ),
        ),
    ),
    Sheet(
        "関係市町村",
        "連携事業の関係市町村。1行に1市町村（中心市も含めます）。",
        (ITEM, PROGRAM_NUMBER, _code("市町村コード", "code", "「市町村」シートの市町村。")),
    ),
    Sheet(
        "実施スケジュール",
        "連携事業の具体的な事業項目。",
        (
            ITEM,
            PROGRAM_NUMBER,
            ORDER,
            Column(
                "具体的な事業項目", "title", TEXT, True, "", "医療従事者確保対策", 200, width=30
            ),
        ),
    ),
    Sheet(
        "補助制度",
        "連携事業ごとの、活用を想定する補助制度等。",
        (
            ITEM,
            PROGRAM_NUMBER,
            ORDER,
            Column(
                "補助制度等",
                "name",
                TEXT,
                True,
                "",
                "山形県地域救急医療体制整備推進事業費補助金",
                200,
                width=30,
            ),
        ),
    ),
    Sheet(
        "事業費見込の計",
        "事業費見込の表の「計」の行（印刷された値）。印刷されていない年度は行を入れません。",
        (
            ITEM,
            PROGRAM_NUMBER,
            _year("年度（西暦）", "year", help="令和7年度なら 2025。"),
            Column("計（千円）", "amount", INT, True, "", "1358", maximum=MAX_AMOUNT),
        ),
    ),
    Sheet(
        "負担額",
        "事業費見込の市町村別の負担額（千円）。印刷された行ごとに1行。空欄は「未記入」、0 は「負担なし」。",
        (
            ITEM,
            PROGRAM_NUMBER,
            _year("年度（西暦）", "year", help="令和7年度なら 2025。"),
            _code("市町村コード", "code", "「市町村」シートの市町村。"),
            Column(
                "負担額（千円）",
                "amount",
                INT,
                False,
                "空欄と 0 は別の意味です。",
                "612",
                maximum=MAX_AMOUNT,
            ),
        ),
    ),
    Sheet(
        "成果指標",
        "連携事業の成果指標（KPI）。",
        (
            ITEM,
            PROGRAM_NUMBER,
            ORDER,
            Column(
                "指標名", "name", TEXT, True, "単位を除いた名前。", "年間事業開催数", 150, width=30
            ),
            Column("単位", "unit", TEXT, False, "（ ）内の単位。なければ空欄。", "回", 20, width=8),
            Column(
                "指標名（印刷どおり）",
                "name_printed",
                TEXT,
                False,
                "",
                "年間事業開催数 (回)",
                200,
                width=30,
            ),
            Column(
                "現状値",
                "baseline",
                DECIMAL,
                False,
                "空欄は未設定（0 とは違います）。",
                "25",
                places=2,
                digits=14,
                minimum=None,
            ),
            _year(
                "現状値の年度（西暦）",
                "baseline_year",
                False,
                "現状値を入れたら必須。R6 なら 2024。",
                "2024",
            ),
            Column(
                "目標値",
                "target",
                DECIMAL,
                False,
                "空欄は目標未設定。",
                "36",
                places=2,
                digits=14,
                minimum=None,
            ),
            _year(
                "目標値の年度（西暦）",
                "target_year",
                False,
                "目標値を入れたら必須。R12 なら 2030。",
                "2030",
            ),
            Column(
                "備考",
                "note",
                TEXT,
                False,
                "印刷どおり。出典（…調べ・…調査）、「各市町村の…の合計」、集計期間はここから読み取ります。",
                "委員会、幹事会を除く",
                200,
                width=30,
            ),
            Column("英語名", "name_en", TEXT, False, "", "Events held per year", 200),
        ),
    ),
    Sheet(
        "統計の出典",
        "4つの統計表の資料（出典）。4行とも必要です（表に行がなくても）。",
        (
            Column(
                "表",
                "table",
                CHOICE,
                True,
                "",
                "総人口の推移と将来推計",
                choices=_choices(StatisticsSource.Table.choices),
                width=30,
            ),
            Column("資料（出典）", "source", LONG, True, "", "資料：実績は、「国勢調査」より"),
        ),
    ),
    Sheet(
        "人口",
        "総人口の推移と将来推計。範囲・市町村ごとに、すべての年の行を入れます。",
        (
            Column(
                "範囲",
                "scope",
                CHOICE,
                True,
                "市町村の行には市町村コードを、圏域の合計・県の行には空欄を。",
                "市町村",
                choices=_choices(PopulationFigure.Scope.choices),
            ),
            _code("市町村コード", "code", "範囲が市町村のときだけ。", required=False),
            _year("年（西暦）", "year", example="1990"),
            Column(
                "種別",
                "kind",
                CHOICE,
                True,
                "同じ年はどの行も同じ種別に。",
                "実績（国勢調査）",
                choices=_choices(PopulationFigure.Kind.choices),
                width=16,
            ),
            Column("人口（人）", "population", INT, True, "", "43125", maximum=MAX_INT),
            _percent("増減率（%・印刷値）", "rate", "表の下段の5年前からの増減率。", False, "-0.5"),
            _percent(
                "県人口に占める割合（%・印刷値）",
                "share",
                "「圏域の割合」。範囲が圏域の合計の行だけ。",
                False,
                "8.1",
            ),
        ),
    ),
    Sheet(
        "本文中の数値",
        "本文で引用される人口の数値。内容は次のいずれか："
        + "、".join(label for label, _unit in KEY_FIGURE_LABELS.values()),
        (
            Column(
                "内容",
                "key",
                CHOICE,
                True,
                "",
                "令和2年国勢調査の圏域人口",
                choices=tuple((key, label) for key, (label, _unit) in KEY_FIGURE_LABELS.items()),
                width=40,
            ),
            Column("値", "value", INT, True, "", "70922", minimum=None, maximum=MAX_AMOUNT),
        ),
    ),
    Sheet(
        "昼夜間人口",
        "昼夜間人口比率。市町村コードが空欄の行が「計」（1行、必須）。",
        (
            _year("国勢調査の年", "year", example="2020"),
            _code("市町村コード", "code", "空欄は「計」の行。", required=False),
            Column("人口（人）", "population", INT, True, "", "34432", maximum=MAX_INT),
            Column("昼間人口（人）", "daytime_population", INT, True, "", "38084", maximum=MAX_INT),
            Column(
                "昼夜間人口比率（印刷値）",
                "ratio",
                DECIMAL,
                True,
                "",
                "110.6",
                places=1,
                digits=6,
            ),
        ),
    ),
    Sheet(
        "通勤通学の総数",
        "圏域内の通勤通学者の表の、常住地ごとの総数と他市町村への割合（印刷値）。",
        (
            _year("国勢調査の年", "year", example="2020"),
            _code("常住地コード", "origin"),
            Column(
                "通勤通学者の総数（印刷値）",
                "total",
                INT,
                True,
                "自宅従業者を含まない。",
                "15845",
                maximum=MAX_INT,
            ),
            _percent("圏域内の他市町村へ（%・印刷値）", "to_other", "", True, "12.6"),
        ),
    ),
    Sheet(
        "通勤通学の流れ",
        "常住地から通勤通学先への人数と割合。常住地は「通勤通学の総数」シートにあること。",
        (
            _year("国勢調査の年", "year", example="2020"),
            _code("常住地コード", "origin"),
            _code("通勤通学先コード", "destination"),
            Column("通勤通学者（人）", "commuters", INT, True, "", "12273", maximum=MAX_INT),
            _percent("通勤通学割合（%・印刷値）", "share", "", True, "77.5"),
        ),
    ),
    Sheet(
        "病院の利用状況",
        "圏域の中核病院の、住所地別の患者数。区分ごとに「合計」の行が1行必要です。",
        (
            _year("年度（西暦）", "year", example="2024"),
            Column(
                "病院",
                "hospital",
                TEXT,
                True,
                "すべての行で同じ。",
                "山形県立新庄病院",
                60,
                width=20,
            ),
            Column(
                "区分",
                "kind",
                CHOICE,
                True,
                "",
                "入院患者数",
                choices=_choices(HospitalPatients.Kind.choices),
            ),
            Column(
                "住所地", "home", HOME, True, "市町村コード、「その他」または「合計」。", "062057"
            ),
            Column("患者数（人）", "patients", INT, True, "", "44367", maximum=MAX_INT),
            _percent("比率（%・印刷値）", "share", "", True, "47.4"),
        ),
    ),
)
SHEETS_BY_TITLE = {sheet.title: sheet for sheet in SHEETS}
GUIDE_TITLE = "説明"


# --- the document ------------------------------------------------------------------------


@dataclass
class Document:
    """The loader's input: plan.json, statistics.json and names_en.json as dicts.

    ``where`` names the workbook cell of a few values the database checks refer to."""

    plan: dict
    statistics: dict
    names_en: dict
    where: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.plan["vision"]["slug"]

    @property
    def title(self) -> str:
        return self.plan["vision"]["title"]


class WorkbookRejected(Exception):
    """The workbook cannot be imported; ``messages`` say why, in Japanese."""

    def __init__(self, messages: list[str]):
        if len(messages) > MAX_MESSAGES:
            messages = [
                *messages[:MAX_MESSAGES],
                f"ほかに {len(messages) - MAX_MESSAGES} 件の問題があります。",
            ]
        super().__init__("\n".join(messages))
        self.messages = messages


# --- export: models → document ----------------------------------------------------------


def number_text(value) -> str | None:
    """A decimal as the document writes it: no trailing zeros (89.60 → "89.6", 25.00 → "25")."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return str(value.normalize())


def export_document(vision: Vision) -> Document:
    """The vision as the loader's document (the keys and order of fixtures/vision/*.json)."""
    municipalities = list(vision.municipalities.order_by("sort_order", "code"))
    plan = {
        "vision": {
            "slug": vision.slug,
            "area_name": vision.area_name,
            "title": vision.title,
            "edition": vision.edition,
            "status": vision.status,
            "date_label": vision.date_label,
            "period_start": vision.period_start,
            "period_end": vision.period_end,
            "purpose": vision.purpose,
            "period_text": vision.period_text,
            "area_situation": vision.area_situation,
            "future_image": paragraphs(vision.future_image),
            "role_central": vision.role_central,
            "role_partners": vision.role_partners,
            "profile_sources": vision.profile_sources,
            "history": [
                {"label": e.date_label, "text": e.text} for e in vision.events.order_by("order")
            ],
        },
        "municipalities": [
            {
                "code": m.code,
                "name": m.name,
                "name_kana": m.name_kana,
                "name_en": m.name_en,
                "is_central_city": m.is_central_city,
                "population": m.population,
                "area_km2": None if m.area_km2 is None else str(m.area_km2),
                "profile": paragraphs(m.profile),
                "slogan": m.slogan,
            }
            for m in municipalities
        ],
        "policy_fields": [],
    }
    names_en: dict[str, dict[str, str]] = {
        "policy_fields": {},
        "categories": {},
        "items": {},
        "programs": {},
        "kpis": {},
    }
    in_vision = {"program__item__category__policy_field__vision": vision}
    programs = defaultdict(list)
    for program in (
        Program.objects.filter(item__category__policy_field__vision=vision)
        .prefetch_related("participants")
        .order_by("number")
    ):
        programs[program.item_id].append(program)
    by_program = {
        model: _grouped(model.objects.filter(**in_vision).order_by(*ordering))
        for model, ordering in (
            (ScheduleTask, ["order"]),
            (SubsidyScheme, ["order"]),
            (StatedTotal, ["pk"]),
            (KPI, ["order"]),
        )
    }
    shares = _grouped(
        CostShare.objects.filter(**in_vision, kind=CostShare.Kind.PLAN)
        .select_related("municipality")
        .order_by("pk")
    )
    parties = defaultdict(list)
    for party in (
        ItemParty.objects.filter(item__category__policy_field__vision=vision)
        .select_related("municipality")
        .order_by("pk")
    ):
        parties[party.item_id].append(party)
    items = defaultdict(list)
    for item in AgreementItem.objects.filter(category__policy_field__vision=vision).order_by(
        "number"
    ):
        items[item.category_id].append(item)
    categories = defaultdict(list)
    for category in Category.objects.filter(policy_field__vision=vision).order_by("number"):
        categories[category.policy_field_id].append(category)

    for policy_field in PolicyField.objects.filter(vision=vision).order_by("number"):
        _name_en(names_en["policy_fields"], str(policy_field.number), policy_field)
        field_data = {
            "number": policy_field.number,
            "title": policy_field.title,
            "section_title": policy_field.section_title,
            "categories": [],
        }
        plan["policy_fields"].append(field_data)
        for category in categories[policy_field.pk]:
            _name_en(names_en["categories"], f"{policy_field.number}-{category.number}", category)
            category_data = {
                "number": category.number,
                "title": category.title,
                "section_title": category.section_title,
                "items": [],
            }
            field_data["categories"].append(category_data)
            for item in items[category.pk]:
                _name_en(names_en["items"], str(item.number), item)
                category_data["items"].append(
                    {
                        "number": item.number,
                        "title": item.title,
                        "section_title": item.section_title,
                        "content": item.content,
                        "role_central": item.role_central,
                        "role_partner": item.role_partner,
                        "parties": {p.municipality.code: p.status for p in parties[item.pk]},
                        "programs": [
                            _program_data(program, item, by_program, shares[program.pk], names_en)
                            for program in programs[item.pk]
                        ],
                    }
                )
    return Document(
        plan=plan,
        statistics=_statistics_data(vision),
        names_en={key: value for key, value in names_en.items() if value},
    )


def paragraphs(text: str) -> list[str]:
    """The inverse of the loader's "\\n\\n".join (exact, blank paragraphs included)."""
    return text.split("\n\n") if text else []


def _grouped(queryset) -> defaultdict:
    groups = defaultdict(list)
    for row in queryset:
        groups[row.program_id].append(row)
    return groups


def _name_en(names: dict, key: str, obj) -> None:
    if obj.name_en:
        names[key] = obj.name_en


def _program_data(program, item, by_program, shares, names_en) -> dict:
    _name_en(names_en["programs"], f"{item.number}-{program.number}", program)
    share_data: dict[str, dict[str, int | None]] = {}
    for share in shares:
        share_data.setdefault(str(share.fiscal_year), {})[share.municipality.code] = (
            share.amount_kyen
        )
    kpis = []
    for kpi in by_program[KPI][program.pk]:
        _name_en(names_en["kpis"], f"{item.number}-{program.number}-{kpi.order}", kpi)
        kpis.append(
            {
                "name": kpi.name,
                "unit": kpi.unit,
                "name_printed": kpi.name_printed,
                "baseline": number_text(kpi.baseline),
                "baseline_year": kpi.baseline_year,
                "target": number_text(kpi.target),
                "target_year": kpi.target_year,
                "note": kpi.note,
            }
        )
    participants = sorted(program.participants.all(), key=lambda m: (m.sort_order, m.code))
    return {
        "number": program.number,
        "name": program.name,
        "participants_printed": program.participants_printed,
        "participants": None if program.participants_undecided else [m.code for m in participants],
        "content": program.content,
        "effect": program.effect,
        "schedule": [t.title for t in by_program[ScheduleTask][program.pk]],
        "subsidies": [s.name for s in by_program[SubsidyScheme][program.pk]],
        "cost_split": program.cost_split.split("\n") if program.cost_split else [],
        "stated_totals": {
            str(t.fiscal_year): t.amount_kyen for t in by_program[StatedTotal][program.pk]
        },
        "shares": share_data,
        "kpi_policy": program.kpi_policy,
        "kpi_policy_text": program.kpi_policy_text,
        "kpis": kpis,
    }


def _statistics_data(vision: Vision) -> dict:
    sources = dict(vision.statistics_sources.values_list("table", "source"))
    figures = list(vision.population_figures.select_related("municipality").order_by("pk"))
    years = sorted({f.year for f in figures})
    census = sorted({f.year for f in figures if f.kind == PopulationFigure.Kind.CENSUS})
    groups: dict[tuple, dict[int, PopulationFigure]] = {}
    for figure in figures:
        code = figure.municipality.code if figure.municipality else None
        groups.setdefault((figure.scope, code), {})[figure.year] = figure
    rows = []
    area_share: list[str | None] = []
    for (scope, code), by_year in groups.items():
        in_order = [by_year.get(year) for year in years]
        rates = [None if f is None else number_text(f.printed_change_rate) for f in in_order]
        rows.append(
            {
                "scope": scope,
                "code": code,
                "values": [None if f is None else f.population for f in in_order],
                "printed_rates": rates if any(r is not None for r in rates) else None,
            }
        )
        if scope == PopulationFigure.Scope.AREA:
            area_share = [
                None if f is None else number_text(f.printed_prefecture_share) for f in in_order
            ]
    population = {
        "source": sources.get(StatisticsSource.Table.POPULATION, ""),
        "years": years,
        "census_years": census,
        "projection_years": [y for y in years if y not in census],
        "rows": rows,
        "printed_area_share": area_share,
    }
    key_figures = {kf.key.replace("-", "_"): kf.value for kf in vision.key_figures.order_by("pk")}

    day_rows, day_total, day_year = [], None, None
    for row in vision.daytime_populations.select_related("municipality").order_by("pk"):
        day_year = row.census_year
        values = {
            "population": row.population,
            "daytime_population": row.daytime_population,
            "printed_ratio": number_text(row.printed_ratio),
        }
        if row.municipality is None:
            day_total = values
        else:
            day_rows.append({"code": row.municipality.code, **values})
    daytime = {
        "source": sources.get(StatisticsSource.Table.DAYTIME, ""),
        "census_year": day_year,
        "rows": day_rows,
        "printed_total": day_total,
    }

    flows = defaultdict(list)
    for flow in vision.commuting_flows.select_related("origin", "destination").order_by("pk"):
        flows[flow.census_year, flow.origin_id].append(flow)
    commuting_rows, commuting_year = [], None
    for origin in vision.commuting_origins.select_related("origin").order_by("pk"):
        commuting_year = origin.census_year
        its_flows = flows[origin.census_year, origin.origin_id]
        commuting_rows.append(
            {
                "origin": origin.origin.code,
                "flows": {f.destination.code: f.commuters for f in its_flows},
                "printed_shares": {
                    f.destination.code: number_text(f.printed_share) for f in its_flows
                },
                "printed_total": origin.printed_total,
                "printed_to_other_share": number_text(origin.printed_to_other_share),
            }
        )
    commuting = {
        "source": sources.get(StatisticsSource.Table.COMMUTING, ""),
        "census_year": commuting_year,
        "rows": commuting_rows,
    }

    hospital_rows: dict[str, dict] = {}
    hospital_name, hospital_year = "", None
    for row in vision.hospital_patients.select_related("municipality").order_by("pk"):
        hospital_name, hospital_year = row.hospital, row.fiscal_year
        data = hospital_rows.setdefault(
            row.kind,
            {
                "kind": row.kind,
                "label": HospitalPatients.Kind(row.kind).label,
                "by_home": {},
                "printed_shares": {},
                "printed_total": None,
                "printed_total_share": None,
            },
        )
        if row.row == HospitalPatients.Row.TOTAL:
            data["printed_total"] = row.patients
            data["printed_total_share"] = number_text(row.printed_share)
            continue
        home = "other" if row.row == HospitalPatients.Row.OTHER else row.municipality.code
        data["by_home"][home] = row.patients
        data["printed_shares"][home] = number_text(row.printed_share)
    hospital = {
        "source": sources.get(StatisticsSource.Table.HOSPITAL, ""),
        "fiscal_year": hospital_year,
        "hospital": hospital_name,
        "rows": list(hospital_rows.values()),
    }
    return {
        "population": population,
        "population_note": key_figures,
        "daytime": daytime,
        "commuting": commuting,
        "hospital": hospital,
    }


# --- export: document → rows → .xlsx ------------------------------------------------------


def _cell_number(value):
    """A document number as the cell's number (a decimal string such as "89.6" as 89.6)."""
    if value is None or isinstance(value, int):
        return value
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value


def document_rows(document: Document) -> dict[str, list[list]]:
    """Every sheet's rows (without the header), in the sheets' column order."""
    plan, stats, names = document.plan, document.statistics, document.names_en
    vision = plan["vision"]
    en = {
        key: names.get(key, {})
        for key in ("policy_fields", "categories", "items", "programs", "kpis")
    }
    rows: dict[str, list[list]] = {sheet.title: [] for sheet in SHEETS}
    vision_values = {
        **vision,
        "status": dict(Vision.Status.choices)[vision["status"]],
        "future_image": "\n\n".join(vision["future_image"]),
    }
    rows["ビジョン"] = [[c.header, vision_values[c.key]] for c in VISION_SHEET.columns]
    rows["これまでの取組"] = [
        [order, event["label"], event["text"]]
        for order, event in enumerate(vision["history"], start=1)
    ]
    rows["市町村"] = [
        [
            m["code"],
            m["name"],
            m["name_kana"],
            m["name_en"],
            "○" if m["is_central_city"] else None,
            m["population"],
            _cell_number(m["area_km2"]),
            "\n\n".join(m["profile"]),
            m["slogan"],
        ]
        for m in plan["municipalities"]
    ]
    kpi_policies = dict(Program.KPIPolicy.choices)
    for f in plan["policy_fields"]:
        rows["政策分野"].append(
            [
                f["number"],
                f["title"],
                f["section_title"],
                en["policy_fields"].get(str(f["number"]), ""),
            ]
        )
        for c in f["categories"]:
            key = f"{f['number']}-{c['number']}"
            rows["分類"].append(
                [
                    f["number"],
                    c["number"],
                    c["title"],
                    c["section_title"],
                    en["categories"].get(key, ""),
                ]
            )
            for i in c["items"]:
                n = i["number"]
                rows["取組項目"].append(
                    [
                        n,
                        f["number"],
                        c["number"],
                        i["title"],
                        i["section_title"],
                        en["items"].get(str(n), ""),
                        i["content"],
                        i["role_central"],
                        i["role_partner"],
                    ]
                )
                for code, status in i["parties"].items():
                    rows["協定締結"].append([n, code, PARTY_MARKS[status]])
                for p in i["programs"]:
                    _program_rows(rows, n, p, en, kpi_policies)
    _statistics_rows(rows, stats)
    return rows


def _program_rows(rows, n, p, en, kpi_policies) -> None:
    pn = p["number"]
    rows["連携事業"].append(
        [
            n,
            pn,
            p["name"],
            en["programs"].get(f"{n}-{pn}", ""),
            p["participants_printed"],
            "○" if p["participants"] is None else None,
            p["content"],
            p["effect"],
            "\n".join(p["cost_split"]),
            kpi_policies[p["kpi_policy"]],
            p["kpi_policy_text"],
        ]
    )
    rows["関係市町村"] += [[n, pn, code] for code in p["participants"] or []]
    rows["実施スケジュール"] += [
        [n, pn, order, title] for order, title in enumerate(p["schedule"], start=1)
    ]
    rows["補助制度"] += [[n, pn, order, name] for order, name in enumerate(p["subsidies"], start=1)]
    rows["事業費見込の計"] += [
        [n, pn, int(year), amount] for year, amount in p["stated_totals"].items()
    ]
    for year, shares in p["shares"].items():
        rows["負担額"] += [[n, pn, int(year), code, amount] for code, amount in shares.items()]
    for order, k in enumerate(p["kpis"], start=1):
        rows["成果指標"].append(
            [
                n,
                pn,
                order,
                k["name"],
                k["unit"],
                k["name_printed"],
                _cell_number(k["baseline"]),
                k["baseline_year"],
                _cell_number(k["target"]),
                k["target_year"],
                k["note"],
                en["kpis"].get(f"{n}-{pn}-{order}", ""),
            ]
        )


def _statistics_rows(rows, stats) -> None:
    tables = dict(StatisticsSource.Table.choices)
    rows["統計の出典"] = [
        [tables[table], stats[table]["source"]] for table in StatisticsSource.Table.values
    ]
    pop = stats["population"]
    census = set(pop["census_years"])
    scopes, kinds = dict(PopulationFigure.Scope.choices), dict(PopulationFigure.Kind.choices)
    for row in pop["rows"]:
        rates = row["printed_rates"] or [None] * len(pop["years"])
        shares = pop["printed_area_share"] if row["scope"] == "area" else [None] * len(pop["years"])
        for year, value, rate, share in zip(
            pop["years"], row["values"], rates, shares, strict=True
        ):
            rows["人口"].append(
                [
                    scopes[row["scope"]],
                    row["code"],
                    year,
                    kinds["census" if year in census else "projection"],
                    value,
                    _cell_number(rate),
                    _cell_number(share),
                ]
            )
    rows["本文中の数値"] = [
        [KEY_FIGURE_LABELS[key][0], value] for key, value in stats["population_note"].items()
    ]
    day = stats["daytime"]
    for row in day["rows"]:
        rows["昼夜間人口"].append(
            [
                day["census_year"],
                row["code"],
                row["population"],
                row["daytime_population"],
                _cell_number(row["printed_ratio"]),
            ]
        )
    if day["printed_total"] is not None:
        total = day["printed_total"]
        rows["昼夜間人口"].append(
            [
                day["census_year"],
                None,
                total["population"],
                total["daytime_population"],
                _cell_number(total["printed_ratio"]),
            ]
        )
    com = stats["commuting"]
    for row in com["rows"]:
        rows["通勤通学の総数"].append(
            [
                com["census_year"],
                row["origin"],
                row["printed_total"],
                _cell_number(row["printed_to_other_share"]),
            ]
        )
        for code, commuters in row["flows"].items():
            rows["通勤通学の流れ"].append(
                [
                    com["census_year"],
                    row["origin"],
                    code,
                    commuters,
                    _cell_number(row["printed_shares"][code]),
                ]
            )
    hosp = stats["hospital"]
    kinds = dict(HospitalPatients.Kind.choices)
    for row in hosp["rows"]:
        for home, patients in row["by_home"].items():
            rows["病院の利用状況"].append(
                [
                    hosp["fiscal_year"],
                    hosp["hospital"],
                    kinds[row["kind"]],
                    OTHER if home == "other" else home,
                    patients,
                    _cell_number(row["printed_shares"][home]),
                ]
            )
        rows["病院の利用状況"].append(
            [
                hosp["fiscal_year"],
                hosp["hospital"],
                kinds[row["kind"]],
                TOTAL,
                row["printed_total"],
                _cell_number(row["printed_total_share"]),
            ]
        )


_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_TOP = Alignment(vertical="top")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LONG_WIDTH = 60
VALIDATED_ROWS = 2000  # drop-down lists reach this far below the header


def write_workbook(document: Document) -> bytes:
    """The .xlsx of a document: the 説明 sheet, then one sheet per table."""
    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_TITLE
    _write_guide(guide, document)
    rows = document_rows(document)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title)
        if sheet.vertical:
            _write_vertical(ws, sheet, rows[sheet.title])
        else:
            _write_table(ws, sheet, rows[sheet.title])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def export_workbook(vision: Vision) -> bytes:
    return write_workbook(export_document(vision))


def _header_cell(ws, row: int, column: int, value: str) -> None:
    cell = ws.cell(row=row, column=column)
    put(cell, value)
    cell.font = _BOLD
    cell.fill = _HEADER_FILL
    cell.alignment = _WRAP_TOP


def _write_value(ws, row: int, column: int, spec: Column, value) -> None:
    cell = ws.cell(row=row, column=column)
    put(cell, value)
    if spec.kind in (CODE, HOME):
        cell.number_format = "@"  # typed codes keep their leading zero
    elif spec.kind == DECIMAL and spec.places == 1:
        cell.number_format = "0.0"  # as printed: 100.0, 7.5
    if spec.is_long or (isinstance(value, str) and "\n" in value):
        cell.alignment = _WRAP_TOP
    else:
        cell.alignment = _TOP


def _write_table(ws, sheet: Sheet, rows: list[list]) -> None:
    for index, spec in enumerate(sheet.columns, start=1):
        _header_cell(ws, 1, index, spec.header)
        ws.column_dimensions[get_column_letter(index)].width = (
            LONG_WIDTH if spec.is_long else max(spec.width, 6)
        )
    for r, values in enumerate(rows, start=2):
        for index, (spec, value) in enumerate(zip(sheet.columns, values, strict=True), start=1):
            _write_value(ws, r, index, spec, value)
    ws.freeze_panes = "A2"
    for index, spec in enumerate(sheet.columns, start=1):
        labels = spec.labels()
        if labels:
            letter = get_column_letter(index)
            _drop_down(ws, labels, f"{letter}2:{letter}{max(len(rows) + 1, VALIDATED_ROWS)}")


def _drop_down(ws, labels: list[str], cells: str) -> None:
    """A list to choose from; a value typed by hand is still read (and checked) on import."""
    validation = DataValidation(
        type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True
    )
    validation.showErrorMessage = False
    validation.add(cells)
    ws.add_data_validation(validation)


def _write_vertical(ws, sheet: Sheet, rows: list[list]) -> None:
    _header_cell(ws, 1, 1, "項目")
    _header_cell(ws, 1, 2, "値")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    by_header = {c.header: c for c in sheet.columns}
    for r, (header, value) in enumerate(rows, start=2):
        cell = ws.cell(row=r, column=1)
        put(cell, header)
        cell.font = _BOLD
        cell.alignment = _TOP
        _write_value(ws, r, 2, by_header[header], value)
    ws.freeze_panes = "A2"


def _write_guide(ws, document: Document) -> None:
    lines = [
        f"共生ビジョンのワークブック：{document.title}",
        "",
        "このファイルは、定住自立圏の共生ビジョンを1つのファイルにまとめたものです。"
        "manage.py import_vision または管理画面の「ビジョンの取り込み」で読み込みます（docs/vision-workbook.md）。",
        "・シートの名前と1行目の見出しは変えないでください。列の順番は入れ替えてもかまいません。この「説明」シートは読み込みません。",
        "・市町村は全国地方公共団体コード（検査数字を含む6桁、例：062057）で書きます。セルは文字列にしてください。",
        "・年・年度は西暦（令和7年度 → 2025）。金額は千円単位の整数。印刷された率・割合は印刷どおりの数値。",
        "・空欄と 0 は別の意味です（空欄は「記載なし・未定」、0 は 0）。",
        "・数式、エラー値（#N/A など）、日付のセル、非表示のシートは使えません。値そのものを入力してください。",
        "・読み込みは全部か何も保存しないかのどちらかです。問題があれば、シート・行・列を示して何も保存しません。",
        "・この取り込みで作れるのは新しい圏域（ビジョン）だけです。登録済みの識別名・名称は使えません。",
        "",
    ]
    for r, text in enumerate(lines, start=1):
        put(ws.cell(row=r, column=1), text)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    start = len(lines) + 1
    for index, header in enumerate(
        ["シート", "列（項目）", "必須", "種類", "書き方", "例"], start=1
    ):
        _header_cell(ws, start, index, header)
    r = start + 1
    for sheet in SHEETS:
        for index, value in enumerate([sheet.title, "", "", "", sheet.help, ""], start=1):
            cell = ws.cell(row=r, column=index)
            put(cell, value)
            cell.font = _BOLD
            cell.alignment = _WRAP_TOP
        r += 1
        for spec in sheet.columns:
            kind = KIND_HELP[spec.kind]
            if spec.kind == CHOICE:
                kind += "：" + "、".join(spec.labels())
            limits = []
            if spec.max_length:
                limits.append(f"{spec.max_length}文字まで")
            if spec.places is not None:
                limits.append(f"小数{spec.places}桁まで")
            text = "。".join(part for part in (spec.help.rstrip("。"), *limits) if part)
            for index, value in enumerate(
                [sheet.title, spec.header, "○" if spec.required else "", kind, text, spec.example],
                start=1,
            ):
                cell = ws.cell(row=r, column=index)
                put(cell, value)
                cell.alignment = _WRAP_TOP
            r += 1
    for letter, width in zip("ABCDEF", (16, 30, 6, 28, 60, 30), strict=True):
        ws.column_dimensions[letter].width = width


# --- import: .xlsx → rows -------------------------------------------------------------------


class _Invalid(Exception):
    """One cell's problem (the message, without where it is)."""


_INVALID = object()  # a cell whose problem is already reported


def _where(sheet: str, row: int, letter: str, header: str) -> str:
    return f"シート「{sheet}」{row}行目 {letter}列「{header}」"


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Row:
    sheet: str
    number: int
    values: dict
    letters: dict[str, str]
    headers: dict[str, str]

    def __getitem__(self, key):
        return self.values[key]

    def at(self, key: str) -> str:
        return _where(self.sheet, self.number, self.letters[key], self.headers[key])


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_cell(spec: Column, value, data_type: str):
    """A cell's value for its column, or ``_Invalid`` with the reason."""
    if data_type == "f":
        raise _Invalid(
            f"数式（{str(value)[:40]}）は使えません。計算した結果の値そのものを入力してください。"
        )
    if data_type == "e":
        raise _Invalid(f"エラー値「{value}」は使えません。値を入力してください。")
    if isinstance(value, datetime.date | datetime.time):
        raise _Invalid(
            "日付・時刻のセルです。年は西暦の整数（例：2025）、そのほかは文字か数値で入力してください。"
        )
    if isinstance(value, bool):
        raise _Invalid("TRUE/FALSE は使えません。")
    if spec.kind in (TEXT, LONG):
        return _parse_text(spec, value)
    if _blank(value):
        if spec.required:
            raise _Invalid("入力してください（必須）。")
        return (
            False
            if spec.kind == MARK
            else (ItemParty.Status.UNDECIDED if spec.kind == PARTY else None)
        )
    if spec.kind == CODE:
        return _parse_code(value)
    if spec.kind in (INT, YEAR):
        return _parse_int(spec, value)
    if spec.kind == DECIMAL:
        return _parse_decimal(spec, value)
    text = _normal(str(value))
    if spec.kind == MARK:
        if text in CIRCLES:
            return True
        raise _Invalid(f"「{value}」ではなく ○ か空欄にしてください。")
    if spec.kind == PARTY:
        if text in CIRCLES:
            return ItemParty.Status.PARTY
        if text in DASHES or text in {unicodedata.normalize("NFKC", d) for d in DASHES}:
            return ItemParty.Status.NOT_PARTY
        if text == UNDECIDED:
            return ItemParty.Status.UNDECIDED
        raise _Invalid(
            f"「{value}」ではなく ○（締結）・—（締結しない）・未定 のどれかにしてください。"
        )
    if spec.kind == HOME:
        if text in (OTHER, "other"):
            return "other"
        if text in (TOTAL, "total"):
            return "total"
        return _parse_code(value)
    return _parse_choice(spec, value)


def _parse_text(spec: Column, value) -> str:
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.replace("\r\n", "\n").replace("\r", "\n")
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(parse_number(value))
    else:
        raise _Invalid("文字として読めません。")
    if spec.required and not text.strip():
        raise _Invalid("入力してください（必須）。")
    if spec.max_length and len(text) > spec.max_length:
        raise _Invalid(f"{spec.max_length}文字以内にしてください（{len(text)}文字あります）。")
    return text


def _parse_code(value) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        number = int(value)
        if not 0 <= number < 1_000_000:
            raise _Invalid(f"「{value}」は全国地方公共団体コード（6桁）ではありません。")
        code = f"{number:06d}"  # a code typed as a number lost its leading zero
    else:
        code = _normal(str(value))
    try:
        validate_municipality_code(code)
    except ValidationError as error:
        raise _Invalid(f"「{value}」: " + " ".join(error.messages)) from None
    return code


def _number(value) -> Decimal:
    try:
        number = parse_number(value)
    except NumberFormatError as error:
        raise _Invalid(str(error)) from None
    if number is None:
        raise _Invalid("入力してください（必須）。")
    return number


def _parse_int(spec: Column, value) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise _Invalid(f"「{value}」は整数ではありません。整数で入力してください。")
    number = int(number)
    if spec.kind == YEAR:
        if not 1900 <= number <= 2200:
            raise _Invalid(f"「{value}」は西暦の年ではありません（例：令和7年度は 2025）。")
        return number
    if spec.minimum is not None and number < spec.minimum:
        raise _Invalid(f"{spec.minimum} 以上の整数にしてください（「{value}」）。")
    if spec.maximum is not None and number > spec.maximum:
        raise _Invalid(f"{spec.maximum:,} 以下の整数にしてください（「{value}」）。")
    return number


def _parse_decimal(spec: Column, value) -> Decimal:
    number = _number(value)
    exponent = number.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    if spec.places is not None and places > spec.places:
        raise _Invalid(f"小数点以下は{spec.places}桁までにしてください（「{value}」）。")
    if spec.digits is not None and abs(number) >= Decimal(10) ** (spec.digits - (spec.places or 0)):
        raise _Invalid(f"「{value}」は大きすぎます。")
    if spec.minimum is not None and number < spec.minimum:
        raise _Invalid(f"{spec.minimum} 以上にしてください（「{value}」）。")
    return number


def _parse_choice(spec: Column, value) -> str:
    text = _normal(str(value))
    for choice, label in spec.choices:
        accepted = {choice, _normal(label), _normal(label.split("（")[0])}
        if text in accepted:
            return choice
    raise _Invalid(f"「{value}」ではなく、次のどれかにしてください：{'、'.join(spec.labels())}。")


class _Reader:
    """Reads the sheets of an open workbook into rows; collects every problem."""

    def __init__(self, book):
        self.book = book
        self.errors: list[str] = []

    def error(self, message: str) -> None:
        self.errors.append(message)

    def worksheet(self, sheet: Sheet):
        if sheet.title not in self.book.sheetnames:
            self.error(
                f"シート「{sheet.title}」がありません。シートの名前を変えずに使ってください"
                "（書き出したワークブックか docs/vision-workbook.md の様式）。"
            )
            return None
        ws = self.book[sheet.title]
        ws.reset_dimensions()  # read every row, whatever the file says its size is
        if ws.sheet_state != "visible":
            self.error(
                f"シート「{sheet.title}」が非表示になっています。読み込むシートはすべて表示してください。"
            )
            return None
        return ws

    def rows(self, ws, sheet: Sheet):
        """(row number, cells) of the sheet, at most MAX_ROWS below the header."""
        for number, cells in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > MAX_ROWS + 1:
                self.error(
                    f"シート「{sheet.title}」の行が多すぎます。{MAX_ROWS}行までにしてください。"
                )
                return
            yield number, cells

    def table(self, sheet: Sheet) -> list[Row]:
        ws = self.worksheet(sheet)
        if ws is None:
            return []
        if sheet.vertical:
            return self._vertical(ws, sheet)
        rows = self.rows(ws, sheet)
        first = next(rows, None)
        expected = {_normal(c.header): c for c in sheet.columns}
        positions: dict[str, int] = {}
        if first is not None:
            for index, cell in enumerate(first[1]):
                if _blank(cell.value):
                    continue
                letter = get_column_letter(index + 1)
                spec = expected.get(_normal(str(cell.value)))
                if spec is None:
                    self.error(
                        f"シート「{sheet.title}」1行目 {letter}列: 見出し「{cell.value}」はこのシートの列ではありません。"
                        f"列は {'、'.join(sheet.headers)} です。"
                    )
                elif spec.key in positions:
                    self.error(
                        f"シート「{sheet.title}」1行目: 見出し「{spec.header}」の列が2つあります"
                        f"（{get_column_letter(positions[spec.key] + 1)}列と{letter}列）。"
                    )
                else:
                    positions[spec.key] = index
        missing = [c.header for c in sheet.columns if c.key not in positions]
        if missing:
            self.error(
                f"シート「{sheet.title}」1行目（見出し）に「{'」「'.join(missing)}」の列がありません。"
            )
            return []
        letters = {key: get_column_letter(i + 1) for key, i in positions.items()}
        headers = {c.key: c.header for c in sheet.columns}
        known = set(positions.values())
        result = []
        for number, cells in rows:
            if all(_blank(c.value) for c in cells):
                continue
            for index, cell in enumerate(cells):
                if index not in known and not _blank(cell.value):
                    self.error(
                        f"シート「{sheet.title}」{number}行目 {get_column_letter(index + 1)}列: "
                        "見出しのない列に値があります。見出しの列にだけ入力してください。"
                    )
            values = {}
            ok = True
            for spec in sheet.columns:
                index = positions[spec.key]
                cell = cells[index] if index < len(cells) else None
                value = None if cell is None else cell.value
                data_type = "n" if cell is None else cell.data_type
                try:
                    values[spec.key] = parse_cell(spec, value, data_type)
                except _Invalid as problem:
                    ok = False
                    values[spec.key] = _INVALID
                    self.error(
                        f"{_where(sheet.title, number, letters[spec.key], spec.header)}: {problem}"
                    )
            if ok:
                result.append(Row(sheet.title, number, values, letters, headers))
        return result

    def _vertical(self, ws, sheet: Sheet) -> list[Row]:
        by_header = {_normal(c.header): c for c in sheet.columns}
        values: dict = {}
        seen: dict[str, int] = {}
        letters, headers = {}, {}
        ok = True
        for number, cells in self.rows(ws, sheet):
            label = cells[0].value if cells else None
            if number == 1:
                if _normal(str(label or "")) != "項目":
                    self.error(
                        f"シート「{sheet.title}」1行目は見出し（「項目」「値」）にしてください。"
                    )
                continue
            if all(_blank(c.value) for c in cells):
                continue
            for index, cell in enumerate(cells[2:], start=3):
                if not _blank(cell.value):
                    self.error(
                        f"シート「{sheet.title}」{number}行目 {get_column_letter(index)}列: "
                        "値はB列にだけ入力してください。"
                    )
            spec = by_header.get(_normal(str(label or "")))
            if spec is None:
                self.error(
                    f"シート「{sheet.title}」{number}行目 A列: 「{label}」は項目ではありません。"
                    f"項目は {'、'.join(sheet.headers)} です。"
                )
                continue
            if spec.key in seen:
                self.error(
                    f"シート「{sheet.title}」{number}行目 A列: 項目「{spec.header}」が2回あります"
                    f"（{seen[spec.key]}行目にも）。"
                )
                continue
            seen[spec.key] = number
            letters[spec.key] = f"B{number}"
            headers[spec.key] = spec.header
            cell = cells[1] if len(cells) > 1 else None
            try:
                values[spec.key] = parse_cell(
                    spec,
                    None if cell is None else cell.value,
                    "n" if cell is None else cell.data_type,
                )
            except _Invalid as problem:
                ok = False
                self.error(
                    f"シート「{sheet.title}」{number}行目 B列（項目「{spec.header}」）: {problem}"
                )
        for spec in sheet.columns:
            if spec.key not in seen:
                ok = False
                self.error(f"シート「{sheet.title}」に項目「{spec.header}」の行がありません。")
        if not ok:
            return []
        return [Row(sheet.title, 0, values, letters, headers)]


def open_workbook(data: bytes):
    """The workbook, read-only, formulas as formulas; WorkbookRejected when it cannot be."""
    limit = max_bytes()
    if len(data) > limit:
        raise WorkbookRejected(
            [
                f"ファイルが大きすぎます（{len(data) / 1024 / 1024:.1f} MB）。{limit // 1024 // 1024} MB 以下にしてください。"
            ]
        )
    if not data:
        raise WorkbookRejected(["ファイルが空です。"])
    if data[:4] != b"PK\x03\x04":
        raise WorkbookRejected(
            [
                "Excel ブック（.xlsx）ではありません。Excel で「Excel ブック（.xlsx）」として保存してください。"
            ]
        )
    unreadable = WorkbookRejected(
        ["Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確かめてください。"]
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise WorkbookRejected(["ファイルの中身が大きすぎます。"])
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except WorkbookRejected:
        raise
    except (
        InvalidFileException,
        zipfile.BadZipFile,
        expat.ExpatError,
        SyntaxError,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        OSError,
    ):
        raise unreadable from None


def read_workbook(data: bytes) -> Document:
    """The workbook as the loader's document; WorkbookRejected with every problem found."""
    book = open_workbook(data)
    reader = _Reader(book)
    try:
        tables = {sheet.title: reader.table(sheet) for sheet in SHEETS}
    except (expat.ExpatError, SyntaxError, KeyError, IndexError, ValueError, TypeError, OSError):
        raise WorkbookRejected(
            ["Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確かめてください。"]
        ) from None
    finally:
        book.close()
    if reader.errors:
        raise WorkbookRejected(reader.errors)
    assembler = _Assembler(tables)
    document = assembler.document()
    if assembler.errors:
        raise WorkbookRejected(assembler.errors)
    return document


# --- import: rows → document ----------------------------------------------------------------


class _Assembler:
    """Builds the loader's document from the parsed rows, checking how the sheets refer
    to each other (keys, municipality codes, programs)."""

    def __init__(self, tables: dict[str, list[Row]]):
        self.tables = tables
        self.errors: list[str] = []
        self.where: dict[str, str] = {}

    def error(self, message: str) -> None:
        self.errors.append(message)

    def unique(self, sheet: str, key_columns: tuple[str, ...], what: str) -> list[Row]:
        """The sheet's rows whose key is not a repeat (a repeat is reported)."""
        return self._unique_rows(self.tables[sheet], key_columns, sheet, what)

    def member(self, row: Row, key: str, codes: dict) -> bool:
        code = row[key]
        if code not in codes:
            self.error(
                f"{row.at(key)}: 市町村コード {code} は「市町村」シートにありません（構成市町村ではありません）。"
            )
            return False
        return True

    def document(self) -> Document:
        vision_rows = self.tables["ビジョン"]
        if not vision_rows:
            return Document({}, {}, {})
        v = dict(vision_rows[0].values)
        vision_row = vision_rows[0]
        for key in ("slug", "title"):
            self.where[key] = (
                f"シート「ビジョン」{vision_row.letters[key]}（項目「{vision_row.headers[key]}」）"
            )
        try:
            validate_slug(v["slug"])
        except ValidationError:
            self.error(
                f"{self.where['slug']}: 識別名は半角英数字・ハイフン・下線で書いてください（「{v['slug']}」）。"
            )
        if v["period_end"] < v["period_start"]:
            self.error(
                f"シート「ビジョン」{vision_row.letters['period_end']}: 計画期間の最終年度は初年度と同じか後の年度にしてください。"
            )
        v["future_image"] = paragraphs(v["future_image"])
        history = sorted(
            self.unique("これまでの取組", ("order",), "順番"), key=lambda r: r["order"]
        )
        v["history"] = [{"label": r["label"], "text": r["text"]} for r in history]

        municipalities, codes = self.municipalities()
        names_en: dict[str, dict[str, str]] = {
            "policy_fields": {},
            "categories": {},
            "items": {},
            "programs": {},
            "kpis": {},
        }
        plan = {
            "vision": v,
            "municipalities": municipalities,
            "policy_fields": self.plan_tree(codes, names_en),
        }
        statistics = self.statistics(codes)
        return Document(
            plan=plan,
            statistics=statistics,
            names_en={k: value for k, value in names_en.items() if value},
            where=self.where,
        )

    def municipalities(self) -> tuple[list[dict], dict[str, dict]]:
        rows = self.unique("市町村", ("code",), "全国地方公共団体コード")
        result, codes = [], {}
        for row in rows:
            data = {
                "code": row["code"],
                "name": row["name"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "is_central_city": row["is_central_city"],
                "population": row["population"],
                "area_km2": number_text(row["area_km2"]),
                "profile": paragraphs(row["profile"]),
                "slogan": row["slogan"],
            }
            result.append(data)
            codes[row["code"]] = data
            self.where[f"municipality:{row['code']}"] = f"シート「市町村」{row.number}行目"
        if not result:
            self.error("シート「市町村」に市町村がありません。")
        elif not any(m["is_central_city"] for m in result):
            self.error(
                "シート「市町村」で中心市に ○ が付いていません。中心市の「中心市」列に ○ を付けてください。"
            )
        return result, codes

    def plan_tree(self, codes: dict, names_en: dict) -> list[dict]:
        fields = {}
        for row in sorted(self.unique("政策分野", ("number",), "番号"), key=lambda r: r["number"]):
            fields[row["number"]] = {
                "number": row["number"],
                "title": row["title"],
                "section_title": row["section_title"],
                "categories": [],
            }
            if row["name_en"]:
                names_en["policy_fields"][str(row["number"])] = row["name_en"]
        categories = {}
        for row in sorted(
            self.unique("分類", ("field", "number"), "政策分野番号と番号"),
            key=lambda r: (r["field"], r["number"]),
        ):
            if row["field"] not in fields:
                self.error(
                    f"{row.at('field')}: 政策分野 {row['field']} は「政策分野」シートにありません。"
                )
                continue
            data = {
                "number": row["number"],
                "title": row["title"],
                "section_title": row["section_title"],
                "items": [],
            }
            fields[row["field"]]["categories"].append(data)
            categories[row["field"], row["number"]] = data
            if row["name_en"]:
                names_en["categories"][f"{row['field']}-{row['number']}"] = row["name_en"]
        items = {}
        for row in sorted(
            self.unique("取組項目", ("number",), "項目番号"), key=lambda r: r["number"]
        ):
            category = categories.get((row["field"], row["category"]))
            if category is None:
                self.error(
                    f"{row.at('category')}: 政策分野 {row['field']} の分類 {row['category']} は「分類」シートにありません。"
                )
                continue
            data = {
                "number": row["number"],
                "title": row["title"],
                "section_title": row["section_title"],
                "content": row["content"],
                "role_central": row["role_central"],
                "role_partner": row["role_partner"],
                "parties": {},
                "programs": [],
            }
            category["items"].append(data)
            items[row["number"]] = data
            if row["name_en"]:
                names_en["items"][str(row["number"])] = row["name_en"]
        for row in self.unique("協定締結", ("item", "code"), "項目番号と市町村コード"):
            if not self.item(row, items) or not self.member(row, "code", codes):
                continue
            if codes[row["code"]]["is_central_city"]:
                self.error(
                    f"{row.at('code')}: {codes[row['code']]['name']}は中心市（協定の甲）です。"
                    "協定締結の表には連携町村（乙）だけを入れます。"
                )
                continue
            items[row["item"]]["parties"][row["code"]] = row["status"]
        programs = self.programs(items, names_en)
        self.program_children(programs, codes, names_en)
        return [fields[n] for n in sorted(fields)]

    def item(self, row: Row, items: dict) -> bool:
        if row["item"] not in items:
            self.error(
                f"{row.at('item')}: 項目番号 {row['item']} は「取組項目」シートにありません。"
            )
            return False
        return True

    def programs(self, items: dict, names_en: dict) -> dict:
        programs = {}
        for row in sorted(
            self.unique("連携事業", ("item", "program"), "項目番号と事業番号"),
            key=lambda r: (r["item"], r["program"]),
        ):
            if not self.item(row, items):
                continue
            data = {
                "number": row["program"],
                "name": row["name"],
                "participants_printed": row["participants_printed"],
                "participants": None if row["undecided"] else [],
                "content": row["content"],
                "effect": row["effect"],
                "schedule": [],
                "subsidies": [],
                "cost_split": row["cost_split"].split("\n") if row["cost_split"] else [],
                "stated_totals": {},
                "shares": {},
                "kpi_policy": row["kpi_policy"],
                "kpi_policy_text": row["kpi_policy_text"],
                "kpis": [],
            }
            items[row["item"]]["programs"].append(data)
            programs[row["item"], row["program"]] = data
            if row["name_en"]:
                names_en["programs"][f"{row['item']}-{row['program']}"] = row["name_en"]
        return programs

    def program_of(self, row: Row, programs: dict) -> dict | None:
        program = programs.get((row["item"], row["program"]))
        if program is None:
            self.error(
                f"{row.at('program')}: 項目番号 {row['item']} の事業番号 {row['program']} は「連携事業」シートにありません。"
            )
        return program

    def program_children(self, programs: dict, codes: dict, names_en: dict) -> None:
        for row in self.unique("関係市町村", ("item", "program", "code"), "事業と市町村コード"):
            program = self.program_of(row, programs)
            if program is None or not self.member(row, "code", codes):
                continue
            if program["participants"] is None:
                self.error(
                    f"{row.at('code')}: 「{program['name']}」は「連携事業」シートで関係市町村未定（○）です。"
                    "未定の事業には関係市町村の行を入れません（○を外すか、この行を削除してください）。"
                )
                continue
            program["participants"].append(row["code"])
        for sheet, target in (("実施スケジュール", "schedule"), ("補助制度", "subsidies")):
            value_key = "title" if target == "schedule" else "name"
            rows = self.unique(sheet, ("item", "program", "order"), "事業と順番")
            for row in sorted(rows, key=lambda r: (r["item"], r["program"], r["order"])):
                program = self.program_of(row, programs)
                if program is not None:
                    program[target].append(row[value_key])
        for row in self.unique("事業費見込の計", ("item", "program", "year"), "事業と年度"):
            program = self.program_of(row, programs)
            if program is not None:
                program["stated_totals"][str(row["year"])] = row["amount"]
        for row in self.unique(
            "負担額", ("item", "program", "year", "code"), "事業・年度・市町村コード"
        ):
            program = self.program_of(row, programs)
            if program is not None and self.member(row, "code", codes):
                program["shares"].setdefault(str(row["year"]), {})[row["code"]] = row["amount"]
        kpis = sorted(
            self.unique("成果指標", ("item", "program", "order"), "事業と順番"),
            key=lambda r: (r["item"], r["program"], r["order"]),
        )
        for row in kpis:
            program = self.program_of(row, programs)
            if program is None:
                continue
            for value, year in (("baseline", "baseline_year"), ("target", "target_year")):
                if row[value] is not None and row[year] is None:
                    self.error(
                        f"{row.at(year)}: {row.headers[value]}を入れたときは、その年度も入れてください。"
                    )
            program["kpis"].append(
                {
                    "name": row["name"],
                    "unit": row["unit"],
                    "name_printed": row["name_printed"],
                    "baseline": number_text(row["baseline"]),
                    "baseline_year": row["baseline_year"],
                    "target": number_text(row["target"]),
                    "target_year": row["target_year"],
                    "note": row["note"],
                }
            )
            if row["name_en"]:
                key = f"{row['item']}-{row['program']}-{len(program['kpis'])}"
                names_en["kpis"][key] = row["name_en"]

    # --- statistics ---

    def same(self, rows: list[Row], key: str) -> object:
        """The value every row of a table shares (a census year, a hospital); reported if not."""
        values = {row[key] for row in rows}
        if len(values) > 1:
            first = rows[0]
            for row in rows:
                if row[key] != first[key]:
                    self.error(
                        f"{row.at(key)}: この表の「{row.headers[key]}」はすべての行で同じにしてください"
                        f"（{first.number}行目は {first[key]}、この行は {row[key]}）。"
                    )
                    break
        return rows[0][key] if rows else None

    def statistics(self, codes: dict) -> dict:
        sources = {r["table"]: r["source"] for r in self.unique("統計の出典", ("table",), "表")}
        labels = dict(StatisticsSource.Table.choices)
        for table in StatisticsSource.Table.values:
            if table not in sources:
                self.error(
                    f"シート「統計の出典」に「{labels[table]}」の行がありません（4つの表すべてに必要です）。"
                )
        return {
            "population": {"source": sources.get("population", ""), **self.population(codes)},
            "population_note": {
                r["key"]: r["value"] for r in self.unique("本文中の数値", ("key",), "内容")
            },
            "daytime": {"source": sources.get("daytime", ""), **self.daytime(codes)},
            "commuting": {"source": sources.get("commuting", ""), **self.commuting(codes)},
            "hospital": {"source": sources.get("hospital", ""), **self.hospital(codes)},
        }

    def population(self, codes: dict) -> dict:
        rows = []
        for row in self.tables["人口"]:
            municipal = row["scope"] == PopulationFigure.Scope.MUNICIPALITY
            if municipal and row["code"] is None:
                self.error(f"{row.at('code')}: 範囲が市町村の行には市町村コードを入れてください。")
            elif not municipal and row["code"] is not None:
                self.error(
                    f"{row.at('code')}: 範囲が「{row.values['scope']}」の行には市町村コードを入れません。"
                )
            elif municipal and not self.member(row, "code", codes):
                pass
            elif row["share"] is not None and row["scope"] != PopulationFigure.Scope.AREA:
                self.error(
                    f"{row.at('share')}: 県人口に占める割合は、範囲が圏域の合計の行だけに入れます。"
                )
            else:
                rows.append(row)
        rows = self._unique_rows(rows, ("scope", "code", "year"), "人口", "範囲・市町村・年")
        years = sorted({r["year"] for r in rows})
        kinds: dict[int, Row] = {}
        for row in rows:
            first = kinds.setdefault(row["year"], row)
            if first["kind"] != row["kind"]:
                self.error(
                    f"{row.at('kind')}: {row['year']}年の種別が{first.number}行目と違います（同じ年は同じ種別にします）。"
                )
        groups: dict[tuple, dict[int, Row]] = {}
        for row in rows:
            groups.setdefault((row["scope"], row["code"]), {})[row["year"]] = row
        result_rows, area_share = [], []
        for (scope, code), by_year in groups.items():
            missing = [str(y) for y in years if y not in by_year]
            if missing:
                who = code or dict(PopulationFigure.Scope.choices)[scope]
                self.error(
                    f"シート「人口」: {who} の {'・'.join(missing)}年の行がありません（どの範囲・市町村にもすべての年の行が必要です）。"
                )
                continue
            ordered = [by_year[y] for y in years]
            rates = [number_text(r["rate"]) for r in ordered]
            result_rows.append(
                {
                    "scope": scope,
                    "code": code,
                    "values": [r["population"] for r in ordered],
                    "printed_rates": rates if any(r is not None for r in rates) else None,
                }
            )
            if scope == PopulationFigure.Scope.AREA:
                area_share = [number_text(r["share"]) for r in ordered]
        census = [y for y in years if kinds[y]["kind"] == PopulationFigure.Kind.CENSUS]
        return {
            "years": years,
            "census_years": census,
            "projection_years": [y for y in years if y not in census],
            "rows": result_rows,
            "printed_area_share": area_share,
        }

    def _unique_rows(self, rows: list[Row], key_columns, sheet, what) -> list[Row]:
        seen: dict[tuple, int] = {}
        result = []
        for row in rows:
            key = tuple(row[k] for k in key_columns)
            if key in seen:
                shown = "・".join(str(k) for k in key if k is not None)
                self.error(
                    f"シート「{sheet}」{row.number}行目: {what}（{shown}）が重複しています（{seen[key]}行目にもあります）。"
                )
                continue
            seen[key] = row.number
            result.append(row)
        return result

    def daytime(self, codes: dict) -> dict:
        rows = self.unique("昼夜間人口", ("code",), "市町村コード")
        year = self.same(rows, "year")
        result, total = [], None
        for row in rows:
            values = {
                "population": row["population"],
                "daytime_population": row["daytime_population"],
                "printed_ratio": number_text(row["ratio"]),
            }
            if row["code"] is None:
                total = values
            elif self.member(row, "code", codes):
                result.append({"code": row["code"], **values})
        if total is None:
            self.error("シート「昼夜間人口」に「計」の行（市町村コードが空欄の行）がありません。")
        return {"census_year": year, "rows": result, "printed_total": total}

    def commuting(self, codes: dict) -> dict:
        origins = self.unique("通勤通学の総数", ("origin",), "常住地コード")
        flows = self.unique("通勤通学の流れ", ("origin", "destination"), "常住地と通勤通学先")
        year = self.same(origins + flows, "year")
        rows = {}
        for row in origins:
            if self.member(row, "origin", codes):
                rows[row["origin"]] = {
                    "origin": row["origin"],
                    "flows": {},
                    "printed_shares": {},
                    "printed_total": row["total"],
                    "printed_to_other_share": number_text(row["to_other"]),
                }
        for row in flows:
            if not (self.member(row, "origin", codes) and self.member(row, "destination", codes)):
                continue
            origin = rows.get(row["origin"])
            if origin is None:
                self.error(
                    f"{row.at('origin')}: 常住地 {row['origin']} の行が「通勤通学の総数」シートにありません。"
                )
                continue
            origin["flows"][row["destination"]] = row["commuters"]
            origin["printed_shares"][row["destination"]] = number_text(row["share"])
        return {"census_year": year, "rows": list(rows.values())}

    def hospital(self, codes: dict) -> dict:
        rows = self.unique("病院の利用状況", ("kind", "home"), "区分と住所地")
        year = self.same(rows, "year")
        name = self.same(rows, "hospital")
        kinds: dict[str, dict] = {}
        labels = dict(HospitalPatients.Kind.choices)
        for row in rows:
            data = kinds.setdefault(
                row["kind"],
                {
                    "kind": row["kind"],
                    "label": labels[row["kind"]],
                    "by_home": {},
                    "printed_shares": {},
                    "printed_total": None,
                    "printed_total_share": None,
                },
            )
            if row["home"] == "total":
                data["printed_total"] = row["patients"]
                data["printed_total_share"] = number_text(row["share"])
            elif row["home"] == "other" or self.member(row, "home", codes):
                data["by_home"][row["home"]] = row["patients"]
                data["printed_shares"][row["home"]] = number_text(row["share"])
        for kind, data in kinds.items():
            if data["printed_total"] is None:
                self.error(
                    f"シート「病院の利用状況」に区分「{labels[kind]}」の「合計」の行がありません。"
                )
        return {"fiscal_year": year, "hospital": name or "", "rows": list(kinds.values())}


# --- import: document → database ------------------------------------------------------------


@dataclass
class ImportResult:
    slug: str
    title: str
    area_name: str
    created: dict[str, int]
    reused: dict[str, int]
    findings: list[Finding]
    saved: bool
    vision_id: int | None = None
    becomes_current: bool = False  # the public pages would show this vision (Vision.current)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def notices(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != ERROR]

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


MUNICIPALITY_FIELDS = [
    ("name", "市町村名"),
    ("name_kana", "ふりがな"),
    ("name_en", "英語名"),
    ("is_central_city", "中心市"),
    ("population", "人口（人）"),
    ("area_km2", "面積（km²）"),
    ("profile", "概要"),
    ("slogan", "将来像・スローガン"),
    ("sort_order", "表示順（行の順番）"),
]


def database_conflicts(document: Document) -> list[str]:
    """Why this new area cannot be added to the database as it is (empty: it can)."""
    problems = []
    where = document.where
    if Vision.objects.filter(slug=document.slug).exists():
        problems.append(
            f"{where.get('slug', 'シート「ビジョン」')}: 識別名「{document.slug}」のビジョンはすでに登録されています。"
            "新しい圏域には別の識別名を付けてください（この取り込みでは登録済みのビジョンを更新できません）。"
        )
    if Vision.objects.filter(title=document.title).exists():
        problems.append(
            f"{where.get('title', 'シート「ビジョン」')}: 名称「{document.title}」のビジョンはすでに登録されています。"
            "新しい圏域には別の名称を付けてください。"
        )
    rows = document.plan["municipalities"]
    registered = Municipality.objects.in_bulk([m["code"] for m in rows], field_name="code")
    for order, row in enumerate(rows, start=1):
        existing = registered.get(row["code"])
        if existing is None:
            continue
        wanted = {
            **row,
            "area_km2": None if row["area_km2"] is None else Decimal(row["area_km2"]),
            "profile": "\n\n".join(row["profile"]),
            "sort_order": order,
        }
        differ = [
            label for name, label in MUNICIPALITY_FIELDS if getattr(existing, name) != wanted[name]
        ]
        if differ:
            problems.append(
                f"{where.get('municipality:' + row['code'], 'シート「市町村」')}: "
                f"{row['code']}（{existing.name}）は登録済みの市町村で、{'・'.join(differ)}が登録済みの値と違います。"
                "ほかの圏域の市町村を変えることになるため取り込めません。登録済みの値に合わせてください。"
            )
    return problems


class _Rollback(Exception):
    pass


def import_workbook(
    data: bytes, *, dry_run: bool, expect_created: dict[str, int] | None = None
) -> ImportResult:
    """Read, check and load a workbook as a new area, all or nothing.

    With ``dry_run`` the transaction is rolled back after the quality checks: nothing is
    saved, and the result says what would be. With ``expect_created`` (what a preview
    showed) the import is refused, and rolled back, if it would create anything else."""
    document = read_workbook(data)
    try:
        with transaction.atomic():
            conflicts = database_conflicts(document)
            if conflicts:
                raise WorkbookRejected(conflicts)
            try:
                report = load_vision(
                    plan=document.plan, statistics=document.statistics, names_en=document.names_en
                )
            except ValidationError as error:
                raise WorkbookRejected(
                    ["保存できない値があります（" + " ".join(error.messages) + "）。"]
                ) from None
            changed = report.updated.get(Municipality._meta.verbose_name)
            if changed:
                raise WorkbookRejected(
                    [f"登録済みの市町村 {changed} 件の値が変わるため取り込めません。"]
                )
            vision = Vision.objects.get(slug=document.slug)
            result = ImportResult(
                slug=vision.slug,
                title=vision.title,
                area_name=vision.area_name,
                created=dict(report.created),
                reused=dict(report.unchanged),
                findings=check_vision(vision),
                saved=not dry_run,
                vision_id=None if dry_run else vision.pk,
                becomes_current=Vision.objects.current() == vision,
            )
            if expect_created is not None and result.created != expect_created:
                raise _Rollback
            if dry_run:
                transaction.set_rollback(True)
    except _Rollback:
        raise WorkbookRejected(
            [
                "確認画面を開いた後にデータベースが変わり、確認画面と違う内容が作られるところでした。"
                "何も保存していません。もう一度確認してください。"
            ]
        ) from None
    except IntegrityError:
        raise WorkbookRejected(
            [
                "同じビジョンか市町村が同時に登録されました。何も保存していません。もう一度確認してください。"
            ]
        ) from None
    return result


# --- the admin preview's file, kept between preview and confirmation -------------------------

PENDING_DIR = Path(tempfile.gettempdir()) / "mogami-vision-workbooks"
PENDING_MAX_AGE = 24 * 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")


def keep_pending(data: bytes) -> tuple[str, str]:
    """Store an uploaded workbook under a random name; returns (token, SHA-256)."""
    PENDING_DIR.mkdir(mode=0o700, exist_ok=True)
    _remove_old()
    token = secrets.token_hex(16)
    path = PENDING_DIR / f"{token}.xlsx"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as f:
        f.write(data)
    return token, hashlib.sha256(data).hexdigest()


def read_pending(token: str, sha256: str) -> bytes:
    """The stored workbook, if it is still there and unchanged."""
    gone = WorkbookRejected(
        ["確認画面の期限が切れました。もう一度ファイルを選んで取り込んでください。"]
    )
    if not _TOKEN.fullmatch(token):
        raise gone
    try:
        data = (PENDING_DIR / f"{token}.xlsx").read_bytes()
    except OSError:
        raise gone from None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), sha256):
        raise WorkbookRejected(
            [
                "確認したファイルと保管中のファイルが一致しません。もう一度ファイルを選んで取り込んでください。"
            ]
        )
    return data


def drop_pending(token: str) -> None:
    if _TOKEN.fullmatch(token):
        (PENDING_DIR / f"{token}.xlsx").unlink(missing_ok=True)


def _remove_old() -> None:
    limit = time.time() - PENDING_MAX_AGE
    for path in PENDING_DIR.glob("*.xlsx"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue
