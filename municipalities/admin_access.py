"""Admin building blocks that take every access decision from the user's role.

- ``ReferenceAdminMixin`` / ``ReferenceInlineMixin``: the plan itself (programs,
  KPIs, municipalities…): every role reads it, only the secretariat changes it.
- ``SafeHistoryMixin``: django-simple-history's pages, closed where they would
  bypass the rules: an object outside the user's queryset is a 404 on its
  history too (simple-history would otherwise fall back to the historical
  record), and "revert" is disabled for everyone: a revert would write a
  figure without the workflow's checks.

The figures' own admin (``returns.admin.FigureAdmin``) builds on these.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from municipalities import roles


class ReferenceAdminMixin:
    def has_module_permission(self, request):
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
