"""Full ID numbers and phones: masked on the person page, revealed one at a time to roles that need
them, every reveal and refusal in the audit trail."""

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


@pytest.mark.parametrize("role", ["intake", "manager"])
def test_the_person_list_never_answers_a_full_id_or_phone_search(client, users, role):
    """The attack: birth date beside the masked ID, then the list's exact-match search, one candidate
    at a time ("1 客户" or "0 客户"), every candidate in the URL and so in the access log."""
    person = PersonFactory(phone="13816620431")
    client.force_login(users[role])

    listing = client.get("/admin/entitlements/person/").content.decode()
    hit = client.get("/admin/entitlements/person/", {"q": person.id_number}).content.decode()
    miss = client.get("/admin/entitlements/person/", {"q": "11010519491231002X"}).content.decode()
    phone = client.get("/admin/entitlements/person/", {"q": person.phone}).content.decode()

    assert person.birth_date.isoformat() not in listing and f"{person.birth_date:%Y年%-m月%-d日}" not in listing
    assert person.id_number_masked not in hit and person.id_number_masked not in phone
    assert hit.count("<tr") == miss.count("<tr")  # a hit and a miss answer alike
    assert "权益查询" in hit
    refusals = AuditEvent.objects.filter(action="reveal_refused", actor_username=role)
    assert refusals.count() == 3 and all(person.id_number not in e.summary + str(e.extra) for e in refusals)


def test_a_name_search_is_audited_with_the_term(client, users):
    person = PersonFactory(name="王芳")
    client.force_login(users["manager"])
    page = client.get("/admin/entitlements/person/", {"q": "王芳"}).content.decode()
    assert person.id_number_masked in page
    assert AuditEvent.objects.filter(action="person_search", extra__search="王芳").exists()


def test_a_manager_cannot_confirm_an_id_through_the_inquiry(client, users):
    person = PersonFactory()
    client.force_login(users["manager"])
    page = client.post("/admin/entitlements/person/inquiry/", {"query": person.id_number}).content.decode()
    assert person.name not in page and "无权" in page


def test_inquiries_by_full_number_are_limited_per_user(client, users, settings):
    from django.core.cache import cache

    cache.clear()
    settings.IDENTIFIER_LOOKUPS_PER_MINUTE = 3
    person = PersonFactory()
    client.force_login(users["intake"])
    answers = [
        client.post("/admin/entitlements/person/inquiry/", {"query": f"1381662{n:04d}"}).status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    limited = client.post("/admin/entitlements/person/inquiry/", {"query": person.id_number})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert person.name not in limited.content.decode()


def test_the_inquiry_keeps_the_number_out_of_the_url(client, users):
    person = PersonFactory()
    client.force_login(users["intake"])
    page = client.get("/admin/entitlements/person/inquiry/").content.decode()
    assert 'method="post"' in page
    found = client.post("/admin/entitlements/person/inquiry/", {"query": person.id_number})
    assert found.status_code == 200 and person.name in found.content.decode()


def test_a_customer_edit_is_in_the_audit_trail_naming_the_fields(client, users):
    person = PersonFactory(name="李雷")
    client.force_login(users["intake"])
    form = {
        "name": "李雷雷",
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "social_insurance": person.social_insurance,
        "address": person.address,
    }
    client.post(f"/admin/entitlements/person/{person.pk}/change/", form)
    event = AuditEvent.objects.get(action="update", object_id=str(person.pk), object_type="entitlements.person")
    assert event.actor_username == "intake" and "name" in event.extra["fields"]
