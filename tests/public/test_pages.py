"""Every public page: it loads, in Japanese and English, and its numbers match the document."""

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import Program
from tests.constants import FARMING, HEALTH, OKURA, TOURISM, TOZAWA
from tests.public.html import row, table, tables, text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def japanese():
    """Each request activates its page's language in this thread; start every test in Japanese."""
    with translation.override("ja"):
        yield


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def en(url: str) -> str:
    return "/en" + url


def program_url(name: str) -> str:
    return reverse("public:programs:detail", args=[Program.objects.get(name=name).pk])


def town_url(code: str) -> str:
    return reverse("public:municipalities:detail", args=[code])


PAGES = [
    "/",
    "/plan/",
    "/kpis/",
    "/towns/",
    f"/towns/{OKURA}/",
    "/statistics/",
    "/agreement/",
    "/about/progress/",
    "/about/accessibility/",
    "/opendata/",
]


@pytest.mark.parametrize("url", PAGES)
def test_each_page_has_one_h1_and_the_landmarks(client, url):
    html = get(client, url)
    assert html.count("<h1") == 1
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html


@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_also_in_english(client, url):
    html = get(client, en(url))
    assert '<html lang="en">' in html
    assert 'hreflang="ja"' in html  # the switch back to Japanese


@pytest.mark.parametrize("url", PAGES)
def test_every_table_has_a_caption_and_scoped_headers(client, url):
    for t in tables(get(client, url)):
        assert t["caption"], t
        assert t["scopes"] and None not in t["scopes"], t["caption"]


def test_japanese_pages_say_lang_ja_and_offer_english(client):
    html = get(client, "/statistics/")
    assert '<html lang="ja">' in html
    assert 'href="/en/statistics/" hreflang="en" lang="en"' in html


def test_the_language_switch_keeps_the_query(client):
    html = get(client, "/kpis/?grade=no_data")
    assert 'href="/en/kpis/?grade=no_data"' in html


# --- top page -------------------------------------------------------------------------------


def test_home_shows_the_population_goal(client):
    page = text(get(client, "/"))
    assert "70,922人" in page
    assert "平成30年の推計（71,401人）より479人少なく" in page
    assert "2050年の人口が36,391人を上回ること" in page


def test_home_population_table_matches_the_document(client):
    t = table(get(client, "/"), "圏域の人口の推移と将来推計")
    assert row(t, "1990") == ["1990", "102,214", ""]
    assert row(t, "2020") == ["2020", "70,922", ""]
    assert row(t, "2050") == ["2050", "", "36,391"]


def test_home_counts_kpis_per_grade_and_field(client):
    t = table(get(client, "/"), "政策分野ごとの指標の評価")
    assert t["headers"][1:5] == ["◎ 目標達成", "○ 順調", "△ やや遅れ", "× 遅れ"]
    assert row(t, "計")[-1] == "26"
    assert row(t, "1. 生活機能の強化")[-1] == "17"


def test_home_shows_the_latest_approval_date(client):
    assert "最新の承認日：2026年1月1日" in text(get(client, "/"))


def test_home_in_english(client):
    page = text(get(client, en("/")))
    assert "The 3rd Joint Vision of the Shinjo-Mogami Settlement Area" in page
    assert "A 2050 population above 36,391" in page
    assert "Latest approval: 1 January 2026" in page


# --- plan tree ----------------------------------------------------------------------------


def test_plan_lists_every_program_under_its_item(client):
    html = get(client, "/plan/")
    for program in Program.objects.all():
        assert f'href="{program_url(program.name)}"' in html
    assert "取組項目 20" in text(html)


def test_plan_says_which_programs_set_no_kpi(client):
    assert "成果指標は設定しない事業です" in text(get(client, "/plan/"))


def test_plan_in_english_uses_english_names(client):
    page = text(get(client, en("/plan/")))
    assert "Mogami area-wide tourism" in page
    assert "Strengthening living functions" in page


# --- program page -------------------------------------------------------------------------


def test_program_cost_shares_match_the_document(client):
    t = table(get(client, program_url(TOURISM)), "最上広域観光事業の市町村別負担額")
    assert t["headers"] == ["市町村", "R7 事業費見込"]
    assert row(t, "新庄市") == ["新庄市", "2,216"]
    assert row(t, "大蔵村") == ["大蔵村", "505"]
    assert row(t, "各市町村の合計") == ["各市町村の合計", "7,605"]
    assert row(t, "計（ビジョン記載）") == ["計（ビジョン記載）", "7,605"]


def test_program_shows_its_kpi_with_baseline_and_target(client):
    page = text(get(client, program_url(TOURISM)))
    assert "最上地域の観光者数" in page
    assert "2,100千人" in page and "2,500千人" in page
    assert "山形県観光キャンペーン推進協議会助成金" in page


def test_program_shows_the_expected_path(client):
    t = table(
        get(client, program_url(HEALTH)),
        "年間事業開催数：年度ごとの見込みと実績",
    )
    assert [r[0] for r in t["rows"]][:2] == ["R6 現状値", "R7"]
    assert row(t, "R9")[1] == "30.5"  # halfway from 25 to 36
    assert row(t, "R12 目標年度")[1] == "36"


def test_program_reports_a_printed_total_that_differs(client):
    page = text(get(client, program_url("子育て支援センター事業")))
    assert "45,812千円" in page and "55,573千円" in page


def test_program_keeps_blank_shares_blank(client):
    t = table(
        get(client, program_url("子どもの遊び場の広域利用")),
        "子どもの遊び場の広域利用の市町村別負担額",
    )
    assert row(t, "金山町") == ["金山町", "−"]
    assert row(t, "各市町村の合計") == ["各市町村の合計", "−"]


def test_program_with_undecided_participants_says_so(client):
    page = text(get(client, program_url("関係人口の創出")))
    assert "ほかの市町村の参加は決まっていません" in page
    assert "成果指標は、事業化した後に設定します" in page


def test_program_without_target_is_not_judged(client):
    assert "評価対象外（目標未設定）" in text(get(client, program_url("教育研究センター運営事業")))


def test_program_summed_kpi_shows_the_towns(client):
    html = get(client, program_url(FARMING))
    t = table(html, "圏域内の新規就農者数：市町村ごとの値")
    assert t["headers"][1:9] == [
        "新庄市",
        "金山町",
        "最上町",
        "舟形町",
        "真室川町",
        "大蔵村",
        "鮭川村",
        "戸沢村",
    ]
    assert "各市町村が自分の値を報告し" in text(html)


def test_program_in_english(client):
    page = text(get(client, en(program_url(TOURISM))))
    assert "Mogami area-wide tourism" in page
    assert "2,100 thousand people" in page
    assert "FY2025 Plan estimate" in page


def test_unknown_program_is_404(client):
    assert client.get("/programs/999999/").status_code == 404


# --- KPI list -------------------------------------------------------------------------------


def test_kpi_list_has_every_kpi(client):
    t = table(get(client, "/kpis/"), "成果指標の一覧")
    assert len(t["rows"]) == 26
    assert "受診者数" in [r[0] for r in t["rows"]]


def test_kpi_list_shows_baseline_and_target_with_units(client):
    t = table(get(client, "/kpis/"), "成果指標の一覧")
    r = row(t, "受診者数")
    assert "2,717人 R6" in r and "2,000人 R12" in r


# --- towns ---------------------------------------------------------------------------------


def test_town_index_lists_the_eight(client):
    page = text(get(client, "/towns/"))
    for name in ("新庄市", "金山町", "最上町", "舟形町", "真室川町", "大蔵村", "鮭川村", "戸沢村"):
        assert name in page


def test_okura_profile_and_slogan(client):
    page = text(get(client, town_url(OKURA)))
    assert "おかえり、なりわい灯す きよなる里" in page
    assert "2,673人" in page and "211.64 km²" in page


def test_okura_population_1990_to_2050(client):
    t = table(get(client, town_url(OKURA)), "大蔵村の人口の推移と将来推計")
    assert row(t, "1990") == ["1990", "4,982", ""]
    assert row(t, "2050") == ["2050", "", "1,346"]


def test_okura_cost_shares_by_program(client):
    t = table(get(client, town_url(OKURA)), "大蔵村の事業別負担額")
    assert row(t, "コミュニティバスの運行事業（大蔵村営バス）") == [
        "コミュニティバスの運行事業（大蔵村営バス）",
        "42,696",
    ]
    assert row(t, "最上広域観光事業") == ["最上広域観光事業", "505"]
    assert row(t, "火葬場の相互利用") == ["火葬場の相互利用", "0"]


def test_okura_agreement_and_summed_kpi(client):
    html = get(client, town_url(OKURA))
    t = table(html, "大蔵村と新庄市の協定の締結状況")
    assert row(t, "15")[2] == "○ 締結"
    assert "圏域内の新規就農者数" in text(html)


def test_a_town_in_english(client):
    page = text(get(client, en(town_url(OKURA))))
    assert "Okura Village" in page and "2,673people" not in page


def test_unknown_town_is_404(client):
    assert client.get("/towns/999999/").status_code == 404


# --- area statistics ----------------------------------------------------------------------


def test_statistics_population_table(client):
    t = table(get(client, "/statistics/"), "構成市町村・圏域・山形県の人口")
    assert row(t, "新庄市")[1] == "43,125"
    assert row(t, "山形県")[1] == "1,258,390"
    assert row(t, "圏域の割合（%）")[1:3] == ["8.1", "7.9"]


def test_statistics_keep_printed_decimals(client):
    html = get(client, "/statistics/")
    assert row(table(html, "5年前からの増減率"), "新庄市")[5] == "-5.0"
    assert row(table(html, "昼夜間人口比率"), "大蔵村")[3] == "83.0"


def test_statistics_daytime_commuting_hospital(client):
    html = get(client, "/statistics/")
    assert row(table(html, "昼夜間人口比率"), "計") == ["計", "70,922", "69,648", "98.2"]
    commuting = table(html, "常住地別の通勤・通学先")
    assert row(commuting, "新庄市")[1] == "12,273 77.5%"
    assert row(commuting, "大蔵村")[-2:] == ["1,298", "53.5%"]
    hospital = table(html, "山形県立新庄病院の住所地別患者数")
    assert row(hospital, "新庄市") == ["新庄市", "44,367", "47.4", "86,721", "50.5"]
    assert row(hospital, "合計") == ["合計", "93,688", "100.0", "171,751", "100.0"]


def test_statistics_flow_picture_has_its_table(client):
    html = get(client, "/statistics/")
    assert 'aria-labelledby="commuting-flow-t commuting-flow-d"' in html
    t = table(html, "新庄市と町村の間の通勤・通学者数")
    assert row(t, "真室川町") == ["真室川町", "1,117", "389"]


# --- agreement matrix ------------------------------------------------------------------------


def test_agreement_matrix_is_20_by_7(client):
    t = table(get(client, "/agreement/"), "連携する取組項目と町村の協定締結状況")
    items = [r for r in t["rows"] if r[0].isdigit()]
    assert len(items) == 20 and all(len(r) == 2 + 7 for r in items)


def test_agreement_marks_match_the_document(client):
    t = table(get(client, "/agreement/"), "連携する取組項目と町村の協定締結状況")
    by_number = {r[0]: r for r in t["rows"] if r[0].isdigit()}
    # 金山町 最上町 舟形町 真室川町 大蔵村 鮭川村 戸沢村
    assert by_number["6"][2:] == [
        "○ 締結",
        "— 締結しない",
        "○ 締結",
        "— 締結しない",
        "○ 締結",
        "○ 締結",
        "○ 締結",
    ]
    assert by_number["12"][7] == "— 締結しない"
    assert by_number["14"][2:] == ["未定", "未定", "未定", "未定", "○ 締結", "○ 締結", "未定"]
    assert set(by_number["20"][2:]) == {"未定"}


# --- how progress is judged, accessibility ------------------------------------------------


def test_progress_rules_publish_formula_and_thresholds(client):
    html = get(client, "/about/progress/")
    assert "達成率 ＝（実績値 − 現状値）÷（目標値 − 現状値）× 100" in text(html)
    t = table(html, "評価の区分と基準")
    assert row(t, "◎ A")[1:] == ["目標達成", "100% 以上"]


def test_progress_rules_examples_are_calculated(client):
    t = table(get(client, "/about/progress/"), "計算例")
    assert row(t, "受診者数")[5:] == ["58.2%", "100.0%", "58.2%", "△ C やや遅れ"]
    assert row(t, "施設利用者")[-1] == "評価対象外（目標未設定）"


def test_progress_rules_follow_the_secretariats_thresholds(client):
    from kpis.models import GradeLevel

    GradeLevel.objects.filter(code="B").update(min_percent=75, label="おおむね順調")
    t = table(get(client, "/about/progress/"), "評価の区分と基準")
    assert row(t, "○ B")[1:] == ["おおむね順調", "75% 以上"]


def test_progress_rules_in_english(client):
    page = text(get(client, en("/about/progress/")))
    assert "Achievement rate = (actual − baseline) ÷ (target − baseline) × 100" in page
    assert "within ±5% of the target" in page


def test_accessibility_policy_is_honest(client):
    page = text(get(client, "/about/accessibility/"))
    assert "JIS X 8341-3:2016" in page and "AA" in page
    assert "対応度は「配慮」" in page
    assert "スクリーンリーダー" in page


def test_footer_links_the_policies(client):
    html = get(client, "/")
    assert 'href="/about/progress/"' in html and 'href="/about/accessibility/"' in html
    with translation.override("ja"):
        assert reverse("opendata:index") in html


# --- summed KPI on the program and town pages ------------------------------------------------


@pytest.fixture
def farmers_reported(db):
    """Seven of the eight towns have an approved figure for R8; 戸沢村 has only a draft."""
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from core.models import FigureStatus
    from kpis.models import KPI, KPIActual
    from municipalities.models import Municipality

    kpi = KPI.objects.get(name="圏域内の新規就農者数")
    for n, town in enumerate(Municipality.objects.order_by("sort_order")):
        approved = town.code != TOZAWA
        KPIActual.objects.create(
            kpi=kpi,
            fiscal_year=2026,
            municipality=town,
            value=Decimal(n + 1),
            approved_value=Decimal(n + 1) if approved else None,
            approved_at=datetime(2027, 5, 10, tzinfo=ZoneInfo("Asia/Tokyo")) if approved else None,
            status=FigureStatus.APPROVED if approved else FigureStatus.DRAFT,
        )
    return kpi


def test_summed_kpi_shows_who_reported_and_no_partial_total(client, farmers_reported):
    html = get(client, program_url(FARMING))
    t = table(html, "圏域内の新規就農者数：市町村ごとの値")
    assert row(t, "R8") == ["R8", "1", "2", "3", "4", "5", "6", "7", "−", "7/8", "集計中"]
    assert "8市町村のうち7市町村が報告済み" in text(html)
    assert "28" not in row(t, "R8")  # 1+…+7 is never shown as the area figure


def test_town_page_shows_its_own_component(client, farmers_reported):
    t = table(get(client, town_url(OKURA)), "圏域内の新規就農者数")
    assert row(t, "R8") == ["R8", "6", "2027年5月10日", "集計中（7/8市町村が報告）"]


def test_plan_dates_each_judged_kpi(client):
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from core.models import FigureStatus
    from kpis.models import KPI, KPIActual

    KPIActual.objects.create(
        kpi=KPI.objects.get(name="受診者数"),
        fiscal_year=2026,
        value=Decimal("2600"),
        approved_value=Decimal("2600"),
        approved_at=datetime(2027, 4, 20, tzinfo=ZoneInfo("Asia/Tokyo")),
        status=FigureStatus.APPROVED,
    )
    page = text(get(client, "/plan/"))
    # R8: 117 of 717 = 16.3%, a third of the way expected → progress 48.9% → × 遅れ
    assert "受診者数 ： × D 遅れ （R8の実績、2027年4月20日 承認）" in page
