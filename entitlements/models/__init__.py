from entitlements.models.catalog import CriticalIllness, Edition, EditionRule, Service

__all__ = ["CriticalIllness", "Edition", "EditionRule", "Service"]
