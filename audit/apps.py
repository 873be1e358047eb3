from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计与权限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from audit import receivers, roles, twofactor
        from config.i18n import third_party_labels

        admin.site.login_form = twofactor.TwoFactorAuthenticationForm
        user_logged_in.connect(twofactor.otp_mark_verified, dispatch_uid="audit_otp_verified")

        # Connected for every app: the handler acts on the last one, when all permissions exist.
        post_migrate.connect(roles.roles_sync_after_migrate, dispatch_uid="audit_roles_sync")
        receivers.connect()
        # django-otp's device names and help texts, translatable like every other admin label.
        third_party_labels()
