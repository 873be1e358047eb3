"""Every endpoint of the served OpenAPI schema, fed schema-generated input with valid tokens — both
input the schema allows and input it forbids: no 5xx and no response that contradicts the schema.
Bounded (MAX_EXAMPLES per operation and mode, SCHEMATHESIS_MAX_EXAMPLES to raise it) to stay quick in CI.
"""

import contextlib
import datetime
import os

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import CaseState
from tests.factories.audit import api_key
from tests.factories.cases import CaseFactory, UserFactory, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from tests.factories.providers import ProviderFactory, ProviderMemberFactory

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance, status_code_conformance]


@pytest.fixture
def api_schema(db):
    """The schema as the portal serves it, requests going through the real WSGI handler.

    The handler closes "old" connections at each request boundary, which would close the test's
    own transaction: as Django's test client does, that hook is off for the test."""
    from config.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db):
    """A token per caller: the WeChat back end (intake), a provider's API user, back-office staff."""
    intake = role_user("intake", "wechat-backend")
    staff = UserFactory(username="catalogue-admin", is_superuser=True)
    provider = ProviderFactory(code="schema-provider")
    member = ProviderMemberFactory(provider=provider)
    member.user.user_permissions.add(Permission.objects.get(content_type__app_label="cases", codename="provider_act"))
    enrollment = EnrollmentFactory(policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)))
    CaseFactory(enrollment=enrollment, state=CaseState.DISPATCHED, provider=provider)
    return {
        "intake": api_key(intake),
        "provider": api_key(member.user),
        "staff": api_key(staff),
    }


def caller(path: str) -> str:
    if path.startswith("/api/v1/provider/"):
        return "provider"
    if path.startswith("/api/v1/cases"):
        return "intake"
    return "staff"


def exercise(operation, token: str, mode: GenerationMode) -> list[str]:
    """Run one operation's generated requests; return the failures, each with its reproduction."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        try:
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # every failed check of one request, in one error
            failures.append(f"{operation.label} ({mode.value}): {exc}")
            raise

    with contextlib.suppress(Exception, BaseExceptionGroup):  # recorded above, hypothesis' shrunk example last
        run()
    return failures


def test_api_answers_every_generated_request_without_5xx_or_schema_violation(api_schema, tokens):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures = [
        failure
        for operation in operations
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for failure in exercise(operation, tokens[caller(operation.path)], mode)
    ]

    print(
        f"\nschemathesis: {len(operations)} operations × valid and invalid input, up to {MAX_EXAMPLES} examples"
        f" each, {len(failures)} failures"
    )
    assert operations
    assert failures == [], "\n\n".join(failures)
