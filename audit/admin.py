from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Browsable by managers; nobody adds, changes or deletes through the application."""

    list_display = ["at", "actor_username", "action", "object_type", "object_repr", "summary", "ip"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_username", "object_id", "object_repr", "summary", "ip"]
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False  # a count(*) over the whole trail on every page is wasted work

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
