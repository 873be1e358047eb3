from django.apps import AppConfig


class SlaConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sla"
    verbose_name = "时效提醒与报表"

    def ready(self) -> None:
        from sla import signals  # noqa: F401  (connects the calendar-change receiver)
