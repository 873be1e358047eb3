"""Issue 21 item 1: a full ID number or phone searched for never travels in a URL, so it is neither
in the access log nor in the audit trail; the trail keeps the search, masked."""

import io
import json
import logging

import pytest
from django.core.cache import cache

from audit.models import AuditEvent
from demo.story import staff_create
from tests.factories.entitlements import PersonFactory

pytestmark = pytest.mark.django_db
PHONE = "13987654321"


@pytest.fixture
def users():
    cache.clear()
    return staff_create()


@pytest.fixture
def access_log():
    """What the configured console handler writes (django-structlog's request lines), parsed."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    handler.setStream(previous)
    logging.getLogger().setLevel(level)


def _trail_text() -> str:
    return json.dumps([[e.summary, e.extra, e.object_repr] for e in AuditEvent.objects.all()], ensure_ascii=False)


def test_a_search_by_id_and_phone_leaves_them_in_no_log_and_no_url(client, users, access_log):
    person = PersonFactory(phone=PHONE)
    client.force_login(users["intake"])

    by_id = client.post("/search/", {"q": person.id_number}).content.decode()
    by_phone = client.post("/search/", {"q": PHONE}).content.decode()

    lines = access_log()
    requests = [line["request"] for line in lines if line.get("event") == "request_started"]
    assert requests == ["POST /search/", "POST /search/"]
    logged = json.dumps(lines, ensure_ascii=False)
    assert person.id_number not in logged and PHONE not in logged
    assert person.name in by_id and person.name in by_phone
    for page in (by_id, by_phone):  # no link on the answer carries the number
        assert f"={person.id_number}" not in page and f"={PHONE}" not in page and f"/{PHONE}" not in page
    searches = AuditEvent.objects.filter(action="desk_search", actor_username="intake")
    assert searches.count() == 2
    assert person.id_number not in _trail_text() and PHONE not in _trail_text()
    masked_id = f"{person.id_number[:3]}*************{person.id_number[-2:]}"
    assert {e.extra["search"] for e in searches} == {"139******21", masked_id}


def test_an_identifier_in_a_get_query_is_refused_unsearched(client, users):
    person = PersonFactory(phone=PHONE)
    client.force_login(users["intake"])
    response = client.get("/search/", {"q": PHONE})
    page = response.content.decode()
    assert response.status_code == 400 and "不能放在网址中" in page
    assert person.name not in page and PHONE not in page
    refused = AuditEvent.objects.get(action="reveal_refused", actor_username="intake")
    assert PHONE not in refused.summary + json.dumps(refused.extra)


def test_the_search_form_posts(client, users):
    client.force_login(users["intake"])
    page = client.get("/search/").content.decode()
    assert 'method="post"' in page and 'action="/search/"' in page
