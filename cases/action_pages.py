"""The case actions on a page: the admin's case page and the coordinator board's case page both
offer the workflow table's actions for their place, with the row's form, and perform a posted one
through the row's service. One builder, one performer: a button is never written by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.checklist import checklist_prefill
from cases.errors import CaseError, CaseValidationError, refusal_messages
from cases.models import Case
from cases.selectors import case_available_actions, review_hints
from cases.workflow import ACTIONS, CaseAction, Place
from providers.selectors import provider_reachable


@dataclass
class ActionItem:
    name: str
    action: CaseAction
    form: Any
    url: str


def action_initial(case: Case, name: str) -> dict:
    initial: dict[str, Any] = {"expected_state": case.state}
    if name == "approve":
        # Ticks saved earlier, else what the recorded facts support (cases.checklist).
        prefill = checklist_prefill(case=case)
        initial.update({item: getattr(case, item) or prefill[item] for item in prefill})
    if name == "claim_approve" and case.claimed_amount is not None:
        initial["amount"] = min(case.claimed_amount, case.service.max_claim_amount or case.claimed_amount)
    return initial


def action_form(case: Case, name: str, data=None, files=None, *, initial: dict | None = None):
    """The row's form, prefixed with the action's name (several forms share one page)."""
    form = ACTIONS[name].form_class(
        data, files, initial={**action_initial(case, name), **(initial or {})}, prefix=name, case=case
    )
    if name == "approve":
        for field, hint in review_hints(case=case).items():
            form.fields[field].help_text = hint
    return form


def action_items(
    *,
    case: Case,
    user,
    place: Place,
    url: Callable[[str], str],
    bound: dict[str, Any] | None = None,
    initial: dict[str, dict] | None = None,
) -> list[ActionItem]:
    """The actions the page offers this user on this case; ``bound`` holds a form sent back with
    its errors, ``initial`` per-action starting values (the suggested provider…)."""
    bound, initial = bound or {}, initial or {}
    return [
        ActionItem(
            name=name,
            action=ACTIONS[name],
            form=bound.get(name) or action_form(case, name, initial=initial.get(name)),
            url=url(name),
        )
        for name in case_available_actions(case=case, user=user, place=place)
    ]


def action_perform(request: HttpRequest, *, case: Case, name: str, place: Place) -> Any | None:
    """Perform the posted action ``name`` through its service. Returns the form with its field
    errors when the input was wrong (the page shows it again), otherwise None. Refusals and the
    success are told as page messages."""
    row = ACTIONS.get(name)
    if row is None or place not in row.places:
        messages.error(request, f"未知操作「{name}」")
        return None
    form = action_form(case, name, request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请检查表单中标出的字段"))
        return form
    try:
        form.run(case=case, actor=request.user, service=row.run)
    except CaseValidationError as exc:
        # Each refusal beside the input it names, the others at the head of the action's own form:
        # the person reads why beside what he typed, not at the top of the page.
        refusal_place(form, exc)
        messages.error(request, f"「{row.label}」未执行：原因已在表单中标出")
        return form
    except CaseError as exc:
        for message in refusal_messages(exc):
            messages.error(request, message)
        return None
    messages.success(request, f"{case.number}：{row.done or row.label}")
    _warn_unreachable(request, case=case, name=name)
    return None


def refusal_place(form, exc: CaseValidationError) -> None:
    """Put a service's refusal on the form that sent the input: under the form field it names
    (``form.service_fields`` renames the service's field names to the form's own), or at the
    head of the form when it names none of its fields."""
    names = getattr(form, "service_fields", {})
    for field, errors in exc.errors.items():
        target = names.get(field, field)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)


def _warn_unreachable(request: HttpRequest, *, case: Case, name: str) -> None:
    """A provider with neither a contact address nor a webhook hears of nothing: the coordinator
    must phone it."""
    if name not in ("dispatch", "redispatch"):
        return
    case.refresh_from_db(fields=["provider"])
    if case.provider is not None and not provider_reachable(provider=case.provider):
        messages.warning(
            request,
            _("%(provider)s没有联系邮箱也没有 Webhook：派单通知无法送达，请电话通知服务商")
            % {"provider": case.provider.name},
        )
