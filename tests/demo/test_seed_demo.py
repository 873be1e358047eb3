import pytest
from django.core.management import CommandError, call_command

from cases.models import Case, CaseState
from demo.story import PASSWORD
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
    _every_demo_customer_meets_the_eligibility_of_his_editions()


def _every_demo_customer_meets_the_eligibility_of_his_editions():
    """Issue "the inquiry says what it means": the demo configures its qualifying products, so the
    达标 panel explains each customer's entitlement instead of warning on every one."""
    from entitlements.eligibility import eligibility_explain

    for enrollment in Enrollment.objects.select_related("insured", "edition"):
        result = eligibility_explain(person=enrollment.insured, edition=enrollment.edition, on=enrollment.qualified_on)
        assert result.eligible, (str(enrollment), result.reasons)


@pytest.mark.django_db
def test_demo_data_is_never_loaded_with_production_settings(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="生产环境不加载"):
        call_command("seed_demo")
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_demo_prints_how_to_sign_in_with_the_second_factor_and_the_code_works(settings, client):
    from io import StringIO

    from django.urls import reverse

    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "python manage.py otp_code reviewer" in out.getvalue()

    code = StringIO()
    call_command("otp_code", "reviewer", stdout=code)
    login = {"username": "reviewer", "password": PASSWORD, "otp_token": code.getvalue().strip()}
    assert client.post(reverse("admin:login"), login, REMOTE_ADDR="127.0.0.1").status_code == 302
