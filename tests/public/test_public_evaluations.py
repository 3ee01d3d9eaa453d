"""The yearly evaluation on the public side: only approved text, on every page and file.

The data (tests/public/evaluation_data.py) is built through the real services and puts
``MARKER`` into every text that is not public: a draft sheet, a submitted sheet, an
approved sheet's later change, an unapproved 取組状況, an unpublished opinion and
response, a meeting not approved, and evidence that is internal, added after approval
or attached to a sheet never approved. Every public page (tests/standards/pages.py, in
Japanese and English) and every open-data file is read; the marker is absent from all
of them, and the approved text is present where it belongs.
"""

import csv
import io
import json
import re

import pytest
from django.utils import translation
from frictionless import validate
from openpyxl import load_workbook

from core import cache
from programs.models import Program
from public.opendata import DATASETS
from tests.constants import SHINJO, TOURISM
from tests.pages import loaded_page
from tests.public.evaluation_data import (
    APPROVED,
    APPROVED_ACTIVITY,
    APPROVED_CAUSE,
    APPROVED_REMEDY,
    EARLIER,
    EARLIER_DONE,
    MARKER,
    MEETING_REVIEWED,
    MEETING_TITLE,
    OPINIONS,
    PUBLIC_EVIDENCE,
    YEAR,
    approve,
    build,
    sheet,
)
from tests.public.html import tables, text
from tests.standards.lang import unmarked_japanese
from tests.standards.pages import public_paths

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published(secretariat, vision):
    with translation.override("ja"):
        return build(secretariat, vision)


def year_url(year=YEAR, query=""):
    return f"/evaluations/{year}/{query}"


def program_year_url(published, year=YEAR):
    return f"/evaluations/{year}/programs/{published.tourism.pk}/"


def every_public_page(published) -> list[str]:
    """tests/standards/pages.py's pages (both languages), and the evaluation pages and
    downloads the standards tests do not visit."""
    extra = [
        year_url(EARLIER),
        program_year_url(published, EARLIER),
        f"/revisions/{published.revision.pk}/",
        year_url(query="?sort=rating"),
        year_url(query="?sort=-direction"),
        year_url(query="?_export=csv"),
    ]
    return public_paths(revision=published.revision.pk) + extra + ["/en" + p for p in extra]


def open_data_files() -> list[str]:
    files = ["/opendata/datapackage.json", "/opendata/catalog.jsonld", "/sitemap.xml"]
    for name in DATASETS:
        files += [f"/opendata/{SHINJO}_{name}.json", f"/opendata/{SHINJO}_{name}.csv"]
    return files


# --- nothing unapproved is public --------------------------------------------------------


def test_no_unapproved_text_reaches_any_public_page(client, published):
    paths = every_public_page(published)
    assert year_url() in paths and "/en" + program_year_url(published) in paths
    leaks = [p for p in paths if MARKER in loaded_page(client.get(p))]
    assert leaks == []


def test_no_unapproved_text_reaches_any_open_data_file(client, published):
    leaks = [f for f in open_data_files() if MARKER in loaded_page(client.get(f))]
    assert leaks == []


def test_no_unapproved_text_reaches_the_excel_download(client, published):
    response = client.get(year_url(query="?_export=xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert published.tourism.name in cells
    assert not [c for c in cells if MARKER in c]


def test_the_program_page_shows_the_approved_evaluation(client, published):
    page = loaded_page(
        client.get(f"/programs/{published.tourism.pk}/"),
        APPROVED["done"],
        APPROVED["results"],
        APPROVED["direction_reason"],
        APPROVED_CAUSE,
        APPROVED_REMEDY,
        APPROVED_ACTIVITY,
        PUBLIC_EVIDENCE,
        OPINIONS[0][1],
        OPINIONS[0][2],
    )
    assert "令和8年度（2026年度）の評価" in page
    assert "改善して継続" in text(page) and "B 概ね順調" in text(page)
    assert MARKER not in page


def test_the_program_page_links_the_earlier_year(client, published):
    page = loaded_page(client.get(f"/programs/{published.tourism.pk}/"))
    assert f'href="{program_year_url(published, EARLIER)}"' in page
    assert EARLIER_DONE not in page  # the latest year is shown, the earlier one a click away
    earlier = loaded_page(client.get(program_year_url(published, EARLIER)), EARLIER_DONE)
    assert APPROVED["done"] not in earlier


def test_the_opinions_shown_with_a_program_are_those_about_it(client, published):
    page = loaded_page(client.get(f"/programs/{published.tourism.pk}/"), OPINIONS[0][1])
    assert OPINIONS[1][1] not in page and OPINIONS[2][1] not in page


def test_a_program_without_an_approved_evaluation_says_so(client, published):
    page = loaded_page(client.get(f"/programs/{published.farming.pk}/"))
    assert "評価はまだ公表されていません。" in page


def test_a_year_without_an_approved_evaluation_of_the_program_is_not_found(client, published):
    assert client.get(program_year_url(published, 2027)).status_code == 404
    assert client.get(f"/evaluations/{YEAR}/programs/{published.farming.pk}/").status_code == 404


# --- the year page -------------------------------------------------------------------------


def year_table(page) -> dict:
    return next(t for t in tables(page) if "連携事業ごとの評価と今後の方向性" in t["caption"])


def test_the_year_page_lists_every_program_with_unevaluated_ones_as_such(client, published):
    table = year_table(loaded_page(client.get(year_url())))
    rows = {row[0]: row for row in table["rows"]}
    assert len(rows) == 26
    assert rows[published.tourism.name][2:4] == ["B 概ね順調", "改善して継続"]
    assert rows[published.farming.name][2:4] == ["未評価", "未評価"]  # submitted, not approved
    assert rows[published.health.name][2:4] == ["未評価", "未評価"]  # a draft


def test_the_year_page_sorts_by_rating(client, published):
    first = year_table(loaded_page(client.get(year_url(query="?sort=rating"))))["rows"][0]
    last = year_table(loaded_page(client.get(year_url(query="?sort=-rating"))))["rows"][-1]
    assert first[0] == last[0] == published.tourism.name


def test_the_year_page_downloads_as_csv_with_codes_and_labels(client, published):
    response = client.get(year_url(query="?_export=csv"))
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 26
    tourism = next(r for r in rows if r["連携事業"] == published.tourism.name)
    assert (tourism["評価の記号"], tourism["今後の方向性の記号"]) == ("B", "improve")
    assert (tourism["年度"], tourism["年度（和暦）"]) == ("2026", "令和8年度")
    farming = next(r for r in rows if r["連携事業"] == published.farming.name)
    assert (farming["評価"], farming["評価の記号"]) == ("未評価", "")


def test_the_year_page_counts_ratings_and_directions_per_policy_field(client, published):
    page = loaded_page(client.get(year_url()))
    ratings = next(t for t in tables(page) if t["caption"] == "政策分野別の評価（事業の数）")
    directions = next(
        t for t in tables(page) if t["caption"] == "政策分野別の今後の方向性（事業の数）"
    )
    assert ratings["headers"] == [
        "政策分野", "A 順調", "B 概ね順調", "C 課題あり", "D 見直しが必要", "未評価", "計",
    ]  # fmt: skip
    assert ratings["rows"][-1] == ["計", "0", "1", "0", "0", "25", "26"]
    assert directions["rows"][-1][0] == "計" and directions["rows"][-1][3] == "1"


def test_the_year_page_shows_the_published_meeting_with_its_opinions(client, published):
    page = loaded_page(
        client.get(year_url()),
        MEETING_TITLE,
        MEETING_REVIEWED,
        "2027年2月10日",
        "12人",
        *[t for _kind, opinion, response in OPINIONS for t in (opinion, response)],
    )
    assert f'href="/programs/{published.tourism.pk}/"' in page  # the program it is about
    assert 'href="/plan/#field-1"' in page  # the policy field
    assert '<a href="/document/">ビジョン全体</a>' in page  # the whole vision
    assert f"/revisions/{published.revision.pk}/" in page  # the revision that acted on it


def test_a_year_of_the_plan_without_content_lists_every_program_as_unevaluated(client, published):
    page = loaded_page(
        client.get(year_url(2028)), "この年度の懇談会の意見は、まだ公表されていません。"
    )
    rows = year_table(page)["rows"]
    assert len(rows) == 26 and {r[2] for r in rows} == {"未評価"}


def test_a_year_outside_the_plan_without_content_is_not_found(client, published):
    assert client.get(year_url(2019)).status_code == 404


def test_the_index_lists_the_years_with_content(client, published):
    page = loaded_page(client.get("/evaluations/"))
    assert f'href="{year_url(YEAR)}"' in page and f'href="{year_url(EARLIER)}"' in page
    assert 'href="/evaluations/2028/"' not in page


def test_the_index_says_when_nothing_is_published(client, vision):
    loaded_page(client.get("/evaluations/"), "評価はまだ公表されていません。")


# --- evidence --------------------------------------------------------------------------------


def evidence_url(evidence):
    return f"/evaluations/evidence/{evidence.token}/"


def test_public_evidence_of_an_approved_sheet_is_a_download(client, published):
    response = client.get(evidence_url(published.public_evidence))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    "which", ["internal_evidence", "late_evidence", "submitted_evidence"], ids=str
)
def test_evidence_that_is_not_public_and_approved_is_not_found(client, published, which):
    # internal; public but added after approval (not in the approved copy); public but
    # attached to a sheet that was never approved.
    assert client.get(evidence_url(getattr(published, which))).status_code == 404


def test_evidence_made_internal_after_approval_is_not_found(client, published):
    published.public_evidence.is_public = False
    published.public_evidence.save()
    assert client.get(evidence_url(published.public_evidence)).status_code == 404


def test_an_unknown_token_is_not_found(client, published):
    assert client.get("/evaluations/evidence/0123456789abcdef0123456789abcdef/").status_code == 404


def test_only_public_approved_evidence_is_linked(client, published):
    page = loaded_page(client.get(f"/programs/{published.tourism.pk}/"), PUBLIC_EVIDENCE)
    links = set(re.findall(r"/evaluations/evidence/([0-9a-f]+)/", page))
    assert links == {published.public_evidence.token}


# --- written text is data: escaped on pages, as is in files ------------------------------------


def test_script_is_shown_escaped_on_the_pages(client, published):
    for path in [f"/programs/{published.tourism.pk}/", program_year_url(published)]:
        page = loaded_page(client.get(path), "冬季の誘客&lt;script&gt;alert(")
        assert "<script>alert" not in page, path


def test_script_is_carried_as_data_in_json_and_csv(client, published):
    rows = json.loads(client.get(f"/opendata/{SHINJO}_evaluations.json").content)
    current = next(r for r in rows if r["fiscal_year"] == YEAR)
    assert current["issues"] == APPROVED["issues"]
    content = client.get(f"/opendata/{SHINJO}_evaluations.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows[-1]["課題"] == APPROVED["issues"]
    assert SCRIPT in rows[-1]["課題"]


# --- open data -------------------------------------------------------------------------------


def test_the_evaluations_dataset_has_a_row_per_approved_program_year(client, published):
    rows = json.loads(client.get(f"/opendata/{SHINJO}_evaluations.json").content)
    assert [(r["program_id"], r["fiscal_year"]) for r in rows] == [
        (published.tourism.pk, EARLIER),
        (published.tourism.pk, YEAR),
    ]
    current = rows[1]
    assert (current["code"], current["scope"]) == (SHINJO, "area")
    assert (current["rating_code"], current["rating"], current["direction"]) == (
        "B",
        "概ね順調",
        "improve",
    )
    assert current["done"] == APPROVED["done"]
    assert current["analyses"][0]["cause"] == APPROVED_CAUSE
    assert current["approved_at"].endswith("+09:00")


def test_the_committee_opinions_dataset_has_each_published_opinion(client, published):
    rows = json.loads(client.get(f"/opendata/{SHINJO}_committee_opinions.json").content)
    assert [(r["number"], r["subject_kind"]) for r in rows] == [
        (1, "program"),
        (2, "policy_field"),
        (3, "vision"),
    ]
    assert rows[0]["subject_id"] == published.tourism.pk
    assert (rows[0]["opinion"], rows[0]["response"]) == OPINIONS[0][1:]
    assert rows[0]["revision"] == published.revision.title
    assert (rows[0]["meeting_date"], rows[0]["fiscal_year"]) == ("2027-02-10", YEAR)


def test_the_csv_starts_with_the_area_columns(client, published):
    content = client.get(f"/opendata/{SHINJO}_committee_opinions.csv").content.decode("utf-8-sig")
    header, first = list(csv.reader(io.StringIO(content)))[:2]
    assert header[:3] == ["全国地方公共団体コード", "地方公共団体名", "集計単位"]
    assert first[:3] == [SHINJO, "新庄最上定住自立圏", "圏域"]


def test_frictionless_finds_the_package_valid_with_evaluations(client, published, tmp_path):
    response = client.get("/opendata/datapackage.json")
    (tmp_path / "datapackage.json").write_bytes(response.content)
    for resource in json.loads(response.content)["resources"]:
        (tmp_path / resource["path"]).write_bytes(
            client.get(f"/opendata/{resource['path']}").content
        )
    assert (tmp_path / f"{SHINJO}_evaluations.csv").read_text("utf-8-sig").count("\n") > 2
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])


def test_the_open_data_page_documents_the_new_datasets(client, vision):
    loaded_page(client.get("/opendata/"), 'id="ds-evaluations"', 'id="ds-committee_opinions"')


# --- English -----------------------------------------------------------------------------------


def test_english_pages_mark_the_japanese_text(client, published):
    for path in [
        "/en/evaluations/",
        "/en" + year_url(),
        "/en" + program_year_url(published),
        f"/en/programs/{published.tourism.pk}/",
    ]:
        page = loaded_page(client.get(path))
        assert unmarked_japanese(page) == [], path


def test_english_pages_give_the_structure_in_english(client, published):
    page = loaded_page(
        client.get("/en" + program_year_url(published)),
        "Evaluation of FY2026 (Reiwa 8)",
        "What was done",
        "Future direction: Continue with improvements",
        "Mostly on track",
        "Why the KPIs moved",
    )
    assert f'<div lang="ja"><p>{APPROVED["done"]}</p></div>' in page


def test_the_english_year_table_says_not_evaluated(client, published):
    rows = year_table_en(loaded_page(client.get("/en" + year_url())))
    assert {r[2] for r in rows} == {"B Mostly on track", "Not evaluated"}


def year_table_en(page):
    return next(t for t in tables(page) if "rating and future direction" in t["caption"])["rows"]


# --- crawlers ------------------------------------------------------------------------------------


def test_the_sitemap_lists_the_evaluation_pages_but_no_evidence(client, published):
    xml = loaded_page(client.get("/sitemap.xml"))
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    for path in ["/evaluations/", year_url(), year_url(EARLIER), program_year_url(published)]:
        assert f"http://testserver{path}" in locations, path
        assert f"http://testserver/en{path}" in locations, path
    assert not [u for u in locations if "/evidence/" in u]
    assert f"http://testserver{year_url(2028)}" not in locations  # nothing published


# --- the public page cache ---------------------------------------------------------------------

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@pytest.fixture
def cached(settings, tmp_path):
    """The cache on, as in production: versions in a folder, pages in memory."""
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = {
        "default": {"BACKEND": LOCMEM, "LOCATION": f"default-{tmp_path.name}"},
        "version": {"BACKEND": FILE_CACHE, "LOCATION": str(tmp_path / "version")},
        "pages": {"BACKEND": LOCMEM, "LOCATION": f"pages-{tmp_path.name}"},
    }
    settings.PUBLIC_CACHE_VERSION_ALIAS = "version"
    settings.PUBLIC_CACHE_PAGES_ALIAS = "pages"


def test_the_pages_are_cached_and_renewed_when_an_evaluation_is_approved(
    client, cached, secretariat, vision, django_capture_on_commit_callbacks
):
    tourism = Program.objects.get(name=TOURISM)
    for path in [year_url(), f"/programs/{tourism.pk}/"]:
        client.get(path)
        assert client.get(path)[cache.HEADER] == cache.HIT, path
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = sheet(
            secretariat, tourism, YEAR, APPROVED,
            cause=APPROVED_CAUSE, remedy=APPROVED_REMEDY, direction="improve", code="B",
        )  # fmt: skip
        approve(secretariat, evaluation)
    loaded_page(client.get(f"/programs/{tourism.pk}/"), APPROVED["done"])
    assert "B 概ね順調" in text(loaded_page(client.get(year_url())))


def test_the_evidence_download_is_never_stored_as_a_page(client, cached, published):
    url = evidence_url(published.public_evidence)
    assert client.get(url).status_code == 200
    assert cache.HEADER not in client.get(url)
    assert "public:evaluations:evidence" not in cache.PUBLIC_VIEWS
