"""A case's states and the groups of states the rules speak of — each group written once, here.

Every app that asks "is the clock running", "is a provider holding it", "is it on the board",
"is it still open" reads these names; none spells the states out again.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    NEW = "new", _("新建")
    SUBMITTED = "submitted", _("已提交")
    IN_REVIEW = "in_review", _("医学审核中")
    RETURNED = "returned", _("退回补充材料")
    APPROVED = "approved", _("待派单")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("服务商已接单")
    WAITING_CUSTOMER = "waiting_customer", _("待客户反馈")
    ARRANGED = "arranged", _("已安排")
    COMPLETED = "completed", _("服务完成")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("审核不通过")
    WITHDRAWN = "withdrawn", _("客户撤回")
    CANCELLED = "cancelled", _("已取消")
    CLAIM_APPROVED = "claim_approved", _("已核定金额")
    PAID = "paid", _("已支付")
    # 第二章 1: the service used by someone who is neither the insured nor a designated family member.
    MISUSE_STOPPED = "misuse_stopped", _("中止（冒用）")


S = CaseState

# The service-level clock runs from acceptance until the arrangement stops it (an arranged case
# always carries ``sla_stopped_at``). While the case waits for the customer it is paused and its
# due dates are recomputed on resume, so a paused case is neither due nor late.
CLOCK_RUNNING = (S.APPROVED, S.DISPATCHED, S.ACCEPTED)
# The review clock runs until the decision; it is paused while the case is returned to the applicant.
REVIEW_CLOCK_RUNNING = (S.SUBMITTED, S.IN_REVIEW)
# The review's due date is still being counted (not yet history): running, or paused while returned.
REVIEW_PENDING = (S.SUBMITTED, S.IN_REVIEW, S.RETURNED)
# A provider holds the case: dispatched to it, or accepted by it.
HELD_BY_PROVIDER = (S.DISPATCHED, S.ACCEPTED)
# The provider's open work on the case: held, or paused while the customer answers. Reminders to a
# provider are sent for these, and its open workload counts them.
WITH_PROVIDER = (S.DISPATCHED, S.ACCEPTED, S.WAITING_CUSTOMER)
# The coordinator board's cases: approved until the service is completed.
ON_BOARD = (S.APPROVED, S.DISPATCHED, S.ACCEPTED, S.WAITING_CUSTOMER, S.ARRANGED, S.COMPLETED)
# What the board lists: ON_BOARD and the paid 120 claims a coordinator still has to close; the
# board indexes' condition (cases.models).
BOARD_LISTED = (*ON_BOARD, S.PAID)
# A customer may still withdraw (and staff cancel) until the service has been arranged: after that
# the quota unit is used and the case can only be completed and closed.
OPEN_BEFORE_ARRANGEMENT = (
    S.SUBMITTED,
    S.IN_REVIEW,
    S.RETURNED,
    S.APPROVED,
    S.DISPATCHED,
    S.ACCEPTED,
    S.WAITING_CUSTOMER,
    S.CLAIM_APPROVED,
)
# The states a review decision leads to: the transitions out of 医学审核中 that end the review.
REVIEW_DECISIONS = (S.APPROVED, S.REJECTED, S.CLAIM_APPROVED)
# The states a case can be late in by its clock: running, or stopped (arranged, paid) after the
# deadline. Waiting for the customer the clock is paused (never late); ended unarranged it has no figure.
LATE_POSSIBLE = (*CLOCK_RUNNING, S.ARRANGED, S.COMPLETED, S.PAID, S.CLOSED)
FINAL = (S.CLOSED, S.REJECTED, S.WITHDRAWN, S.CANCELLED, S.MISUSE_STOPPED)
# 第二章 1 "查明使用本服务的非被保险人本人或其直系亲属…立即拒绝提供本服务": a case may be stopped as
# misuse from any state it can be saved in, ended ones included (the finding may come afterwards).
MISUSE_STOPPABLE = tuple(state for state in S if state not in (S.NEW, S.MISUSE_STOPPED))
OPEN = tuple(state for state in S if state not in FINAL and state != S.NEW)
