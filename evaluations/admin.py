"""The yearly evaluation in the admin: the 評価 scale and the 懇談会 with its opinions.

- ``EvaluationRatingAdmin``: the secretariat configures the scale (A 順調 …); reviewers
  read it; officers do not see it.
- ``CommitteeMeetingAdmin``: the secretariat records each meeting of the current vision
  with its opinions (``OpinionInline``: the subject is the vision, one of its policy
  fields or one of its programs) and the responses, then publishes them with
  「承認して公表」 (``services.approve_meeting``: every opinion needs a response). A meeting
  of a locked year is read-only. Reviewers read; officers see nothing.

The sheets themselves (事業評価) are written on the secretariat's pages (/evaluation/),
not here; the towns' 取組状況 on the annual return.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from core.japanese import fiscal_year_label
from evaluations import permissions, services
from evaluations.models import CommitteeMeeting, EvaluationRating, Opinion
from municipalities.admin_access import SafeHistoryMixin, UserNamesMixin
from programs.models import Program
from vision.models import PlanRevision, PolicyField
from vision.selectors import current_vision

PUBLISH = "_publish"


class EvaluationAccessMixin:
    """Secretariat and reviewers read; the secretariat writes; officers see nothing."""

    def has_module_permission(self, request):
        return permissions.can_read_evaluations(request.user)

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_evaluations(request.user)

    def has_add_permission(self, request, *args):
        return permissions.can_write_evaluations(request.user)

    def has_change_permission(self, request, obj=None):
        return permissions.can_write_evaluations(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.can_write_evaluations(request.user)


@admin.register(EvaluationRating)
class EvaluationRatingAdmin(EvaluationAccessMixin, admin.ModelAdmin):
    list_display = ["order", "code", "label", "label_en"]
    list_display_links = ["code"]
    fieldsets = [
        (
            None,
            {
                "fields": ["order", "code", "label", "label_en"],
                "description": "事業評価シートの「評価」で選ぶ区分です（既定は A 順調・B 概ね順調・"
                "C 課題あり・D 見直しが必要）。使われている区分は削除できません。",
            },
        )
    ]


# ---------------------------------------------------------------------------
# The 懇談会


def _meeting_changeable(user, meeting: CommitteeMeeting | None) -> bool:
    if meeting is None:
        return permissions.can_write_evaluations(user)
    return permissions.can_change_year(user, meeting.vision_id, meeting.fiscal_year)


class OpinionForm(forms.ModelForm):
    class Meta:
        model = Opinion
        fields = ["order", "policy_field", "program", "text", "response", "revision"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("policy_field") and cleaned.get("program"):
            raise forms.ValidationError(
                "意見の対象は、政策分野か事業のどちらか一つにしてください"
                "（ビジョン全体への意見なら両方とも空欄にします）。"
            )
        return cleaned


class OpinionInline(admin.StackedInline):
    model = Opinion
    form = OpinionForm
    extra = 1
    fields = ["order", "policy_field", "program", "text", "response", "revision", "published_at"]
    readonly_fields = ["published_at"]
    verbose_name = "意見"
    verbose_name_plural = "意見と、意見に対する考え方・対応"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        vision = current_vision()
        if db_field.name == "policy_field":
            kwargs["queryset"] = PolicyField.objects.filter(vision=vision)
        elif db_field.name == "program":
            kwargs["queryset"] = Program.objects.filter(
                item__category__policy_field__vision=vision
            ).select_related("item")
        elif db_field.name == "revision":
            kwargs["queryset"] = PlanRevision.objects.filter(vision=vision)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return permissions.can_read_evaluations(request.user)

    def has_add_permission(self, request, obj=None):
        return _meeting_changeable(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return _meeting_changeable(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return _meeting_changeable(request.user, obj)


class CommitteeMeetingForm(forms.ModelForm):
    vision = None  # set per request by CommitteeMeetingAdmin.get_form

    class Meta:
        model = CommitteeMeeting
        fields = ["fiscal_year", "held_on", "title", "reviewed", "members_present"]

    def clean_fiscal_year(self):
        fiscal_year = self.cleaned_data["fiscal_year"]
        if self.vision is not None and permissions.is_year_locked(self.vision, fiscal_year):
            raise forms.ValidationError(
                f"{fiscal_year_label(fiscal_year)}は締められています。"
                "事務局が締めを解除するまで、この年度の懇談会は登録・変更できません。"
            )
        return fiscal_year


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(
    EvaluationAccessMixin, UserNamesMixin, SafeHistoryMixin, SimpleHistoryAdmin
):
    form = CommitteeMeetingForm
    inlines = [OpinionInline]
    user_fields = ["approved_by"]
    change_form_template = "evaluations/admin_meeting_change_form.html"
    list_display = ["title", "year_label", "held_on", "members_present", "opinion_count", "state"]
    list_filter = ["fiscal_year"]
    search_fields = ["title", "reviewed", "opinions__text", "opinions__response"]
    actions = ["approve_and_publish"]

    # --- who sees what -------------------------------------------------------
    def get_queryset(self, request):
        return super().get_queryset(request).filter(vision=current_vision())

    def has_change_permission(self, request, obj=None):
        return _meeting_changeable(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return _meeting_changeable(request.user, obj)

    def has_publish_permission(self, request):
        return permissions.can_write_evaluations(request.user)

    # --- the form ------------------------------------------------------------
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.vision = current_vision()
        return form

    def get_fields(self, request, obj=None):
        fields = ["fiscal_year", "held_on", "title", "reviewed", "members_present"]
        if obj is not None:
            fields += ["approved_at", "approved_by"]
        return self.with_user_names(request, fields)

    def get_readonly_fields(self, request, obj=None):
        fields = ["approved_at", "approved_by"]
        if obj is not None and obj.approved_at is not None:
            # Published as it is: the meeting's own record has no separate public copy
            # (its opinions do), so it is not changed after approval.
            fields = ["fiscal_year", "held_on", "title", "reviewed", "members_present", *fields]
        return self.with_user_names(request, fields)

    def save_model(self, request, obj, form, change):
        if obj.vision_id is None:
            obj.vision = current_vision()
        obj._history_user = request.user
        super().save_model(request, obj, form, change)

    # --- the list ------------------------------------------------------------
    @admin.display(description="評価した年度", ordering="fiscal_year")
    def year_label(self, meeting):
        return fiscal_year_label(meeting.fiscal_year)

    @admin.display(description="意見の数")
    def opinion_count(self, meeting):
        return meeting.opinions.count()

    @admin.display(description="公表")
    def state(self, meeting):
        return "公表済み" if meeting.approved_at else "未公表"

    # --- publishing ----------------------------------------------------------
    def _publish(self, request, meeting) -> bool:
        try:
            services.approve_meeting(user=request.user, meeting=meeting)
        except services.EvaluationRejected as rejected:
            self.message_user(request, f"「{meeting}」：{rejected.message}", messages.ERROR)
            return False
        except PermissionDenied:
            self.message_user(request, "公表できるのは事務局だけです。", messages.ERROR)
            return False
        self.message_user(
            request,
            f"「{meeting}」の意見と考え方・対応を公表しました。公開ページに載ります。",
            messages.SUCCESS,
        )
        return True

    @admin.action(
        description="選択した懇談会を承認して公表する（意見と考え方・対応）",
        permissions=["publish"],
    )
    def approve_and_publish(self, request, queryset):
        for meeting in queryset:
            self._publish(request, meeting)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = self.has_publish_permission(request) and (
            obj is None or _meeting_changeable(request.user, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _publish_and_stay(self, request, obj):
        """「保存して承認・公表する」: saved already; publish, and show the meeting again."""
        self.message_user(request, f"「{obj}」を保存しました。", messages.SUCCESS)
        self._publish(request, obj)
        return HttpResponseRedirect(
            reverse("admin:evaluations_committeemeeting_change", args=[obj.pk])
        )

    def response_add(self, request, obj, post_url_continue=None):
        if PUBLISH in request.POST:
            return self._publish_and_stay(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if PUBLISH in request.POST:
            return self._publish_and_stay(request, obj)
        return super().response_change(request, obj)
