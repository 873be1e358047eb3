"""Logs: JSON lines with a request id, and no ID or phone number in any of them."""

import io
import json
import logging

import pytest
import structlog

from demo.people import demo_identifiers
from ops.logs import mask_personal_data
from tests.ops.logscan import identifier_hits

DEMO_ID = sorted(demo_identifiers()["id_number"])[0]
DEMO_PHONE = sorted(demo_identifiers()["phone"])[0]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("id_number=310104197504120011&on=2026-12-01", "id_number=310***********0011&on=2026-12-01"),
        ("身份证 11010519821102002X 已登记", "身份证 110***********002X 已登记"),
        ("old id 310104750412001", "old id 310********2001"),
        ("call 13816620431.", "call 138****0431."),
        ("+86 138-1662-0431", "138****0431"),
        ("tel 138 1662 0431", "tel 138****0431"),
        ("landline 021-64381234", "landline 021-****1234"),
    ],
)
def test_id_and_phone_numbers_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "LB-2026-000123",
        "request_id=9f1c2d3e-4b5a-6789-0abc-def012345678",
        "sha256 3f786850e387550fdab836ed7e6dc881de23001b1a8c7a93b5e2c0e6c0b2b0f1",
        "took 1733117283123 ms",
        "95500",
        "P2024000318",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.fixture
def log_lines():
    """What the configured console handler writes, as parsed JSON objects."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    handler.setStream(previous)
    logging.getLogger().setLevel(level)


@pytest.mark.django_db
def test_a_request_with_an_id_number_in_its_url_logs_it_masked(client, log_lines):
    response = client.get(f"/api/v1/entitlements?id_number={DEMO_ID}&on=2026-12-01")

    lines = log_lines()
    started = next(line for line in lines if line["event"] == "request_started")
    assert started["request"].startswith("GET /api/v1/entitlements?id_number=")
    assert DEMO_ID[-4:] in started["request"] and DEMO_ID not in json.dumps(lines, ensure_ascii=False)
    assert started["request_id"] == response["X-Request-ID"]
    finished = next(line for line in lines if line["event"] == "request_finished")
    assert finished["request_id"] == started["request_id"] and finished["code"] == 401


def test_messages_arguments_structured_fields_and_tracebacks_are_masked(log_lines):
    logging.getLogger("cases.services").warning("hotline caller %s for %s", DEMO_PHONE, DEMO_ID)
    structlog.get_logger("entitlements").info("lookup", person={"id_number": DEMO_ID, "phones": [DEMO_PHONE]})
    try:
        raise ValueError(f"no enrollment for {DEMO_ID}")
    except ValueError:
        logging.getLogger("cases.api").exception("submission failed for %s", DEMO_PHONE)

    lines = log_lines()
    assert len(lines) == 3
    assert identifier_hits(json.dumps(lines, ensure_ascii=False)) == []
    assert (
        lines[0]["event"]
        == f"hotline caller {DEMO_PHONE[:3]}****{DEMO_PHONE[-4:]} for {DEMO_ID[:3]}{'*' * 11}{DEMO_ID[-4:]}"
    )
    assert lines[1]["person"]["phones"] == [f"{DEMO_PHONE[:3]}****{DEMO_PHONE[-4:]}"]
    assert "ValueError: no enrollment for" in lines[2]["exception"] and lines[2]["level"] == "error"
