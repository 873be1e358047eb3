from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from providers import services, webhooks
from providers.models import (
    IdempotencyRecord,
    Provider,
    ProviderApiLog,
    ProviderContact,
    ProviderCoverage,
    ProviderMember,
    ProviderReminder,
    RoutingRule,
)


class ProviderContactInline(admin.TabularInline):
    model = ProviderContact
    extra = 0


class ProviderCoverageInline(admin.TabularInline):
    model = ProviderCoverage
    extra = 0
    filter_horizontal = ["services"]


class ProviderMemberInline(admin.TabularInline):
    model = ProviderMember
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Provider)
class ProviderAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "contact_name", "contact_phone", "contact_email", "webhook_url", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    inlines = [ProviderContactInline, ProviderCoverageInline, ProviderMemberInline]
    actions = ["webhook_secret_rotate"]

    @admin.action(description=_("生成/轮换 Webhook 密钥（仅显示一次）"), permissions=["change"])
    def webhook_secret_rotate(self, request, queryset):
        # The secrets are shown on this one response, never in a message or a cookie: a message
        # is stored in the session/cookie until read.
        rotated = [(provider, webhooks.webhook_secret_rotate(provider=provider)) for provider in queryset]
        context = {**self.admin_site.each_context(request), "title": "Webhook 密钥", "rotated": rotated}
        response = TemplateResponse(request, "admin/providers/webhook_secrets.html", context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(ProviderCoverage)
class ProviderCoverageAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "place", "all_services", "active", "note"]
    list_filter = ["provider", "active", "all_services", "province"]
    search_fields = ["province", "city", "note"]
    filter_horizontal = ["services"]

    @admin.display(description=_("地区"))
    def place(self, coverage: ProviderCoverage) -> str:
        return coverage.place_label


@admin.register(RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    list_display = ["provider", "service", "province", "city", "priority", "active"]
    list_filter = ["provider", "active"]
    list_select_related = ["provider", "service"]


@admin.register(ProviderMember)
class ProviderMemberAdmin(admin.ModelAdmin):
    """API users. Create one with the user picker, then "重置 API 令牌" issues its token."""

    list_display = ["user", "provider", "active", "created_at"]
    list_filter = ["provider", "active"]
    list_select_related = ["user", "provider"]
    raw_id_fields = ["user"]
    actions = ["reset_token", "deactivate"]

    @admin.action(description=_("重置 API 令牌（旧令牌立即失效）"))
    def reset_token(self, request, queryset):
        issued = [
            (member, services.provider_member_token_reset(member=member, actor=request.user)) for member in queryset
        ]
        # Shown once, on this page only: never in the messages cookie, never stored (only its digest is).
        context = {**self.admin_site.each_context(request), "title": "新 API 令牌", "issued": issued}
        response = TemplateResponse(request, "admin/providers/token_issued.html", context)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description=_("停用并吊销令牌"))
    def deactivate(self, request, queryset):
        for member in queryset:
            services.provider_member_deactivate(member=member, actor=request.user)
        self.message_user(request, f"已停用 {queryset.count()} 个接口用户")


@admin.register(ProviderApiLog)
class ProviderApiLogAdmin(admin.ModelAdmin):
    list_display = ["at", "provider", "user", "method", "action", "case_number", "status_code", "replayed"]
    list_filter = ["provider", "action", "status_code", "replayed"]
    search_fields = ["case_number", "idempotency_key"]
    list_select_related = ["provider", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "method", "path", "key", "status_code"]
    search_fields = ["key", "path"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProviderReminder)
class ProviderReminderAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "provider", "sent_by", "sent_at"]
    list_filter = ["provider"]
    search_fields = ["case__number"]
    list_select_related = ["case", "provider", "sent_by"]
    readonly_fields = ["case", "provider", "sent_by", "created_at", "sent_at", "recipients"]

    def has_add_permission(self, request):
        return False
