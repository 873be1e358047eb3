"""The portal's roles as permission groups: the single table of who may do what.

``roles_sync`` makes each group hold exactly the permissions listed here (run after every
migrate, so groups follow the table). A codename whose model does not exist yet is skipped: apps
add their permissions as they arrive. Superuser is for IT only and is no role.
See docs/access-matrix.md for the same table by page and endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    permissions: tuple[str, ...]


def _view(*labels: str) -> tuple[str, ...]:
    return tuple(f"{app}.view_{model}" for app, model in (label.split(".") for label in labels))


def _manage(*labels: str) -> tuple[str, ...]:
    return tuple(
        f"{app}.{verb}_{model}"
        for app, model in (label.split(".") for label in labels)
        for verb in ("add", "change", "delete", "view")
    )


CATALOGUE = ("entitlements.service", "entitlements.edition", "entitlements.editionrule", "entitlements.criticalillness")
CUSTOMERS = (
    "entitlements.person",
    "entitlements.policy",
    "entitlements.enrollment",
    "entitlements.familydesignation",
    "entitlements.quotabucket",
    "entitlements.quotahold",
)
CASE_RECORDS = ("cases.case", "cases.caseevent", "cases.document", "cases.dispatch")
PROVIDERS = ("providers.provider", "providers.providercontact", "providers.providercoverage", "providers.routingrule")
CALENDAR = ("workdays.calendaryear", "workdays.calendarday")
INBOX = ("notifications.view_notification",)

INTAKE = Role(
    "intake",
    "录入客服",
    (
        *_view(*CATALOGUE, *CUSTOMERS, "cases.case", "cases.caseevent", "cases.document"),
        # Keys in customers, family designations and requests taken by phone (95500); a case is
        # created through submission, never edited afterwards.
        "entitlements.add_person",
        "entitlements.change_person",
        "entitlements.add_familydesignation",
        "entitlements.change_familydesignation",
        "cases.add_document",
        "cases.add_caseevent",
        "cases.submit_case",
        "cases.withdraw_case",
        # Identity is checked on the phone against the full ID number.
        "audit.reveal_personal_data",
        *INBOX,
    ),
)
REVIEWER = Role(
    "reviewer",
    "医学审核",
    (
        *_view(*CATALOGUE, *CUSTOMERS, *CASE_RECORDS),
        "cases.review_case",
        "cases.view_recovery",
        # 120 急救补贴: the reviewer checks the invoice and fixes the amount paid.
        "cases.pay_claim",
        "audit.reveal_personal_data",
        *INBOX,
    ),
)
COORDINATOR = Role(
    "coordinator",
    "调度协调",
    (
        *_view(*CATALOGUE, *CUSTOMERS, *CASE_RECORDS, *PROVIDERS, *CALENDAR),
        "cases.dispatch_case",
        "cases.arrange_case",
        "cases.close_case",
        "cases.add_document",
        "cases.add_caseevent",
        # Records what a provider reported by phone (accept, decline), through the same services.
        "cases.provider_act",
        # 追偿 after a case stopped as misuse (第二章 1): the coordinators follow it up.
        "cases.view_recovery",
        "cases.change_recovery",
        # Calls the customer and passes contact details to the provider.
        "audit.reveal_personal_data",
        *INBOX,
    ),
)
MANAGER = Role(
    "manager",
    "运营管理",
    (
        # Read-only: reports, dashboards and masked exports; the audit trail.
        *_view(*CATALOGUE, *CUSTOMERS, *CASE_RECORDS, *PROVIDERS, *CALENDAR, "providers.providerapilog"),
        "audit.view_auditevent",
        "cases.view_recovery",
        "sla.view_reports",
        # "医院内特殊情况除外": a coordinator marks the exemption, only a manager takes it back.
        "cases.revoke_sla_exemption",
        *INBOX,
    ),
)
PROVIDER = Role(
    "provider",
    "服务商",
    # API only, and the API limits a provider to the cases dispatched to it.
    ("cases.provider_act",),
)
CATALOGUE_ADMIN = Role(
    "catalogue_admin",
    "产品配置",
    (
        *_manage(*CATALOGUE, "entitlements.qualifyingproduct", *CALENDAR),
        *_view(*PROVIDERS),
        "providers.change_providercoverage",
        "providers.add_routingrule",
        "providers.change_routingrule",
        "providers.delete_routingrule",
        *INBOX,
    ),
)

ROLES: tuple[Role, ...] = (INTAKE, REVIEWER, COORDINATOR, MANAGER, PROVIDER, CATALOGUE_ADMIN)


def role_by_key(key: str) -> Role:
    return next(role for role in ROLES if role.key == key)


def _permissions(codes: tuple[str, ...]) -> list[Permission]:
    wanted = {tuple(code.split(".", 1)) for code in codes}
    apps_labels = {app for app, _ in wanted}
    found = Permission.objects.filter(content_type__app_label__in=apps_labels).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create the role groups and give each exactly its listed permissions that exist.
    Returns the number of permissions each group holds."""
    held = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        permissions = _permissions(role.permissions)
        group.permissions.set(permissions)
        held[role.name] = len(permissions)
    return held


def roles_sync_after_migrate(sender, **kwargs) -> None:
    # post_migrate is sent once per app, auth's permission creation first; acting on the last
    # app's signal sees every app's permissions whatever the order of INSTALLED_APPS.
    last = [config for config in global_apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last:
        roles_sync()


_VERBS = {"add": "A", "change": "C", "delete": "D", "view": "V"}


def access_matrix_markdown() -> str:
    """The role table as Markdown: model permissions (A add, C change, D delete, V view) and the
    named permissions, one column per role. docs/access-matrix.md embeds it; a test keeps it current."""
    models: dict[str, dict[str, set[str]]] = {}
    named: dict[str, set[str]] = {}
    for role in ROLES:
        for code in role.permissions:
            app, codename = code.split(".", 1)
            verb, _, model = codename.partition("_")
            if verb in _VERBS and "_" not in model and model:
                models.setdefault(f"{app}.{model}", {}).setdefault(role.key, set()).add(_VERBS[verb])
            else:
                named.setdefault(code, set()).add(role.key)
    header = "| | " + " | ".join(f"{r.name} ({r.key})" for r in ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    lines = [header, rule]
    for label in sorted(models):
        cells = ["".join(v for v in "ACDV" if v in models[label].get(r.key, ())) or "—" for r in ROLES]
        lines.append(f"| `{label}` | " + " | ".join(cells) + " |")
    for code in sorted(named):
        cells = ["✔" if r.key in named[code] else "—" for r in ROLES]
        lines.append(f"| `{code}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
