import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def loaded(django_db_blocker):
    # transaction=True tests start from an empty database: load the vision for them.
    from vision.loader import load_vision, read_fixtures

    plan, statistics = read_fixtures()
    load_vision(plan=plan, statistics=statistics)


def test_the_open_data_page_renders_without_errors(page, loaded):
    page.goto(page.base + "/opendata/")
    assert page.locator("h1").inner_text() == "オープンデータ"
    assert page.locator("table caption").first.inner_text().startswith("JSON の項目")
    assert page.errors == []


def test_the_skip_link_is_the_first_stop_and_reaches_main(page, loaded):
    page.goto(page.base + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "本文へ移動"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.errors == []
