"""Generating and publishing the yearly progress report.

``report_files`` builds the report of a fiscal year from approved figures and
renders it as PDF and Excel (the admin's downloads and the management command).
``publish_report`` stores both files as a new ``PublishedReport`` version and marks
the reporting year as published: residents then download exactly those files, so
a figure approved later does not change what was published. Publishing needs the
year to be locked (締め), so the figures in it are final. ``withdraw_report``
takes the report off the public pages again (the stored versions are kept).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from core.japanese import fiscal_year_label
from kpis.models import KPIActual, KPITarget
from municipalities import roles
from programs.models import CostShare
from reports.pdf import report_pdf
from reports.report import ProgressReport, build_report, summary_json
from reports.report_xlsx import render_xlsx
from vision.models import PublishedReport, ReportingYear, RevisionChange, Vision


class PublishRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ReportFiles:
    report: ProgressReport
    pdf: bytes
    xlsx: bytes


def report_files(*, vision: Vision, fiscal_year: int) -> ReportFiles:
    report = build_report(vision=vision, fiscal_year=fiscal_year)
    return ReportFiles(report=report, pdf=report_pdf(report), xlsx=render_xlsx(report))


def report_file(*, vision: Vision, fiscal_year: int, extension: str) -> bytes:
    """One format of the report, generated now from approved figures."""
    report = build_report(vision=vision, fiscal_year=fiscal_year)
    if extension == "xlsx":
        return render_xlsx(report)
    if extension == "pdf":
        return report_pdf(report)
    raise ValueError(f"unknown report format {extension!r}")


def file_name(vision: Vision, fiscal_year: int, extension: str) -> str:
    return f"progress-report-{vision.slug}-{fiscal_year}.{extension}"


@transaction.atomic
def figures_token(vision: Vision) -> str:
    """A token that changes whenever any figure, target or plan revision of the vision does.

    The report page carries it; publishing refuses when it changed since the page was
    shown, so what is published is what the secretariat looked at.
    """
    figures = {"n": Count("pk"), "versions": Sum("version"), "updated": Max("updated_at")}
    rows = (
        CostShare.objects.filter(program__item__category__policy_field__vision=vision).aggregate(
            **figures
        ),
        KPIActual.objects.filter(
            kpi__program__item__category__policy_field__vision=vision
        ).aggregate(**figures),
        KPITarget.objects.filter(
            kpi__program__item__category__policy_field__vision=vision
        ).aggregate(n=Count("pk"), last=Max("pk")),
        RevisionChange.objects.filter(revision__vision=vision).aggregate(
            n=Count("pk"), last=Max("pk")
        ),
    )
    parts = [",".join(f"{key}={value}" for key, value in row.items()) for row in rows]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def publish_report(
    *, user, reporting_year: ReportingYear, seen_token: str | None = None
) -> PublishedReport:
    """Publish the year's report. ``seen_token``: the ``figures_token`` of the page the
    secretariat decided on; when the figures changed since, nothing is published."""
    if not roles.can_manage(user):
        raise PermissionDenied
    reporting_year = (
        ReportingYear.objects.select_for_update().select_related("vision").get(pk=reporting_year.pk)
    )
    if not reporting_year.is_locked:
        raise PublishRejected(
            f"{fiscal_year_label(reporting_year.fiscal_year)}はまだ締めていません。"
            "数値を確定するため、先に年度を締めてから公表してください。"
        )
    if seen_token is not None and seen_token != figures_token(reporting_year.vision):
        raise PublishRejected(
            "画面を開いた後に数値が変わりました。報告書を開き直し、内容を確かめてから"
            "公表してください。"
        )
    files = report_files(vision=reporting_year.vision, fiscal_year=reporting_year.fiscal_year)
    now = timezone.now()
    version = (reporting_year.published_reports.aggregate(v=Max("version"))["v"] or 0) + 1
    published = PublishedReport(
        reporting_year=reporting_year,
        version=version,
        published_at=now,
        published_by=user,
        as_of=files.report.as_of,
        pdf=files.pdf,
        xlsx=files.xlsx,
        summary=summary_json(files.report),
    )
    published.full_clean()
    published.save()
    reporting_year.report_published_at = now
    reporting_year.report_published_by = user
    reporting_year.full_clean()
    reporting_year.save()
    return published


@transaction.atomic
def withdraw_report(*, user, reporting_year: ReportingYear) -> ReportingYear:
    """Take the year's report off the public pages (the stored versions stay)."""
    if not roles.can_manage(user):
        raise PermissionDenied
    reporting_year = ReportingYear.objects.select_for_update().get(pk=reporting_year.pk)
    reporting_year.report_published_at = None
    reporting_year.report_published_by = None
    reporting_year.full_clean()
    reporting_year.save()
    return reporting_year
