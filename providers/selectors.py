"""Reads about providers: who covers a place and service, and whom to suggest for a case."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q, QuerySet

from entitlements.models import Service
from providers.models import Provider, ProviderCoverage, ProviderMember, RoutingRule

# Cases a provider is still working on: dispatched to it and not yet arranged.
OPEN_WORKLOAD_STATES = ("dispatched", "accepted", "waiting_customer")
NO_RULE_PRIORITY = 10_000


@dataclass
class Candidate:
    provider: Provider
    specificity: int
    priority: int = NO_RULE_PRIORITY
    workload: int = 0

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        return (-self.specificity, self.priority, self.workload, self.provider.pk)


@dataclass
class Suggestion:
    provider: Provider | None
    reasons: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


_SPECIFICITY_LABEL = {2: "覆盖该城市", 1: "覆盖该省全省", 0: "覆盖全国"}


def coverages_for(*, service: Service, province: str, city: str) -> QuerySet[ProviderCoverage]:
    """Active coverage of active providers that includes this service at this place."""
    place = Q(province="") | Q(province=province, city="") | Q(province=province, city=city)
    offers = Q(all_services=True) | Q(services=service)
    return (
        ProviderCoverage.objects.filter(place, offers, active=True, provider__active=True)
        .select_related("provider")
        .distinct()
    )


def _best_rule_priority(*, service: Service, province: str, city: str) -> dict[int, int]:
    rules = RoutingRule.objects.filter(
        Q(service__isnull=True) | Q(service=service),
        Q(province="") | Q(province=province, city="") | Q(province=province, city=city),
        active=True,
    )
    best: dict[int, int] = {}
    for provider_id, priority in rules.values_list("provider_id", "priority"):
        best[provider_id] = min(priority, best.get(provider_id, NO_RULE_PRIORITY))
    return best


def provider_open_workload(*, provider_ids: list[int]) -> dict[int, int]:
    """How many cases each provider holds that are not yet arranged."""
    try:
        case_model = apps.get_model("cases", "Case")
    except LookupError:
        return {}
    rows = (
        case_model.objects.filter(provider_id__in=provider_ids, state__in=OPEN_WORKLOAD_STATES)
        .values("provider_id")
        .annotate(n=Count("id"))
    )
    return {row["provider_id"]: row["n"] for row in rows}


def provider_suggestion(*, service: Service, province: str, city: str) -> Suggestion:
    """Whom to dispatch to, and why.

    Most specific coverage first (city over province over nationwide), then the routing rules'
    priority, then the provider with the fewest open cases, so work spreads when nothing else
    decides.
    """
    candidates: dict[int, Candidate] = {}
    for coverage in coverages_for(service=service, province=province, city=city):
        current = candidates.get(coverage.provider_id)
        if current is None or coverage.specificity > current.specificity:
            candidates[coverage.provider_id] = Candidate(coverage.provider, coverage.specificity)
    if not candidates:
        return Suggestion(None, [f"没有服务商覆盖 {province}{city} 的{service.name}"])
    priorities = _best_rule_priority(service=service, province=province, city=city)
    workloads = provider_open_workload(provider_ids=list(candidates))
    for candidate in candidates.values():
        candidate.priority = priorities.get(candidate.provider.pk, NO_RULE_PRIORITY)
        candidate.workload = workloads.get(candidate.provider.pk, 0)
    ranked = sorted(candidates.values(), key=lambda c: c.sort_key)
    return Suggestion(ranked[0].provider, _reasons(ranked), ranked)


def _reasons(ranked: list[Candidate]) -> list[str]:
    best = ranked[0]
    reasons = [f"{best.provider.name}：{_SPECIFICITY_LABEL[best.specificity]}"]
    if best.priority != NO_RULE_PRIORITY:
        reasons.append(f"派单规则优先级 {best.priority}")
    reasons.append(f"在办案件 {best.workload} 件")
    return reasons


def provider_suggest(*, service: Service, province: str, city: str) -> Provider | None:
    return provider_suggestion(service=service, province=province, city=city).provider


def provider_for_user(*, user) -> Provider | None:
    """The provider an API user acts for, or None for staff and deactivated members."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = ProviderMember.objects.select_related("provider").filter(user=user, active=True).first()
    if member is None or not member.provider.active:
        return None
    return member.provider


def provider_reminder_recipients(*, provider: Provider) -> list[str]:
    emails = [c.email for c in provider.contacts.all() if c.receives_reminders and c.email]
    if provider.contact_email and provider.contact_email not in emails:
        emails.insert(0, provider.contact_email)
    return emails
