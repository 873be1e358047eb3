from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

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


# Chinese for the third-party admin pages (config/i18n.py has the words): permissions, whose names
# are stored in English by Django ("Can add access attempt"), and django-otp's device pages.
PERMISSION_VERBS = {"add": "可增加", "change": "可修改", "delete": "可删除", "view": "可查看"}


def permission_label(permission) -> str:
    model_class = permission.content_type.model_class()
    verb, _, _model = permission.codename.partition("_")
    if model_class is None:
        return permission.name
    meta = model_class._meta
    name = meta.verbose_name
    # django-simple-history names its tables "historical <name>", in English only.
    instance_type = getattr(model_class, "instance_type", None)
    if instance_type is not None:
        name = f"{instance_type._meta.verbose_name}（历史）"
    what = permission.name
    if verb in PERMISSION_VERBS and permission.name.startswith("Can "):
        what = f"{PERMISSION_VERBS[verb]}{name}"
    return f"{meta.app_config.verbose_name} | {name} | {what}"


class ChinesePermissionsMixin:
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.queryset = field.queryset.select_related("content_type")
            field.label_from_instance = permission_label
        return field


class LanbenUserAdmin(ChinesePermissionsMixin, UserAdmin):
    """Django's user admin, with IT's two-factor reset: new secret and recovery codes, shown once."""

    actions = ["otp_reset"]

    @admin.action(description=_("重置双因素认证（新密钥与恢复码仅显示一次）"))
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


class ChineseGroupAdmin(ChinesePermissionsMixin, GroupAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, ChineseGroupAdmin)


class TranslatedFieldsetsMixin:
    """django-otp names its fieldsets with plain English strings: translated when shown."""

    search_help_text = gettext_lazy("Search by user’s username or email address")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return [(gettext(name) if name else name, options) for name, options in fieldsets]


class ChineseTOTPDeviceAdmin(TranslatedFieldsetsMixin, TOTPDeviceAdmin):
    @admin.display(description=gettext_lazy("QR Code"))
    def qrcode_link(self, device):
        return format_html(
            '<a href="{}">二维码</a>', reverse("admin:otp_totp_totpdevice_config", kwargs={"pk": device.pk})
        )


class ChineseStaticDeviceAdmin(TranslatedFieldsetsMixin, StaticDeviceAdmin):
    pass


for _model, _admin in ((TOTPDevice, ChineseTOTPDeviceAdmin), (StaticDevice, ChineseStaticDeviceAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
