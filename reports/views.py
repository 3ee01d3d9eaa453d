"""Published progress reports on the public side.

Only years the secretariat has published appear, and residents get the files as
they were published (``PublishedReport``: approved figures only, frozen at the
time of publishing). An unpublished year is a 404, whatever its data.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from reports.publishing import file_name
from vision.models import PublishedReport, ReportingYear, Vision
from vision.selectors import current_vision

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _published_years(vision: Vision):
    return ReportingYear.objects.filter(vision=vision, report_published_at__isnull=False).order_by(
        "-fiscal_year"
    )


def _published(vision: Vision, year: int, *, files: bool = False) -> PublishedReport:
    reporting_year = _published_years(vision).filter(fiscal_year=year).first()
    if reporting_year is None:
        raise Http404("この年度の進捗状況報告は公表されていません。")
    reports = PublishedReport.objects.filter(reporting_year=reporting_year).select_related(
        "reporting_year"
    )
    if not files:
        reports = reports.defer("pdf", "xlsx")
    published = reports.order_by("-version").first()
    if published is None:
        raise Http404("この年度の進捗状況報告は公表されていません。")
    return published


def index(request):
    vision = current_vision()
    years = list(_published_years(vision))
    return render(request, "reports/index.html", {"vision": vision, "years": years})


def year_page(request, year: int):
    vision = current_vision()
    published = _published(vision, year)
    summary = published.summary
    fields = [
        {**f, "pairs": list(zip(summary["buckets"], f["counts"], strict=True))}
        for f in summary.get("fields", [])
    ]
    return render(
        request,
        "reports/year.html",
        {
            "vision": vision,
            "published": published,
            "fiscal_year": year,
            "summary": summary,
            "fields": fields,
            "program_count": sum(f.get("programs", 0) for f in fields),
            "total_pairs": list(
                zip(summary["buckets"], summary.get("total_counts", []), strict=True)
            ),
        },
    )


def _download(request, year: int, extension: str):
    vision = current_vision()
    published = _published(vision, year, files=True)
    content = getattr(published, extension)
    response = HttpResponse(bytes(content), content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{file_name(vision, year, extension)}"'
    return response


def published_pdf(request, year: int):
    return _download(request, year, "pdf")


def published_xlsx(request, year: int):
    return _download(request, year, "xlsx")
