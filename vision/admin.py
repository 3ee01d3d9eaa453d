from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from municipalities import permissions
from municipalities.permissions import can_read_all
from vision import publishing, revisions, services
from vision.admin_access import ReferenceAdminMixin, ReferenceInlineMixin
from vision.japanese import fiscal_year_label
from vision.models import (
    AgreementItem,
    Category,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    KeyFigure,
    PlanRevision,
    PolicyField,
    PopulationFigure,
    PublishedReport,
    ReportingYear,
    RevisionChange,
    StatisticsSource,
    Vision,
    VisionEvent,
)
from vision.quality import ERROR, check_vision


class VisionEventInline(ReferenceInlineMixin, admin.TabularInline):
    model = VisionEvent
    extra = 0


@admin.register(Vision)
class VisionAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["title", "status", "date_label", "period_start", "period_end"]
    inlines = [VisionEventInline]
    filter_horizontal = ["municipalities"]

    def get_urls(self):
        return [
            path(
                "quality/",
                self.admin_site.admin_view(self.quality_view),
                name="vision_vision_quality",
            ),
            *super().get_urls(),
        ]

    def quality_view(self, request):
        if not can_read_all(request.user):
            raise PermissionDenied
        reports = []
        for vision in Vision.objects.all():
            findings = check_vision(vision)
            errors = [f for f in findings if f.severity == ERROR]
            reports.append(
                {
                    "vision": vision,
                    "findings": findings,
                    "errors": len(errors),
                    "notices": len(findings) - len(errors),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "データ品質チェック",
            "reports": reports,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/vision/quality.html", context)


@admin.register(PolicyField)
class PolicyFieldAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "section_title", "vision"]
    list_filter = ["vision"]


@admin.register(Category)
class CategoryAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "title", "section_title", "policy_field"]
    list_filter = ["policy_field"]


class ItemPartyInline(ReferenceInlineMixin, admin.TabularInline):
    model = ItemParty
    extra = 0


@admin.register(AgreementItem)
class AgreementItemAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["number", "title", "category"]
    list_filter = ["category__policy_field"]
    search_fields = ["title", "section_title", "content"]
    inlines = [ItemPartyInline]


@admin.register(StatisticsSource)
class StatisticsSourceAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["table", "vision"]


@admin.register(KeyFigure)
class KeyFigureAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["label", "value", "unit", "vision"]


@admin.register(PopulationFigure)
class PopulationFigureAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = [
        "year",
        "scope",
        "municipality",
        "kind",
        "population",
        "printed_change_rate",
        "printed_prefecture_share",
    ]
    list_filter = ["scope", "kind", "municipality", "year"]
    list_select_related = ["municipality"]


@admin.register(DaytimePopulation)
class DaytimePopulationAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = [
        "census_year",
        "municipality",
        "population",
        "daytime_population",
        "printed_ratio",
    ]
    list_select_related = ["municipality"]


@admin.register(CommutingOrigin)
class CommutingOriginAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["census_year", "origin", "printed_total", "printed_to_other_share"]
    list_select_related = ["origin"]


@admin.register(CommutingFlow)
class CommutingFlowAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["census_year", "origin", "destination", "commuters", "printed_share"]
    list_filter = ["origin", "destination"]
    list_select_related = ["origin", "destination"]


@admin.register(HospitalPatients)
class HospitalPatientsAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    list_display = ["fiscal_year", "kind", "row", "municipality", "patients", "printed_share"]
    list_filter = ["kind", "row"]
    list_select_related = ["municipality"]


@admin.register(ReportingYear)
class ReportingYearAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """Reporting rounds: the secretariat opens a fiscal year, sets its deadline, locks it."""

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
        if permissions.can_generate_reports(request.user):
            return self.list_display
        return [name for name in self.list_display if name != "report_link"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "vision", "fiscal_year"]
        return self.readonly_fields

    def has_lock_permission(self, request):
        return permissions.can_manage(request.user)

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
        from vision.returns import LINE_STATES, completeness, totals

        if not can_read_all(request.user):
            raise PermissionDenied
        reporting_year = self.get_object(request, str(pk))
        if reporting_year is None:
            from django.http import Http404

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
            "can_review": permissions.can_review(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/vision/completeness.html", context)

    # --- the yearly progress report (進捗状況報告) ---------------------------------------

    def _report_year(self, request, pk) -> ReportingYear:
        if not permissions.can_generate_reports(request.user):
            raise PermissionDenied
        return get_object_or_404(ReportingYear.objects.select_related("vision"), pk=pk)

    def report_view(self, request, pk):
        """The secretariat's and reviewers' page: download the report, publish it."""
        from vision.reports import completeness_rows

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
            "can_publish": permissions.can_manage(request.user),
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
        if not permissions.can_manage(request.user):
            raise PermissionDenied
        try:
            published = publishing.publish_report(user=request.user, reporting_year=reporting_year)
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
        if not permissions.can_manage(request.user):
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


# ---------------------------------------------------------------------------
# Plan revisions: recorded only through vision.revisions (never by editing rows)


class RevisionChangeInline(ReferenceInlineMixin, admin.TabularInline):
    model = RevisionChange
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "label",
        "effective_year",
        "before_text",
        "after_text",
        "basis",
        "recorded_by",
    ]
    readonly_fields = fields

    @admin.display(description="変更前")
    def before_text(self, change):
        return revisions.describe(change.kind, change.before)

    @admin.display(description="変更後")
    def after_text(self, change):
        return revisions.describe(change.kind, change.after)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_reference(request.user)


class PlanRevisionAddForm(forms.ModelForm):
    class Meta:
        model = PlanRevision
        fields = ["vision", "title", "decided_on", "basis", "note"]

    def clean(self):
        cleaned = super().clean()
        vision, decided_on = cleaned.get("vision"), cleaned.get("decided_on")
        if vision and decided_on:
            latest = revisions.latest_revision(vision)
            if latest is not None and decided_on < latest.decided_on:
                self.add_error(
                    "decided_on",
                    f"決定日は、前の変更（{latest.title}）の決定日と同じか後の日にしてください。",
                )
        return cleaned


@admin.register(PlanRevision)
class PlanRevisionAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """Revisions of the vision: opened here, their changes recorded through the services."""

    list_display = ["title", "decided_on", "basis", "change_count", "public_link"]
    list_filter = ["vision"]
    search_fields = ["title", "basis", "note"]
    inlines = [RevisionChangeInline]
    change_form_template = "revisions/admin_change_form.html"

    @admin.display(description="変更の件数")
    def change_count(self, revision):
        return revision.changes.count()

    @admin.display(description="公開ページ")
    def public_link(self, revision):
        return format_html(
            '<a href="{}">変更前との違いを見る</a>',
            reverse("public:revisions:detail", args=[revision.pk]),
        )

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PlanRevisionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["vision", "title", "decided_on", "basis", "note", "created_by", "created_at"]
        return []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["vision", "title", "decided_on", "basis", "note"]
        return ["vision", "title", "decided_on", "basis", "note", "created_by", "created_at"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.changes.exists():
            return False
        return permissions.can_manage(request.user)

    def save_model(self, request, obj, form, change):
        if change:
            return  # a revision's own fields are read-only once it exists
        created = revisions.create_revision(
            user=request.user,
            vision=form.cleaned_data["vision"],
            title=form.cleaned_data["title"],
            decided_on=form.cleaned_data["decided_on"],
            basis=form.cleaned_data["basis"],
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = created.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass  # changes are recorded only through the record pages

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from vision.revision_forms import FORMS

        revision = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if revision is not None:
            latest = revisions.latest_revision(revision.vision)
            extra_context["record_links"] = (
                [
                    (
                        reverse("admin:vision_planrevision_record", args=[revision.pk, kind]),
                        form.title,
                    )
                    for kind, form in FORMS.items()
                ]
                if permissions.can_manage(request.user) and latest and latest.pk == revision.pk
                else []
            )
            extra_context["is_latest"] = latest is not None and latest.pk == revision.pk
            extra_context["compare_url"] = reverse("public:revisions:detail", args=[revision.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/record/<str:kind>/",
                self.admin_site.admin_view(self.record_view),
                name="vision_planrevision_record",
            ),
            *super().get_urls(),
        ]

    def record_view(self, request, pk, kind):
        """Record one change of a revision through its service (form → service)."""
        from vision.revision_forms import FORMS

        if not permissions.can_manage(request.user):
            raise PermissionDenied
        revision = get_object_or_404(PlanRevision.objects.select_related("vision"), pk=pk)
        form_class = FORMS.get(kind)
        if form_class is None:
            raise Http404
        form = form_class(request.POST or None, revision=revision)
        if request.method == "POST" and form.is_valid():
            try:
                form.record(user=request.user)
            except revisions.RevisionRejected as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, f"{revision.title}に「{form.title}」を記録しました。", messages.SUCCESS
                )
                return HttpResponseRedirect(
                    reverse("admin:vision_planrevision_change", args=[revision.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{revision.title}：{form.title}",
            "revision": revision,
            "form": form,
            "opts": self.model._meta,
            "original": revision,
        }
        return TemplateResponse(request, "revisions/admin_record.html", context)


@admin.register(RevisionChange)
class RevisionChangeAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """Every recorded change, read-only (they are recorded on a revision's page)."""

    list_display = ["revision", "kind", "label", "effective_year", "before_text", "after_text"]
    list_filter = ["revision", "kind", "effective_year"]
    search_fields = ["label", "basis"]
    list_select_related = ["revision"]

    @admin.display(description="変更前")
    def before_text(self, change):
        return revisions.describe(change.kind, change.before)

    @admin.display(description="変更後")
    def after_text(self, change):
        return revisions.describe(change.kind, change.after)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
