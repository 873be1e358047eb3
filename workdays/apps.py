from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "workdays"
    verbose_name = _("工作日历")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from workdays import checks, signals  # noqa: F401  (registers the receivers and the system check)

        # post_migrate also fires after `flush`, so a freshly flushed database gets its calendar back.
        post_migrate.connect(signals.seed_calendar_after_migrate, sender=self)
