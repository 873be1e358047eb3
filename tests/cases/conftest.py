import datetime

import pytest

from cases.models import DocumentKind
from cases.services import DocumentUpload
from tests.factories.cases import pdf_bytes, role_user
from tests.factories.entitlements import EnrollmentFactory, PolicyFactory
from workdays.calendar import calendar_invalidate


@pytest.fixture(autouse=True)
def workday_calendar(request, settings, tmp_path):
    """The PRC working-day calendar from the library, and a private media root per test."""
    settings.MEDIA_ROOT = tmp_path / "private-media"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    from workdays.models import CalendarYear
    from workdays.services import calendar_sync

    calendar_invalidate()
    if not CalendarYear.objects.exists():
        calendar_sync()
    calendar_invalidate()
    yield
    calendar_invalidate()


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
