import datetime
from decimal import Decimal

import factory
from stdnum.cn import ric

from entitlements.models import Edition, Enrollment, FamilyDesignation, Person, Policy, QualifyingProduct


def make_id_number(birth_date: datetime.date, serial: int, gender: str = "M") -> str:
    """A valid PRC resident ID (Shanghai Huangpu area code) for the given birth date and gender."""
    sequence = serial % 500 * 2 + (1 if gender == "M" else 0)
    body = f"310101{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("id_number",)

    name = factory.Sequence(lambda n: f"客户{n}")
    gender = "M"
    birth_date = datetime.date(1980, 5, 17)
    id_number = factory.LazyAttributeSequence(lambda o, n: make_id_number(o.birth_date, n, o.gender))
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    address = "上海市黄浦区中山东一路1号"


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy

    policy_no = factory.Sequence(lambda n: f"P{n:010d}")
    product_name = "金佑人生终身寿险（分红型）"
    category = "critical_illness"
    insured = factory.SubFactory(PersonFactory)
    annual_premium = Decimal("12000.00")
    sum_insured = Decimal("500000.00")
    effective_date = datetime.date(2024, 3, 1)
    payment_term_years = 20
    payment_mode = "annual"
    cooling_off_days = 15


def edition(code: str) -> Edition:
    return Edition.objects.get(code=code)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrollment; pass ``edition__code`` is not supported: pass ``edition=edition("2023-pro")``."""

    class Meta:
        model = Enrollment

    policy = factory.SubFactory(PolicyFactory)
    insured = factory.SelfAttribute("policy.insured")
    edition = factory.LazyFunction(lambda: Edition.objects.get(code="2023-pro"))
    qualified_on = factory.SelfAttribute("policy.effective_date")
    upgraded = False


class FamilyDesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyDesignation

    enrollment = factory.SubFactory(EnrollmentFactory)
    member = factory.SubFactory(PersonFactory, gender="F", birth_date=datetime.date(1982, 8, 8))
    relation = "spouse"
    designated_on = factory.SelfAttribute("enrollment.service_start")


class QualifyingProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualifyingProduct
        skip_postgeneration_save = True

    product_name = factory.Sequence(lambda n: f"达标重疾险{n}号")
    category = "critical_illness"
    min_annual_premium = Decimal("10000.00")
    min_sum_insured = Decimal("0.00")

    @factory.post_generation
    def editions(self, create, extracted, **kwargs):
        if create and extracted:
            self.editions.set(extracted)
