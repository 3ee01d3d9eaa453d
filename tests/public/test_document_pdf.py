"""The vision document's PDF reads like the seed: same structure and figures (made once)."""

import subprocess

import pytest
from django.db import transaction

from programs.models import Program
from public.document_views import document_pdf_bytes
from vision.loader import load_vision, read_fixtures
from vision.models import Vision

# The module's PDF is made once from the session's database; the mark makes pytest-django
# create that database when this file runs alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    """(pdf, text without whitespace, raw text, program names)."""
    with django_db_blocker.unblock(), transaction.atomic():
        if not Vision.objects.filter(
            slug="shinjo-mogami-3"
        ).exists():  # flushed by a live-server test
            plan, statistics = read_fixtures()
            load_vision(plan=plan, statistics=statistics)
        pdf = document_pdf_bytes(Vision.objects.get(slug="shinjo-mogami-3"))
        names = list(Program.objects.values_list("name", flat=True))
        transaction.set_rollback(True)
    raw = subprocess.run(  # noqa: S603
        ["pdftotext", "-enc", "UTF-8", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return pdf, "".join(raw.split()), raw, names


def test_it_is_a_pdf(document):
    assert document[0].startswith(b"%PDF-")


def test_it_names_all_26_programs(document):
    _pdf, text, _raw, names = document
    assert (len(names), [n for n in names if "".join(n.split()) not in text]) == (26, [])


def test_it_keeps_the_printed_total_that_disagrees_with_the_shares(document):
    _pdf, text, _raw, _names = document
    assert "45,812" in text and "55,573" not in text


def test_it_has_the_area_population_projection(document):
    assert "36,391" in document[1]


def test_it_has_the_sections_of_the_document(document):
    text = document[1]
    headings = [
        "1定住自立圏及び市町村の名称",
        "2定住自立圏共生ビジョン策定の目的",
        "3定住自立圏の将来像",
        "4新庄最上定住自立圏形成協定項目一覧表",
        "5定住自立圏形成協定に基づき推進する具体的取組",
    ]
    assert [h for h in headings if h not in text] == []


def test_it_has_the_program_table_rows_as_printed(document):
    text = document[1]
    rows = [
        "事業名最上地域保健医療対策事業",
        "新庄市612",
        "年間事業開催数(回)",
        "委員会、幹事会を除く",
    ]
    assert [r for r in rows if r not in text] == []


def test_it_has_the_statistics_tables(document):
    text = document[1]
    assert "110.6" in text and "12,273" in text and "93,688" in text


def test_its_pages_are_numbered(document):
    raw = document[2]
    pages = raw.count("\f")
    assert pages > 30 and f"{pages} / {pages}" in raw
