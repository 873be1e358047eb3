"""The page header every staff page shares (templates/admin/base_site.html): the user's queues with
their counts, and whether the search box has somewhere to send its query.

A context processor runs for every template rendered with the request, and one response may render
several; the header is computed once per request and kept on it. Each count is one query on the
case table's state indexes, capped at ``COUNT_CAP`` so a queue of a million costs what one of a
thousand does (the header then shows "999+"; config.counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from config.counts import counted, shown

_ATTRIBUTE = "_desk_shell"


@dataclass(frozen=True)
class Queue:
    label: StrOrPromise
    url: str
    count: int

    @property
    def shown(self) -> str:
        return shown(self.count)


def _queue_sources(user) -> list[tuple[StrOrPromise, str, object, bool]]:
    """The queues a role works from, in the order of the case's life: review, dispatch, the
    provider's own — as (label, link, the cases it counts, shown only to an active provider member)."""
    from cases import queue
    from cases.models import Case, CaseState

    sources: list[tuple[StrOrPromise, str, object, bool]] = []
    if user.has_perm("cases.review_case"):
        # The review queue's 待审核 tab, view 全部: the count its own tab shows (cases.queue).
        label, states = queue.TABS["pending"]
        url = reverse("admin:cases_case_changelist") + "?queue=pending&view=all"
        sources.append((label, url, Case.objects.filter(state__in=states), False))
    if user.has_perm("cases.dispatch_case"):
        url = reverse("dispatch:board") + "?state=approved"
        sources.append((_("待派单"), url, Case.objects.filter(state=CaseState.APPROVED), False))
    if user.has_perm("cases.provider_act"):
        # The provider's own cases, by the user's active membership (counted in the same statement,
        # not looked up first).
        mine = Case.objects.filter(
            provider__members__user=user,
            provider__members__active=True,
            state__in=[CaseState.DISPATCHED, CaseState.ACCEPTED],
        )
        sources.append((_("待处理"), reverse("dispatch:board"), mine, True))
    return sources


def header_figures(user) -> tuple[list[Queue], int]:
    """The header's queues and the user's unread notices, counted in one statement."""
    from notifications.models import Notification
    from providers.models import ProviderMember

    sources = _queue_sources(user)
    membership = ProviderMember.objects.filter(user=user, active=True)
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    counts = counted([*(cases for _, _, cases, _ in sources), membership, unread], capped=len(sources))
    member = counts[-2] > 0
    queues = [
        Queue(label, url, count)
        for (label, url, _, members_only), count in zip(sources, counts, strict=False)
        if member or not members_only
    ]
    return queues, counts[-1]


def user_queues(user) -> list[Queue]:
    return header_figures(user)[0]


def search_url() -> str:
    try:
        return reverse("desk_search")
    except NoReverseMatch:
        return ""


def shell(request: HttpRequest) -> dict:
    """Template context: ``desk_queues``, ``unread_notifications``, ``desk_search_url`` and
    ``has_permission`` (the admin's user tools, shown on the custom pages too; the admin's own
    pages set it themselves)."""
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    queues, unread = header_figures(user) if signed_in else ([], 0)
    context = {
        "desk_queues": queues,
        "unread_notifications": unread,
        "desk_search_url": search_url() if signed_in else "",
        "has_permission": signed_in,
    }
    setattr(request, _ATTRIBUTE, context)
    return context
