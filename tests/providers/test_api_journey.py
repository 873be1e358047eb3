"""A provider's journey through its API: a signed webhook on dispatch reaches its own receiver (a
real HTTP server), it verifies the signature, reads the case, then accepts, arranges and completes."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from cases.models import CaseState
from providers.webhooks import webhook_secret_rotate
from tests.providers.conftest import dispatched_case
from tests.providers.test_api import url

pytestmark = pytest.mark.django_db


def test_provider_receives_a_signed_webhook_then_accepts_arranges_and_completes(
    provider_a, client_a, coordinator, webhook_receiver, django_capture_on_commit_callbacks
):
    provider_a.webhook_url = webhook_receiver.url
    provider_a.save(update_fields=["webhook_url"])
    secret = webhook_secret_rotate(provider=provider_a)  # shown once in the admin, kept by the provider

    with django_capture_on_commit_callbacks(execute=True):
        case = dispatched_case(provider=provider_a, actor=coordinator, preferred_hospital="复旦大学附属中山医院")

    # The provider's receiver checks the signature over "timestamp.body" before trusting the event.
    [(headers, body)] = webhook_receiver.requests
    signed = f"{headers['x-lanben-timestamp']}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, headers["x-lanben-signature"])
    event = json.loads(body)
    assert event["event"] == "case.dispatched" and event["event_id"] == headers["x-lanben-event-id"]
    number = event["case"]["number"]
    assert number == case.number

    detail = client_a.get(url(number)).data
    assert detail["beneficiary_phone"] == case.beneficiary.phone
    assert detail["preferred_hospital"] == "复旦大学附属中山医院"

    visit = timezone.now() + datetime.timedelta(days=1)
    arrangement = {
        "hospital": "复旦大学附属中山医院",
        "department": "胸外科",
        "doctor": "王医生",
        "doctor_title": "主任医师",
        "arranged_at": visit.isoformat(),
        "address": "上海市徐汇区枫林路180号",
    }
    refused = client_a.post(url(number, "arrangement"), arrangement, format="json")
    assert refused.status_code == 409 and "请先接单" in refused.data["detail"]

    assert client_a.post(url(number, "accept")).data["state"] == CaseState.ACCEPTED
    arranged = client_a.post(url(number, "arrangement"), arrangement, format="json")
    assert arranged.status_code == 200 and arranged.data["state"] == CaseState.ARRANGED
    assert arranged.data["clock"]["sla_stopped_on"] == timezone.localdate().isoformat()

    early = client_a.post(url(number, "complete"), {}, format="json")
    assert early.status_code == 400 and "completed_at" in early.data
    seen = (visit + datetime.timedelta(hours=2)).isoformat()
    done = client_a.post(url(number, "complete"), {"completed_at": seen}, format="json")
    assert done.status_code == 200 and done.data["state"] == CaseState.COMPLETED
