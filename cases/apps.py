from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("绿通案件")

    def ready(self) -> None:
        from cases import signals  # noqa: F401  (recomputes due dates when the working-day calendar changes)
        from cases.notifications import customer_message_on_timeline
        from cases.services.policies import _on_policy_ended
        from entitlements.signals import policy_ended
        from notifications.customer import customer_message_sent

        policy_ended.connect(_on_policy_ended, dispatch_uid="cases-policy-ended")
        customer_message_sent.connect(customer_message_on_timeline, dispatch_uid="cases-customer-message-timeline")
