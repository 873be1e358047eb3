"""Every role × every page, report, export and API endpoint outside the admin model lists
(those are covered by test_roles.py): allowed or refused, as docs/access-matrix.md says."""

import pytest

from demo.people import CUSTOMERS
from demo.story import _customer_create, staff_create

ROLES = ["intake", "reviewer", "coordinator", "manager", "catalog", "provider-cpic-hi"]
OK, NO = "ok", "no"
# What each role gets, in the order of ROLES. "no" is any refusal: 403, 404, or the login page.
MATRIX = {
    "/board/": [OK, OK, OK, OK, NO, NO],
    "/board/?export=csv": [OK, OK, OK, OK, NO, NO],
    "/reports/": [NO, NO, NO, OK, NO, NO],
    "/reports/?format=csv": [NO, NO, NO, OK, NO, NO],
    "/reports/?format=xlsx": [NO, NO, NO, OK, NO, NO],
    "/api/v1/catalog": [OK, OK, OK, OK, OK, OK],
    "/api/v1/provider/cases": [NO, NO, NO, NO, NO, OK],
    "/admin/entitlements/person/inquiry/": [OK, OK, OK, OK, NO, NO],
    "/admin/cases/case/": [OK, OK, OK, OK, NO, NO],
    "/admin/cases/case/add/": [OK, NO, NO, NO, NO, NO],
    "/admin/audit/auditevent/": [NO, NO, NO, OK, NO, NO],
    "/notifications/": [OK, OK, OK, OK, OK, OK],
}
CELLS = [(url, role, expected) for url, row in MATRIX.items() for role, expected in zip(ROLES, row, strict=True)]


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        users = staff_create()
        person = _customer_create(next(c for c in CUSTOMERS if c.key == "wangfang"), 1)["wangfang"]
    yield users, person
    # Built outside the tests' transactions, so taken down by hand for the tests that follow.
    with django_db_blocker.unblock():
        from entitlements.models import Enrollment, Policy

        Enrollment.objects.filter(insured=person).delete()
        Policy.objects.filter(insured=person).delete()
        person.delete()
        for user in users.values():
            user.delete()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "role", "expected"), CELLS, ids=[f"{r}:{u}" for u, r, _ in CELLS])
def test_role_reaches_exactly_what_the_matrix_allows(client, cast, url, role, expected):
    users, person = cast
    client.force_login(users[role])
    response = client.get(url.format(id_number=person.id_number))
    outcome = OK if response.status_code == 200 else NO
    assert outcome == expected, f"{role} {url}: HTTP {response.status_code}"
    if outcome == NO:
        assert response.status_code in (302, 401, 403, 404)


POSTED = {"/api/v1/entitlements": [OK, OK, OK, NO, NO, NO]}
POSTED_CELLS = [(url, role, expected) for url, row in POSTED.items() for role, expected in zip(ROLES, row, strict=True)]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "role", "expected"), POSTED_CELLS, ids=[f"{r}:POST {u}" for u, r, _ in POSTED_CELLS])
def test_role_posts_exactly_where_the_matrix_allows(client, cast, url, role, expected):
    users, person = cast
    client.force_login(users[role])
    response = client.post(url, {"id_number": person.id_number}, content_type="application/json")
    assert (OK if response.status_code == 200 else NO) == expected, f"{role} POST {url}: HTTP {response.status_code}"
