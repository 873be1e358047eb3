"""The catalogue a submission reads is kept in the process and dropped on every edit, in this
process at once and in the others from the generation the commit moves."""

import pytest
from django.core.cache import cache

from entitlements.catalog_cache import GENERATION_KEY, edition_rules, intake_service
from entitlements.models import Edition, EditionRule, Service

pytestmark = pytest.mark.django_db


def test_a_kept_service_costs_no_statement(django_assert_num_queries):
    intake_service("escort")

    with django_assert_num_queries(0):
        assert intake_service("escort").code == "escort"


def test_an_edit_here_counts_at_once_and_moves_the_generation_on_commit(django_capture_on_commit_callbacks):
    assert intake_service("escort").name == "陪诊服务"
    before = cache.get(GENERATION_KEY, 0)
    service = Service.objects.get(code="escort")
    service.name = "陪诊服务（新）"

    with django_capture_on_commit_callbacks(execute=True):
        service.save()
        assert intake_service("escort").name == "陪诊服务（新）"  # before the commit, in this process

    assert cache.get(GENERATION_KEY) != before
    assert intake_service("escort").name == "陪诊服务（新）"


def test_an_edit_committed_by_another_process_counts_from_the_next_read():
    edition = Edition.objects.get(code="2023-pro")
    service = intake_service("ci-top3a-expert-appointment")
    kept = edition_rules(edition_id=edition.pk, service=service)
    # Another worker's edit: the row changes under this process, and its commit moves the generation.
    EditionRule.objects.filter(pk=kept[0].pk).update(insured_limit=7)
    assert edition_rules(edition_id=edition.pk, service=service)[0].insured_limit == kept[0].insured_limit

    cache.set(GENERATION_KEY, "another worker's edit")

    assert edition_rules(edition_id=edition.pk, service=service)[0].insured_limit == 7


def test_usage_services_are_not_requestable():
    usage = Service.objects.filter(kind="usage").first()

    assert usage is not None and intake_service(usage.code) is None
