"""Admin pages for the handbook catalogue. Every edit is kept by django-simple-history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from entitlements.models import CriticalIllness, Edition, EditionRule, Service


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "kind",
        "illness_condition",
        "sla_target_working_days",
        "sla_deadline_working_days",
        "max_claim_amount",
    ]
    list_filter = ["kind", "illness_condition"]
    search_fields = ["name", "code"]
    readonly_fields = ["code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "aliases", "kind", "description", "sort_order"]}),
        (
            "服务条件与材料",
            {"fields": ["illness_condition", "needs_admission_slip", "needs_invoice", "max_claim_amount"]},
        ),
        ("服务时效（工作日）", {"fields": ["sla_target_working_days", "sla_deadline_working_days", "sla_text"]}),
    ]


class EditionRuleInline(admin.TabularInline):
    model = EditionRule
    extra = 0
    autocomplete_fields = ["service"]
    fields = [
        "service",
        "policy_year_from",
        "policy_year_to",
        "insured_limit",
        "insured_per",
        "family_allowed",
        "family_limit",
        "family_per",
        "named_expert",
        "qualified_in_year",
        "handbook_text",
    ]


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "series", "plan", "tier", "period_rule", "max_family_members"]
    list_filter = ["series", "plan", "period_rule"]
    search_fields = ["code", "plan"]
    readonly_fields = ["code"]
    inlines = [EditionRuleInline]


@admin.register(EditionRule)
class EditionRuleAdmin(SimpleHistoryAdmin):
    list_display = ["edition", "service", "policy_year_from", "policy_year_to", "handbook_text"]
    list_filter = ["edition__series", "edition", "service"]
    list_select_related = ["edition", "service"]
    search_fields = ["service__name", "handbook_text"]


@admin.register(CriticalIllness)
class CriticalIllnessAdmin(SimpleHistoryAdmin):
    list_display = ["sort_order", "name", "severity", "active"]
    list_display_links = ["name"]
    list_editable = ["active"]
    search_fields = ["name"]
