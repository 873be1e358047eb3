import importlib

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_when_empty(sender, using="default", **kwargs):
    """A database with no provider at all (new, or flushed between tests) gets the handbook's three;
    one that has providers is left to the admin."""
    from django.apps import apps

    from providers.models import Provider

    if not Provider.objects.using(using).exists():
        importlib.import_module("providers.migrations.0003_seed_handbook_providers").seed(apps, None)


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("服务商")

    def ready(self) -> None:
        post_migrate.connect(_seed_when_empty, sender=self, dispatch_uid="providers-seed-handbook-providers")
        import providers.webhooks  # noqa: F401 — registers the outbox's webhook handler
