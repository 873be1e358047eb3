"""Seed the handbook's three providers (第一章: 太保蓝本健康管理服务由第三方服务商……提供).

Coverage is configuration: every provider starts covering every green-channel service nationwide,
and operations narrow it in the admin. Running this again changes nothing.
"""

from django.db import migrations

PROVIDERS = [
    ("cpic-health-mgmt", "太平洋医疗健康管理有限公司"),
    ("cpic-health-ins", "太平洋健康保险股份有限公司"),
    ("chenxi", "北京宸汐健康科技有限公司"),
]
DEFAULT_NOTE = "默认：全国全部绿通服务（实际覆盖范围请在后台维护）"


def seed(apps, schema_editor):
    Provider = apps.get_model("providers", "Provider")
    ProviderCoverage = apps.get_model("providers", "ProviderCoverage")
    for code, name in PROVIDERS:
        provider, _ = Provider.objects.get_or_create(code=code, defaults={"name": name})
        if not ProviderCoverage.objects.filter(provider=provider).exists():
            ProviderCoverage.objects.create(provider=provider, all_services=True, note=DEFAULT_NOTE)


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_coverage_routing_members_api")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
