import importlib

import pytest
from django.apps import apps as django_apps

from dispatch.selectors import provider_suggest, provider_suggestion
from entitlements.models import Service
from providers.models import Provider, ProviderCoverage
from tests.factories.providers import ProviderCoverageFactory, ProviderFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ward():
    return Service.objects.get(code="ci-top3a-expert-ward")


@pytest.fixture
def escort():
    return Service.objects.get(code="ci-escort")


def _run_seed_migration():
    # A transactional test elsewhere may have flushed the migration's rows: run its function again.
    seed = importlib.import_module("providers.migrations.0003_seed_handbook_providers").seed
    seed(django_apps, None)


def test_handbook_providers_are_seeded_with_nationwide_coverage_once():
    _run_seed_migration()
    _run_seed_migration()
    names = set(Provider.objects.values_list("name", flat=True))
    assert {"太平洋医疗健康管理有限公司", "太平洋健康保险股份有限公司", "北京宸汐健康科技有限公司"} <= names
    assert Provider.objects.filter(code__in=["cpic-health-mgmt", "cpic-health-ins", "chenxi"]).count() == 3
    assert ProviderCoverage.objects.filter(province="", all_services=True).count() == 3


def test_seeded_default_suggests_a_handbook_provider(ward):
    _run_seed_migration()
    assert provider_suggest(service=ward, province="上海市", city="上海市").code in {
        "cpic-health-mgmt",
        "cpic-health-ins",
        "chenxi",
    }


def test_city_coverage_beats_province_and_nationwide(no_seeded_coverage, ward):
    nationwide = ProviderCoverageFactory().provider
    province = ProviderCoverageFactory(province="浙江省").provider
    city = ProviderCoverageFactory(province="浙江省", city="杭州市").provider
    RoutingRuleFactory(provider=nationwide, priority=1)
    RoutingRuleFactory(provider=province, priority=1)
    assert provider_suggest(service=ward, province="浙江省", city="杭州市") == city
    assert provider_suggest(service=ward, province="浙江省", city="宁波市") == province
    assert provider_suggest(service=ward, province="江苏省", city="南京市") == nationwide


def test_routing_priority_decides_between_equally_specific_providers(no_seeded_coverage, ward):
    first, second = (
        ProviderCoverageFactory(province="北京市").provider,
        ProviderCoverageFactory(province="北京市").provider,
    )
    RoutingRuleFactory(provider=second, service=ward, priority=5)
    RoutingRuleFactory(provider=first, priority=50)
    suggestion = provider_suggestion(service=ward, province="北京市", city="北京市")
    assert suggestion.provider == second
    assert "派单规则优先级 5" in suggestion.reasons


def test_routing_rule_for_another_service_is_ignored(no_seeded_coverage, ward, escort):
    first, second = ProviderCoverageFactory().provider, ProviderCoverageFactory().provider
    RoutingRuleFactory(provider=second, service=escort, priority=1)
    assert provider_suggest(service=ward, province="北京市", city="北京市") == first


def test_provider_not_offering_the_service_is_not_suggested(no_seeded_coverage, ward, escort):
    ProviderCoverageFactory(services=[escort])
    assert provider_suggest(service=ward, province="北京市", city="北京市") is None
    assert provider_suggest(service=escort, province="北京市", city="北京市") is not None


def test_inactive_provider_or_coverage_is_not_suggested(no_seeded_coverage, ward):
    ProviderCoverageFactory(provider=ProviderFactory(active=False))
    ProviderCoverageFactory(active=False)
    suggestion = provider_suggestion(service=ward, province="北京市", city="北京市")
    assert suggestion.provider is None
    assert "没有服务商覆盖" in suggestion.reasons[0]


def test_fewest_open_cases_breaks_a_tie(no_seeded_coverage, ward):
    from tests.factories.cases import role_user
    from tests.providers.conftest import dispatched_case

    busy, idle = ProviderCoverageFactory().provider, ProviderCoverageFactory().provider
    coordinator = role_user("coordinator")
    dispatched_case(provider=busy, actor=coordinator)
    suggestion = provider_suggestion(service=ward, province="上海", city="上海")
    assert suggestion.provider == idle
    assert [c.workload for c in suggestion.candidates] == [0, 1]


def test_place_names_match_with_or_without_their_suffix(no_seeded_coverage, ward):
    hangzhou = ProviderCoverageFactory(province="浙江省", city="杭州市").provider
    assert provider_suggest(service=ward, province="浙江", city="杭州") == hangzhou
    assert provider_suggest(service=ward, province="浙江省", city="杭州市") == hangzhou
    assert provider_suggest(service=ward, province="浙江", city="宁波") is None
