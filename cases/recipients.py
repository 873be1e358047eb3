"""Who hears about a case: one policy, by permission, for case notices, the SLA sweep's reminders
and the reminders sent to providers.

- A member of staff holding the case hears about it. Otherwise the role that acts next does,
  named by the permission it holds ("cases.review_case"…) and resolved when the message is
  delivered, so a notice reaches whoever holds the role then.
- A provider hears through its own contact address and the contacts marked to take reminders.
"""

from collections import defaultdict
from collections.abc import Iterable

from providers.models import Provider, ProviderContact

# The queue a case waits in when nobody holds it: review until the decision, dispatch after it.
REVIEW_QUEUE = "cases.review_case"
DISPATCH_QUEUE = "cases.dispatch_case"


def queue_permission(*, review: bool) -> str:
    return REVIEW_QUEUE if review else DISPATCH_QUEUE


def provider_addresses(*, provider_ids: Iterable[int]) -> dict[int, list[str]]:
    """Each provider's e-mail addresses, its own contact address first, each address once: two
    queries whatever the number of providers."""
    ids = {pk for pk in provider_ids if pk}
    if not ids:
        return {}
    addresses: dict[int, list[str]] = defaultdict(list)
    for pk, email in Provider.objects.filter(pk__in=ids).exclude(contact_email="").values_list("id", "contact_email"):
        addresses[pk].append(email)
    contacts = ProviderContact.objects.filter(provider_id__in=ids, receives_reminders=True).exclude(email="")
    for pk, email in contacts.order_by("id").values_list("provider_id", "email"):
        if email not in addresses[pk]:
            addresses[pk].append(email)
    return dict(addresses)


def provider_addresses_of(*, provider: Provider | None) -> list[str]:
    if provider is None:
        return []
    return provider_addresses(provider_ids=[provider.pk]).get(provider.pk, [])
