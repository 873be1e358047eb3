from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _load_catalog_when_empty(sender, using="default", **kwargs):
    """A fresh database (or one just flushed) gets the handbook catalogue straight away.

    A database that already holds a catalogue is left alone here: catalogue admins may have edited it,
    and `manage.py load_catalog` is the deliberate way to bring it back in line with the data file.
    """
    from entitlements.catalog import catalog_load
    from entitlements.models import Service

    if not Service.objects.using(using).exists():
        catalog_load(using=using)


class EntitlementsConfig(AppConfig):
    name = "entitlements"
    verbose_name = _("权益与服务目录")

    def ready(self) -> None:
        post_migrate.connect(_load_catalog_when_empty, sender=self, dispatch_uid="entitlements-load-catalog")
        from entitlements.catalog_cache import catalog_edited
        from entitlements.models import Edition, EditionRule, Service

        for model in (Service, Edition, EditionRule):
            for signal in (post_save, post_delete):
                signal.connect(catalog_edited, sender=model, dispatch_uid=f"catalog-edited-{model.__name__}")
