from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    """Dispatching cases to the providers and chasing them: the coordinator board, the provider API
    and the reminders to providers. Above ``cases`` and ``providers`` in the layer order."""

    name = "dispatch"
    verbose_name = _("派单调度")
