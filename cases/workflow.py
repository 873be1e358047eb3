"""The case workflow table: every case action declared once.

A row names the transition (the ``Case`` method of the same name), its Chinese label, the service
in ``cases.services`` that performs it, the form in ``cases.forms`` that collects its input, the
permissions any one of which allows it, the places that offer it (the admin's case page, the
coordinator board's case page, the staff API, the provider API), who acts next (whom its notice
goes to) and, for an irreversible action, the question asked before it is taken.

The model's transitions take their permission from here; the admin, the board, both APIs, the
notices, the demo story, the OpenAPI description and ``docs/case-actions.md`` read the rest. Adding
a transition is a ``@transition`` method on ``Case``, a service, and one row (a test fails when a
transition has no row or a row names no transition).

This module imports nothing of the app at import time: the model imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_stubs_ext import StrOrPromise


class Place(TextChoices):
    ADMIN = "admin", _("案件页（后台）")
    BOARD = "board", _("调度看板案件页")
    STAFF_API = "staff_api", _("员工接口")
    PROVIDER_API = "provider_api", _("服务商接口")


class NextActor(TextChoices):
    """Whom an action's notice goes to. Any other value is a ``cases.<codename>`` permission: the
    role holding it, resolved when the notice is delivered."""

    HOLDER = "holder", _("经办人")  # the staff member holding the case, unless they acted themselves
    PROVIDER = "provider", _("服务商")  # the contacts of the provider the case is dispatched to
    PROVIDER_IF_HELD = "provider_if_held", _("服务商（已派单时），否则经办人")
    NOBODY = "nobody", "—"


ADMIN, BOARD, STAFF_API, PROVIDER_API = Place.ADMIN, Place.BOARD, Place.STAFF_API, Place.PROVIDER_API
# The actions a person takes on a case page or through the staff API.
STAFF = frozenset({ADMIN, STAFF_API})
COORDINATION = frozenset({ADMIN, BOARD, STAFF_API})


@dataclass(frozen=True)
class CaseAction:
    name: str
    label: StrOrPromise
    service: str
    permissions: tuple[str, ...]
    form: str = ""
    places: frozenset[Place] = frozenset()
    next_actor: str = NextActor.HOLDER
    confirm: StrOrPromise = ""
    done: StrOrPromise = ""
    style: str = ""
    # The provider API's path segment for this action (``POST …/cases/<number>/<segment>``).
    provider_path: str = ""
    # Who of the reviewers may take it while the case has a holder: ``only`` the holder (a review
    # decision), or only ``another`` reviewer (taking the case over); empty: anyone allowed.
    holder: str = ""

    def fits_holder(self, case: Any, user: Any) -> bool:
        """Whether the case's holder lets this user take this action (a case nobody holds: anyone)."""
        if not self.holder:
            return True
        if case.holder_id is None:
            return True
        mine = case.holder_id == getattr(user, "pk", None)
        return mine if self.holder == "only" else not mine

    @cached_property
    def run(self) -> Callable[..., Any]:
        """The service, called as ``run(case=…, actor=…, expected_state=…, **input)``."""
        return getattr(import_module("cases.services"), self.service)

    @cached_property
    def form_class(self) -> type:
        return getattr(import_module("cases.forms"), self.form)

    def offered_at(self, place: Place) -> bool:
        return place in self.places

    def allowed(self, user) -> bool:
        """The transition's permission check: any one of the row's permissions, on an active user."""
        return bool(user and user.is_active and any(user.has_perm(f"cases.{code}") for code in self.permissions))


def _rows(*actions: CaseAction) -> dict[str, CaseAction]:
    return {action.name: action for action in actions}


# In the order their buttons appear on a case page.
ACTIONS: dict[str, CaseAction] = _rows(
    # The system's own steps: taken by the services, never offered as a button.
    CaseAction("submit", _("提交申请"), "case_submit", ("submit_case",), next_actor="review_case"),
    CaseAction("skip_review", _("无需医学审核"), "case_submit", ("submit_case",), next_actor="dispatch_case"),
    # Medical review.
    CaseAction("start_review", _("开始审核"), "case_start_review", ("review_case",), "StartReviewForm", STAFF,
               done=_("已开始审核")),
    CaseAction("take_over", _("接手审核"), "case_take_over", ("review_case", "pay_claim"), "TakeOverForm", STAFF,
               next_actor=NextActor.NOBODY, done=_("已接手审核"), holder="another"),
    CaseAction("approve", _("审核通过"), "review_approve", ("review_case",), "ApproveForm", STAFF,
               next_actor="dispatch_case", done=_("已批准"), style="ok", holder="only"),
    CaseAction("claim_approve", _("核定补贴金额"), "claim_approve", ("pay_claim",), "ClaimApproveForm", STAFF,
               next_actor="pay_claim", done=_("已核定金额"), style="ok", holder="only"),
    CaseAction("return_to_applicant", pgettext_lazy("action", "退回补充材料"), "review_return", ("review_case",), "ReturnForm", STAFF,  # noqa: E501
               next_actor="submit_case", done=_("已退回申请人补充材料"), holder="only"),
    CaseAction("reject", pgettext_lazy("action", "审核不通过"), "review_reject", ("review_case",), "RejectForm", STAFF,
               next_actor="submit_case", confirm=_("审核不通过后案件结束，占用的权益额度将释放。确定不通过？"),
               done=_("已审核不通过"), style="bad", holder="only"),
    CaseAction("resubmit", _("补充材料后重新提交"), "case_resubmit", ("submit_case",), "ResubmitForm", STAFF,
               next_actor="review_case", done=_("已重新提交审核")),
    # Dispatch and the provider's work.
    CaseAction("dispatch", _("派单"), "case_dispatch", ("dispatch_case",), "DispatchForm", COORDINATION,
               next_actor=NextActor.PROVIDER, done=_("已派单"), style="ok"),
    CaseAction("redispatch", _("改派"), "case_redispatch", ("dispatch_case",), "RedispatchForm", COORDINATION,
               next_actor=NextActor.PROVIDER, done=_("已改派")),
    CaseAction("provider_accept", _("服务商接单"), "provider_accept", ("provider_act",), "ProviderReportForm",
               COORDINATION | {PROVIDER_API}, done=_("已记录：服务商接单"), provider_path="accept"),
    CaseAction("provider_decline", _("服务商拒单"), "provider_decline", ("provider_act",), "DeclineForm",
               COORDINATION | {PROVIDER_API}, next_actor="dispatch_case", done=_("已记录：服务商拒单，案件回到待派单"),
               provider_path="decline"),
    CaseAction("await_customer", _("等待客户反馈"), "case_await_customer",
               ("provider_act", "dispatch_case", "arrange_case"), "AwaitCustomerForm", COORDINATION,
               done=_("时效已暂停，等待客户反馈")),
    CaseAction("customer_replied", _("客户已反馈"), "case_customer_replied",
               ("provider_act", "dispatch_case", "arrange_case"), "NoteActionForm", COORDINATION,
               next_actor=NextActor.PROVIDER, done=_("时效已恢复")),
    CaseAction("arrange", _("记录安排结果"), "case_arrange", ("provider_act", "arrange_case"), "ArrangeForm",
               COORDINATION | {PROVIDER_API}, next_actor="close_case", done=_("已记录安排结果，时效停止计时"),
               style="ok", provider_path="arrangement"),
    CaseAction("complete", pgettext_lazy("action", "服务完成"), "case_complete", ("provider_act", "arrange_case"), "ProviderReportForm",  # noqa: E501
               COORDINATION | {PROVIDER_API}, next_actor="close_case", done=_("已记录：服务完成"),
               provider_path="complete"),
    # 120 急救补贴.
    CaseAction("pay", _("支付补贴"), "claim_pay", ("pay_claim",), "NoteActionForm", STAFF, next_actor="close_case",
               done=_("已记录支付")),
    # "医院内特殊情况除外": a breach excused for a hospital-side reason, and its revocation (manager only).
    CaseAction("sla_exempt", _("标记院方原因豁免"), "case_sla_exempt", ("dispatch_case",), "SlaExemptForm",
               COORDINATION, next_actor=NextActor.NOBODY, done=_("已标记院方原因豁免")),
    CaseAction("sla_exempt_revoke", _("撤销时效豁免"), "case_sla_exempt_revoke", ("revoke_sla_exemption",),
               "SlaExemptRevokeForm", STAFF, next_actor=NextActor.NOBODY, done=_("已撤销时效豁免"), style="bad"),
    # Ending a case.
    CaseAction("close", _("结案"), "case_close", ("close_case",), "NoteActionForm", COORDINATION,
               confirm=_("结案后案件不能再办理。确定结案？"), done=_("已结案"), style="ok"),
    CaseAction("withdraw", pgettext_lazy("action", "客户撤回"), "case_withdraw", ("withdraw_case",), "NoteActionForm", STAFF,  # noqa: E501
               next_actor=NextActor.PROVIDER_IF_HELD, confirm=_("撤回后案件结束，占用的权益额度将释放。确定撤回？"),
               done=_("已撤回"), style="bad"),
    CaseAction("misuse_stop", pgettext_lazy("action", "中止（冒用）"), "case_misuse_stop", ("review_case", "dispatch_case"), "MisuseStopForm",  # noqa: E501
               COORDINATION, next_actor=NextActor.PROVIDER_IF_HELD,
               confirm=_("查明服务使用人非被保险人本人或其直系亲属：案件将中止，占用中的额度释放（已使用的不退回），并登记追偿。确定中止？"),
               done=_("已中止（冒用），已登记追偿"), style="bad"),
    CaseAction("cancel", _("取消"), "case_cancel", ("close_case",), "CancelForm", COORDINATION,
               confirm=_("取消后案件结束，占用的权益额度将释放。确定取消？"), done=_("已取消"), style="bad"),
)  # fmt: skip


def action_label(name: str) -> str:
    row = ACTIONS.get(name)
    return str(row.label) if row else name


def actions_at(place: Place) -> list[CaseAction]:
    return [row for row in ACTIONS.values() if place in row.places]


def allowed(name: str) -> Callable[[Any, Any], bool]:
    """The ``permission`` of the transition ``name``, for ``@transition``."""

    def check(instance, user) -> bool:
        return ACTIONS[name].allowed(user)

    check.codenames = ACTIONS[name].permissions  # type: ignore[attr-defined]
    return check


def actions_markdown() -> str:
    """``docs/case-actions.md``: the table as a person reads it."""
    lines = [
        "# Case actions",
        "",
        "Generated from `cases/workflow.py` (`cases.workflow.actions_markdown`); a test keeps it current.",
        "",
        "| action | 操作 | permission (any one) | offered at | next | asks first |",
        "|---|---|---|---|---|---|",
    ]
    for row in ACTIONS.values():
        places = "、".join(str(p.label) for p in Place if p in row.places) or "系统步骤"
        permissions = ", ".join(f"`cases.{code}`" for code in row.permissions)
        lines.append(
            f"| `{row.name}` | {row.label} | {permissions} | {places} | {_next_label(row.next_actor)} | {row.confirm} |"
        )
    return "\n".join(lines) + "\n"


def _next_label(next_actor: str) -> str:
    if next_actor in NextActor.values:
        return str(NextActor(next_actor).label)
    return f"`cases.{next_actor}`"
