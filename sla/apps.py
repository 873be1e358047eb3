from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sla"
    verbose_name = _("时效提醒与报表")

    def ready(self) -> None:
        from sla import signals  # noqa: F401  (connects the calendar-change receiver)
