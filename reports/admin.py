"""Reporting years in the admin: the secretariat opens a fiscal year, sets its deadline,
locks it, follows the towns' returns (提出状況) and makes and publishes the progress report.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.japanese import fiscal_year_label
from municipalities import roles
from municipalities.admin_access import ReferenceAdminMixin, UserNamesMixin
from municipalities.roles import can_read_all
from reports import publishing
from reports.report import completeness_rows
from returns import services
from returns.annual import LINE_STATES, completeness, totals
from vision.models import (
    PublishedReport,
    ReportingYear,
)


@admin.register(ReportingYear)
class ReportingYearAdmin(UserNamesMixin, ReferenceAdminMixin, admin.ModelAdmin):
    """Reporting rounds: the secretariat opens a fiscal year, sets its deadline, locks it."""

    shown_to_officers = True  # the deadline and whether the year is locked
    user_fields = ["locked_by", "report_published_by"]

    list_display = [
        "label",
        "deadline",
        "is_locked",
        "locked_at",
        "locked_by",
        "status_link",
        "report_link",
    ]
    list_filter = ["vision", "is_locked"]
    fields = [
        "vision",
        "fiscal_year",
        "deadline",
        "is_locked",
        "locked_at",
        "locked_by",
        "report_published_at",
        "report_published_by",
    ]
    readonly_fields = [
        "is_locked",
        "locked_at",
        "locked_by",
        "report_published_at",
        "report_published_by",
    ]
    actions = ["lock", "unlock"]

    @admin.display(description="年度", ordering="fiscal_year")
    def label(self, reporting_year):
        return fiscal_year_label(reporting_year.fiscal_year)

    @admin.display(description="提出状況")
    def status_link(self, reporting_year):
        return format_html(
            '<a href="{}">提出状況を見る</a>',
            reverse("admin:vision_reportingyear_completeness", args=[reporting_year.pk]),
        )

    @admin.display(description="進捗状況報告")
    def report_link(self, reporting_year):
        label = "報告書を作成する"
        if reporting_year.is_report_published:
            label += "（公表済み）"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:vision_reportingyear_report", args=[reporting_year.pk]),
            label,
        )

    def get_list_display(self, request):
        # Only the links the user can follow: 提出状況 and the report are refused (403) to
        # those who may not read every town's figures.
        hidden = set()
        if not can_read_all(request.user):
            hidden.add("status_link")
        if not roles.can_generate_reports(request.user):
            hidden.add("report_link")
        return [name for name in self.list_display if name not in hidden]

    def get_fields(self, request, obj=None):
        return self.with_user_names(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return self.with_user_names(request, [*self.readonly_fields, "vision", "fiscal_year"])
        return self.with_user_names(request, self.readonly_fields)

    def has_lock_permission(self, request):
        return roles.can_manage(request.user)

    @admin.action(
        description="選択した年度を締める（担当者は変更できなくなります）", permissions=["lock"]
    )
    def lock(self, request, queryset):
        for reporting_year in queryset:
            services.lock_year(user=request.user, reporting_year=reporting_year)
        self.message_user(request, f"{queryset.count()} 年度を締めました。", messages.SUCCESS)

    @admin.action(description="選択した年度の締めを解除する", permissions=["lock"])
    def unlock(self, request, queryset):
        for reporting_year in queryset:
            services.unlock_year(user=request.user, reporting_year=reporting_year)
        self.message_user(
            request, f"{queryset.count()} 年度の締めを解除しました。", messages.SUCCESS
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/completeness/",
                self.admin_site.admin_view(self.completeness_view),
                name="vision_reportingyear_completeness",
            ),
            path(
                "<int:pk>/report/",
                self.admin_site.admin_view(self.report_view),
                name="vision_reportingyear_report",
            ),
            path(
                "<int:pk>/report/download.<str:extension>",
                self.admin_site.admin_view(self.report_download),
                name="vision_reportingyear_report_download",
            ),
            path(
                "<int:pk>/report/published/<int:version>.<str:extension>",
                self.admin_site.admin_view(self.published_download),
                name="vision_reportingyear_published_download",
            ),
            path(
                "<int:pk>/report/publish/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="vision_reportingyear_publish",
            ),
            path(
                "<int:pk>/report/withdraw/",
                self.admin_site.admin_view(require_POST(self.withdraw_view)),
                name="vision_reportingyear_withdraw",
            ),
            *super().get_urls(),
        ]

    def completeness_view(self, request, pk):
        if not can_read_all(request.user):
            raise PermissionDenied
        reporting_year = self.get_object(request, str(pk))
        if reporting_year is None:
            raise Http404
        returns = completeness(
            vision=reporting_year.vision, reporting_year=reporting_year, user=request.user
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{fiscal_year_label(reporting_year.fiscal_year)} 提出状況",
            "reporting_year": reporting_year,
            "returns": returns,
            "totals": totals(returns),
            "states": LINE_STATES,
            "can_review": roles.can_review(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/vision/completeness.html", context)

    # --- the yearly progress report (進捗状況報告) ---------------------------------------

    def _report_year(self, request, pk) -> ReportingYear:
        if not roles.can_generate_reports(request.user):
            raise PermissionDenied
        return get_object_or_404(ReportingYear.objects.select_related("vision"), pk=pk)

    def report_view(self, request, pk):
        """The secretariat's and reviewers' page: download the report, publish it."""
        reporting_year = self._report_year(request, pk)
        rows, total = completeness_rows(
            vision=reporting_year.vision, fiscal_year=reporting_year.fiscal_year
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{fiscal_year_label(reporting_year.fiscal_year)} 進捗状況報告",
            "reporting_year": reporting_year,
            "completeness": rows,
            "completeness_total": total,
            "published": reporting_year.published_reports.defer("pdf", "xlsx").select_related(
                "published_by"
            ),
            "can_publish": roles.can_manage(request.user),
            "figures_token": publishing.figures_token(reporting_year.vision),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "reports/admin_report.html", context)

    def report_download(self, request, pk, extension):
        """The report generated now from approved figures (not published)."""
        reporting_year = self._report_year(request, pk)
        if extension not in ("pdf", "xlsx"):
            raise Http404
        content = publishing.report_file(
            vision=reporting_year.vision,
            fiscal_year=reporting_year.fiscal_year,
            extension=extension,
        )
        return _file_response(
            content,
            extension,
            publishing.file_name(reporting_year.vision, reporting_year.fiscal_year, extension),
        )

    def published_download(self, request, pk, version, extension):
        reporting_year = self._report_year(request, pk)
        if extension not in ("pdf", "xlsx"):
            raise Http404
        published = get_object_or_404(
            PublishedReport, reporting_year=reporting_year, version=version
        )
        name = publishing.file_name(
            reporting_year.vision, reporting_year.fiscal_year, f"v{version}.{extension}"
        )
        return _file_response(bytes(getattr(published, extension)), extension, name)

    def publish_view(self, request, pk):
        reporting_year = self._report_year(request, pk)
        if not roles.can_manage(request.user):
            raise PermissionDenied
        try:
            published = publishing.publish_report(
                user=request.user,
                reporting_year=reporting_year,
                # Only what the page showed: a form without its token is refused too.
                seen_token=request.POST.get("figures_token", ""),
            )
        except publishing.PublishRejected as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request,
                f"{fiscal_year_label(reporting_year.fiscal_year)}の進捗状況報告"
                f"（第{published.version}版）を公表しました。公開ページに掲載されます。",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse("admin:vision_reportingyear_report", args=[reporting_year.pk])
        )

    def withdraw_view(self, request, pk):
        reporting_year = self._report_year(request, pk)
        if not roles.can_manage(request.user):
            raise PermissionDenied
        publishing.withdraw_report(user=request.user, reporting_year=reporting_year)
        self.message_user(
            request,
            f"{fiscal_year_label(reporting_year.fiscal_year)}の進捗状況報告を公開ページから取り下げました"
            "（公表した版は残っています）。",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse("admin:vision_reportingyear_report", args=[reporting_year.pk])
        )


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _file_response(content: bytes, extension: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
