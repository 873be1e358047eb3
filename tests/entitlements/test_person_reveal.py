"""Full ID numbers and phones: masked on the person page, revealed one at a time to roles that need
them, every reveal and refusal in the audit trail."""

import re

import pytest

from audit.models import AuditEvent
from demo.story import staff_create
from tests.factories.entitlements import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return staff_create()


def test_the_person_page_shows_numbers_masked(client, users):
    person = PersonFactory(phone="13816620431")
    client.force_login(users["manager"])
    page = client.get(f"/admin/entitlements/person/{person.pk}/change/").content.decode()
    assert person.id_number_masked in page and person.id_number not in page
    assert "13816620431" not in page and person.phone_masked in page
    assert "reveal-form" not in page


def test_an_intake_agent_reveals_the_id_number_and_it_is_audited(client, users):
    person = PersonFactory()
    client.force_login(users["intake"])
    assert "reveal-form" in client.get(f"/admin/entitlements/person/{person.pk}/change/").content.decode()
    page = client.post(f"/admin/entitlements/person/{person.pk}/reveal/", {"field": "id_number"})
    assert page.status_code == 200 and person.id_number in page.content.decode()
    event = AuditEvent.objects.filter(action="reveal").latest("at")
    assert event.actor_username == "intake" and event.extra["field"] == "id_number"


def test_a_manager_may_not_reveal_and_the_refusal_is_audited(client, users):
    person = PersonFactory()
    client.force_login(users["manager"])
    page = client.post(f"/admin/entitlements/person/{person.pk}/reveal/", {"field": "id_number"})
    assert page.status_code == 403
    assert person.id_number not in page.content.decode()
    assert AuditEvent.objects.filter(action="reveal_refused", actor_username="manager").exists()


def test_search_by_the_full_number_still_finds_the_person(client, users):
    person = PersonFactory()
    client.force_login(users["manager"])
    page = client.get("/admin/entitlements/person/", {"q": person.id_number}).content.decode()
    # The query itself is echoed in links (the agent typed it); the rows' text shows it masked.
    rows = re.sub(r"<[^>]+>", " ", page[page.index("<tbody>") : page.index("</tbody>")])
    assert person.id_number_masked in rows and person.id_number not in rows
