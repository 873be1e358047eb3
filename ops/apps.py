from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("运维")

    def ready(self) -> None:
        from ops import metrics, receivers  # noqa: F401  (connects the Celery signal receivers)
        from ops.dbmetrics import dbmetrics_connect
        from ops.logs import structlog_configure

        structlog_configure()
        dbmetrics_connect()
        metrics.register_product_collector()
