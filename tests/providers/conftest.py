import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseState, Document, DocumentKind
from cases.services import case_dispatch
from providers.models import ProviderCoverage
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory, pdf_bytes, role_user
from tests.factories.providers import ProviderFactory, ProviderMemberFactory
from workdays.calendar import calendar_invalidate, sub_workdays


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Commit the catalogue, the calendar and the seeded providers once per run: a transactional
    test of an earlier run (reused database) flushed them, and reloading them inside every test's
    transaction would cost a second a test."""
    with django_db_blocker.unblock():
        from entitlements.catalog import catalog_load
        from entitlements.models import Service
        from workdays.models import CalendarYear
        from workdays.services import calendar_sync

        if not Service.objects.exists():
            catalog_load()
        if not CalendarYear.objects.exists():
            calendar_sync()
        seed = importlib.import_module("providers.migrations.0003_seed_handbook_providers").seed
        seed(django_apps, None)
        calendar_invalidate()


@pytest.fixture(autouse=True)
def workday_calendar(calendar_and_media, celery_eager):
    """The working-day calendar, a private media root and eager Celery for every test here."""


@pytest.fixture
def no_seeded_coverage(db):
    """The migration seeds nationwide coverage for the handbook's providers; routing tests start blank."""
    ProviderCoverage.objects.all().delete()


@pytest.fixture
def coordinator():
    return role_user("coordinator")


@pytest.fixture
def phone_coordinator():
    """A coordinator who may also record a provider's accept/decline taken by phone."""
    user = role_user("coordinator", username="phone-coordinator")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    return user


@pytest.fixture
def provider_a():
    return ProviderFactory(name="甲服务商", code="provider-a")


@pytest.fixture
def provider_b():
    return ProviderFactory(name="乙服务商", code="provider-b")


def _member(provider):
    member = ProviderMemberFactory(provider=provider)
    member.user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    return member


@pytest.fixture
def member_a(provider_a):
    return _member(provider_a)


@pytest.fixture
def member_b(provider_b):
    return _member(provider_b)


def token_client(member) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(member.user)}")
    return client


@pytest.fixture
def client_a(member_a):
    return token_client(member_a)


@pytest.fixture
def client_b(member_b):
    return token_client(member_b)


def approved_case(*, started_workdays_ago: int = 2, deadline: datetime.date | None = None, **fields):
    """An approved case whose SLA clock started N working days ago."""
    today = timezone.localdate()
    fields.setdefault("sla_started_on", sub_workdays(today, started_workdays_ago))
    fields.setdefault("sla_target_due", deadline or today + datetime.timedelta(days=20))
    fields.setdefault("sla_deadline_due", deadline or today + datetime.timedelta(days=30))
    fields.setdefault("state", CaseState.APPROVED)
    return CaseFactory(**fields)


def dispatched_case(*, provider, actor, **fields):
    return case_dispatch(case=approved_case(**fields), actor=actor, provider=provider, note="请尽快联系客户")


def provider_accepted(case):
    """The case's provider takes it on: accept comes before arrange."""
    from cases.services import provider_accept

    return provider_accept(case=case, actor=_member(case.provider).user)


def accepted_case(*, provider, actor, **fields):
    return provider_accepted(dispatched_case(provider=provider, actor=actor, **fields))


def attach_document(case, kind=DocumentKind.MEDICAL_RECORD) -> Document:
    content = pdf_bytes()
    document = Document(
        case=case,
        kind=kind,
        original_name="张三-310101198005170011-病历.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )
    document.file.save("doc", ContentFile(content), save=False)
    document.save()
    return document


class WebhookReceiver:
    """A real HTTP server in a thread standing in for a provider's system: it keeps every request
    and answers ``status``."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.requests: list[tuple[dict, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/lanben/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
