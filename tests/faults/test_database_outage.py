"""The database goes away under the portal: requests in flight get a clean 503, nothing is
half-written, and the portal serves again by itself once the database is back.

These tests cut the test database's connections and refuse new ones (``ALLOW_CONNECTIONS false``),
which is what a PostgreSQL restart looks like from the portal, without disturbing other databases on
the server. ``test_postgres_restart.py`` restarts the real server.
"""

import base64
import threading
import time
from collections import Counter

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import connection

from cases.models import Case, CaseEvent
from config.middleware import DETAIL
from entitlements.models import QuotaHold
from notifications.models import OutboxMessage
from tests.factories.audit import api_key
from tests.factories.cases import UserFactory, pdf_bytes, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.faults.conftest import database_refusing_connections, report, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff_token():
    user = UserFactory(username="catalog-reader", is_superuser=True)
    return api_key(user)


def test_api_request_during_outage_answers_503_json_and_the_next_one_is_served(live_server, staff_token):
    api = requests.Session()
    api.headers["Authorization"] = f"Token {staff_token}"
    url = f"{live_server.url}/api/v1/catalog"
    assert api.get(url, timeout=30).status_code == 200

    with database_refusing_connections():
        response = api.get(url, timeout=30)

    assert response.status_code == 503
    assert response.json() == {"detail": DETAIL}
    assert response.headers["Retry-After"] == "30"
    # The same portal process, its persistent connection broken: the health check replaces it.
    assert api.get(url, timeout=30).status_code == 200


def test_page_request_during_outage_answers_a_short_chinese_page_not_a_traceback(live_server, client, settings):
    settings.DEBUG = True  # the traceback page would show here if anything let the error through
    client.force_login(UserFactory(username="coordinator-on-duty", is_superuser=True))
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    url = f"{live_server.url}/admin/"
    assert browser.get(url, timeout=30).status_code == 200

    with database_refusing_connections():
        response = browser.get(url, timeout=30)

    assert response.status_code == 503
    assert "服务暂时不可用" in response.text and "Traceback" not in response.text
    assert response.headers["Retry-After"] == "30"
    assert browser.get(url, timeout=30).status_code == 200


class QueryAfterView:
    """Stands for any middleware that reads the database after the view (a session being saved)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        get_user_model().objects.exists()
        return response


def test_outage_met_by_a_middleware_after_the_view_is_a_503_too(client, settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.faults.test_database_outage.QueryAfterView"]
    client.raise_request_exception = False  # answer as a real server would, not re-raise in the test

    with database_refusing_connections():
        response = client.get("/api/v1/no-such-endpoint")

    assert response.status_code == 503
    assert response.json() == {"detail": DETAIL}


def _intake_body(enrollment) -> dict:
    return {
        "beneficiary_id_number": enrollment.insured.id_number,
        "service": "ci-top3a-expert-appointment",
        "city": "上海",
        "diagnosis": "肺恶性肿瘤",
        "suspected": True,
        "diagnosing_hospital": "上海市第一人民医院",
        "diagnosing_hospital_level": 3,
        "diagnosing_hospital_ownership": "public",
        "documents": [
            {"kind": "medical_record", "name": "病历.pdf", "content_base64": base64.b64encode(pdf_bytes()).decode()}
        ],
    }


def submissions_under_outage(base_url: str, outage, *, people: int = 150, threads: int = 8) -> dict:
    """Intake clients submit one request per person, retrying after a 503 as ``Retry-After`` asks,
    while ``outage()`` runs once some requests have gone through; they stop once as many again have
    gone through after it. Returns every status seen and the case numbers the portal confirmed."""
    user = role_user("intake", "wechat-backend")
    role_user("reviewer", "reviewer-on-duty")  # each submission's notice goes to the reviewers
    token = api_key(user)
    bodies = iter([_intake_body(EnrollmentFactory(policy=PolicyFactory())) for _ in range(people)])
    connection.close()
    lock, statuses, confirmed, bad = threading.Lock(), Counter(), [], []
    stop = threading.Event()

    def submit(session: requests.Session, body: dict) -> None:
        for _attempt in range(100):
            response = session.post(f"{base_url}/api/v1/cases", json=body, timeout=60)
            with lock:
                statuses[response.status_code] += 1
                if response.status_code == 201:
                    confirmed.append(response.json()["number"])
                elif response.status_code == 409:
                    pass  # a retry after a 503 whose request had committed: the quota refuses a second case
                elif response.status_code != 503 or response.json() != {"detail": DETAIL}:
                    bad.append((response.status_code, response.text[:300]))
            if response.status_code != 503:
                return
            time.sleep(0.2)

    def client() -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        while not stop.is_set():
            with lock:
                body = next(bodies, None)
            if body is None:
                return
            submit(session, body)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()

    def confirmed_count() -> int:
        with lock:
            return len(confirmed)

    wait_until(lambda: confirmed_count() >= 20, timeout=120, interval=0.05)
    before = confirmed_count()
    outage()
    wait_until(lambda: confirmed_count() >= before + 20, timeout=120, interval=0.05)
    stop.set()
    for worker in workers:
        worker.join(timeout=300)
    return {"statuses": statuses, "confirmed": confirmed, "bad": bad}


def integrity(confirmed: list[str]) -> dict:
    """Every case the portal holds is whole (quota held, submission event, its notice in the outbox)
    and every confirmed one is there."""
    numbers = set(Case.objects.values_list("number", flat=True))
    whole = 0
    for case in Case.objects.all():
        events = CaseEvent.objects.filter(case=case, transition="submit").count()
        notices = OutboxMessage.objects.filter(payload__case_number=case.number).count()
        whole += int(case.quota_hold_id is not None and events == 1 and notices >= 1)
    return {
        "cases": len(numbers),
        "half_written": len(numbers) - whole,
        "lost": len(set(confirmed) - numbers),
        "unconfirmed_commits": len(numbers - set(confirmed)),
        "holds_without_case": QuotaHold.objects.filter(case__isnull=True).count(),
    }


def outage_report(name: str, base_url: str, outage, extra: dict | None = None) -> tuple[dict, dict, dict]:
    """Submissions while ``outage`` runs, their integrity afterwards, written to the fault report
    with ``extra`` as it stands once the outage is over."""
    seen = submissions_under_outage(base_url, outage)
    counts = integrity(seen["confirmed"])
    statuses = dict(seen["statuses"])
    report(
        name,
        requests=sum(statuses.values()),
        ok_201=statuses.get(201, 0),
        retried_409=statuses.get(409, 0),
        clean_503=statuses.get(503, 0),
        other=len(seen["bad"]),
        **(extra or {}),
        **counts,
    )
    return seen, statuses, counts


def test_intake_under_a_database_outage_answers_503_loses_nothing_and_resumes(live_server):
    def outage() -> None:
        with database_refusing_connections():
            time.sleep(3)

    seen, statuses, counts = outage_report("database_outage_under_load", live_server.url, outage)

    assert seen["bad"] == []
    assert statuses.get(503, 0) > 0, "the outage hit no request"
    assert statuses.get(201, 0) > 0
    assert counts["lost"] == 0 and counts["half_written"] == 0
    assert counts["holds_without_case"] == 0
    # The portal was never restarted: a request after the outage is served.
    assert requests.get(f"{live_server.url}/api/v1/cases", timeout=30).status_code in (401, 403)
