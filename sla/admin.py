from django.contrib import admin

from sla.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "deadline", "created_at", "message"]
    list_filter = ["kind", "deadline"]
    search_fields = ["case__number"]
    list_select_related = ["case", "message"]
    date_hierarchy = "created_at"

    # Reminders are written by the sweep only: a hand-made row would suppress a real reminder.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
