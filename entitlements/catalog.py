"""Load the handbook's catalogue from its data file, and export it for product staff.

The data file keeps the handbook's wording for each quota cell; ``parse_quota_cell`` is the only
place that turns that wording into a count and a period.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Prefetch

from entitlements.models import CriticalIllness, Edition, EditionRule, Enrollment, Service, TopHospital
from entitlements.models.catalog import ArrangementField, QuotaPer

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "catalog.yaml"

_NOTE = re.compile(r"[（(][^）)]*[）)]")
_N_PER_YEAR = re.compile(r"^(\d+)次/年$")
_N_PER_PERIOD = re.compile(r"^(?:服务期内)?(\d+)次$")
_UNLIMITED_YEAR = {"不限次/年", "无限次/年", "无限次", "不限次", "线上购药优惠券", "线上购药无次数限制"}
_UNLIMITED_PERIOD = {"服务期内不限次"}
_UNLIMITED_FIRST_YEAR = {"不限次仅首年可用", "不限次仅首年"}


class CatalogError(ValueError):
    pass


@dataclass(frozen=True)
class Quota:
    limit: int | None
    per: str


def parse_quota_cell(cell: str) -> Quota:
    """Turn a handbook table cell such as ``5次/年（仅限被保险人使用）`` into a count and period."""
    text = _NOTE.sub("", str(cell)).replace(" ", "").strip()
    if match := _N_PER_YEAR.match(text):
        return Quota(int(match.group(1)), QuotaPer.YEAR)
    if match := _N_PER_PERIOD.match(text):
        return Quota(int(match.group(1)), QuotaPer.SERVICE_PERIOD)
    if text in _UNLIMITED_YEAR:
        return Quota(None, QuotaPer.YEAR)
    if text in _UNLIMITED_PERIOD:
        return Quota(None, QuotaPer.SERVICE_PERIOD)
    if text in _UNLIMITED_FIRST_YEAR:
        return Quota(None, QuotaPer.FIRST_YEAR)
    raise CatalogError(f"unrecognised quota cell {cell!r}")


def read_catalog(path: Path = CATALOG_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _sync(model, lookup: dict, values: dict, using: str) -> str:
    """Create or update one row, saving only when something differs so a reload leaves no history."""
    obj = model.objects.using(using).filter(**lookup).first()
    if obj is None:
        model.objects.using(using).create(**lookup, **values)
        return "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed, using=using)
    return "updated"


def _service_values(raw: dict, order: int) -> dict:
    sla = raw.get("sla") or {}
    amount = raw.get("max_claim_amount")
    return {
        "name": raw["name"],
        "aliases": raw.get("aliases", []),
        "kind": raw["kind"],
        "illness_condition": raw.get("illness_condition", "none"),
        "needs_admission_slip": bool(raw.get("needs_admission_slip", False)),
        "needs_invoice": bool(raw.get("needs_invoice", False)),
        "max_claim_amount": Decimal(amount) if amount else None,
        "claim_fee_kinds": list(raw.get("claim_fee_kinds", [])),
        "sla_target_working_days": sla.get("target"),
        "sla_deadline_working_days": sla.get("deadline"),
        "sla_text": sla.get("text", ""),
        "description": raw.get("description", ""),
        "requires_senior_doctor": bool(raw.get("requires_senior_doctor", False)),
        "allows_top50_hospital": bool(raw.get("allows_top50_hospital", False)),
        **_arrangement_values(raw),
        "sort_order": order,
    }


def _arrangement_values(raw: dict) -> dict:
    arrangement = raw.get("arrangement") or {}
    fields = list(arrangement.get("fields", []))
    required = list(arrangement.get("required", []))
    known = set(ArrangementField.values)
    for name in [*fields, *required]:
        if name not in known:
            raise CatalogError(f"service {raw['code']}: unknown arrangement field {name!r}")
    if not set(required) <= set(fields):
        raise CatalogError(f"service {raw['code']}: a required arrangement field is not among its fields")
    return {
        "arrangement_fields": fields,
        "arrangement_required": required,
        "arrangement_specialists": list(arrangement.get("specialists", [])),
    }


def _edition_values(raw: dict, order: int) -> dict:
    return {
        "series": str(raw["series"]),
        "plan": raw["plan"],
        "tier": raw.get("tier"),
        "period_rule": raw["period_rule"],
        "period_text": raw.get("period_text", ""),
        "eligibility_text": raw.get("eligibility_text", ""),
        "eligibility_rule": raw["eligibility_rule"],
        "qualifying_year_from": (raw.get("qualifying_years") or [None, None])[0],
        "qualifying_year_to": (raw.get("qualifying_years") or [None, None])[1],
        "max_family_members": raw.get("max_family_members", 0),
        "family_max_years": raw.get("family_max_years"),
        "start_offset_days": raw.get("start_offset_days"),
        "fixed_cooling_off_days": raw.get("fixed_cooling_off_days"),
        "period_years": raw.get("period_years"),
        "upgraded_period_years": raw.get("upgraded_period_years"),
        "sort_order": order,
    }


def _rule_values(raw: dict) -> dict:
    insured = parse_quota_cell(raw["insured"])
    family = parse_quota_cell(raw["family"]) if raw.get("family") else None
    family_per = ""
    if family is not None:
        # A first-year-only service stays first-year-only for the family members who share it.
        family_per = QuotaPer.FIRST_YEAR if insured.per == QuotaPer.FIRST_YEAR else family.per
    years = raw.get("years") or [1, None]
    return {
        "policy_year_to": years[1],
        "insured_limit": insured.limit,
        "insured_per": insured.per,
        "family_allowed": family is not None,
        "family_limit": family.limit if family else None,
        "family_per": family_per,
        "named_expert": raw.get("named_expert", "none"),
        "qualified_in_year": raw.get("qualified_in_year"),
        "handbook_text": str(raw["insured"]) + (f"；直系亲属：{raw['family']}" if raw.get("family") else ""),
    }


def catalog_load(*, path: Path = CATALOG_PATH, using: str = "default") -> dict[str, int]:
    """Load the data file into the database. Idempotent: a second load changes nothing."""
    with transaction.atomic(using=using):
        return _load(read_catalog(path), using)


def _load(data: dict, using: str) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    for order, raw in enumerate(data["services"], start=1):
        counts[_sync(Service, {"code": raw["code"]}, _service_values(raw, order), using)] += 1
    for order, raw in enumerate(data["critical_illnesses"], start=1):
        values = {"name": raw["name"], "severity": raw.get("severity", "重度"), "sort_order": order}
        counts[_sync(CriticalIllness, {"code": raw["code"]}, values, using)] += 1
    for order, raw in enumerate(data.get("top50_hospitals") or [], start=1):
        values = {"aliases": raw.get("aliases", []), "rank": raw.get("rank", order)}
        counts[_sync(TopHospital, {"name": raw["name"]}, values, using)] += 1
    services = {service.name: service for service in Service.objects.using(using)}
    for order, raw in enumerate(data["editions"], start=1):
        before = _period_fields(Edition.objects.using(using).filter(code=raw["code"]).first())
        counts[_sync(Edition, {"code": raw["code"]}, _edition_values(raw, order), using)] += 1
        edition = Edition.objects.using(using).get(code=raw["code"])
        if before is not None and before != _period_fields(edition):
            _periods_recompute(edition, using)
        kept = []
        for rule in raw["rules"]:
            if rule["service"] not in services:
                raise CatalogError(f"edition {raw['code']}: unknown service {rule['service']!r}")
            service = services[rule["service"]]
            year_from = (rule.get("years") or [1, None])[0]
            lookup = {"edition": edition, "service": service, "policy_year_from": year_from}
            counts[_sync(EditionRule, lookup, _rule_values(rule), using)] += 1
            kept.append((service.pk, year_from))
        for stale in edition.rules.all():
            if (stale.service_id, stale.policy_year_from) not in kept:
                stale.delete()
                counts["removed"] += 1
    return counts


PERIOD_FIELDS = (
    "period_rule",
    "family_max_years",
    "start_offset_days",
    "fixed_cooling_off_days",
    "period_years",
    "upgraded_period_years",
)


def _period_fields(edition: Edition | None) -> tuple | None:
    return None if edition is None else tuple(getattr(edition, name) for name in PERIOD_FIELDS)


def _periods_recompute(edition: Edition, using: str) -> None:
    """The edition's period figures changed: its enrollments' periods and their family members'
    ends are computed again (they are stored for the indexed "in service on" query)."""
    enrollments = Enrollment.objects.using(using).filter(edition=edition).select_related("policy", "edition")
    for enrollment in enrollments:
        enrollment.save(using=using)
        for designation in enrollment.designations.all():
            designation.enrollment = enrollment
            designation.save(using=using)


def _sla(service: Service) -> dict | None:
    if service.sla_target_working_days is None and service.sla_deadline_working_days is None:
        return None
    return {
        "target_working_days": service.sla_target_working_days,
        "deadline_working_days": service.sla_deadline_working_days,
    }


def _service_json(service: Service) -> dict:
    return {
        "code": service.code,
        "name": service.name,
        "aliases": service.aliases,
        "kind": service.kind,
        "needs_medical_review": service.needs_medical_review,
        "illness_condition": service.illness_condition,
        "needs_admission_slip": service.needs_admission_slip,
        "needs_invoice": service.needs_invoice,
        "max_claim_amount": str(service.max_claim_amount) if service.max_claim_amount is not None else None,
        "claim_fee_kinds": service.claim_fee_kinds,
        "requires_senior_doctor": service.requires_senior_doctor,
        "allows_top50_hospital": service.allows_top50_hospital,
        "arrangement": {
            "fields": service.arrangement_fields,
            "required": service.arrangement_required,
            "specialists": service.arrangement_specialists,
        },
        "sla": _sla(service),
        "description": service.description,
    }


def _rule_json(rule: EditionRule) -> dict:
    family = {"limit": rule.family_limit, "per": rule.family_per} if rule.family_allowed else None
    return {
        "service": rule.service.name,
        "policy_years": [rule.policy_year_from, rule.policy_year_to],
        "insured": {"limit": rule.insured_limit, "per": rule.insured_per},
        "family": family,
        "named_expert": rule.named_expert,
        "qualified_in_year": rule.qualified_in_year,
        "handbook_text": rule.handbook_text,
    }


def _edition_json(edition: Edition) -> dict:
    return {
        "code": edition.code,
        "series": edition.series,
        "plan": edition.plan,
        "tier": edition.tier,
        "name": str(edition),
        "eligibility_rule": edition.eligibility_rule,
        "qualifying_years": [edition.qualifying_year_from, edition.qualifying_year_to],
        "max_family_members": edition.max_family_members,
        "family_max_years": edition.family_max_years,
        "period_rule": edition.period_rule,
        "period_figures": {
            "start_offset_days": edition.start_offset_days,
            "fixed_cooling_off_days": edition.fixed_cooling_off_days,
            "period_years": edition.period_years,
            "upgraded_period_years": edition.upgraded_period_years,
        },
        "period_text": edition.period_text,
        "eligibility_text": edition.eligibility_text,
        "rules": [_rule_json(rule) for rule in edition.rules.all()],
    }


def catalog_export() -> dict:
    """The catalogue as product staff check it against the handbook (see README)."""
    rules = EditionRule.objects.select_related("service").order_by("policy_year_from", "service__sort_order")
    editions = Edition.objects.prefetch_related(Prefetch("rules", queryset=rules))
    return {
        "services": [_service_json(service) for service in Service.objects.all()],
        "editions": [_edition_json(edition) for edition in editions],
        "critical_illnesses": [
            {"code": ci.code, "name": ci.name, "active": ci.active} for ci in CriticalIllness.objects.all()
        ],
        "top50_hospitals": [
            {"name": h.name, "aliases": h.aliases, "rank": h.rank, "active": h.active}
            for h in TopHospital.objects.all()
        ],
    }
