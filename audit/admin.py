from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from audit.models import AuditEvent
from audit.twofactor import otp_enrol

User = get_user_model()


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


class LanbenUserAdmin(UserAdmin):
    """Django's user admin, with IT's two-factor reset: new secret and recovery codes, shown once."""

    actions = ["otp_reset"]

    @admin.action(description="重置双因素认证（新密钥与恢复码仅显示一次）")
    def otp_reset(self, request, queryset):
        if not request.user.is_superuser:
            raise PermissionDenied
        enrolled = [(user, otp_enrol(user=user, actor=request.user)) for user in queryset]
        context = {**self.admin_site.each_context(request), "title": "双因素认证已重置", "enrolled": enrolled}
        response = TemplateResponse(request, "admin/auth/user/otp_enrolled.html", context)
        response["Cache-Control"] = "private, no-store"
        return response


admin.site.unregister(User)
admin.site.register(User, LanbenUserAdmin)
