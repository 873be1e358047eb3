"""Factories for cases: users of each role, documents as real file bytes, cases in any state."""

import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from PIL import Image

from cases.models import Case, CaseState, Channel
from entitlements.models import Service
from entitlements.services import quota_hold
from tests.factories.entitlements import EnrollmentFactory

ROLE_PERMISSIONS = {
    "intake": ["submit_case", "withdraw_case", "view_case", "add_document", "add_caseevent"],
    "reviewer": ["review_case", "view_case"],
    "coordinator": ["dispatch_case", "arrange_case", "close_case", "view_case", "add_document", "add_caseevent"],
    "payer": ["pay_claim", "view_case"],
    "provider": ["provider_act"],
    "outsider": [],
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@lanben.test")
    is_staff = True
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if not (create and extracted):
            return
        codenames = ROLE_PERMISSIONS[extracted]
        self.user_permissions.set(Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))


def role_user(role: str, username: str | None = None):
    return UserFactory(username=username or role, role=role)


def pdf_bytes(text: str = "medical record") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes(color: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "gray").save(buffer, format="JPEG")
    return buffer.getvalue()


def service(code: str) -> Service:
    return Service.objects.get(code=code)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case put directly in ``state`` (for permission tables); real flows go through the services.

    The quota unit is held through the ledger, as submission would."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"LB-2099-{n:06d}")
    channel = Channel.WECHAT
    state = CaseState.IN_REVIEW
    enrollment = factory.SubFactory(EnrollmentFactory)
    beneficiary = factory.SelfAttribute("enrollment.insured")
    id_tail = factory.LazyAttribute(lambda o: o.beneficiary.id_number[-4:])
    service = factory.LazyFunction(lambda: service("ci-top3a-expert-appointment"))
    applicant_name = factory.LazyAttribute(lambda o: o.beneficiary.name)
    city = "上海"
    province = "上海"
    diagnosis = "肺恶性肿瘤"
    suspected = True
    diagnosing_hospital = "上海市第一人民医院"
    diagnosing_hospital_level = 3
    diagnosing_hospital_ownership = "public"
    claimed_amount = None

    @factory.lazy_attribute
    def quota_hold(self):
        from cases.sla import local_today

        return quota_hold(
            enrollment=self.enrollment, beneficiary=self.beneficiary, service=self.service, on=local_today()
        )
