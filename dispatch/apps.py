from django.apps import AppConfig


class DispatchConfig(AppConfig):
    """Dispatching cases to the providers and chasing them: the coordinator board, the provider API
    and the reminders to providers. Above ``cases`` and ``providers`` in the layer order."""

    name = "dispatch"
    verbose_name = "派单调度"
