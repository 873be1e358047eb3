from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "绿通案件"

    def ready(self) -> None:
        from cases import signals  # noqa: F401  (recomputes due dates when the working-day calendar changes)
