import datetime

import pytest

from cases.models import DocumentKind
from cases.services import DocumentUpload
from tests.factories.cases import pdf_bytes, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory


@pytest.fixture(autouse=True)
def eager_tasks():
    """Notifications run in-process, after commit, so tests see the e-mails in ``mail.outbox``."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def workday_calendar(calendar_and_media):
    """The working-day calendar, a private media root for every test here."""


@pytest.fixture
def intake():
    return role_user("intake")


@pytest.fixture
def reviewer():
    return role_user("reviewer")


@pytest.fixture
def coordinator():
    return role_user("coordinator")


@pytest.fixture
def payer():
    return role_user("payer")


@pytest.fixture
def outsider():
    return role_user("outsider")


@pytest.fixture
def enrollment_2023_pro():
    """A 2023 专业版 enrollment in service today (policy effective 2024-03-01, 20-year term)."""
    return EnrollmentFactory(policy=PolicyFactory(effective_date=datetime.date(2024, 3, 1)))


@pytest.fixture
def medical_record():
    return DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf")


CHECKLIST_ALL = {
    "check_hospital_level": True,
    "check_specialist_diagnosis": True,
    "check_disease_listed": True,
    "check_documents_complete": True,
}
REVIEWED_REQUEST = {
    "city": "上海",
    "province": "上海",
    "diagnosis": "肺恶性肿瘤",
    "suspected": True,
    "diagnosing_hospital": "上海市第一人民医院",
    "diagnosing_hospital_level": 3,
    "diagnosing_hospital_ownership": "public",
}


@pytest.fixture
def enroll():
    """An enrollment in edition ``code`` through a policy effective 2024-03-01 (in service today)."""
    from entitlements.models import Edition

    def make(code: str = "2023-pro", **policy):
        policy.setdefault("effective_date", datetime.date(2024, 3, 1))
        policy = PolicyFactory(**policy)
        return EnrollmentFactory(policy=policy, edition=Edition.objects.get(code=code))

    return make


@pytest.fixture
def submit(intake, medical_record):
    """Submit a request through the service, as the WeChat API and the hotline form do."""
    from cases.services import case_submit
    from tests.factories.cases import service

    def make(base, code: str = "ci-top3a-expert-appointment", /, *, actor=None, documents=None, **details):
        request = {**REVIEWED_REQUEST, **details}
        return case_submit(
            actor=actor or intake,
            channel="wechat",
            beneficiary=request.pop("beneficiary", base.insured),
            service=service(code),
            enrollment=request.pop("enrollment", base),
            documents=[medical_record] if documents is None else documents,
            **request,
        )

    return make


@pytest.fixture
def approved_case(submit, enrollment_2023_pro, reviewer):
    from cases.services import case_start_review, review_approve

    case = submit(enrollment_2023_pro)
    case = case_start_review(case=case, actor=reviewer)
    return review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)


@pytest.fixture
def provider():
    from providers.models import Provider

    return Provider.objects.order_by("id").first() or Provider.objects.create(code="p1", name="测试服务商")


@pytest.fixture
def provider_user(provider):
    from providers.models import ProviderMember

    user = role_user("provider", "provider-agent")
    ProviderMember.objects.create(user=user, provider=provider)
    return user
