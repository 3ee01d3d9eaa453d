"""Who may generate and publish the report, and what the public gets."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from vision.models import PublishedReport, ReportingYear, Vision

pytestmark = pytest.mark.django_db
FAKE_PDF = b"%PDF-1.7 test"


@pytest.fixture(autouse=True)
def quick_pdf(monkeypatch):
    """The PDF itself is tested in test_pdf.py; here it only has to be stored and served."""
    monkeypatch.setattr("reports.publishing.report_pdf", lambda report: FAKE_PDF)


@pytest.fixture
def year(vision):
    return ReportingYear.objects.create(vision=vision, fiscal_year=2025, is_locked=True)


@pytest.fixture
def figures():
    """年間事業開催数 R7: approved 30; 受診者数 R7: a draft 2,500 (never in a report)."""
    now = timezone.now()
    KPIActual.objects.create(
        kpi=KPI.objects.get(name="年間事業開催数"), fiscal_year=2025, value=30,
        approved_value=30, approved_at=now, status=FigureStatus.APPROVED,
    )  # fmt: skip
    return KPIActual.objects.create(
        kpi=KPI.objects.get(name="受診者数"), fiscal_year=2025, value=2500,
        status=FigureStatus.DRAFT,
    )  # fmt: skip


def admin_url(name, year, *args):
    return reverse(f"admin:vision_reportingyear_{name}", args=[year.pk, *args])


def shown_token(client, year) -> str:
    """The figures token of the report page, as the publish form posts it back."""
    page = client.get(admin_url("report", year)).content.decode()
    found = re.search(r'name="figures_token" value="([0-9a-f]+)"', page)
    return found.group(1) if found else ""


def publish(client, year, token=None):
    if token is None:
        token = shown_token(client, year)
    return client.post(admin_url("publish", year), {"figures_token": token})


def kpi_values(xlsx: bytes, name: str) -> list:
    sheet = load_workbook(io.BytesIO(xlsx))["1. 生活機能の強化"]
    return [
        [c.value for c in row]
        for row in sheet.iter_rows(min_row=5)
        if row[2].value == "成果指標" and row[3].value == name
    ][0]


def test_an_officer_cannot_open_the_report_page(client, kaneyama_officer, year):
    client.force_login(kaneyama_officer)
    assert client.get(admin_url("report", year)).status_code == 403


def test_an_officer_cannot_download_the_report(client, okura_officer, year):
    client.force_login(okura_officer)
    assert client.get(admin_url("report_download", year, "xlsx")).status_code == 403


def test_a_reviewer_downloads_the_report(client, reviewer, year):
    client.force_login(reviewer)
    response = client.get(admin_url("report_download", year, "xlsx"))
    assert (response.status_code, response["Content-Type"][:40]) == (
        200,
        "application/vnd.openxmlformats-officedoc",
    )


def test_a_reviewer_cannot_publish(client, reviewer, year):
    client.force_login(reviewer)
    assert publish(client, year).status_code == 403
    assert not PublishedReport.objects.exists()


def test_an_open_year_cannot_be_published(client, secretariat, year):
    ReportingYear.objects.filter(pk=year.pk).update(is_locked=False)
    client.force_login(secretariat)
    response = publish(client, year)
    assert "先に年度を締めてから" in client.get(response.url).content.decode()
    assert not PublishedReport.objects.exists()


def test_the_secretariat_publishes_a_locked_year(client, secretariat, year):
    client.force_login(secretariat)
    publish(client, year)
    year.refresh_from_db()
    assert (year.report_published_by, PublishedReport.objects.get().version) == (secretariat, 1)


def test_the_public_gets_no_report_of_an_unpublished_year(client, year):
    assert client.get(reverse("public:reports:year", args=[2025])).status_code == 404
    assert client.get(reverse("public:reports:pdf", args=[2025])).status_code == 404


def test_the_public_downloads_the_published_report(client, secretariat, year):
    client.force_login(secretariat)
    publish(client, year)
    client.logout()
    response = client.get(reverse("public:reports:pdf", args=[2025]))
    assert (response.status_code, response.content) == (200, FAKE_PDF)


def test_the_published_report_has_approved_figures_only(client, secretariat, year, figures):
    client.force_login(secretariat)
    publish(client, year)
    client.logout()
    xlsx = client.get(reverse("public:reports:xlsx", args=[2025])).content
    assert (kpi_values(xlsx, "年間事業開催数")[10], kpi_values(xlsx, "受診者数")[10]) == (30, None)


def test_a_figure_approved_later_does_not_change_the_published_report(
    client, secretariat, year, figures
):
    client.force_login(secretariat)
    publish(client, year)
    KPIActual.objects.filter(pk=figures.pk).update(
        approved_value=2500, approved_at=timezone.now(), status=FigureStatus.APPROVED
    )
    client.logout()
    xlsx = client.get(reverse("public:reports:xlsx", args=[2025])).content
    assert kpi_values(xlsx, "受診者数")[10] is None


def test_the_public_year_page_shows_the_summary(client, secretariat, year):
    client.force_login(secretariat)
    publish(client, year)
    client.logout()
    html = client.get(reverse("public:reports:year", args=[2025])).content.decode()
    assert "令和7年度（2025年度） 進捗状況報告" in html and "報告書（Excel）をダウンロード" in html


def test_a_withdrawn_report_leaves_the_public_pages(client, secretariat, year):
    client.force_login(secretariat)
    publish(client, year)
    client.post(admin_url("withdraw", year))
    client.logout()
    assert client.get(reverse("public:reports:year", args=[2025])).status_code == 404


def test_only_the_current_vision_years_are_listed(client, secretariat, year):
    client.force_login(secretariat)
    publish(client, year)
    client.logout()
    html = client.get(reverse("public:reports:index")).content.decode()
    assert Vision.objects.current() == year.vision and "令和7年度（2025年度） 進捗状況報告" in html


def test_a_figure_changed_after_the_page_was_shown_stops_the_publishing(
    client, secretariat, year, figures
):
    """What is published is what the secretariat looked at: a figure approved in the
    meantime (here by a colleague) means the page must be looked at again."""
    client.force_login(secretariat)
    token = shown_token(client, year)
    assert token
    figures.approved_value = figures.value
    figures.approved_at = timezone.now()
    figures.status = FigureStatus.APPROVED
    figures.save()

    response = publish(client, year, token)

    assert response.status_code == 302
    year.refresh_from_db()
    assert not year.is_report_published
    assert not PublishedReport.objects.filter(reporting_year=year).exists()
    page = client.get(admin_url("report", year)).content.decode()
    assert "画面を開いた後に数値が変わりました" in page


def test_a_publish_form_without_the_token_publishes_nothing(client, secretariat, year, figures):
    client.force_login(secretariat)
    response = client.post(admin_url("publish", year))
    assert response.status_code == 302
    year.refresh_from_db()
    assert not year.is_report_published
