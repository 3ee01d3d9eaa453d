"""A plan revision's page says which evaluation or 懇談会 opinion led to it: only approved
evaluations (their approved 今後の方向性) and published opinions (their published text)."""

import pytest

from tests.pages import loaded_page
from tests.public.evaluation_data import MARKER, MEETING_TITLE, OPINIONS, YEAR, build
from tests.public.html import tables
from tests.revisions.helpers import open_revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published(secretariat, vision):
    return build(secretariat, vision)


def origins(page: str, caption: str) -> list[list[str]]:
    return next(t for t in tables(page) if caption in t["caption"])["rows"]


def test_the_revision_page_names_the_approved_evaluation_that_led_to_it(client, published):
    page = loaded_page(client.get(f"/revisions/{published.revision.pk}/"), "この変更のきっかけ")
    assert origins(page, "きっかけになった事業評価") == [
        [published.tourism.name, "令和8年度（2026年度）", "改善して継続"]
    ]
    assert f'href="/evaluations/{YEAR}/programs/{published.tourism.pk}/"' in page


def test_the_revision_page_names_the_published_opinion_that_led_to_it(client, published):
    page = loaded_page(client.get(f"/revisions/{published.revision.pk}/"))
    rows = origins(page, "きっかけになった懇談会の意見")
    assert len(rows) == 1
    assert rows[0][0].startswith(MEETING_TITLE)
    assert rows[0][2:] == [OPINIONS[0][1], OPINIONS[0][2]]  # as published, not as edited since


def test_unapproved_sheets_and_unpublished_opinions_are_not_named(client, published):
    page = loaded_page(client.get(f"/revisions/{published.revision.pk}/"), "この変更のきっかけ")
    assert MARKER not in page
    assert published.farming.name not in page  # its sheet is linked but only submitted


def test_a_revision_nothing_led_to_has_no_such_section(client, secretariat, vision):
    revision = open_revision(secretariat, vision)
    page = loaded_page(client.get(f"/revisions/{revision.pk}/"), revision.title)
    assert "この変更のきっかけ" not in page
