"""Reads about providers: how a provider can be reached."""

from dataclasses import dataclass, field

from providers.models import Provider, ProviderContact


@dataclass(frozen=True)
class ProviderChannels:
    emails: list[str] = field(default_factory=list)
    webhook_url: str = ""

    @property
    def names(self) -> list[str]:
        """The channels in words, as the case timeline shows them."""
        return [*(["邮件"] if self.emails else []), *(["Webhook"] if self.webhook_url else [])]


def provider_channels(*, provider: Provider) -> ProviderChannels:
    """Where a dispatch notice to ``provider`` goes: its contact address and the contacts marked to
    take notices (each once), and its webhook when a URL and a secret are configured."""
    emails = [provider.contact_email] if provider.contact_email else []
    contacts = ProviderContact.objects.filter(provider=provider, receives_reminders=True).exclude(email="")
    for email in contacts.order_by("id").values_list("email", flat=True):
        if email not in emails:
            emails.append(email)
    webhook = provider.webhook_url if provider.webhook_url and provider.webhook_nonce else ""
    return ProviderChannels(emails=emails, webhook_url=webhook)


def provider_reachable(*, provider: Provider) -> bool:
    channels = provider_channels(provider=provider)
    return bool(channels.emails or channels.webhook_url)


def unreachable_provider_ids() -> set[int]:
    """Providers with neither an address nor a webhook: two queries, for a list page's badges."""
    with_contact = ProviderContact.objects.filter(receives_reminders=True).exclude(email="").values("provider_id")
    return set(
        Provider.objects.filter(contact_email="")
        .exclude(webhook_url__gt="", webhook_nonce__gt="")
        .exclude(pk__in=with_contact)
        .values_list("pk", flat=True)
    )
