"""Writes of the entitlements app. Import from here: ``from entitlements.services import quota_hold``."""

from entitlements.errors import EntitlementError, QuotaStateError
from entitlements.services.enrollments import (
    enrollment_upsert,
    family_designate,
    family_designation_end,
    person_upsert,
    policy_upsert,
)
from entitlements.services.quota import quota_hold, quota_hold_within, quota_record_usage, quota_release, quota_use

__all__ = [
    "EntitlementError",
    "QuotaStateError",
    "enrollment_upsert",
    "family_designate",
    "family_designation_end",
    "person_upsert",
    "policy_upsert",
    "quota_hold",
    "quota_hold_within",
    "quota_record_usage",
    "quota_release",
    "quota_use",
]
