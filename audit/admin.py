from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, here as everywhere."""

    list_display = ("seq", "occurred_at", "actor_username", "action", "outcome", "object_type", "object_id")
    list_filter = ("outcome", "action")
    search_fields = ("actor_username", "action", "object_id", "request_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from audit.services import record

        record(action="audit.view", actor=request.user, object_type="audit_log", reason="django admin")
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from audit.services import record

        record(action="audit.view", actor=request.user, object_type="audit_event", object_id=object_id)
        return super().change_view(request, object_id, form_url, extra_context)
