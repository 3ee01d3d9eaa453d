"""Every chart on a public page is followed by its table; no inline style or script."""

import re

import pytest

from tests.constants import OKURA
from tests.pages import loaded_page

pytestmark = pytest.mark.django_db

PAGES_WITH_CHARTS = ["/", "/statistics/", f"/towns/{OKURA}/", "/en/statistics/"]


@pytest.mark.parametrize("url", PAGES_WITH_CHARTS)
def test_every_chart_on_a_page_is_followed_by_a_captioned_table(client, url):
    html = loaded_page(client.get(url))
    figures = re.findall(r'<figure class="chart" id="([^"]+)-chart">', html)
    assert figures
    for chart_id in figures:
        after = html.split(f'<figure class="chart" id="{chart_id}-chart">', 1)[1]
        assert f'aria-labelledby="{chart_id}-table-caption"' in after.split("</figure>", 1)[1][:400]


@pytest.mark.parametrize("url", PAGES_WITH_CHARTS + ["/programs/9/"])
def test_pages_have_no_inline_style_or_script(client, url):
    html = loaded_page(client.get(url), '<figure class="chart"')
    assert "<script" not in html
    assert "<style" not in html
    assert " style=" not in html
