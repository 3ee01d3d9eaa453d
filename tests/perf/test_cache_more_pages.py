"""The page cache also serves the yearly cycle's public pages (reports, document, revisions),
and shows a publication, a withdrawal or a revision on the very next request."""

from datetime import date

import pytest

from core import cache
from core.models import FigureStatus
from kpis.models import KPI
from programs.models import CostShare
from reports import publishing
from revisions import services as revisions
from tests.constants import SHINJO
from tests.pages import loaded_page
from vision.models import ReportingYear

pytestmark = pytest.mark.django_db

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
LOCMEM = "django.core.cache.backends.locmem.LocMemCache"
FAKE_PDF = b"%PDF-1.7 test"
YEAR = 2025
NO_REPORT_YET = "公表された進捗状況報告はまだありません。"


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


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """WeasyPrint is tested in tests/reports and tests/document; here a PDF is just bytes."""
    monkeypatch.setattr("reports.publishing.report_pdf", lambda report: FAKE_PDF)
    monkeypatch.setattr("public.document_views.cached_pdf", lambda html, key_prefix: FAKE_PDF)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as its own committed transaction (so the public version is bumped)."""

    def run(write, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(**kwargs)

    return run


@pytest.fixture
def locked_year(vision):
    return ReportingYear.objects.create(vision=vision, fiscal_year=YEAR, is_locked=True)


@pytest.fixture
def published(locked_year, secretariat):
    publishing.publish_report(user=secretariat, reporting_year=locked_year)
    return locked_year


@pytest.fixture
def revision(vision, secretariat):
    revision = open_revision(secretariat, vision)
    revisions.change_target(
        user=secretariat, revision=revision, kpi=kpi(), effective_year=2027, target=40
    )
    return revision


def open_revision(user, vision, title="令和9年3月変更"):
    return revisions.create_revision(
        user=user, vision=vision, title=title, decided_on=date(2027, 3, 25), basis="懇談会"
    )


def kpi():
    return KPI.objects.get(name="年間事業開催数")


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status
    return response


def twice(client, url):
    get(client, url)
    return get(client, url)


@pytest.mark.parametrize(
    "url",
    [
        "/reports/",
        f"/reports/{YEAR}/",
        f"/reports/{YEAR}/report.xlsx",
        "/en/reports/",
        "/document/",
        "/revisions/",
        "/revisions/{pk}/",
        "/revisions/compare/",
    ],
)
def test_it_serves_the_second_request_from_the_cache(cached, client, published, revision, url):
    response = twice(client, url.format(pk=revision.pk))
    assert response[cache.HEADER] == cache.HIT


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(url, expected, id=url)
        for url, expected in [
            ("/reports/", f'href="/reports/{YEAR}/"'),
            (f"/reports/{YEAR}/", "第1版"),
            ("/document/", "形成協定項目"),
            ("/revisions/", "令和9年3月変更"),
            ("/revisions/{pk}/", "令和9年3月変更"),
        ]
    ],
)
def test_the_cached_pages_carry_no_csrf_token_or_cookie(
    cached, client, published, revision, url, expected
):
    response = twice(client, url.format(pk=revision.pk))
    assert "csrfmiddlewaretoken" not in loaded_page(response, expected)
    assert not response.cookies


@pytest.mark.parametrize("url", [f"/reports/{YEAR}/report.pdf", "/document/vision.pdf"])
def test_the_pdfs_are_not_stored(cached, client, published, url):
    response = twice(client, url)
    assert response.content == FAKE_PDF
    assert cache.HEADER not in response


def test_a_comparison_chosen_in_the_form_is_not_stored(cached, client, revision):
    response = twice(client, f"/revisions/compare/?a=0&b={revision.pk}")
    assert cache.HEADER not in response


def test_a_publication_shows_on_the_list_at_once(cached, client, locked_year, secretariat, commit):
    before = loaded_page(twice(client, "/reports/"), NO_REPORT_YET)
    commit(publishing.publish_report, user=secretariat, reporting_year=locked_year)
    response = get(client, "/reports/")
    assert f'href="/reports/{YEAR}/"' not in before
    assert response[cache.HEADER] == cache.MISS
    assert f'href="/reports/{YEAR}/"' in response.content.decode()


def test_a_new_version_of_the_report_shows_at_once(cached, client, published, secretariat, commit):
    url = f"/reports/{YEAR}/"
    assert "第1版" in twice(client, url).content.decode()
    commit(publishing.publish_report, user=secretariat, reporting_year=published)
    assert "第2版" in get(client, url).content.decode()


@pytest.mark.parametrize("url", [f"/reports/{YEAR}/", f"/reports/{YEAR}/report.xlsx"])
def test_a_withdrawn_report_is_gone_at_once(cached, client, published, secretariat, commit, url):
    assert twice(client, url)[cache.HEADER] == cache.HIT
    commit(publishing.withdraw_report, user=secretariat, reporting_year=published)
    get(client, url, status=404)


@pytest.mark.parametrize("url", [f"/reports/{YEAR}/", f"/reports/{YEAR}/report.xlsx"])
def test_a_year_locked_but_not_published_is_not_found(cached, client, locked_year, url):
    for _ in range(2):
        assert cache.HEADER not in get(client, url, status=404)


def test_a_year_locked_but_not_published_is_not_listed(cached, client, locked_year):
    page = loaded_page(twice(client, "/reports/"), NO_REPORT_YET)
    assert f'href="/reports/{YEAR}/"' not in page


def test_a_new_revision_shows_on_the_list_at_once(cached, client, vision, secretariat, commit):
    twice(client, "/revisions/")
    commit(open_revision, user=secretariat, vision=vision, title="令和10年3月変更")
    assert "令和10年3月変更" in get(client, "/revisions/").content.decode()


def test_a_changed_target_shows_in_the_document_at_once(
    cached, client, revision, secretariat, commit
):
    twice(client, "/document/")
    commit(
        revisions.change_target,
        user=secretariat,
        revision=revision,
        kpi=kpi(),
        effective_year=2028,
        target=45,
    )
    assert "45回（R10から・令和9年3月変更）" in get(client, "/document/").content.decode()


def test_a_changed_target_shows_in_the_revision_at_once(
    cached, client, revision, secretariat, commit
):
    url = f"/revisions/{revision.pk}/"
    twice(client, url)
    commit(
        revisions.change_target,
        user=secretariat,
        revision=revision,
        kpi=kpi(),
        effective_year=2028,
        target=45,
    )
    assert "45回" in get(client, url).content.decode()


def test_a_draft_plan_figure_never_appears_in_the_document(cached, client, commit):
    share = CostShare.objects.get(
        program__name="子育て支援センター事業",
        municipality__code=SHINJO,
        fiscal_year=YEAR,
        kind=CostShare.Kind.PLAN,
    )
    twice(client, "/document/")

    def draft():
        share.amount_kyen, share.status = 98765, FigureStatus.DRAFT
        share.save()

    commit(draft)
    response = get(client, "/document/")
    body = response.content.decode()
    assert response[cache.HEADER] == cache.MISS
    assert "98,765" not in body and "6,532" in body
