"""Each public page names itself and its other-language version with absolute URLs, and
names the Japanese page as x-default (the page for a reader of neither language)."""

import re

import pytest

from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

ALTERNATE = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


@pytest.mark.parametrize("path", ["/statistics/", "/en/statistics/"])
def test_a_page_lists_ja_en_and_x_default_as_absolute_urls(client, path):
    page = loaded_page(client.get(path, HTTP_HOST="testserver"))
    assert dict(ALTERNATE.findall(page)) == {
        "ja": "http://testserver/statistics/",
        "en": "http://testserver/en/statistics/",
        "x-default": "http://testserver/statistics/",
    }


def test_the_kpi_list_s_alternates_keep_its_query(client):
    page = loaded_page(client.get("/en/kpis/?sort=-rate"))
    assert dict(ALTERNATE.findall(page))["ja"] == "http://testserver/kpis/?sort=-rate"
