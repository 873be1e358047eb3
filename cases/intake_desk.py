"""The hotline form's side of intake (issue 15 item 5): pre-filled from an inquiry result, a
duplicate confirmed explicitly, a form sent twice creating one case."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.http import QueryDict

from cases.forms import HotlineIntakeForm
from cases.models import Case
from cases.services.intake_keys import intake_submit_within
from entitlements.models import Person


def intake_initial(query: QueryDict) -> dict:
    """The form's first values from the inquiry's "为此服务发起申请" link: the person by record
    (never the ID number in the URL), the service by code, the entitlement; a fresh submission key."""
    initial: dict = {"intake_key": secrets.token_urlsafe(24), "channel": "hotline"}
    if (person := query.get("person", "")).isdigit():
        initial["beneficiary"] = int(person)
    for name in ("service", "enrollment"):
        if value := query.get(name, "").strip()[:64]:
            initial[name] = value
    return initial


def intake_person(form: HotlineIntakeForm) -> Person | None:
    raw = str((form.data.get("beneficiary") if form.is_bound else form.initial.get("beneficiary")) or "")
    return Person.objects.filter(pk=int(raw)).first() if raw.isdigit() else None


def intake_form_submit(*, actor, form: HotlineIntakeForm) -> tuple[Case, bool]:
    """Submit a valid form once per key: (the case, whether it was a replay of the first)."""
    key = form.cleaned_data.get("intake_key") or ""
    with transaction.atomic():
        return intake_submit_within(
            actor=actor,
            channel=form.cleaned_data["channel"],
            arguments=form.submit_arguments(),
            confirmed=bool(form.cleaned_data.get("confirm_duplicate")),
            key=key,
            fingerprint_data=form.fingerprint_data() if key else None,
            open_cases=form.open_cases,
        )
