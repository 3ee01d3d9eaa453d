"""python manage.py progress_report --year 2025 --format xlsx|pdf --output FILE"""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_it_writes_the_excel_report(tmp_path):
    output = tmp_path / "report.xlsx"
    call_command("progress_report", "--year", "2025", "--format", "xlsx", "--output", str(output))
    assert load_workbook(output).sheetnames[0] == "概要"


def test_it_writes_the_pdf_report(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "reports.management.commands.progress_report.report_pdf", lambda report: b"%PDF-1.7 x"
    )
    output = tmp_path / "report.pdf"
    call_command("progress_report", "--year", "2025", "--format", "pdf", "--output", str(output))
    assert output.read_bytes().startswith(b"%PDF-")


def test_it_refuses_a_japanese_era_year(tmp_path):
    with pytest.raises(CommandError, match="西暦"):
        call_command(
            "progress_report",
            "--year",
            "7",
            "--format",
            "xlsx",
            "--output",
            str(tmp_path / "r.xlsx"),
        )


def test_it_refuses_an_unknown_format(tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "progress_report", "--year", "2025", "--format", "docx", "--output", str(tmp_path / "r")
        )
