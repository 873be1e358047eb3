from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_periodic_tasks(sender, using="default", **kwargs):
    """Create the beat schedule of settings.LANBEN_PERIODIC_TASKS once; later edits in the admin stay."""
    from django.conf import settings
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, spec in settings.LANBEN_PERIODIC_TASKS.items():
        if PeriodicTask.objects.using(using).filter(name=name).exists():
            continue
        every, _ = IntervalSchedule.objects.using(using).get_or_create(
            every=spec["every_seconds"], period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.using(using).create(
            name=name, task=spec["task"], interval=every, description=spec.get("description", "")
        )


def _ensure_message_templates(sender, using="default", **kwargs):
    from notifications.customer import templates_ensure

    templates_ensure(using=using)


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from notifications import customer, services  # noqa: F401  (registers the outbox handlers)

        post_migrate.connect(_ensure_periodic_tasks, sender=self, dispatch_uid="notifications-periodic-tasks")
        post_migrate.connect(_ensure_message_templates, sender=self, dispatch_uid="notifications-message-templates")
