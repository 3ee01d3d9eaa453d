"""Municipalities, and the people who work with the system (users with their role).

The secretariat manages accounts here: each user's role (事務局 / 市町村担当者 /
閲覧者) and, for an officer, their municipality. Access is decided by
``municipalities.roles`` (see municipalities/admin_access.py).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import User

from municipalities import roles
from municipalities.admin_access import ReferenceAdminMixin
from municipalities.models import Municipality, Profile

# The admin is where officers and the secretariat start: name it for them.
admin.site.site_header = "共生ビジョン 進捗管理（管理画面）"
admin.site.site_title = "共生ビジョン 管理画面"
admin.site.index_title = "管理画面のトップ"


@admin.register(Municipality)
class MunicipalityAdmin(ReferenceAdminMixin, admin.ModelAdmin):
    shown_to_officers = True  # the towns their figures link to
    list_display = ["code", "name", "name_kana", "is_central_city", "population", "area_km2"]
    search_fields = ["code", "name", "name_kana", "name_en"]
    ordering = ["sort_order", "code"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 1
    max_num = 1
    verbose_name = "役割と担当する市町村"
    verbose_name_plural = "役割と担当する市町村"

    def has_view_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_add_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


class UserAdmin(BaseUserAdmin):
    """Django's user admin with the role inline; the secretariat manages people."""

    inlines = [ProfileInline]
    list_display = ["username", "email", "role", "municipality", "is_active", "last_login"]
    list_filter = ["profile__role", "profile__municipality", "is_active"]
    list_select_related = ["profile__municipality"]

    @admin.display(description="役割", ordering="profile__role")
    def role(self, user):
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else "−"

    @admin.display(description="担当する市町村", ordering="profile__municipality__sort_order")
    def municipality(self, user):
        profile = getattr(user, "profile", None)
        return profile.municipality if profile and profile.municipality_id else "−"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out superuser status or raw model permissions.
            readonly += ["is_superuser", "user_permissions", "groups"]
        return readonly

    def has_module_permission(self, request):
        return roles.can_manage(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.can_manage(request.user)

    def has_add_permission(self, request):
        return roles.can_manage(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return roles.can_manage(request.user)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return roles.can_manage(request.user)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
