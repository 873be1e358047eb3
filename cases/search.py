"""Find anything (issue 15 item 4): one box, the kind of the term told from its shape.

A case number whole or part (≥ 3 characters, the trigram index), a customer's name (its beginning,
the name's pattern index), a phone, a full ID number, a policy number. Phones and ID numbers are
personal identifiers (issue 21 item 1): looked up only by roles that may reveal, each look-up
audited with the term masked and limited per user, and never read from a URL — whether a number
belongs to a customer is itself personal data, and a query string lands in the access log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.lookups import LookupLimited, identifier_lookup_take, mask_identifier
from audit.services import REVEAL_PERMISSION, audit_record
from cases.models import Case
from cases.selectors import cases_visible_to
from config.i18n import system_language
from entitlements.models import Person, Policy
from entitlements.models.people import is_valid_id_number, normalize_id_number, phone_is_valid

RESULT_LIMIT = 50
MIN_CASE_PART = 3
CASE_PART_RE = re.compile(r"(LB)?[-\d]+|LB[-\d]*", re.IGNORECASE)
POLICY_RE = re.compile(r"[A-Z]{1,3}\d{6,}", re.IGNORECASE)
WHOLE_CASE_NUMBER_RE = re.compile(r"LB-\d{4}-\d{6}")
SEARCH_AUDIT_ACTION = "desk_search"


class SearchKind(models.TextChoices):
    CASE_NUMBER = "case_number", _("案件编号")
    NAME = "name", _("客户姓名")
    PHONE = "phone", _("电话")
    ID_NUMBER = "id_number", _("身份证号")
    POLICY = "policy", _("保单号")


IDENTIFIER_KINDS = frozenset({SearchKind.PHONE, SearchKind.ID_NUMBER})


class SearchRefused(Exception):
    """The term cannot be searched as it came: the message says why, beside the box."""

    def __init__(self, message: str, *, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.retry_after = message, status, retry_after


@dataclass
class SearchResult:
    kind: SearchKind
    cases: list[Case] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)


def search_kind(term: str) -> SearchKind | None:
    """The kind of a term, from its shape alone; None when it is none of them (e.g. 7–17 digits)."""
    term = term.strip()
    if not term:
        return None
    if is_valid_id_number(term):
        return SearchKind.ID_NUMBER
    if phone_is_valid(term):
        return SearchKind.PHONE
    if POLICY_RE.fullmatch(term) and not term.upper().startswith("LB"):
        return SearchKind.POLICY
    if CASE_PART_RE.fullmatch(term):
        digits = sum(ch.isdigit() for ch in term)
        # Seven or more bare digits are a part of a phone or an ID number, not of a case number
        # (whose serial has six): answering them would let a phone be found digit by digit.
        if term.isdigit() and digits > 6:
            return None
        return SearchKind.CASE_NUMBER
    if any(ch.isdigit() for ch in term):
        return None
    return SearchKind.NAME


def _cases(user, **lookup) -> list[Case]:
    queryset = cases_visible_to(user=user).filter(**lookup).select_related("service", "beneficiary")
    return list(queryset.order_by("-created_at", "-id")[:RESULT_LIMIT])


def _people_cases(user, people: list[Person]) -> list[Case]:
    return _cases(user, beneficiary__in=[person.pk for person in people]) if people else []


def _by_case_number(user, term: str) -> SearchResult:
    term = term.upper()
    if len(term) < MIN_CASE_PART:
        raise SearchRefused(f"案件编号至少输入 {MIN_CASE_PART} 个字符")
    if WHOLE_CASE_NUMBER_RE.fullmatch(term):
        return SearchResult(SearchKind.CASE_NUMBER, cases=_cases(user, number=term))
    cases = _cases(user, number__contains=term)
    return SearchResult(SearchKind.CASE_NUMBER, cases=cases)


def _by_name(user, term: str) -> SearchResult:
    people = list(Person.objects.filter(name__startswith=term).order_by("name", "id")[:RESULT_LIMIT])
    return SearchResult(SearchKind.NAME, cases=_people_cases(user, people), people=people)


def _by_phone(user, term: str) -> SearchResult:
    variants = {term, term.replace("-", "")}
    if "-" not in term and term.startswith("0"):
        # A landline typed without its hyphen still finds one stored with it (area code 3 or 4 digits).
        variants |= {f"{term[:3]}-{term[3:]}", f"{term[:4]}-{term[4:]}"}
    people = list(Person.objects.filter(phone__in=variants).order_by("id")[:RESULT_LIMIT])
    return SearchResult(SearchKind.PHONE, cases=_people_cases(user, people), people=people)


def _by_id_number(user, term: str) -> SearchResult:
    people = list(Person.objects.filter(id_number=normalize_id_number(term)))
    return SearchResult(SearchKind.ID_NUMBER, cases=_people_cases(user, people), people=people)


def _by_policy(user, term: str) -> SearchResult:
    policy = Policy.objects.select_related("insured").filter(policy_no=term.upper()).first()
    if policy is None:
        return SearchResult(SearchKind.POLICY)
    return SearchResult(SearchKind.POLICY, cases=_cases(user, enrollment__policy=policy), people=[policy.insured])


SEARCHES = {
    SearchKind.CASE_NUMBER: _by_case_number,
    SearchKind.NAME: _by_name,
    SearchKind.PHONE: _by_phone,
    SearchKind.ID_NUMBER: _by_id_number,
    SearchKind.POLICY: _by_policy,
}


@system_language
def desk_search(*, user, term: str, via_post: bool, request=None) -> SearchResult:
    """Search by the term's kind. An identifier (phone, full ID number) must come by POST from a
    role that may reveal, within the user's per-minute limit; every search of a person is audited,
    the term masked. Raises SearchRefused with the reason to show beside the box."""
    term = term.strip()
    kind = search_kind(term)
    if kind is None:
        raise SearchRefused("无法识别：请输入案件编号（至少 3 位）、客户姓名、完整的手机号/身份证号或保单号")
    masked = mask_identifier(term)
    audit = {"request": request, "actor": user, "extra": {"search": masked, "kind": str(kind)}}
    if kind in IDENTIFIER_KINDS:
        if not via_post:
            audit_record(action="reveal_refused", summary=f"网址中的{kind.label}查询被拒：{masked}", **audit)
            raise SearchRefused(f"{kind.label}不能放在网址中查询，请在搜索框中重新输入")
        if not user.has_perm(REVEAL_PERMISSION):
            audit_record(action="reveal_refused", summary=f"无权按{kind.label}查询：{masked}", **audit)
            raise SearchRefused(f"当前角色无权按{kind.label}查询客户", status=403)
        try:
            identifier_lookup_take(user=user)
        except LookupLimited as exc:
            status = 503 if exc.unavailable else 429
            raise SearchRefused(exc.message, status=status, retry_after=exc.retry_after) from exc
    result = SEARCHES[kind](user, term)
    if kind != SearchKind.CASE_NUMBER:
        found = f"，{len(result.people)} 位客户" if result.people else "，未找到"
        audit_record(action=SEARCH_AUDIT_ACTION, summary=f"按{kind.label}搜索：{masked}{found}", **audit)
    return result
