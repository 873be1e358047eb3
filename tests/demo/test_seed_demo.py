import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, CaseState
from entitlements.models import Edition, Enrollment


@pytest.mark.django_db
def test_demo_story_has_a_case_in_every_state_and_every_edition_series(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    states = set(Case.objects.values_list("state", flat=True))
    assert states >= set(CaseState.values) - {CaseState.NEW}
    series = set(Enrollment.objects.values_list("edition__series", flat=True))
    assert series == set(Edition.Series.values)
    assert Case.objects.filter(sla_deadline_due__isnull=False, sla_stopped_at__isnull=True).exists()


@pytest.mark.django_db
def test_demo_data_is_never_loaded_with_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产环境不加载"):
        call_command("seed_demo")
    assert not Case.objects.exists()
