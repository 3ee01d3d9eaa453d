"""Plan revisions in the admin: opened here, their changes recorded through the services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from municipalities import roles
from municipalities.admin_access import ReferenceAdminMixin, ReferenceInlineMixin
from revisions import services as revisions
from revisions.forms import FORMS
from vision.models import (
    PlanRevision,
    RevisionChange,
)

# ---------------------------------------------------------------------------
# Plan revisions: recorded only through revisions.services (never by editing rows)


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
        return roles.can_read_reference(request.user)


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
        return roles.can_manage(request.user)

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
                if roles.can_manage(request.user) and latest and latest.pk == revision.pk
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
        if not roles.can_manage(request.user):
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
