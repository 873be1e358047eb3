import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from audit.models import AuditAction, AuditEvent
from audit.services import personal_data_may_export, personal_data_reveal
from tests.factories.entitlements import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return PersonFactory(phone="13812345678")


@pytest.mark.parametrize("role", ["intake", "reviewer", "coordinator"])
def test_roles_that_need_it_see_the_full_number_and_the_reveal_is_recorded(staff, person, role):
    user = staff(role)
    request = RequestFactory().get("/", REMOTE_ADDR="10.2.3.4")
    assert personal_data_reveal(actor=user, obj=person, field="id_number", request=request) == person.id_number
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.actor_id, event.object_type, event.extra, event.ip) == (
        user.pk,
        "entitlements.person",
        {"field": "id_number"},
        "10.2.3.4",
    )


def test_trail_never_holds_the_revealed_value(staff, person):
    personal_data_reveal(actor=staff("coordinator"), obj=person, field="phone")
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert "13812345678" not in f"{event.summary}{event.object_repr}{event.extra}"
    assert person.id_number not in event.object_repr


@pytest.mark.parametrize("role", ["manager", "catalogue_admin", "provider"])
def test_other_roles_are_refused_and_the_attempt_is_recorded(staff, person, role):
    user = staff(role)
    with pytest.raises(PermissionDenied, match="phone"):
        personal_data_reveal(actor=user, obj=person, field="phone")
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL_REFUSED, actor_id=user.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_no_role_exports_personal_data_unmasked(staff):
    assert not any(
        personal_data_may_export(user=staff(role))
        for role in ["intake", "reviewer", "coordinator", "manager", "provider", "catalogue_admin"]
    )
