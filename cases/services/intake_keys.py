"""A request sent twice creates one case (issue 15 item 5), and the same person asking twice for
the same service is asked to confirm."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction

from cases.errors import CaseError
from cases.models import Case, IntakeKey
from cases.services.intake import case_submit_within
from cases.states import FINAL
from config.rows import columns, prepared_cursor, split, width
from entitlements.models import Edition, Enrollment, Person, Policy


class IntakeKeyReused(CaseError):
    """The same key came with a different request: the sender mixed up two submissions."""

    status = 422


def request_fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def open_cases_of(*, beneficiary_id: int, service_id: int, excluding: int | None = None) -> list[Case]:
    """The person's cases of this service still in progress: a second request is likely the same one."""
    cases = Case.objects.filter(beneficiary_id=beneficiary_id, service_id=service_id).exclude(state__in=FINAL)
    cases = cases.exclude(pk=excluding) if excluding else cases
    return list(cases.order_by("-created_at")[:5])


# What the duplicate check shows of another open case (the hotline form links it with its state and date).
_OPEN_CASE_FIELDS = ("id", "number", "state", "created_at")


@dataclass(frozen=True)
class IntakeLookup:
    """What a request names, read in one statement: the person by ID number, the enrollment (with
    its policy and edition, which every entitlement check reads) and, when the service is known, the
    person's open cases of it (newest first, at most five: the duplicate check's)."""

    person: Person | None
    enrollment: Enrollment | None
    open_cases: list[Case] | None


_LOOKED_UP = (Person, Enrollment, Policy, Edition)


@functools.cache  # written once, on first use
def _lookup_sql() -> str:
    return f"""
        SELECT {columns(Person, "p")}, {columns(Enrollment, "e")}, {columns(Policy, "po")},
               {columns(Edition, "ed")}, {", ".join(f"c.{name}" for name in _OPEN_CASE_FIELDS)}
        FROM (VALUES (1)) one (x)
        LEFT JOIN {Person._meta.db_table} p ON p.id_number = %(id_number)s
        LEFT JOIN {Enrollment._meta.db_table} e ON e.id = %(enrollment)s
        LEFT JOIN {Policy._meta.db_table} po ON po.id = e.policy_id
        LEFT JOIN {Edition._meta.db_table} ed ON ed.id = e.edition_id
        LEFT JOIN LATERAL (
            SELECT {", ".join(_OPEN_CASE_FIELDS)} FROM {Case._meta.db_table}
            WHERE beneficiary_id = p.id AND service_id = %(service)s AND NOT (state = ANY(%(final)s))
            ORDER BY created_at DESC LIMIT 5
        ) c ON true
        ORDER BY c.created_at DESC
    """  # noqa: S608 - the models' own table and column names; every value is a parameter


def intake_lookup(*, id_number: str | None, enrollment_id: int | None, service_id: int | None) -> IntakeLookup:
    with prepared_cursor() as cursor:
        cursor.execute(
            _lookup_sql(),
            {"id_number": id_number, "enrollment": enrollment_id, "service": service_id, "final": list(FINAL)},
        )
        rows = cursor.fetchall()
    person, enrollment, policy, edition = split(rows[0], *_LOOKED_UP)
    cases_from = sum(width(model) for model in _LOOKED_UP)
    if enrollment is not None:
        enrollment.policy, enrollment.edition = policy, edition
    open_cases = None
    if service_id is not None and person is not None:
        open_cases = [
            Case.from_db(connection.alias, list(_OPEN_CASE_FIELDS), row[cases_from:])
            for row in rows
            if row[cases_from] is not None
        ]
    return IntakeLookup(person=person, enrollment=enrollment, open_cases=open_cases)


def case_submit_keyed(*, actor, key: str, fingerprint: str, submit: Callable[[], Case]) -> tuple[Case, bool]:
    """``submit()`` once per (actor, key): (the case, False) the first time; (the first case, True)
    for a replay — also when the first is still being written by a concurrent request, whose commit
    this waits for (the unique index holds the second insert). Must run in the caller's transaction,
    with ``submit`` in it: a refused submission rolls its key back with it."""
    try:
        with transaction.atomic():
            record = IntakeKey.objects.create(user=actor, key=key, fingerprint=fingerprint)
    except IntegrityError:
        first = IntakeKey.objects.select_related("case").get(user=actor, key=key)
        if first.fingerprint != fingerprint:
            raise IntakeKeyReused("该提交标识已用于另一份申请，请刷新页面后重新填写") from None
        return first.case, True  # type: ignore[return-value]
    case = submit()
    record.case = case
    record.save(update_fields=["case"])
    return case, False


class DuplicateRequest(CaseError):
    """The person has an open case of this service: submitting needs explicit confirmation."""

    def __init__(self, cases: list[Case]) -> None:
        self.cases = cases
        numbers = "、".join(case.number for case in cases)
        super().__init__(f"该服务对象已有同一服务的办理中案件 {numbers}：确认不是同一申请后，勾选“仍要申请”再提交")


def duplicate_check(*, case: Case, confirmed: bool, known: list[Case] | None = None) -> None:
    """Raise DuplicateRequest when the new case's person already has another open case of the
    service. Called after the submission's own checks, so a refusal that confirming would not
    change (quota used up, a wrong field) is answered first; raising rolls the new case back.
    ``known``: the open cases the request's own lookup read just before (``intake_lookup``)."""
    if confirmed:
        return
    if known is None:
        others = open_cases_of(beneficiary_id=case.beneficiary_id, service_id=case.service_id, excluding=case.pk)
    else:
        others = [other for other in known if other.pk != case.pk]
    if others:
        raise DuplicateRequest(others)


def intake_submit_within(
    *,
    actor,
    channel: str,
    arguments: dict,
    confirmed: bool,
    key: str = "",
    fingerprint_data: Any = None,
    open_cases: list[Case] | None = None,
) -> tuple[Case, bool]:
    """A request from the WeChat API or the hotline form: submitted once per (actor, key), and
    refused with DuplicateRequest unless ``confirmed`` when the person has an open case of the
    service. (the case, whether it is a replay of the first); ``fingerprint_data`` is the request
    as sent, compared when the key comes again; ``open_cases``, the person's open cases of the
    service as the request's lookup read them (else they are read here). Runs in the caller's
    transaction, which must roll back whenever this raises."""

    def submit() -> Case:
        case = case_submit_within(actor=actor, channel=channel, **arguments)
        duplicate_check(case=case, confirmed=confirmed, known=open_cases)
        return case

    if not key:
        return submit(), False
    return case_submit_keyed(actor=actor, key=key, fingerprint=request_fingerprint(fingerprint_data), submit=submit)
