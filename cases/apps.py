from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "绿通案件"
