"""English pages mark every Japanese part lang="ja" or say it in English (WCAG 3.1.2)."""

import re

import pytest

from programs.models import Program
from tests.constants import TOURISM
from tests.pages import loaded_page
from tests.standards.lang import JAPANESE, unmarked_japanese
from tests.standards.pages import public_paths

pytestmark = pytest.mark.django_db


def english_paths(yearly_cycle):
    report_year, revision = yearly_cycle
    return [p for p in public_paths(report_year=report_year, revision=revision) if p[:4] == "/en/"]


def test_no_english_page_has_japanese_text_not_marked_as_japanese(client, yearly_cycle):
    found = {}
    for path in english_paths(yearly_cycle):
        unmarked = unmarked_japanese(loaded_page(client.get(path)))
        if unmarked:
            found[path] = unmarked
    assert not found, "\n".join(f"{path}: {parts}" for path, parts in found.items())


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/en/reports/", "Progress reports"),
        ("/en/revisions/", "Revisions of the vision"),
        ("/en/document/", "The vision document"),
    ],
)
def test_the_yearly_cycle_pages_have_english_titles_breadcrumbs_and_headings(client, path, title):
    page = loaded_page(client.get(path))
    assert f"<title>{title} |" in page
    assert f'<span aria-current="page">{title}</span>' in page


def test_an_english_chart_legend_names_its_unit_in_english(client):
    tourism = Program.objects.get(name=TOURISM).pk
    page = loaded_page(client.get(f"/en/programs/{tourism}/"), "Straight-line")
    assert "(人)" not in page
    legend = re.findall(r"Straight-line path[^<]*", page)
    assert legend, page
    assert any(text.endswith(")") for text in legend), legend
    assert not any(JAPANESE.search(text) for text in legend), legend
