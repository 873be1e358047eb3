"""The page header every staff page shares (templates/admin/base_site.html): the user's queues with
their counts, and whether the search box has somewhere to send its query.

A context processor runs for every template rendered with the request, and one response may render
several; the header is computed once per request and kept on it. Each count is one query on the
case table's state indexes, capped at ``COUNT_CAP`` so a queue of a million costs what one of a
thousand does (the header then shows "999+").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

COUNT_CAP = 1000
_ATTRIBUTE = "_desk_shell"


@dataclass(frozen=True)
class Queue:
    label: str
    url: str
    count: int

    @property
    def shown(self) -> str:
        return f"{COUNT_CAP - 1}+" if self.count >= COUNT_CAP else str(self.count)


def _capped(queryset) -> int:
    return queryset.order_by()[:COUNT_CAP].count()


def user_queues(user) -> list[Queue]:
    """The queues a role works from, in the order of the case's life: review, dispatch, the provider's own."""
    from cases import queue
    from cases.models import Case, CaseState
    from cases.selectors import _provider_of

    queues = []
    if user.has_perm("cases.review_case"):
        # The review queue's 待审核 tab, view 全部: the count its own tab shows (cases.queue).
        label, states = queue.TABS["pending"]
        waiting = Case.objects.filter(state__in=states)
        url = reverse("admin:cases_case_changelist") + "?queue=pending&view=all"
        queues.append(Queue(label, url, _capped(waiting)))
    if user.has_perm("cases.dispatch_case"):
        approved = Case.objects.filter(state=CaseState.APPROVED)
        queues.append(Queue("待派单", reverse("dispatch:board") + "?state=approved", _capped(approved)))
    provider = _provider_of(user) if user.has_perm("cases.provider_act") else None
    if provider is not None:
        mine = Case.objects.filter(provider=provider, state__in=[CaseState.DISPATCHED, CaseState.ACCEPTED])
        queues.append(Queue("待处理", reverse("dispatch:board"), _capped(mine)))
    return queues


def search_url() -> str:
    try:
        return reverse("desk_search")
    except NoReverseMatch:
        return ""


def shell(request: HttpRequest) -> dict:
    """Template context: ``desk_queues``, ``desk_search_url`` and ``has_permission`` (the admin's
    user tools, shown on the custom pages too; the admin's own pages set it themselves)."""
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated and user.is_active)
    context = {
        "desk_queues": user_queues(user) if signed_in else [],
        "desk_search_url": search_url() if signed_in else "",
        "has_permission": signed_in,
    }
    setattr(request, _ATTRIBUTE, context)
    return context
