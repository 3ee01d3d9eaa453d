"""Third-party checkers (the Nu HTML Checker, axe-core), installed by `npm ci` from
package-lock.json into node_modules/.

Like the browser tests: without the checkers (or Java) the tests skip locally, and fail
under CI=true, where nothing may be skipped. Chromium is tests/conftest.py's ``browser``.
"""

import io
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


def published_evaluation(user, vision, revision) -> None:
    """REPORT_YEAR's yearly evaluation with content, built through the services as
    tests/public/evaluation_data.py does: 最上広域観光事業 approved (B, 改善して継続, linked
    to ``revision``) with its KPIs' 要因分析, a public PNG and an internal PDF; the health
    program approved (A); 金山町's 取組状況 approved; a 懇談会 published with an opinion on
    the program (linked to ``revision``), one on a policy field and one on the whole vision.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from evaluations import services
    from evaluations.evidence import checked_upload
    from evaluations.models import CommitteeMeeting, Opinion
    from programs.models import Program
    from tests.constants import HEALTH, KANEYAMA, TOURISM
    from tests.public.evaluation_data import activity, approve, sheet
    from vision.models import PolicyField

    tourism = Program.objects.get(name=TOURISM)
    texts = {
        "done": "圏域の観光パンフレットを作り、首都圏の商談会に2回出展した。",
        "results": "観光入込客数は前年度並みだった。",
        "issues": "冬の誘客が弱い。",
        "direction_reason": "冬の体験型観光を加えて続ける。",
    }
    evaluation = sheet(
        user, tourism, REPORT_YEAR, texts,
        cause="雪の多い時期の来訪が少なかった。", remedy="冬の体験企画を増やす。",
        direction="improve", code="B",
    )  # fmt: skip
    evaluation = services.save_sheet(
        user=user, evaluation=evaluation, data={"revision": revision}, analyses={},
        expected_version=evaluation.version,
    )  # fmt: skip
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 80, 140)).save(image, "PNG")
    for name, content, kind, public in [
        ("商談会.png", image.getvalue(), "image/png", True),
        ("内部資料.pdf", b"%PDF-1.4\n% internal\n", "application/pdf", False),
    ]:
        services.add_evidence(
            user=user,
            evaluation=evaluation,
            upload=checked_upload(SimpleUploadedFile(name, content, content_type=kind)),
            title=f"商談会の資料（{'公開' if public else '内部'}）",
            is_public=public,
        )
    approve(user, evaluation)
    approve(
        user,
        sheet(
            user, Program.objects.get(name=HEALTH), REPORT_YEAR, {**texts, "done": "合同研修会を開いた。"},
            cause="集計が間に合わなかった。", remedy="四半期ごとに集計する。",
            direction="continue", code="A",
        ),
    )  # fmt: skip
    activity(user, tourism, KANEYAMA, REPORT_YEAR, "町の観光イベントを開いた。", approve_it=True)

    meeting = CommitteeMeeting.objects.create(
        vision=vision, fiscal_year=REPORT_YEAR, held_on=date(2026, 5, 20),
        title="令和7年度 第1回共生ビジョン懇談会", reviewed="令和7年度の連携事業の評価",
        members_present=11,
    )  # fmt: skip
    subjects = [
        {"program": tourism, "revision": revision},
        {"policy_field": PolicyField.objects.get(vision=vision, number=1)},
        {},
    ]
    for order, subject in enumerate(subjects, start=1):
        Opinion.objects.create(
            meeting=meeting, order=order, text=f"意見{order}の本文", response=f"対応{order}の本文",
            **subject,
        )  # fmt: skip
    services.approve_meeting(user=user, meeting=meeting)


@pytest.fixture
def yearly_cycle(monkeypatch, settings, tmp_path_factory, vision, secretariat):
    """A published report for REPORT_YEAR, one plan revision, and REPORT_YEAR's yearly
    evaluation with content (``published_evaluation``): their pages exist and are full.

    Returns (report year, revision pk). The report's PDF is not made (WeasyPrint is
    tested in tests/reports): the pages only link to it.
    """
    from kpis.models import KPI
    from reports import publishing
    from revisions import services as revisions
    from vision.models import ReportingYear

    monkeypatch.setattr("reports.publishing.report_pdf", lambda report: b"%PDF-1.7 test")
    # The evidence files, away from tmp_path (test_html_validity checks all of tmp_path).
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
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
    # Written before the year is locked (a locked year's evaluation cannot change).
    published_evaluation(secretariat, vision, revision)
    year = ReportingYear.objects.create(vision=vision, fiscal_year=REPORT_YEAR, is_locked=True)
    publishing.publish_report(user=secretariat, reporting_year=year)
    return REPORT_YEAR, revision.pk
