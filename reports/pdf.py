"""The progress report as a PDF (the template, then WeasyPrint through core.pdf)."""

from django.template.loader import render_to_string
from django.utils import translation

from core.pdf import html_to_pdf


def report_pdf(report) -> bytes:
    """The progress report (``reports.report.ProgressReport``) as a PDF."""
    with translation.override("ja"):
        html = render_to_string("reports/report.html", {"report": report})
    return html_to_pdf(html)
