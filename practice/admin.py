from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from practice.models import User


@admin.register(User)
class PracticeUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Practice", {"fields": ("role", "deactivated_at")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Practice", {"fields": ("role",)}),)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: audit history points at them.
        return False
