"""A spreadsheet import saved in bulk sends no post_save signal, yet it invalidates the
public page cache like any other write (once, and only when it commits)."""

import pytest
from django.test import Client

from core import cache
from returns import services
from tests.constants import KANEYAMA
from tests.perf.test_page_cache import get, on_server, servers
from tests.returns.helpers import header_index, open_year, return_url, workbook, xlsx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings, tmp_path):
    settings.PUBLIC_PAGE_CACHE = True
    settings.CACHES = servers(tmp_path)
    on_server(settings, "a")
    return settings


@pytest.fixture
def officer(vision, kaneyama_officer) -> Client:
    open_year(vision)
    client = Client()
    client.force_login(kaneyama_officer)
    return client


@pytest.fixture
def only_in_bulk(monkeypatch):
    """Saving a single figure (which would send post_save) fails: only the bulk path passes."""

    def refuse(figure, **kwargs):
        raise AssertionError("saved figure by figure")

    monkeypatch.setattr(services, "_save", refuse)


def previewed_import(officer) -> str:
    """Every row of the officer's template filled in, uploaded: the preview's URL."""
    wb = workbook(officer.get(return_url(KANEYAMA, 2025, "template")).content)
    ws = wb.worksheets[0]
    value = header_index(ws)["値（入力）"]
    for row in range(2, ws.max_row + 1):
        ws.cell(row, value).value = row
    assert ws.max_row - 1 >= services.BULK_MIN_WRITES
    response = officer.post(return_url(KANEYAMA, 2025, "upload"), {"file": xlsx_upload(wb)})
    assert response.status_code == 302
    return response["Location"]


def test_a_confirmed_import_invalidates_the_cached_public_pages(
    cached,
    client,
    officer,
    only_in_bulk,
    django_capture_on_commit_callbacks,
):
    preview = previewed_import(officer)
    get(client, "/")
    assert get(client, "/")[0][cache.HEADER] == cache.HIT

    with django_capture_on_commit_callbacks(execute=True):
        assert officer.post(preview, {"confirm": "1"}).status_code == 302

    assert get(client, "/")[0][cache.HEADER] == cache.MISS


def test_a_confirmed_import_bumps_the_version_once_after_the_commit(
    officer, only_in_bulk, monkeypatch, django_capture_on_commit_callbacks
):
    preview = previewed_import(officer)
    bumps = []
    monkeypatch.setattr(cache, "bump_public_version", lambda: bumps.append(1))

    with django_capture_on_commit_callbacks() as callbacks:
        assert officer.post(preview, {"confirm": "1"}).status_code == 302
    assert bumps == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert bumps == [1]
