"""Admin building blocks that take every access decision from the user's role.

- ``ReferenceAdminMixin`` / ``ReferenceInlineMixin``: the plan itself (programs,
  KPIs, municipalities…): every role reads it, only the secretariat changes it.
  Officers find on their admin index only the tables that help them report
  (``shown_to_officers``); the others stay readable, by link, but off their index.
- ``UserNamesMixin``: read-only user fields (最終更新者, 承認者, 締めた人…) as plain names
  for users who cannot open the user pages.
- ``SafeHistoryMixin``: django-simple-history's pages, closed where they would
  bypass the rules: an object outside the user's queryset is a 404 on its
  history too (simple-history would otherwise fall back to the historical
  record), and "revert" is disabled for everyone: a revert would write a
  figure without the workflow's checks.

The figures' own admin (``returns.admin.FigureAdmin``) builds on these.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404

from municipalities import roles


class ReferenceAdminMixin:
    # On an officer's admin index (the area statistics, the plan's structure, revisions
    # mean nothing for their return): True on the tables they use to report.
    shown_to_officers = False

    def has_module_permission(self, request):
        if not self.shown_to_officers and not roles.can_read_all(request.user):
            return False
        return roles.can_read_reference(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.can_read_reference(request.user)

    def has_add_permission(self, request):
        return roles.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.can_manage(request.user)


class ReferenceInlineMixin:
    def has_view_permission(self, request, obj=None):
        return roles.can_read_reference(request.user)

    def has_add_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.can_manage(request.user)


class UserNamesMixin:
    """``user_fields`` (user foreign keys) shown as names, not as links, to users who cannot
    open the user pages: Django links every read-only foreign key to its change page,
    whether or not that page would open. The admin calls ``with_user_names`` on its
    read-only fields and its fieldsets (or fields)."""

    user_fields: list[str] = []

    def with_user_names(self, request, fields) -> list:
        if self._opens_user_pages(request):
            return list(fields)
        names = self._user_names()
        return [names.get(name, name) if isinstance(name, str) else name for name in fields]

    def fieldsets_with_user_names(self, request, fieldsets) -> list:
        return [
            (title, {**options, "fields": self.with_user_names(request, options["fields"])})
            for title, options in fieldsets
        ]

    def _opens_user_pages(self, request) -> bool:
        user_model = get_user_model()
        if not self.admin_site.is_registered(user_model):
            return False
        return self.admin_site.get_model_admin(user_model).has_view_permission(request)

    def _user_names(self) -> dict:
        # One display function per field and admin: the same object must appear in the
        # read-only fields and in the fieldsets.
        if "_user_name_displays" not in self.__dict__:
            self._user_name_displays = {
                name: _user_name_display(self.model, name) for name in self.user_fields
            }
        return self._user_name_displays


def _user_name_display(model, name: str):
    @admin.display(description=model._meta.get_field(name).verbose_name)
    def display(obj):
        user = getattr(obj, name)
        return None if user is None else user.get_username()

    display.__name__ = f"{name}_name"
    return display


class SafeHistoryMixin:
    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("見つかりません。")
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)  # 404 outside the user's queryset
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method != "GET" or not self.has_change_permission(request, obj):
            raise PermissionDenied("履歴から値を戻すことはできません。")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True
