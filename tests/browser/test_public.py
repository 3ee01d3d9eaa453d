"""The public pages in a real browser: they load cleanly, charts have tables, the
language switch works, the keyboard reaches the content, phones do not scroll sideways."""

import pytest

from tests.constants import FARMING, OKURA, TOURISM

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loaded(django_db_blocker):
    # transaction=True tests start from an empty database: load the vision for them.
    from vision.loader import load_vision, read_fixtures

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)


@pytest.fixture
def urls(loaded):
    from programs.models import Program

    tourism = Program.objects.get(name=TOURISM).pk
    farming = Program.objects.get(name=FARMING).pk
    ja = [
        "/",
        "/plan/",
        f"/programs/{tourism}/",
        f"/programs/{farming}/",
        "/kpis/",
        "/kpis/?sort=-rate",
        "/towns/",
        f"/towns/{OKURA}/",
        "/statistics/",
        "/agreement/",
        "/about/progress/",
        "/about/accessibility/",
        "/opendata/",
    ]
    return ja + ["/en" + u for u in ja]


def test_every_public_page_loads_without_errors(page, urls):
    for url in urls:
        # networkidle: let the favicon load before leaving, or Chromium aborts it
        response = page.goto(page.base + url, wait_until="networkidle")
        assert response.status == 200, url
        assert page.locator("h1").count() == 1, url
    assert page.errors == []


def test_no_page_scrolls_sideways_on_a_360_pixel_phone(page, urls):
    page.set_viewport_size({"width": 360, "height": 740})
    wide = []
    for url in urls:
        page.goto(page.base + url, wait_until="networkidle")
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            wide.append(url)
    assert wide == []
    assert page.errors == []


def test_a_chart_has_its_table(page, loaded):
    page.goto(page.base + "/statistics/", wait_until="networkidle")
    figure = page.locator("figure#daytime-chart")
    assert figure.locator("svg[role=img]").is_visible()
    assert figure.locator("svg title").text_content() == "昼夜間人口比率"
    caption = page.locator("#daytime-table-caption")
    assert caption.is_visible()
    assert caption.inner_text().startswith("昼夜間人口比率（2020年国勢調査）")
    first_row = page.locator("table:has(#daytime-table-caption) tbody tr").first
    assert first_row.locator("th[scope=row]").inner_text() == "新庄市"
    assert first_row.locator("td").last.inner_text() == "110.6"
    assert page.errors == []


def test_the_language_switch_goes_to_the_same_page_and_back(page, loaded):
    page.goto(page.base + f"/towns/{OKURA}/", wait_until="networkidle")
    assert page.evaluate("document.documentElement.lang") == "ja"
    page.get_by_role("link", name="English").click()
    page.wait_for_url(f"**/en/towns/{OKURA}/", wait_until="networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "Okura Village" in page.locator("h1").inner_text()
    page.get_by_role("link", name="日本語").click()
    page.wait_for_url(page.base + f"/towns/{OKURA}/", wait_until="networkidle")
    assert page.locator("h1").inner_text().startswith("大蔵村")
    assert page.errors == []


def test_the_keyboard_reaches_the_main_content(page, loaded):
    page.goto(page.base + "/kpis/", wait_until="networkidle")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside_main
    assert page.errors == []


def test_the_focus_is_visible(page, loaded):
    page.goto(page.base + "/", wait_until="networkidle")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the site title link
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_the_kpi_list_filters_without_javascript(browser, live_server, loaded):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    page.goto(live_server.url + "/kpis/")
    page.select_option("#id_grade", "not_judged")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/kpis/?*grade=not_judged*")
    rows = page.locator("table.kpi-table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("th").inner_text() == "施設利用者"
    context.close()
