"""The medical review queue: what waits for a reviewer, in which order, and how many.

One function per figure: the admin's queue, its tabs and views, and the home page's link all read
these, so the number beside 医学审核队列 on the home page is the number of rows the queue shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from cases.states import CaseState
from config.counts import counted, shown

# Waiting for a reviewer's decision: submitted (unclaimed), under review (including a 120 claim
# whose amount is to be assessed), and — their own tab — returned cases waiting for the applicant.
PENDING = (CaseState.SUBMITTED, CaseState.IN_REVIEW)
RETURNED = (CaseState.RETURNED,)

TABS = {"pending": (_("待审核"), PENDING), "returned": (_("退回待补充"), RETURNED)}
VIEWS = {"mine": _("我的"), "unclaimed": _("未认领"), "all": _("全部")}
DEFAULT_TAB, DEFAULT_VIEW = "pending", "all"

# Earliest review due date first; a case without one (never due) last; then first come first served.
ORDERING = (F("review_due").asc(nulls_last=True), "submitted_at", "id")


def view_q(view: str, user) -> Q:
    if view == "mine":
        return Q(holder=user)
    if view == "unclaimed":
        return Q(holder__isnull=True)
    return Q()


def queue_filter(queryset: QuerySet[Case], *, tab: str, view: str, user) -> QuerySet[Case]:
    """The cases of one tab and view of the queue, in the queue's order."""
    states = TABS.get(tab, TABS[DEFAULT_TAB])[1]
    return queryset.filter(Q(state__in=states) & view_q(view, user)).order_by(*ORDERING)


def queue_cases(*, user, tab: str = DEFAULT_TAB, view: str = DEFAULT_VIEW) -> QuerySet[Case]:
    return queue_filter(Case.objects.all(), tab=tab, view=view, user=user)


@dataclass(frozen=True)
class QueueCounts:
    """Counts per tab and view, capped at ``COUNT_CAP``: ``counts[tab][view]``."""

    counts: dict[str, dict[str, int]]

    def __getitem__(self, tab: str) -> dict[str, int]:
        return self.counts[tab]


def queue_counts(*, user) -> QueueCounts:
    """Every tab × view count of the queue in ONE statement, each counted up to ``COUNT_CAP`` cases
    (config.counts; shown "999+"): an exact count read the whole backlog on every page of the queue
    (590 ms of SQL at ten million cases); a capped one reads at most a thousand rows of a state index."""
    keys = [(tab, view) for tab in TABS for view in VIEWS]
    rows = [Case.objects.filter(Q(state__in=TABS[tab][1]) & view_q(view, user)) for tab, view in keys]
    figures = counted(rows, capped=len(rows))
    counts: dict[str, dict[str, int]] = {tab: {} for tab in TABS}
    for (tab, view), figure in zip(keys, figures, strict=True):
        counts[tab][view] = figure
    return QueueCounts(counts)


def queue_links(*, counts: QueueCounts, tab: str, view: str) -> dict[str, list[dict]]:
    """The queue's tabs and views as links with their counts (the admin's queue, the home page)."""
    tabs = [
        {
            "label": label,
            "count": shown(counts[key][view]),
            "query": f"?queue={key}&view={view}",
            "selected": key == tab,
        }
        for key, (label, _states) in TABS.items()
    ]
    views = [
        {
            "key": key,
            "label": label,
            "count": shown(counts[tab][key]),
            "query": f"?queue={tab}&view={key}",
            "selected": key == view,
        }
        for key, label in VIEWS.items()
    ]
    return {"tabs": tabs, "views": views}


def queue_next(*, user, after: Case | None = None) -> Case | None:
    """The case a reviewer takes next: the first of the 待审核 tab that is theirs or nobody's."""
    cases = queue_cases(user=user).filter(Q(holder=user) | Q(holder__isnull=True))
    if after is not None:
        cases = cases.exclude(pk=after.pk)
    return cases.first()


@dataclass(frozen=True)
class ReviewerView:
    """What the review workspace shows this user about the case's holder and the queue."""

    # Another reviewer holds the case under review: this one must take it over (接手审核) first.
    held_by_other: bool
    # A reviewer (or claims assessor) works the queue: the page offers 下一件.
    works_queue: bool


def reviewer_view(*, case: Case, user) -> ReviewerView:
    held = case.state == CaseState.IN_REVIEW and case.holder_id is not None and case.holder_id != user.pk
    works = user.has_perm("cases.review_case") or user.has_perm("cases.pay_claim")
    return ReviewerView(held_by_other=held, works_queue=works)


def review_overdue(case: Case, *, today=None) -> bool:
    """Past its review due date while the review clock runs (a returned case is paused)."""
    today = today or timezone.localdate()
    return case.state in PENDING and case.review_due is not None and case.review_due < today
