"""Every staff page, per role, as the shell test (tests/e2e/test_shell.py) visits them.

Read from the running database after the demo story is loaded (demo.story.demo_build): the admin's
registered models come from ``admin.site``, a change page from each model's first row. The
superuser walks every changelist and a change page of each; the other roles walk the admin index,
the changelists their permissions show, and the custom pages of their work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

# Pages shown before sign-in, or instead of one.
ANONYMOUS = ["/admin/login/"]


@dataclass(frozen=True)
class Role:
    username: str
    # Change pages of every registered model (the superuser only: the others' are the same templates).
    change_pages: bool = False


ROLES = [
    Role("it-admin", change_pages=True),
    Role("intake"),
    Role("reviewer"),
    Role("coordinator"),
    Role("manager"),
    Role("catalog"),
]
# Providers' users (provider-…) work through the API only: the admin login refuses them.


def _case_numbers():
    from cases.models import Case, CaseState

    on_board = Case.objects.filter(state__in=[CaseState.DISPATCHED, CaseState.ACCEPTED]).order_by("pk").first()
    any_case = Case.objects.order_by("pk").first()
    return on_board, any_case


def _provider_case(user):
    from cases.selectors import cases_visible_to

    return cases_visible_to(user=user).order_by("pk").first()


def _admin_pages(user, *, change_pages: bool) -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        opts = (meta.app_label, meta.model_name)
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}") and not user.is_superuser:
            continue
        pages.append(reverse("admin:{}_{}_changelist".format(*opts)))
        if change_pages:
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                pages.append(reverse("admin:{}_{}_change".format(*opts), args=[first.pk]))
    return pages


def staff_pages(username: str) -> list[str]:
    """The paths this role's person reaches in a working day, in the order the test visits them."""
    role = next(r for r in ROLES if r.username == username)
    user = get_user_model().objects.get(username=username)
    on_board, any_case = _case_numbers()
    pages: list[str] = []
    if user.is_staff:
        pages += _admin_pages(user, change_pages=role.change_pages)
    if user.has_perm("cases.submit_case"):
        pages += [reverse("admin:entitlements_inquiry"), reverse("admin:cases_case_add")]
    if user.has_perm("cases.dispatch_case"):
        pages += [reverse("dispatch:board"), reverse("dispatch:case", args=[on_board.number])]
    if user.has_perm("cases.provider_act") and not user.is_staff:
        mine = _provider_case(user)
        pages += [reverse("dispatch:board")]
        if mine is not None:
            pages += [reverse("cases:case", args=[mine.number])]
    if user.has_perm("cases.view_case") or user.has_perm("cases.review_case"):
        pages += [reverse("cases:case", args=[any_case.number]), reverse("cases:print", args=[any_case.number])]
    if user.has_perm("sla.view_reports"):
        pages += [reverse("sla:report")]
    pages += [reverse("notifications:inbox"), "/no-such-page/"]
    if user.is_staff and not user.has_perm("auth.view_user"):
        pages += [reverse("admin:auth_user_changelist")]  # refused: the 403 page
    return list(dict.fromkeys(pages))


def usernames() -> list[str]:
    return [role.username for role in ROLES]
