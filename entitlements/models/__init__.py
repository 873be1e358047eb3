from entitlements.models.catalog import CriticalIllness, Edition, EditionRule, Service, TopHospital
from entitlements.models.enrollments import Enrollment, FamilyDesignation, Relation
from entitlements.models.people import Gender, Person, SocialInsurance
from entitlements.models.policies import PaymentMode, Policy, PolicyCategory, PolicyStatus, QualifyingProduct
from entitlements.models.quota import QuotaBucket, QuotaHold, QuotaHoldStatus

__all__ = [
    "CriticalIllness",
    "Edition",
    "EditionRule",
    "Enrollment",
    "FamilyDesignation",
    "Gender",
    "PaymentMode",
    "Person",
    "Policy",
    "PolicyCategory",
    "PolicyStatus",
    "QualifyingProduct",
    "QuotaBucket",
    "QuotaHold",
    "QuotaHoldStatus",
    "Relation",
    "Service",
    "SocialInsurance",
    "TopHospital",
]
