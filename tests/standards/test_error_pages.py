"""Error pages (DEBUG off): the site's layout, the URL's language, the code's own message,
a way back to the top page."""

import pytest

from tests.standards.errors import error_pages
from vision.models import ReportingYear

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def pages(settings, vision, kaneyama_officer):
    settings.DEBUG = False
    ReportingYear.objects.create(vision=vision, fiscal_year=YEAR)
    return dict(error_pages(settings, kaneyama_officer, YEAR))


def html(response) -> str:
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "status", "lang", "text"),
    [
        ("404", 404, "ja", "ページが見つかりません"),
        ("404-en", 404, "en", "Page not found"),
        ("403", 403, "ja", "このページを表示する権限がありません"),
        ("400", 400, "ja", "リクエストを処理できませんでした"),
        ("400-en", 400, "en", "The request could not be processed"),
        ("413", 413, "ja", "送信されたデータが大きすぎます"),
        ("413-en", 413, "en", "What you sent is too large"),
        ("429", 429, "ja", "しばらくログインできません"),
    ],
)
def test_each_error_has_its_page_in_the_site_s_layout_and_language(pages, name, status, lang, text):
    response = pages[name]
    page = html(response)
    assert response.status_code == status
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{text}</h1>" in page
    assert 'class="site-header"' in page
    assert 'href="/"' in page or 'href="/en/"' in page  # a way back


def test_a_404_shows_the_message_the_code_wrote(pages):
    assert "その市町村はありません。" in html(pages["404-message"])


def test_a_403_shows_the_message_the_code_wrote(pages):
    assert "承認・差戻しは事務局だけができます。" in html(pages["403"])


def test_the_413_names_the_upload_limit(pages, settings):
    assert f"{settings.MAX_UPLOAD_MB} MB 以下" in html(pages["413"])


def test_the_lock_out_page_gives_the_cool_off_message(pages, settings):
    assert settings.AXES_COOLOFF_MESSAGE in html(pages["429"])


def test_django_s_own_404_message_for_developers_is_not_shown(client, settings):
    settings.DEBUG = False
    page = html(client.get("/programs/999999/"))
    assert "<h1>ページが見つかりません</h1>" in page
    assert "matches the given query" not in page
