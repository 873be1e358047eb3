"""Reads for dispatch: coverage and suggestions, the board, the provider's own cases."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent, CaseState, Dispatch, Document, DocumentKind
from cases.states import BOARD_LISTED, CLOCK_RUNNING, FINAL, WITH_PROVIDER
from config.counts import counted
from entitlements.models import Service
from providers.models import Provider, ProviderCoverage, ProviderMember, RoutingRule, place_key
from workdays.calendar import CalendarNotCovered, add_workdays

# Cases a provider is still working on: dispatched to it and not yet arranged.
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


_SPECIFICITY_LABEL = {2: _("覆盖该城市"), 1: _("覆盖该省全省"), 0: _("覆盖全国")}


def coverages_for(*, service: Service, province: str, city: str) -> QuerySet[ProviderCoverage]:
    """Active coverage of active providers that includes this service at this place."""
    province, city = place_key(province), place_key(city)
    place = Q(province="") | Q(province=province, city="") | Q(province=province, city=city)
    offers = Q(all_services=True) | Q(services=service)
    return (
        ProviderCoverage.objects.filter(place, offers, active=True, provider__active=True)
        .select_related("provider")
        .distinct()
    )


def _best_rule_priority(*, service: Service, province: str, city: str) -> dict[int, int]:
    province, city = place_key(province), place_key(city)
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
    rows = (
        Case.objects.filter(provider_id__in=provider_ids, state__in=WITH_PROVIDER)
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


def provider_cases(*, provider: Provider) -> QuerySet[Case]:
    """The cases a provider may see: it is the current provider, or holds the active dispatch.

    A provider that declined, or whose case was re-dispatched elsewhere, no longer sees it.
    """
    active_dispatch = Dispatch.objects.filter(case=OuterRef("pk"), provider=provider, active=True)
    # A case that ended leaves the provider's view PROVIDER_ACCESS_DAYS_AFTER_CLOSE days later.
    cutoff = timezone.now() - timedelta(days=settings.PROVIDER_ACCESS_DAYS_AFTER_CLOSE)
    ended_lately = CaseEvent.objects.filter(case=OuterRef("pk"), to_state__in=FINAL, at__gte=cutoff)
    still_readable = ~Q(state__in=FINAL) | Exists(ended_lately)
    return Case.objects.filter(Q(provider=provider) | Exists(active_dispatch)).filter(still_readable)


def provider_case_list(*, provider: Provider, state: str = "") -> QuerySet[Case]:
    cases = provider_cases(provider=provider).select_related("service", "beneficiary").order_by("-id")
    return cases.filter(state=state) if state else cases


# What a provider may read of a case's documents: the medical facts it arranges by, not invoices
# nor "other" files (an ID card scan, a bank slip) — handbook ch. 2 §5.
PROVIDER_DOCUMENT_KINDS = (DocumentKind.MEDICAL_RECORD, DocumentKind.ADMISSION_SLIP)


def provider_case_detail(*, provider: Provider, number: str) -> Case:
    """One of the provider's cases with what it may read; raises Case.DoesNotExist for any other."""
    documents = (
        Document.objects.filter(kind__in=PROVIDER_DOCUMENT_KINDS).exclude(case__state__in=FINAL).order_by("at", "id")
    )
    dispatches = Dispatch.objects.filter(provider=provider, active=True)
    return (
        provider_cases(provider=provider)
        .select_related("service", "beneficiary")
        .prefetch_related(
            Prefetch("documents", queryset=documents, to_attr="provider_documents"),
            Prefetch("dispatches", queryset=dispatches, to_attr="provider_dispatches"),
        )
        .get(number=number)
    )


def provider_document(*, provider: Provider, number: str, document_id: int) -> Document:
    """A document of one of the provider's cases, except invoices; raises Document.DoesNotExist."""
    # Documents only while the case is open: a closed case's medical records stay with the insurer.
    case_ids = provider_cases(provider=provider).filter(number=number).exclude(state__in=FINAL).values("pk")
    return (
        Document.objects.filter(kind__in=PROVIDER_DOCUMENT_KINDS)
        .select_related("case")
        .get(pk=document_id, case__in=case_ids)
    )


class SlaStatus(TextChoices):
    ON_TRACK = "on_track", _("正常")
    DUE_SOON = "due_soon", _("1个工作日内到期")
    BREACHED = "breached", _("已超时")
    PAUSED = "paused", _("暂停（待客户反馈）")
    STOPPED = "stopped", _("已停止（已安排）")
    TO_CLOSE = "to_close", _("待结案（补贴已支付）")
    UNKNOWN = "unknown", _("未计算")


def next_workday_or_today(today: date) -> date:
    """The last day still "within 1 working day"; today alone when the calendar stops short."""
    try:
        return add_workdays(today, 1)
    except CalendarNotCovered:
        return today


def board_cases(*, today: date) -> QuerySet[Case]:
    """Cases a coordinator chases, each annotated with its SLA status computed in SQL.

    Breached means the deadline (the handbook's upper figure, e.g. 10 of "7–10") has passed
    while the clock runs; due soon means the deadline is today or the next working day.
    """
    soon = next_workday_or_today(today)
    sla_status = DbCase(
        When(state=CaseState.PAID, then=Value(SlaStatus.TO_CLOSE)),
        When(sla_stopped_at__isnull=False, then=Value(SlaStatus.STOPPED)),
        When(state=CaseState.WAITING_CUSTOMER, then=Value(SlaStatus.PAUSED)),
        When(sla_deadline_due__isnull=True, then=Value(SlaStatus.UNKNOWN)),
        When(sla_deadline_due__lt=today, then=Value(SlaStatus.BREACHED)),
        When(sla_deadline_due__lte=soon, then=Value(SlaStatus.DUE_SOON)),
        default=Value(SlaStatus.ON_TRACK),
        output_field=CharField(),
    )
    return (
        Case.objects.filter(state__in=BOARD_LISTED)
        .select_related("service", "beneficiary", "provider")
        .annotate(sla_status=sla_status)
    )


_BOARD_CITIES_SQL = """
    WITH RECURSIVE cities(city) AS (
        (SELECT c.city FROM cases_case c WHERE c.state = ANY(%s) ORDER BY c.city LIMIT 1)
        UNION ALL
        SELECT (
            SELECT c.city FROM cases_case c WHERE c.state = ANY(%s) AND c.city > cities.city ORDER BY c.city LIMIT 1
        )
        FROM cities WHERE cities.city IS NOT NULL
    )
    SELECT city FROM cities WHERE city IS NOT NULL
"""


def board_cities() -> list[str]:
    """The cities of the cases on the board, sorted: the board's city choices.

    A skip scan over the board's city index (``case_board_city_due_idx``): one index
    probe per city, well under a millisecond at a million cases, where DISTINCT reads all ~90,000
    board cases' entries."""
    states = [str(s) for s in BOARD_LISTED]
    with connection.cursor() as cursor:
        cursor.execute(_BOARD_CITIES_SQL, [states, states])
        return [row[0] for row in cursor.fetchall() if row[0]]


def sla_status_filter(status: str, *, today: date) -> Q | None:
    """The board's "breached" and "due soon" as plain column predicates, the same cases as the
    ``sla_status`` annotation of ``board_cases`` selects: the indexes on state and deadline serve
    them, where a filter on the CASE expression reads every open case (~90,000 at a million)."""
    running = Q(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True)
    if status == SlaStatus.BREACHED:
        return running & Q(sla_deadline_due__lt=today)
    if status == SlaStatus.DUE_SOON:
        return running & Q(sla_deadline_due__gte=today, sla_deadline_due__lte=next_workday_or_today(today))
    return None


class BoardView(TextChoices):
    """The board's saved views: the piles a coordinator works through, each with its count."""

    MINE = "mine", _("我经办的")
    BREACHED = "breached", _("已超时")
    DUE_SOON = "due_soon", _("1个工作日内到期")
    WAITING = "waiting", _("待客户反馈")
    ARRANGED_OPEN = "arranged_open", _("已安排未结案")
    CLAIMS_TO_CLOSE = "claims_to_close", _("120补贴待结案")


def board_view_filter(view: str, *, user, today: date) -> Q | None:
    """The cases of a saved view, as a predicate on the board's cases; None for an unknown view."""
    if view == BoardView.MINE:
        # The coordinator holds it, or made its current dispatch (a dispatched case has no holder).
        mine = Dispatch.objects.filter(case=OuterRef("pk"), active=True, dispatched_by=user)
        return Q(holder=user) | Q(Exists(mine))
    if view in (BoardView.BREACHED, BoardView.DUE_SOON):
        return sla_status_filter(view, today=today)
    by_state: dict[str, Q] = {
        BoardView.WAITING: Q(state=CaseState.WAITING_CUSTOMER),
        BoardView.ARRANGED_OPEN: Q(state__in=(CaseState.ARRANGED, CaseState.COMPLETED)),
        BoardView.CLAIMS_TO_CLOSE: Q(state=CaseState.PAID),
    }
    return by_state.get(view)


def board_view_counts(*, user, today: date) -> dict[str, int]:
    """Every saved view's count, capped at ``COUNT_CAP`` (config.counts), in one statement over the
    board's cases: counting a pile of a million open cases exactly read every one of them (17 s at
    ten million cases, the "mine" view probing each case's dispatches); counting up to a thousand
    reads at most a thousand from the view's index."""
    views = list(BoardView)
    rows = [
        Case.objects.filter(state__in=BOARD_LISTED).filter(board_view_filter(view, user=user, today=today))
        for view in views
    ]
    return {view.value: count for view, count in zip(views, counted(rows, capped=len(rows)), strict=True)}


def board_search_filter(term: str) -> Q:
    """The board's search box: part of a case number (3 characters or more) or the start of the
    customer's name. Never a phone or ID number: those are looked up by POST (``board_lookup``)."""
    term = term.strip()
    by_name = Q(beneficiary__name__startswith=term)
    return (Q(number__icontains=term) | by_name) if len(term) >= 3 else by_name


def case_dispatch_history(*, case: Case) -> list[Dispatch]:
    return list(case.dispatches.select_related("provider", "dispatched_by").order_by("at", "id"))
