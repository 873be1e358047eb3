from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from notifications.models import CustomerMessage, MessageTemplate, Notification, OutboxMessage

# What a template may say; each event fills those it knows.
TEMPLATE_PLACEHOLDERS = ("name", "service", "number", "arrangement", "reason", "message")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id", "topic", "created_at", "attempts", "next_attempt_at", "delivered_at", "failed_at", "last_error",
    ]  # fmt: skip
    list_filter = ["topic", ("delivered_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "subject", "case_number", "recipient", "email", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["case_number", "subject"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    show_full_result_count = False

    def get_queryset(self, request):
        # Notices carry reviewers' notes and customers' names: everyone reads their own, nobody
        # (superusers included) another's — in the admin exactly as in the inbox.
        return super().get_queryset(request).filter(recipient=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["key", "name", "text", "active"]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        try:
            text.format(**dict.fromkeys(TEMPLATE_PLACEHOLDERS, ""))
        except (KeyError, IndexError, ValueError) as exc:
            allowed = "、".join("{" + name + "}" for name in TEMPLATE_PLACEHOLDERS)
            raise ValidationError(f"模板中的占位符无法识别（{exc}）；可用：{allowed}") from None
        return text


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["key", "name", "active", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(CustomerMessage)
class CustomerMessageAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "case_number", "template_key", "backend", "provider_ref"]
    list_filter = ["template_key", "backend"]
    search_fields = ["=case_number"]
    # The phone number is personal data: shown masked (DOMAIN, privacy).
    fields = ("sent_at", "case_number", "template_key", "masked_phone", "text", "backend", "provider_ref")
    readonly_fields = fields

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: CustomerMessage) -> str:
        return f"{obj.phone[:3]}****{obj.phone[-4:]}" if len(obj.phone) >= 7 else "****"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
