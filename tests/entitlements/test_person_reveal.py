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


def test_search_by_the_full_number_finds_the_person_for_a_role_that_may_reveal(client, users):
    person = PersonFactory()
    client.force_login(users["intake"])
    page = client.get("/admin/entitlements/person/", {"q": person.id_number}).content.decode()
    # The query itself is echoed in links (the agent typed it); the rows' text shows it masked.
    rows = re.sub(r"<[^>]+>", " ", page[page.index("<tbody>") : page.index("</tbody>")])
    assert person.id_number_masked in rows and person.id_number not in rows
    event = AuditEvent.objects.get(action="person_search", actor_username="intake")
    assert person.id_number not in event.summary + str(event.extra)


def test_a_manager_cannot_confirm_a_masked_id_by_searching_its_candidates(client, users):
    """The attack: birth date beside the masked ID, then the exact-match search, one candidate at a time."""
    person = PersonFactory()
    client.force_login(users["manager"])

    listing = client.get("/admin/entitlements/person/").content.decode()
    hit = client.get("/admin/entitlements/person/", {"q": person.id_number}).content.decode()
    miss = client.get("/admin/entitlements/person/", {"q": "11010519491231002X"}).content.decode()

    assert person.birth_date.isoformat() not in listing and f"{person.birth_date:%Y年%-m月%-d日}" not in listing
    assert person.id_number_masked not in hit  # a hit and a miss answer alike
    assert hit.count("<tr") == miss.count("<tr")
    assert AuditEvent.objects.filter(action="reveal_refused", actor_username="manager").count() == 2


def test_a_manager_cannot_confirm_an_id_through_the_inquiry(client, users):
    person = PersonFactory()
    client.force_login(users["manager"])
    page = client.get("/admin/entitlements/person/inquiry/", {"query": person.id_number}).content.decode()
    assert person.name not in page and "无权" in page
