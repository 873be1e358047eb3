"""The desk search: one box, the kind told from the term, cases and customers apart."""

import pytest
from django.core.cache import cache

from audit.models import AuditEvent
from cases.search import SearchKind, search_kind
from demo.story import staff_create
from tests.factories.cases import CaseFactory
from tests.factories.entitlements import EnrollmentFactory, PersonFactory, PolicyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    cache.clear()
    return staff_create()


@pytest.fixture
def wang():
    person = PersonFactory(name="王建国", phone="13912345678")
    enrollment = EnrollmentFactory(insured=person, policy=PolicyFactory(insured=person, policy_no="P31000000777"))
    case = CaseFactory(enrollment=enrollment, number="LB-2026-004321")
    return person, case


@pytest.mark.parametrize(
    ("term", "kind"),
    [
        ("LB-2026-004321", SearchKind.CASE_NUMBER),
        ("4321", SearchKind.CASE_NUMBER),
        ("2026-0043", SearchKind.CASE_NUMBER),
        ("王建", SearchKind.NAME),
        ("13912345678", SearchKind.PHONE),
        ("021-63211234", SearchKind.PHONE),
        ("P31000000777", SearchKind.POLICY),
        ("11010519491231002X", SearchKind.ID_NUMBER),
        ("1391234", None),
    ],
)
def test_the_kind_is_told_from_the_term(term, kind):
    assert search_kind(term) == kind


def test_part_of_a_case_number_finds_the_case_by_get(client, users, wang):
    _, case = wang
    client.force_login(users["reviewer"])
    page = client.get("/search/", {"q": "04321"}).content.decode()
    assert case.number in page and "按案件编号查找" in page


def test_a_case_number_part_needs_three_characters(client, users, wang):
    client.force_login(users["reviewer"])
    page = client.get("/search/", {"q": "43"})
    assert page.status_code == 400 and "至少输入 3 个字符" in page.content.decode()


def test_the_beginning_of_a_name_finds_the_customer_and_the_case(client, users, wang):
    person, case = wang
    client.force_login(users["manager"])
    page = client.get("/search/", {"q": "王建"}).content.decode()
    customers = page.split("客户（")[1]
    assert person.id_number_masked in customers and case.number in page.split("客户（")[0]
    assert "建国" not in client.get("/search/", {"q": "建国"}).content.decode().split("客户（")[1]


def test_a_full_phone_finds_the_customer_for_a_role_that_may_reveal(client, users, wang):
    person, case = wang
    client.force_login(users["intake"])
    page = client.post("/search/", {"q": "13912345678"}).content.decode()
    assert person.name in page and case.number in page and "按电话查找" in page


def test_a_full_id_number_finds_the_customer(client, users, wang):
    person, case = wang
    client.force_login(users["coordinator"])
    page = client.post("/search/", {"q": person.id_number.lower()}).content.decode()
    assert case.number in page and person.id_number not in page


def test_a_policy_number_finds_its_insured_and_cases(client, users, wang):
    person, case = wang
    client.force_login(users["manager"])
    page = client.get("/search/", {"q": "p31000000777"}).content.decode()
    assert case.number in page and person.id_number_masked in page


def test_a_role_that_may_not_reveal_cannot_search_by_phone(client, users, wang):
    person, _ = wang
    client.force_login(users["manager"])
    response = client.post("/search/", {"q": "13912345678"})
    page = response.content.decode()
    assert response.status_code == 403 and "无权按电话查询" in page and person.name not in page
    assert AuditEvent.objects.filter(action="reveal_refused", actor_username="manager").exists()


def test_identifier_searches_are_rate_limited_per_user(client, users, wang, settings):
    settings.IDENTIFIER_LOOKUPS_PER_MINUTE = 3
    client.force_login(users["intake"])
    codes = [client.post("/search/", {"q": f"1391234567{i}"}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.post("/search/", {"q": "13912345678"})
    assert "查询过于频繁" in limited.content.decode() and int(limited["Retry-After"]) >= 1
    client.force_login(users["coordinator"])  # another user's limit is their own
    assert client.post("/search/", {"q": "13912345678"}).status_code == 200


def test_providers_and_outsiders_may_not_search(client, users):
    client.force_login(users["provider-chenxi"])
    assert client.get("/search/", {"q": "王"}).status_code == 403


def test_an_unrecognised_term_says_why(client, users):
    client.force_login(users["intake"])
    page = client.post("/search/", {"q": "1391234"}).content.decode()
    assert "无法识别" in page


def test_the_search_reads_a_bounded_number_of_queries(client, users, wang, django_assert_max_num_queries):
    for _ in range(5):
        CaseFactory(enrollment=EnrollmentFactory(insured=wang[0]))
    client.force_login(users["reviewer"])
    with django_assert_max_num_queries(12):
        client.get("/search/", {"q": "王"})
