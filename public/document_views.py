"""The vision document, rendered from the data: a printable HTML page and its PDF.

Public (the vision is a public document); only approved plan figures are shown
(the plan estimates are approved when the vision is loaded or revised).
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from core.pdf import cached_pdf
from public.document import document_context
from vision.models import Vision
from vision.selectors import current_vision


def document_page(request):
    return render(request, "document/page.html", document_context(current_vision()))


def document_pdf_bytes(vision: Vision) -> bytes:
    """The vision document as a PDF (cached by its content)."""
    with translation.override("ja"):
        context = document_context(vision)
        context.pop("generated_at")  # the content, not the moment, decides the cache key
        html = render_to_string("document/pdf.html", context)
    return cached_pdf(html, key_prefix=f"vision-document:{vision.pk}")


def document_pdf(request):
    vision = current_vision()
    response = HttpResponse(document_pdf_bytes(vision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{vision.slug}.pdf"'
    return response
