"""Third-party checkers (the Nu HTML Checker, axe-core), installed by `npm ci` from
package-lock.json into node_modules/.

Like the browser tests: without the checkers (or Java) the tests skip locally, and fail
under CI=true, where nothing may be skipped. Chromium is tests/conftest.py's ``browser``.
"""

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REPORT_YEAR = 2025


def require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def vnu_jar() -> Path:
    require(VNU_JAR.exists(), f"{VNU_JAR} missing (make setup-checkers: npm ci)")
    require(shutil.which("java") is not None, "java missing (apt-get install default-jre-headless)")
    return VNU_JAR


@pytest.fixture(scope="session")
def axe_js() -> str:
    require(AXE_JS.exists(), f"{AXE_JS} missing (make setup-checkers: npm ci)")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def yearly_cycle(monkeypatch, vision, secretariat):
    """A published report for REPORT_YEAR and one plan revision: their pages exist.

    Returns (report year, revision pk). The report's PDF is not made (WeasyPrint is
    tested in tests/reports): the pages only link to it.
    """
    from kpis.models import KPI
    from reports import publishing
    from revisions import services as revisions
    from vision.models import ReportingYear

    monkeypatch.setattr("reports.publishing.report_pdf", lambda report: b"%PDF-1.7 test")
    year = ReportingYear.objects.create(vision=vision, fiscal_year=REPORT_YEAR, is_locked=True)
    publishing.publish_report(user=secretariat, reporting_year=year)
    revision = revisions.create_revision(
        user=secretariat,
        vision=vision,
        title="令和9年3月変更",
        decided_on=date(2027, 3, 25),
        basis="懇談会",
    )
    revisions.change_target(
        user=secretariat,
        revision=revision,
        kpi=KPI.objects.get(name="年間事業開催数"),
        effective_year=2027,
        target=40,
    )
    return REPORT_YEAR, revision.pk
