"""The demo story: customers across every edition, staff for every role, three providers with
different on-time records, and cases in every state — some at risk, some past their deadline.

Every case is built through the same services staff and providers use, each step at its own moment
in the past (the clock is moved with time-machine), so histories, quota and due dates are all true.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from cases.services import DocumentUpload
from cases.workflow import ACTIONS
from demo.documents import render_pdf, render_png
from demo.people import CUSTOMERS, Customer, customer_id_number, member_id_number, member_phone
from entitlements.models import CriticalIllness, Edition, Person, QualifyingProduct, Service
from entitlements.models.catalog import EligibilityRule
from entitlements.services.enrollments import enrollment_upsert, family_designate, person_upsert, policy_upsert
from notifications.services import notices_suppressed
from providers.models import Provider, ProviderMember
from workdays.calendar import CalendarNotCovered, sub_workdays

PASSWORD = "lanben-demo-2026"  # noqa: S105  (demo logins only; seed_demo refuses to run in production)
STAFF = [
    # username, full name, group, superuser
    ("it-admin", "信息技术部 管理员", None, True),
    ("intake", "客服 周晓雯", "录入客服", False),
    ("reviewer", "医学审核 沈医生", "医学审核", False),
    ("reviewer2", "医学审核 许医生", "医学审核", False),
    ("coordinator", "调度 顾敏", "调度协调", False),
    ("manager", "运营 钱经理", "运营管理", False),
    ("catalog", "产品配置 袁婷", "产品配置", False),
    ("wechat", "微信公众号接口", "录入客服", False),
]
PROVIDER_USERS = {
    "cpic-health-mgmt": "provider-cpic-hm",
    "cpic-health-ins": "provider-cpic-hi",
    "chenxi": "provider-chenxi",
}


@dataclass
class Cast:
    users: dict[str, User]
    people: dict[str, Person]
    providers: dict[str, Provider]


def _user(username: str, full_name: str, *, staff: bool = True, superuser: bool = False) -> User:
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.first_name = full_name
    user.email = f"{username}@lanben.example"
    user.is_staff = staff
    user.is_superuser = superuser
    user.set_password(PASSWORD)
    user.save()
    return user


def staff_create() -> dict[str, User]:
    users = {}
    for username, full_name, group, superuser in STAFF:
        user = _user(username, full_name, superuser=superuser)
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
        users[username] = user
    users["wechat"].is_staff = False
    users["wechat"].save(update_fields=["is_staff"])
    provider_group = Group.objects.get_or_create(name="服务商")[0]
    for code, username in PROVIDER_USERS.items():
        provider = Provider.objects.get(code=code)
        user = _user(username, f"{provider.name} 接口", staff=False)
        user.groups.add(provider_group)
        ProviderMember.objects.update_or_create(user=user, defaults={"provider": provider, "active": True})
        users[username] = user
    return users


def _customer_create(customer: Customer, index: int) -> dict[str, Person]:
    person = person_upsert(
        id_number=customer_id_number(customer, index),
        name=customer.name,
        gender=customer.gender,
        birth_date=customer.birth,
        phone=customer.phone,
        address=customer.address,
        social_insurance="insured",
    )
    editions = [(customer.edition, customer.policy_no, customer.product, customer.effective)]
    editions += customer.extra_editions
    enrollments = []
    for code, policy_no, product, effective in editions:
        edition = Edition.objects.get(code=code)
        policy = policy_upsert(
            policy_no=policy_no,
            insured=person,
            product_name=product,
            category="health" if edition.series == "puhui-2023" else customer.category,
            annual_premium=customer.premium,
            sum_insured=customer.sum_insured,
            effective_date=effective,
            payment_term_years=customer.term_years,
            payment_mode=customer.payment_mode,
        )
        if edition.eligibility_rule in NEEDS_HEALTH:
            _health_policy_create(person, customer, policy_no, effective)
        enrollments.append(
            enrollment_upsert(
                insured=person,
                policy=policy,
                edition=edition,
                qualified_on=customer.qualified_on or effective,
                upgraded=customer.upgraded,
            )
        )
    people = {customer.key: person}
    for number, member in enumerate(customer.family):
        relative = person_upsert(
            id_number=member_id_number(member, index, number),
            name=member.name,
            gender=member.gender,
            birth_date=member.birth,
            phone=member_phone(index, number),
        )
        family_designate(
            enrollment=enrollments[0],
            member=relative,
            relation=member.relation,
            designated_on=max(enrollments[0].service_start, timezone.localdate() - timedelta(days=180)),
        )
        people[f"{customer.key}.{member.relation}{number}"] = relative
    return people


def customers_create() -> dict[str, Person]:
    people = {}
    for index, customer in enumerate(CUSTOMERS):
        people.update(_customer_create(customer, index))
    qualifying_products_create()
    return people


# The health policy the demo's 尊享版 and 2019/2020 customers hold beside their qualifying policy
# ("持有有效健康险保单" / "当年投保指定的健康险").
HEALTH_PRODUCT = "太保蓝医保·长期医疗险"
NEEDS_HEALTH = {EligibilityRule.POLICY_AND_HEALTH, EligibilityRule.POLICY_AND_SAME_YEAR_HEALTH}


def _health_policy_create(person: Person, customer: Customer, policy_no: str, effective) -> None:
    policy_upsert(
        policy_no=f"H{policy_no[1:]}",
        insured=person,
        product_name=HEALTH_PRODUCT,
        category="health",
        annual_premium=Decimal("1200"),
        sum_insured=Decimal("2000000"),
        effective_date=effective,
        payment_term_years=20,
        payment_mode="annual",
    )


def demo_product_names() -> set[str]:
    names = {HEALTH_PRODUCT}
    for customer in CUSTOMERS:
        names.update([customer.product, *(product for _, _, product, _ in customer.extra_editions)])
    return names


def qualifying_products_create() -> None:
    """The demo's 达标险种 ("以系统实际支持为准"): each customer's product qualifies for his editions,
    with thresholds he meets, so the inquiry's 达标 panel explains rather than warns."""
    for customer in CUSTOMERS:
        editions = [customer.edition, *(code for code, *_ in customer.extra_editions)]
        products = [customer.product, *(product for _, _, product, _ in customer.extra_editions)]
        for code, product_name in zip(editions, products, strict=True):
            edition = Edition.objects.get(code=code)
            if edition.eligibility_rule == EligibilityRule.JOINED:
                continue
            product, _ = QualifyingProduct.objects.get_or_create(
                product_name=product_name,
                defaults={
                    "category": customer.category,
                    "min_annual_premium": min(customer.premium, Decimal("3000")),
                    "min_sum_insured": min(customer.sum_insured, Decimal("100000")),
                },
            )
            product.editions.add(edition)
            if edition.eligibility_rule in NEEDS_HEALTH:
                health, _ = QualifyingProduct.objects.get_or_create(
                    product_name=HEALTH_PRODUCT, defaults={"category": "health"}
                )
                health.editions.add(edition)


def _record(name: str, illness: str = "") -> list[DocumentUpload]:
    lines = [f"门诊病历 · {name}", "诊断医院：复旦大学附属肿瘤医院（三级 公立）", f"诊断：{illness or '待查'}"]
    return [DocumentUpload(kind="medical_record", content=render_pdf(lines), name="门诊病历.pdf")]


def _moment(workdays_ago: int, hour: int) -> datetime:
    today = timezone.localdate()
    try:
        day = sub_workdays(today, workdays_ago) if workdays_ago else today
    except CalendarNotCovered:
        day = today - timedelta(days=round(workdays_ago * 7 / 5))
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@dataclass
class Step:
    workdays_ago: int
    action: str
    args: dict


def step(workdays_ago: int, action: str, **args) -> Step:
    return Step(workdays_ago, action, args)


REVIEWED_DETAILS = {
    "diagnosing_hospital": "复旦大学附属中山医院",
    "diagnosing_hospital_level": 3,
    "diagnosing_hospital_ownership": "public",
}
CHECKLIST = {
    "check_hospital_level": True,
    "check_specialist_diagnosis": True,
    "check_disease_listed": True,
    "check_documents_complete": True,
}


def _arrangement(case: Case) -> dict:
    return {
        "hospital": "复旦大学附属中山医院" if case.city == "上海" else f"{case.city}市第一人民医院",
        "department": case.preferred_department or "肿瘤内科",
        "doctor": "李建华",
        "doctor_title": "主任医师",
        # The next morning: the story completes a case a working day or more after arranging it,
        # and completion may not precede the appointment.
        "arranged_at": (timezone.localtime() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0),
        "address": "门诊楼 3 楼 12 诊室",
        # Read only by the services that record them (catalogue: arrangement fields).
        "transfers": "抵达日 虹桥站→酒店；酒店→医院；就诊后医院→酒店；返程日 酒店→虹桥站",
        "accommodation": "医院步行 10 分钟内的商务酒店，已预留 3 晚",
        "specialist": "康复师",
        "guidance_mode": "电话",
        "nurse": "王护士（执业护士）",
    }


def _run(cast: Cast, case: Case, plan: dict, current: Step) -> Case:
    """One step of the story: the workflow table's action ``current.action``, through its service,
    by the demo user of the role that takes it, with the input that role would give."""
    users, action, args = cast.users, current.action, dict(current.args)
    provider_user = users.get(PROVIDER_USERS.get(plan.get("provider", ""), ""), None)
    if action == "redispatch":
        plan["provider"] = args["provider"]
    by_role = {"reviewer": users["reviewer"], "intake": users["intake"], "coordinator": users["coordinator"]}
    steps: dict[str, tuple[object, Callable[[], dict]]] = {
        "start_review": (by_role["reviewer"], dict),
        "approve": (by_role["reviewer"], lambda: {"checklist": CHECKLIST}),
        "return_to_applicant": (by_role["reviewer"], lambda: {"message": args["message"]}),
        "resubmit": (
            by_role["intake"],
            lambda: {"note": "客户已补充材料", "documents": _record(case.beneficiary.name, "补充检查报告")},
        ),
        "reject": (by_role["reviewer"], lambda: {"reason": args["reason"], "note": args.get("note", "")}),
        "withdraw": (by_role["intake"], lambda: {"note": "客户来电撤回申请"}),
        "cancel": (by_role["coordinator"], lambda: {"note": "客户已自行就医"}),
        "dispatch": (
            by_role["coordinator"],
            lambda: {"provider": cast.providers[plan["provider"]], "note": "按覆盖范围派单"},
        ),
        "redispatch": (
            by_role["coordinator"],
            lambda: {"provider": cast.providers[args["provider"]], "note": args["note"]},
        ),
        "provider_accept": (provider_user, dict),
        "provider_decline": (provider_user, lambda: {"reason": args["reason"]}),
        "await_customer": (provider_user, lambda: {"note": "需客户确认可就诊时间"}),
        "arrange": (provider_user, lambda: _arrangement(case)),
        "complete": (provider_user, dict),
        "close": (by_role["coordinator"], dict),
        "claim_approve": (by_role["reviewer"], lambda: {"amount": args["amount"]}),
        "pay": (by_role["reviewer"], dict),
        "sla_exempt": (by_role["coordinator"], lambda: {"reason": args["reason"]}),
        "misuse_stop": (by_role["reviewer"], lambda: {"finding": args["finding"], "amount": args.get("amount")}),
    }
    actor, arguments = steps[action]
    return ACTIONS[action].run(case=case, actor=actor, **arguments())


def _submit(cast: Cast, plan: dict) -> Case:
    service = Service.objects.get(name=plan["service"])
    person = cast.people[plan["who"]]
    details = {"city": plan.get("city", "上海"), "province": plan.get("province", "上海")}
    details.update(plan.get("details", {}))
    documents = list(plan.get("documents", []))
    if service.illness_condition != "none":
        illness = CriticalIllness.objects.order_by("sort_order").first()
        details.setdefault("diagnosis", "肺部占位，考虑恶性肿瘤")
        details.setdefault("critical_illness", illness)
        documents += _record(person.name, details["diagnosis"])
    if service.illness_condition == "reviewed":
        for key, value in REVIEWED_DETAILS.items():
            details.setdefault(key, value)
    if service.needs_admission_slip:
        slip = render_png([f"住院通知单 · {person.name}", "科室：胸外科", "床位：待安排"])
        documents.append(DocumentUpload(kind="admission_slip", content=slip, name="住院单.png"))
    if service.needs_invoice:
        invoice = render_pdf([f"120 急救费用发票 · {person.name}", f"金额：{details['claimed_amount']} 元"])
        documents.append(DocumentUpload(kind="invoice", content=invoice, name="120发票.pdf"))
    return case_services.case_submit(
        actor=cast.users["wechat" if plan.get("channel", "wechat") == "wechat" else "intake"],
        channel=plan.get("channel", "wechat"),
        beneficiary=person,
        service=service,
        documents=documents,
        **details,
    )


def case_play(cast: Cast, plan: dict) -> Case:
    submission, *later = sorted(plan["steps"], key=lambda s: -s.workdays_ago)
    if submission.action != "submit":
        raise ValueError(f"{plan['who']} {plan['service']}: a story starts with its submission")
    quiet = notices_suppressed() if submission.workdays_ago > 0 else nullcontext()
    with time_machine.travel(_moment(submission.workdays_ago, 9), tick=False), quiet:
        case = _submit(cast, plan)
    for hour, current in enumerate(later, start=10):
        # The past is replayed without notices: nobody is told today of last month's events.
        quiet = notices_suppressed() if current.workdays_ago > 0 else nullcontext()
        with time_machine.travel(_moment(current.workdays_ago, min(hour, 17)), tick=False), quiet:
            case = _run(cast, Case.objects.get(pk=case.pk), plan, current)
    return case


def _dispatched(ago: int, provider_steps: list[Step]) -> list[Step]:
    return [step(ago + 2, "submit"), step(ago + 1, "start_review"), step(ago, "approve"), *provider_steps]


def story_plans() -> list[dict]:
    """The cases. Working days ago, newest last; comments say what each shows."""
    s = step
    return [
        # Waiting for review: new, under review, returned for information.
        {"who": "zhangwei", "service": "重疾三甲专家预约", "steps": [s(0, "submit")]},
        {"who": "guoyan", "service": "重疾二次诊疗", "steps": [s(2, "submit")]},
        {"who": "wangfang", "service": "重疾三甲专家手术", "steps": [s(3, "submit"), s(2, "start_review")]},
        {
            "who": "mali",
            "service": "重疾陪诊服务",
            "city": "深圳",
            "province": "广东",
            "steps": [
                s(4, "submit"),
                s(3, "start_review"),
                s(3, "return_to_applicant", message="请补充病理报告原件照片"),
            ],
        },
        # Rejected, withdrawn, cancelled: quota given back.
        {
            "who": "linfeng",
            "service": "重疾多学科会诊",
            "city": "厦门",
            "province": "福建",
            "steps": [s(12, "submit"), s(11, "start_review"), s(10, "reject", reason="disease_not_listed")],
        },
        {
            "who": "huanglei",
            "service": "重疾海外就医协助",
            "city": "北京",
            "province": "北京",
            "steps": [s(8, "submit"), s(7, "withdraw")],
        },
        # Approved, waiting for dispatch (one of them declined by a provider first).
        {"who": "zhangwei.spouse0", "service": "重疾三甲专家预约", "steps": _dispatched(1, [])},
        {
            "who": "chenjing",
            "service": "三甲专家病房",
            "city": "南京",
            "province": "江苏",
            "provider": "chenxi",
            "steps": [
                s(6, "submit"),
                s(5, "dispatch"),
                s(4, "provider_decline", reason="该院床位已满，无法在时限内安排"),
            ],
        },
        {"who": "zhenghao", "service": "重疾海外就医协助", "steps": _dispatched(3, [s(2, "cancel")])},
        # With a provider: on track, due tomorrow, breached, waiting for the customer.
        {
            "who": "zhouqiang",
            "service": "特种检查预约加急（影像类/内镜穿刺类）",
            "city": "武汉",
            "province": "湖北",
            "provider": "cpic-health-mgmt",
            "steps": [s(1, "submit"), s(1, "dispatch"), s(0, "provider_accept")],
        },
        {
            "who": "zhenghao",
            "service": "重疾多学科会诊",
            "provider": "cpic-health-ins",
            "steps": _dispatched(9, [s(9, "dispatch"), s(8, "provider_accept")]),
        },
        {
            "who": "huanglei.parent0",
            "service": "重疾三甲专家预约",
            "city": "北京",
            "province": "北京",
            "provider": "chenxi",
            "steps": _dispatched(9, [s(9, "dispatch"), s(7, "provider_accept")]),
        },
        {
            "who": "wangfang",
            "service": "重疾三甲专家预约",
            "city": "北京",
            "province": "北京",
            "provider": "chenxi",
            "steps": _dispatched(14, [s(13, "dispatch"), s(12, "provider_accept")]),
        },
        {
            "who": "chenjing.parent0",
            "service": "三甲专家手术",
            "city": "南京",
            "province": "江苏",
            "provider": "cpic-health-ins",
            "steps": [s(13, "submit"), s(13, "dispatch"), s(11, "provider_accept")],
        },
        {
            "who": "liuyang",
            "service": "重疾三甲专家病房",
            "city": "广州",
            "province": "广东",
            "provider": "cpic-health-mgmt",
            "steps": _dispatched(6, [s(6, "dispatch"), s(5, "provider_accept"), s(4, "await_customer")]),
        },
        # Re-dispatched to another provider after a slow start.
        {
            "who": "huanglei.spouse1",
            "service": "重疾二次诊疗",
            "city": "北京",
            "province": "北京",
            "provider": "chenxi",
            "steps": _dispatched(
                8, [s(8, "dispatch"), s(5, "redispatch", provider="cpic-health-mgmt", note="原服务商未接单，改派")]
            ),
        },
        # Arranged on time, late; completed; closed.
        {
            "who": "zhangwei",
            "service": "重疾三甲专家病房",
            "provider": "cpic-health-mgmt",
            "steps": _dispatched(
                20, [s(20, "dispatch"), s(19, "provider_accept"), s(15, "arrange"), s(10, "complete"), s(9, "close")]
            ),
        },
        {
            "who": "zhouqiang",
            "service": "重疾三甲病房手术安排",
            "city": "武汉",
            "province": "湖北",
            "provider": "cpic-health-mgmt",
            "details": {"named_expert": "王建国 主任医师（著名专家）"},
            "steps": _dispatched(12, [s(12, "dispatch"), s(11, "provider_accept"), s(5, "arrange")]),
        },
        {
            "who": "zhenghao",
            "service": "重疾三甲专家门诊预约",
            "provider": "cpic-health-ins",
            # Arranged after its deadline; the hospital's expert was away: exempted (医院内特殊情况除外).
            "steps": _dispatched(
                25,
                [
                    s(25, "dispatch"),
                    s(24, "provider_accept"),
                    s(12, "arrange"),
                    s(11, "sla_exempt", reason="医院专家出国交流两周，门诊停诊，院方延后至其返院后安排"),
                    s(10, "complete"),
                    s(9, "close"),
                ],
            ),
        },
        {
            "who": "chenjing",
            "service": "陪诊服务",
            "city": "南京",
            "province": "江苏",
            "provider": "chenxi",
            "steps": [
                s(30, "submit"),
                s(30, "dispatch"),
                s(27, "provider_accept"),
                s(12, "arrange"),
                s(11, "complete"),
            ],
        },
        {
            "who": "linfeng.child0",
            "service": "重疾海外就医协助",
            "city": "厦门",
            "province": "福建",
            "provider": "cpic-health-ins",
            "steps": _dispatched(
                22, [s(22, "dispatch"), s(21, "provider_accept"), s(14, "arrange"), s(13, "complete"), s(12, "close")]
            ),
        },
        {
            "who": "wumin",
            "service": "重疾专家病房",
            "provider": "cpic-health-mgmt",
            "steps": [s(18, "submit"), s(18, "dispatch"), s(17, "provider_accept"), s(12, "arrange"), s(8, "close")],
        },
        {
            "who": "zhouqiang",
            "service": "异地就医协助安排",
            "city": "上海",
            "provider": "chenxi",
            "steps": [
                s(16, "submit"),
                s(16, "dispatch"),
                s(15, "provider_accept"),
                s(11, "arrange"),
                s(10, "complete"),
                s(9, "close"),
            ],
        },
        # Misuse (第二章 1): the patient at the hospital was not the insured; stopped, recovery opened.
        {
            "who": "huanglei",
            "service": "重疾海外就医协助",
            "city": "北京",
            "province": "北京",
            "provider": "chenxi",
            "steps": _dispatched(
                6,
                [
                    s(6, "dispatch"),
                    s(5, "provider_accept"),
                    s(3, "misuse_stop", finding="服务商核对证件时发现就诊人为被保险人的同事，非本人或直系亲属"),
                ],
            ),
        },
        # 120 急救补贴: invoice review, approved amount, paid.
        {
            "who": "zhangwei",
            "service": "120急救补贴",
            "details": {"claimed_amount": Decimal("180.00")},
            "steps": [s(3, "submit"), s(2, "start_review")],
        },
        {
            "who": "guoyan",
            "service": "120急救补贴",
            "details": {"claimed_amount": Decimal("260.00")},
            "steps": [s(6, "submit"), s(5, "start_review"), s(4, "claim_approve", amount="200.00")],
        },
        {
            "who": "linfeng",
            "service": "120急救补贴",
            "city": "厦门",
            "province": "福建",
            "details": {"claimed_amount": Decimal("96.50")},
            "steps": [s(5, "submit"), s(4, "start_review"), s(3, "claim_approve", amount="96.50"), s(1, "pay")],
        },
        {
            "who": "wumin",
            "service": "120急救补贴",
            "details": {"claimed_amount": Decimal("150.00")},
            "steps": [
                s(9, "submit"),
                s(8, "start_review"),
                s(7, "claim_approve", amount="150.00"),
                s(6, "pay"),
                s(5, "close"),
            ],
        },
    ]


def providers_by_code() -> dict[str, Provider]:
    return {provider.code: provider for provider in Provider.objects.all()}


def demo_present() -> bool:
    return get_user_model().objects.filter(username="reviewer").exists() and Case.objects.exists()


@transaction.atomic
def demo_build() -> dict:
    """Build the whole story; returns counts for the command to print."""
    cast = Cast(users=staff_create(), people=customers_create(), providers=providers_by_code())
    cases = [case_play(cast, plan) for plan in story_plans()]
    return {"users": len(cast.users), "people": len(cast.people), "cases": len(cases)}


def demo_clear() -> None:
    """Remove the demo's cases and people (kept: catalogue, calendar, providers)."""
    from cases.models import CaseEvent, Dispatch, Document
    from entitlements.models import Enrollment, FamilyDesignation, Policy, QuotaBucket, QuotaHold

    with transaction.atomic():
        for model in (CaseEvent, Dispatch, Document):
            model.objects.all().delete()
        Case.objects.all().delete()
        for entitlement_model in (QuotaHold, QuotaBucket, FamilyDesignation, Enrollment, Policy):
            entitlement_model.objects.all().delete()
        QualifyingProduct.objects.filter(product_name__in=demo_product_names()).delete()
        Person.objects.all().delete()
