"""The vision document, rendered from the data: a printable HTML page and its PDF.

Public (the vision is a public document); only approved plan figures are shown
(the plan estimates are approved when the vision is loaded or revised).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from vision.document import document_context
from vision.models import Vision
from vision.pdf import cached_pdf


def _vision() -> Vision:
    vision = Vision.objects.current()
    if vision is None:
        raise Http404("ビジョンがまだ登録されていません。")
    return vision


def document_page(request):
    return render(request, "document/page.html", document_context(_vision()))


def document_pdf_bytes(vision: Vision) -> bytes:
    """The vision document as a PDF (cached by its content)."""
    with translation.override("ja"):
        context = document_context(vision)
        context.pop("generated_at")  # the content, not the moment, decides the cache key
        html = render_to_string("document/pdf.html", context)
    return cached_pdf(html, key_prefix=f"vision-document:{vision.pk}")


def document_pdf(request):
    vision = _vision()
    response = HttpResponse(document_pdf_bytes(vision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{vision.slug}.pdf"'
    return response
