"""The accessibility page publishes the automatic checks' results (みんなの公共サイト運用ガイドライン:
date, pages, tool and version, criteria, result), says what they cannot establish, and
claims no conformance that was not tested."""

import json

import pytest

from tests.pages import loaded_page
from tests.standards.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    return loaded_page(client.get("/about/accessibility/"), "自動チェックの結果")


def pinned(name: str) -> str:
    return json.loads((ROOT / "package.json").read_text())["devDependencies"][name]


def test_it_names_the_pinned_versions_of_the_checkers(page):
    assert f"axe-core {pinned('axe-core')}" in page
    assert f"vnu-jar {pinned('vnu-jar')}" in page


def test_it_gives_the_date_pages_criteria_and_results(page):
    assert "自動チェックの結果（2026年12月3日）" in page
    assert "対象ページ：" in page
    assert "WCAG 2.2 のレベル AA" in page
    assert "違反 0 件" in page and "エラー 0 件" in page


def test_it_says_what_automatic_checks_cannot_establish_and_claims_no_conformance(page):
    assert "自動チェックでは確かめられないこと" in page
    assert "対応度は「配慮」" in page
    assert "に準拠しています" not in page
