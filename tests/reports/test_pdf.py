"""The report as PDF for the document's own 令和7年度 with one approved actual (made once)."""

import subprocess

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import FigureStatus
from kpis.models import KPI, KPIActual
from programs.models import Program
from reports.pdf import report_pdf
from reports.report import build_report
from vision.loader import load_vision, read_fixtures
from vision.models import Vision

# The module's PDF is made once from the session's database; the mark makes pytest-django
# create that database when this file runs alone.
pytestmark = pytest.mark.django_db


def pdftotext(pdf: bytes) -> str:
    result = subprocess.run(  # noqa: S603
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def generated(django_db_setup, django_db_blocker):
    """(pdf bytes, text without whitespace, program names); the data change is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not Vision.objects.filter(
            slug="shinjo-mogami-3"
        ).exists():  # flushed by a live-server test
            plan, statistics = read_fixtures()
            load_vision(plan=plan, statistics=statistics)
        kpi = KPI.objects.get(name="年間事業開催数")
        KPIActual.objects.create(
            kpi=kpi, fiscal_year=2025, value=30, approved_value=30,
            approved_at=timezone.now(), status=FigureStatus.APPROVED,
        )  # fmt: skip
        vision = Vision.objects.get(slug="shinjo-mogami-3")
        pdf = report_pdf(build_report(vision=vision, fiscal_year=2025))
        names = list(Program.objects.values_list("name", flat=True))
        transaction.set_rollback(True)
    text = pdftotext(pdf)
    return pdf, "".join(text.split()), names, text


def test_it_is_a_pdf(generated):
    pdf, *_ = generated
    assert pdf.startswith(b"%PDF-")


def test_it_names_every_program(generated):
    _pdf, text, names, _raw = generated
    assert [n for n in names if "".join(n.split()) not in text] == []


def test_it_shows_the_plan_figures_in_thousand_yen(generated):
    _pdf, text, _names, _raw = generated
    assert "1,358" in text and "133,182" in text


def test_it_shows_the_approved_actual_its_rate_and_grade(generated):
    _pdf, text, _names, _raw = generated
    # 年間事業開催数 25 → 36: (30 − 25) ÷ 11 = 45.5%, 1/6 of the way expected → ◎
    assert "45.5%" in text and "◎目標達成" in text


def test_its_pages_are_numbered(generated):
    _pdf, _text, _names, raw = generated
    pages = raw.count("\f")
    assert f"1 / {pages}" in raw and f"{pages} / {pages}" in raw
