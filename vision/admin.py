import re
from pathlib import PurePath
from urllib.parse import quote

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from municipalities.admin_access import ReferenceAdminMixin, ReferenceInlineMixin
from municipalities.roles import can_read_all
from vision.models import (
    AgreementItem,
    Area,
    Category,
    CommutingFlow,
    CommutingOrigin,
    DaytimePopulation,
    HospitalPatients,
    ItemParty,
    KeyFigure,
    PolicyField,
    PopulationFigure,
    StatisticsSource,
    Vision,
    VisionEvent,
)
from vision.quality import ERROR, check_vision
from vision.workbook import (
    WorkbookRejected,
    drop_pending,
    export_workbook,
    import_workbook,
    keep_pending,
    max_bytes,
    read_pending,
)


@admin.register(Area)
class AreaAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    """Partnership areas: read by the staff; created and changed by the platform
    administrator (a superuser) only. An area's slug is its address (/areas/<slug>/)."""

    list_display = ["name", "slug", "kind", "central", "sort_order"]
    list_display_links = ["name", "slug"]
    list_select_related = ["central"]
    search_fields = ["name", "name_en", "slug"]

    def get_readonly_fields(self, request, obj=None):
        # The slug is in bookmarks and in AREA_HOSTS: fixed once the area exists.
        return ["slug"] if obj is not None else []

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # its visions keep it (PROTECT); an area is never deleted here


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
            # The upload screen 「ビジョンの取り込み」 (vision.workbook; views below).
            path(
                "import/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(workbook_upload)),
                name="vision_vision_import",
            ),
            path(
                "import/<str:token>/",
                self.admin_site.admin_view(require_http_methods(["GET", "POST"])(workbook_preview)),
                name="vision_vision_import_preview",
            ),
            path(
                "export/<slug:slug>/",
                self.admin_site.admin_view(workbook_download),
                name="vision_vision_export",
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


# ---------------------------------------------------------------------------
# 「ビジョンの取り込み」: a new area from a vision workbook (vision/workbook.py).
#
# For the platform administrator only (a superuser): other readers of the plan get 403,
# everyone else 404. Upload → preview (a dry run: what would be created and the quality
# report) → confirm (the same file, kept server-side under a random name with its
# SHA-256 in the session, imported only if it creates exactly what the preview showed)
# → saved all or nothing. A bad file shows its problems and saves nothing.

IMPORT_SESSION_KEY = "vision_workbook_imports"
MAX_PENDING_IMPORTS = 3


def require_platform_admin(user) -> None:
    if user.is_superuser:
        return
    if can_read_all(user):
        raise PermissionDenied
    raise Http404


def _display_name(name: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", str(name)).replace("\\", "/")
    return PurePath(name).name[:100] or "（名前のないファイル）"


def _import_context(request, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "opts": Vision._meta,
        "max_mb": max_bytes() // 1024 // 1024,
        "visions": Vision.objects.order_by("slug"),
        **extra,
    }


def _pending(request) -> dict:
    return request.session.get(IMPORT_SESSION_KEY, {})


def _forget(request, token: str) -> None:
    pending = _pending(request)
    pending.pop(token, None)
    request.session[IMPORT_SESSION_KEY] = pending
    drop_pending(token)


def workbook_upload(request):
    require_platform_admin(request.user)
    if request.method == "GET":
        return TemplateResponse(
            request,
            "admin/vision/import_upload.html",
            _import_context(request, "ビジョンの取り込み"),
        )
    upload = request.FILES.get("file")
    filename = _display_name(upload.name) if upload else ""
    if upload is None:
        errors = ["取り込むワークブック（.xlsx）を選んでください。"]
    elif upload.size > max_bytes():
        errors = [f"ファイルが大きすぎます。{max_bytes() // 1024 // 1024} MB 以下にしてください。"]
    else:
        data = upload.read()
        try:
            result = import_workbook(data, dry_run=True)
        except WorkbookRejected as rejected:
            errors = rejected.messages
        else:
            token, digest = keep_pending(data)
            pending = {
                k: v for k, v in _pending(request).items() if v.get("user") == request.user.pk
            }
            for old in list(pending)[: max(0, len(pending) - MAX_PENDING_IMPORTS + 1)]:
                pending.pop(old)
                drop_pending(old)
            pending[token] = {
                "user": request.user.pk,
                "sha256": digest,
                "filename": filename,
                "slug": result.slug,
                "title": result.title,
                "area_name": result.area_name,
                "created": result.created,
                "reused": result.reused,
                "becomes_current": result.becomes_current,
                "findings": [
                    {"severity": f.severity, "label": f.severity_label, "subject": f.subject,
                     "message": f.message}
                    for f in result.findings
                ],
            }  # fmt: skip
            request.session[IMPORT_SESSION_KEY] = pending
            return redirect("admin:vision_vision_import_preview", token)
    context = _import_context(request, "ビジョンの取り込み", errors=errors, filename=filename)
    return TemplateResponse(request, "admin/vision/import_upload.html", context, status=400)


def workbook_preview(request, token: str):
    require_platform_admin(request.user)
    preview = _pending(request).get(token)
    if preview is None or preview.get("user") != request.user.pk:
        raise Http404("確認画面の期限が切れました。もう一度ファイルを取り込んでください。")
    errors = []
    status = 200
    if request.method == "POST":
        if "cancel" in request.POST:
            _forget(request, token)
            messages.info(request, "取り込みを取り消しました。何も保存していません。")
            return redirect("admin:vision_vision_import")
        try:
            data = read_pending(token, preview["sha256"])
            result = import_workbook(data, dry_run=False, expect_created=preview["created"])
        except WorkbookRejected as rejected:
            errors, status = rejected.messages, 409
        else:
            _forget(request, token)
            messages.success(
                request,
                f"「{result.title}」を登録しました（{result.created_total} 件）。"
                f"データ品質チェック：エラー {len(result.errors)} 件、注意 {len(result.notices)} 件。",
            )
            return redirect(reverse("admin:vision_vision_change", args=[result.vision_id]))
    findings = preview["findings"]
    context = _import_context(
        request,
        "ビジョンの取り込み（確認）",
        preview=preview,
        token=token,
        errors=errors,
        created=sorted(preview["created"].items()),
        created_total=sum(preview["created"].values()),
        reused=sorted(preview["reused"].items()),
        findings=findings,
        finding_errors=sum(1 for f in findings if f["severity"] == ERROR),
        finding_notices=sum(1 for f in findings if f["severity"] != ERROR),
    )
    return TemplateResponse(request, "admin/vision/import_preview.html", context, status=status)


def workbook_download(request, slug: str):
    require_platform_admin(request.user)
    vision = get_object_or_404(Vision, slug=slug)
    response = HttpResponse(
        export_workbook(vision),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="vision_{vision.slug}.xlsx"; '
        f"filename*=UTF-8''{quote(f'ビジョン_{vision.slug}.xlsx')}"
    )
    return response
