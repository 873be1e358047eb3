"""Load a realistic green-channel data set into PostgreSQL for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lanben_bench \\
        .venv/bin/python bench/generate.py --cases 1000000 [--people 300000 --enrollments 200000]

Replaces every person, policy, enrollment, family designation, quota bucket/hold, case, case event,
dispatch, reminder and outbox message of the database (the catalogue, calendar, providers and
groups stay), then writes new ones with COPY: cases over the three years 2023-12 … 2026-11 in every
state, service, provider and city, with the timeline (CaseEvent) each state implies, the dispatch
rows, SLA dates counted by the real working-day calendar, and a quota ledger whose buckets never
exceed their limits. Seeded: the same arguments give the same data. Rebuilds the manager report's
aggregates from the new cases (the load writes them with the triggers off; 34 s at 1M), then ends
with VACUUM (ANALYZE): autovacuum is off on the benchmark machines, and an index-only scan over a
never-vacuumed table reads every heap row. The data set's own "today" (``NOW``) is stored in
``bench_meta`` so the runner measures every date-dependent figure at it, not at the calendar's date.

Refuses to start when the database's disk has less free space than the data set needs (about
2.8 GB per million cases, indexes included).

Foreign-key triggers are switched off for the load (``session_replication_role = replica``): the
rows are generated consistent, and checking 6 million references one by one would triple the time.
CHECK and UNIQUE constraints still apply.
"""

import argparse
import gc
import os
import random
import shutil
import sys
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from bench.users import bench_users_ensure  # noqa: E402
from demo.people import id_number  # noqa: E402
from entitlements import periods  # noqa: E402
from entitlements.models import CriticalIllness, Edition, EditionRule, Service  # noqa: E402
from providers.models import Provider  # noqa: E402
from sla.report_aggregates import aggregates_rebuild  # noqa: E402
from workdays.calendar import add_workdays, workdays_between  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW_START = date(2023, 12, 1)
WINDOW_END = date(2026, 11, 24)  # the day before "today" of the benchmark runs
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
REVIEW_TARGET = 2
DEFAULT_SLA = (10, 15)

TABLES = [
    "sla_reminder",
    "notifications_notification",
    "notifications_outboxmessage",
    "providers_providerreminder",
    "cases_document",
    "cases_dispatch",
    "cases_caseevent",
    "cases_case",
    "entitlements_quotahold",
    "entitlements_quotabucket",
    "entitlements_familydesignation",
    "entitlements_enrollment",
    "entitlements_policy",
    "entitlements_person",
]

CITIES = [
    ("上海市", "上海市"),
    ("北京市", "北京市"),
    ("广东省", "广州市"),
    ("广东省", "深圳市"),
    ("浙江省", "杭州市"),
    ("浙江省", "宁波市"),
    ("江苏省", "南京市"),
    ("江苏省", "苏州市"),
    ("江苏省", "无锡市"),
    ("四川省", "成都市"),
    ("湖北省", "武汉市"),
    ("湖南省", "长沙市"),
    ("陕西省", "西安市"),
    ("重庆市", "重庆市"),
    ("天津市", "天津市"),
    ("山东省", "济南市"),
    ("山东省", "青岛市"),
    ("河南省", "郑州市"),
    ("福建省", "福州市"),
    ("福建省", "厦门市"),
    ("安徽省", "合肥市"),
    ("辽宁省", "沈阳市"),
    ("辽宁省", "大连市"),
    ("吉林省", "长春市"),
    ("黑龙江省", "哈尔滨市"),
    ("云南省", "昆明市"),
    ("贵州省", "贵阳市"),
    ("广西壮族自治区", "南宁市"),
    ("江西省", "南昌市"),
    ("河北省", "石家庄市"),
    ("山西省", "太原市"),
    ("甘肃省", "兰州市"),
    ("新疆维吾尔自治区", "乌鲁木齐市"),
    ("内蒙古自治区", "呼和浩特市"),
    ("海南省", "海口市"),
    ("宁夏回族自治区", "银川市"),
    ("青海省", "西宁市"),
    ("西藏自治区", "拉萨市"),
    ("广东省", "佛山市"),
    ("广东省", "东莞市"),
]
CITY_WEIGHTS = [
    12,
    10,
    7,
    7,
    6,
    3,
    5,
    4,
    2,
    5,
    4,
    3,
    3,
    3,
    3,
    2,
    2,
    3,
    2,
    2,
    2,
    2,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    2,
    2,
]
CITY_CUMULATIVE = list(accumulate(CITY_WEIGHTS))
AREAS = ["310101", "310104", "110101", "110105", "440103", "440304", "330106", "320102", "510104", "420102"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰春梅海燕文斌思远子涵梓萱浩然欣怡一诺"
HOSPITALS = [
    "复旦大学附属中山医院",
    "上海交通大学医学院附属瑞金医院",
    "北京协和医院",
    "四川大学华西医院",
    "中山大学附属第一医院",
    "浙江大学医学院附属第一医院",
    "华中科技大学同济医学院附属同济医院",
    "中南大学湘雅医院",
    "空军军医大学西京医院",
    "江苏省人民医院",
    "山东大学齐鲁医院",
    "郑州大学第一附属医院",
]
DEPARTMENTS = ["心内科", "肿瘤科", "神经外科", "消化内科", "骨科", "呼吸内科", "肾内科", "血液科", "普外科", "妇产科"]
TITLES = ["主任医师", "副主任医师"]
EDITION_WEIGHTS = {
    "2023-pro": 14,
    "2023-premium-1": 8,
    "2023-premium-2": 6,
    "2023-premium-3": 4,
    "2022-care": 5,
    "2022-pro": 10,
    "2022-premium-1": 6,
    "2022-premium-2": 4,
    "2022-premium-3": 3,
    "2021-pro": 6,
    "2021-premium-1": 3,
    "2021-premium-2": 2,
    "2021-premium-3": 2,
    "2020-tier-1": 3,
    "2020-tier-2": 3,
    "2020-tier-3": 2,
    "2020-tier-4": 2,
    "2019-tier-1": 2,
    "2019-tier-2": 2,
    "wuyou-2023-pro": 4,
    "wuyou-2023-premium": 3,
    "puhui-2023": 6,
}
RECENT_DAYS, MIDDLE_DAYS = 30, 180
# Chance a case is still open by age: most work of the last month, a tail of older cases awaiting
# their close or stuck with a customer — about one case in ten in all.
OPEN_CHANCE = ((RECENT_DAYS, 0.8), (MIDDLE_DAYS, 0.3), (10_000, 0.045))
OPEN_RECENT = {
    "submitted": 12,
    "in_review": 10,
    "returned": 5,
    "approved": 10,
    "dispatched": 15,
    "accepted": 18,
    "waiting_customer": 8,
    "arranged": 12,
    "completed": 10,
}
OPEN_OLD = {"returned": 5, "dispatched": 5, "accepted": 10, "waiting_customer": 10, "arranged": 35, "completed": 35}
FINAL = {"closed": 85, "rejected": 6, "withdrawn": 5, "cancelled": 4}
RELEASE_REASONS = {"rejected": "审核不通过", "withdrawn": "客户撤回", "cancelled": "已取消"}
REJECT_REASONS = ["hospital_level", "not_specialist", "disease_not_listed", "documents_invalid", "other"]


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def aware(day: date, seconds: int) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(seconds=seconds)


# Columns of cases_case the generator leaves blank, with the value COPY writes for them.
CASE_BLANK_COLUMNS = {
    "named_expert_level": "",
    "claim_fee_kinds": "[]",
    "keyed_in_by_id": None,
    "arranged_specialist": "",
    "arranged_guidance_mode": "",
    "arranged_transfers": "",
    "arranged_accommodation": "",
    "arranged_nurse": "",
}


# --- reference data -------------------------------------------------------------------------------


@dataclass
class Catalogue:
    editions: dict[str, Edition]
    services: dict[int, Service]
    rules: dict[tuple[int, int], list[EditionRule]]
    case_services: dict[int, list[int]]  # edition id → services a case can be opened for
    family_services: dict[int, list[int]]
    providers: list[int]
    illnesses: list[int]


def catalogue_load() -> Catalogue:
    editions = {e.code: e for e in Edition.objects.all()}
    services = {s.pk: s for s in Service.objects.all()}
    rules: dict[tuple[int, int], list[EditionRule]] = defaultdict(list)
    case_services: dict[int, set[int]] = defaultdict(set)
    family_services: dict[int, set[int]] = defaultdict(set)
    for rule in EditionRule.objects.all():
        rules[(rule.edition_id, rule.service_id)].append(rule)
        if services[rule.service_id].kind == "usage":
            continue
        case_services[rule.edition_id].add(rule.service_id)
        if rule.family_allowed:
            family_services[rule.edition_id].add(rule.service_id)
    return Catalogue(
        editions,
        services,
        dict(rules),
        {k: sorted(v) for k, v in case_services.items()},
        {k: sorted(v) for k, v in family_services.items()},
        list(Provider.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)),
        list(CriticalIllness.objects.order_by("pk").values_list("pk", flat=True)),
    )


# --- the loader -----------------------------------------------------------------------------------


class Copier:
    """Rows for one table, sent with COPY in batches."""

    def __init__(self, cursor, table: str, columns: list[str], batch: int = 50_000):
        self.cursor, self.table, self.columns, self.batch = cursor, table, columns, batch
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        columns = ", ".join(f'"{column}"' for column in self.columns)
        with self.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(row)
        self.count += len(self.rows)
        self.rows = []


@dataclass(slots=True)
class EnrollmentRow:
    id: int
    insured: int
    edition: Edition
    terms: periods.PolicyTerms
    start: date
    end: date
    base: date


@dataclass(slots=True)
class DesignationRow:
    enrollment: EnrollmentRow
    member: int
    first: date
    last: date


class Buckets:
    """The quota ledger's buckets, a bucket being its id (1, 2, …) into flat arrays: some 40 bytes
    a bucket where a list each and a tuple key took about 300 (10M cases make millions of them)."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}  # key → id; ints only, so never walked by the collector
        self.enrollment, self.beneficiary, self.service = array("i", [0]), array("i", [0]), array("i", [0])
        self.limit = array("i", [0])  # -1: no limit
        self.held, self.used = array("i", [0]), array("i", [0])
        self.start, self.end = array("i", [0]), array("i", [0])  # date ordinals
        self.days: dict[int, date] = {}

    def __len__(self) -> int:
        return len(self.index)

    def get_or_add(self, enrollment: int, beneficiary: int, service: int, start: date, end: date, limit) -> int:
        if beneficiary >> 30 or service >> 16:
            raise ValueError(f"bucket key out of range: beneficiary {beneficiary}, service {service}")
        key = ((enrollment << 30 | beneficiary) << 16 | service) << 20 | start.toordinal()
        bucket = self.index.get(key)
        if bucket is None:
            bucket = self.index[key] = len(self.index) + 1
            self.enrollment.append(enrollment)
            self.beneficiary.append(beneficiary)
            self.service.append(service)
            self.limit.append(-1 if limit is None else limit)
            self.held.append(0)
            self.used.append(0)
            self.start.append(start.toordinal())
            self.end.append(end.toordinal())
        return bucket

    def recount(self) -> None:
        self.held = array("i", [0]) * len(self.held)
        self.used = array("i", [0]) * len(self.used)

    def day(self, ordinal: int) -> date:
        day = self.days.get(ordinal)
        if day is None:
            day = self.days[ordinal] = date.fromordinal(ordinal)
        return day


class Generator:
    def __init__(self, *, cases: int, people: int, enrollments: int, seed: int, bulk: bool = True):
        # ``bulk``: drop and rebuild the secondary indexes around the load, then ANALYZE. Worth it
        # from some thousands of rows; a few hundred (the query-count tests) load faster without.
        self.bulk = bulk
        self.n_cases, self.n_people, self.n_enrollments = cases, people, enrollments
        self.rng = random.Random(seed)
        self.cat = catalogue_load()
        self.users = bench_users_ensure()
        self.now_utc = NOW.astimezone(UTC)
        self.id_numbers: list[str] = []
        self.names: list[str] = []
        self.phones: list[str] = []
        self.enrollments: list[EnrollmentRow] = []
        self.designations: list[DesignationRow] = []
        self.buckets = Buckets()

    # --- people, policies, enrollments, family ---------------------------------------------

    def people(self, cur) -> None:
        rng = self.rng
        copier = Copier(
            cur,
            "entitlements_person",
            [
                "id",
                "name",
                "gender",
                "birth_date",
                "id_number",
                "phone",
                "address",
                "social_insurance",
                "created_at",
                "updated_at",
            ],
        )
        created = NOW - timedelta(days=1200)
        for i in range(self.n_people):
            gender = "M" if i % 2 else "F"
            birth = date(1940, 1, 1) + timedelta(days=(i // len(AREAS)) % 25_000)
            # Sequence digits spread like real ones (every tail about as common), and still unique per
            # area and birth day: people sharing both differ in i // (areas × 25,000) alone.
            sequence = (i // (len(AREAS) * 25_000) + (i // len(AREAS)) * 7919) % 500
            number = id_number(AREAS[i % len(AREAS)], birth, sequence, gender)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else "")
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            province, city = CITIES[i % len(CITIES)]
            self.id_numbers.append(number)
            self.names.append(name)
            self.phones.append(phone)
            copier.add(
                (
                    i + 1,
                    name,
                    gender,
                    birth,
                    number,
                    phone,
                    f"{province}{city}某路{i % 999 + 1}号",
                    rng.choice(["insured", "insured", "uninsured", "unknown"]),
                    created,
                    created,
                )
            )
        copier.flush()

    def _terms(self, edition: Edition) -> periods.PolicyTerms:
        rng, rule = self.rng, edition.period_rule
        if rule == "one_year":
            effective = date(2023, 1, 1) + timedelta(days=rng.randrange(1050))
        elif rule == "year_end":
            effective = date(2024, 1, 1) + timedelta(days=rng.randrange(1030))
        elif rule == "nineteenth_day":
            effective = date(2021, 6, 1) + timedelta(days=rng.randrange(1100))
        else:
            # Bought in or after the edition's year, effective no later than mid-2025.
            first = date(int(edition.code[:4]) if edition.code[:4].isdigit() else 2023, 1, 1)
            effective = first + timedelta(days=rng.randrange((date(2025, 6, 30) - first).days))
        single = rule == "wuyou" and rng.random() < 0.05
        return periods.PolicyTerms(
            effective_date=effective,
            cooling_off_days=15,
            payment_term_years=1 if single else rng.choice([10, 15, 20, 20, 30]),
            single_premium=single,
            qualified_on=effective,
            upgraded=rule == "nineteenth_day" and rng.random() < 0.5,
        )

    def policies_and_enrollments(self, cur) -> None:
        rng = self.rng
        policies = Copier(
            cur,
            "entitlements_policy",
            [
                "id",
                "policy_no",
                "product_name",
                "category",
                "annual_premium",
                "sum_insured",
                "effective_date",
                "payment_term_years",
                "payment_mode",
                "cooling_off_days",
                "status",
                "created_at",
                "updated_at",
                "insured_id",
            ],
        )
        enrollments = Copier(
            cur,
            "entitlements_enrollment",
            [
                "id",
                "qualified_on",
                "upgraded",
                "service_start",
                "service_end",
                "created_at",
                "updated_at",
                "edition_id",
                "insured_id",
                "policy_id",
            ],
        )
        codes = list(EDITION_WEIGHTS)
        weights = [EDITION_WEIGHTS[c] for c in codes]
        # Insured people: enough for one enrollment each, the rest of the enrollments are second
        # editions of the first insured; everyone else is a family member.
        insured_count = min(self.n_people, int(self.n_enrollments * 0.85))
        for i in range(self.n_enrollments):
            insured = i + 1 if i < insured_count else (i - insured_count) % insured_count + 1
            edition = self.cat.editions[rng.choices(codes, weights=weights)[0]]
            terms = self._terms(edition)
            period = periods.service_period(edition.period_rule, terms, periods.figures_of(edition))
            base = periods.year_base(edition.period_rule, terms, period)
            category = "critical_illness"
            if "premium" in edition.code:
                category = rng.choice(["critical_illness", "other"])
            created = aware(terms.effective_date, 36_000)
            product = f"太平洋蓝本{'重疾' if category == 'critical_illness' else '终身寿'}保险"
            policies.add(
                (
                    i + 1,
                    f"P{31000000000 + i:011d}",
                    product,
                    category,
                    Decimal(rng.randrange(3000, 60000)),
                    Decimal(rng.randrange(10, 100) * 10_000),
                    terms.effective_date,
                    terms.payment_term_years,
                    "single" if terms.single_premium else "annual",
                    15,
                    "in_force",
                    created,
                    created,
                    insured,
                )
            )
            enrollments.add(
                (
                    i + 1,
                    terms.qualified_on,
                    terms.upgraded,
                    period.start,
                    period.end,
                    created,
                    created,
                    edition.pk,
                    insured,
                    i + 1,
                )
            )
            self.enrollments.append(EnrollmentRow(i + 1, insured, edition, terms, period.start, period.end, base))
        policies.flush()
        enrollments.flush()
        self.insured_count = insured_count

    def family(self, cur) -> None:
        rng = self.rng
        copier = Copier(
            cur,
            "entitlements_familydesignation",
            [
                "id",
                "relation",
                "designated_on",
                "valid_until",
                "ended_on",
                "created_at",
                "updated_at",
                "enrollment_id",
                "member_id",
            ],
        )
        members = iter(range(self.insured_count + 1, self.n_people + 1))
        for row in self.enrollments:
            if not row.edition.max_family_members:
                continue
            for _ in range(rng.randint(1, row.edition.max_family_members)):
                member = next(members, None)
                if member is None:
                    break
                first = max(row.start, WINDOW_START - timedelta(days=400)) + timedelta(days=rng.randrange(200))
                last = min(periods.years_span(first, row.edition.family_max_years or 3), row.end)
                created = aware(first, 30_000)
                copier.add(
                    (
                        copier.count + len(copier.rows) + 1,
                        rng.choice(["spouse", "parent", "child"]),
                        first,
                        last,
                        None,
                        created,
                        created,
                        row.id,
                        member,
                    )
                )
                self.designations.append(DesignationRow(row, member, first, last))
        copier.flush()

    # --- cases --------------------------------------------------------------------------------

    def _rule(self, row: EnrollmentRow, service_id: int, on: date) -> EditionRule | None:
        year = periods.year_number(row.base, on) if row.edition.period_rule != "year_end" else 1
        for rule in self.cat.rules.get((row.edition.pk, service_id), []):
            if rule.covers_policy_year(year) and (
                not rule.qualified_in_year or rule.qualified_in_year == row.terms.qualified_on.year
            ):
                return rule if rule.insured_per != "first_year" or year == 1 else None
        return None

    def _bucket(self, row: EnrollmentRow, beneficiary: int, service_id: int, on: date, family: bool):
        """The ledger bucket this request draws on, or None when the quota is used up."""
        rule = self._rule(row, service_id, on)
        if rule is None:
            return None
        limit, per = (
            (rule.family_limit, rule.family_per or rule.insured_per)
            if family
            else (rule.insured_limit, rule.insured_per)
        )
        if per == "service_period":
            start, end = row.start, row.end
        else:
            span = periods.year_containing(row.edition.period_rule, row.base, periods.DateRange(row.start, row.end), on)
            start, end = span.start, span.end
        buckets = self.buckets
        bucket = buckets.get_or_add(row.id, beneficiary, service_id, start, end, limit)
        if limit is not None and buckets.held[bucket] + buckets.used[bucket] >= limit:
            return None
        return bucket

    def _request(self):
        """(enrollment, beneficiary, service, day, bucket, family) for one new case."""
        rng = self.rng
        while True:
            if self.designations and rng.random() < 0.12:
                designation = rng.choice(self.designations)
                row, beneficiary, family = designation.enrollment, designation.member, True
                first, last = designation.first, designation.last
                services = self.cat.family_services.get(row.edition.pk)
            else:
                row = self.enrollments[rng.randrange(len(self.enrollments))]
                beneficiary, family, first, last = row.insured, False, row.start, row.end
                services = self.cat.case_services.get(row.edition.pk)
            first, last = max(first, WINDOW_START), min(last, WINDOW_END)
            if not services or first > last:
                continue
            day = first + timedelta(days=rng.randrange((last - first).days + 1))
            for _ in range(3):
                service_id = rng.choice(services)
                bucket = self._bucket(row, beneficiary, service_id, day, family)
                if bucket is not None:
                    self.buckets.held[bucket] += 1
                    return row, beneficiary, service_id, day, bucket, family

    def _target_state(self, age_days: int, service: Service) -> str:
        rng = self.rng
        chance = next(p for limit, p in OPEN_CHANCE if age_days <= limit)
        reimbursement = service.kind == "reimbursement"
        if rng.random() < chance:
            if reimbursement:
                return rng.choice(["submitted", "in_review", "claim_approved", "paid"])
            state = pick(rng, OPEN_RECENT if age_days <= RECENT_DAYS else OPEN_OLD)
            if state in ("in_review", "returned") and not service.needs_medical_review:
                return "approved"
            return state
        state = pick(rng, FINAL)
        if state == "rejected" and not (service.needs_medical_review or reimbursement):
            return "closed"
        return state

    def _path(self, service: Service, target: str) -> list[str]:
        """The transitions from submission to ``target``, with the detours some cases take."""
        rng = self.rng
        if service.kind == "reimbursement":
            full = ["submit", "start_review", "claim_approve", "pay", "close"]
            ends = {"submitted": 1, "in_review": 2, "claim_approved": 3, "paid": 4, "closed": 5}
            if target == "rejected":
                return ["submit", "start_review", "reject"]
            if target in ("withdrawn", "cancelled"):
                return [*full[: rng.randint(1, 3)], "withdraw" if target == "withdrawn" else "cancel"]
            return full[: ends[target]]
        review = service.needs_medical_review
        path = ["submit"]
        if review:
            path += ["start_review"]
            if target == "returned" or rng.random() < 0.08:
                path += ["return_to_applicant"]
                if target == "returned":
                    return path
                path += ["resubmit"]
            if target == "in_review":
                return path
            if target == "rejected":
                return [*path, "reject"]
            path += ["approve"]
        else:
            if target == "submitted":
                return path
            path += ["skip_review"]
        if target == "submitted":
            return path[:1]
        if target in ("withdrawn", "cancelled"):
            tail = ["dispatch", "provider_accept"][: rng.randint(0, 2)]
            return path + tail + ["withdraw" if target == "withdrawn" else "cancel"]
        if target == "approved":
            return path
        path += ["dispatch"]
        if rng.random() < 0.04:
            path += ["redispatch"]
        if target == "dispatched":
            return path
        path += ["provider_accept"]
        if target == "accepted":
            return path
        path += ["await_customer"]
        if target == "waiting_customer":
            return path
        if rng.random() > 0.12:
            path.pop()
        else:
            path += ["customer_replied"]
        path += ["arrange"]
        if target == "arranged":
            return path
        path += ["complete"]
        return path if target == "completed" else [*path, "close"]

    # Working hours after the previous step, by transition (low, high), before scaling to now.
    GAPS = {
        "submit": (0, 0),
        "start_review": (1, 20),
        "return_to_applicant": (2, 30),
        "resubmit": (20, 120),
        "approve": (2, 40),
        "reject": (2, 40),
        "skip_review": (0, 0),
        "dispatch": (1, 24),
        "redispatch": (10, 60),
        "provider_accept": (1, 12),
        "await_customer": (10, 60),
        "customer_replied": (20, 150),
        "arrange": (24, 260),
        "complete": (24, 200),
        "close": (10, 150),
        "withdraw": (5, 100),
        "cancel": (5, 100),
        "claim_approve": (10, 60),
        "pay": (10, 80),
    }
    TARGET = {
        "submit": "submitted",
        "start_review": "in_review",
        "return_to_applicant": "returned",
        "resubmit": "in_review",
        "approve": "approved",
        "reject": "rejected",
        "skip_review": "approved",
        "dispatch": "dispatched",
        "redispatch": "dispatched",
        "provider_accept": "accepted",
        "await_customer": "waiting_customer",
        "customer_replied": "dispatched",
        "arrange": "arranged",
        "complete": "completed",
        "close": "closed",
        "withdraw": "withdrawn",
        "cancel": "cancelled",
        "claim_approve": "claim_approved",
        "pay": "paid",
    }
    ACTOR = {
        "start_review": "reviewer",
        "return_to_applicant": "reviewer",
        "approve": "reviewer",
        "reject": "reviewer",
        "claim_approve": "reviewer",
        "pay": "reviewer",
        "dispatch": "coordinator",
        "redispatch": "coordinator",
        "arrange": "coordinator",
        "complete": "coordinator",
        "close": "coordinator",
        "cancel": "coordinator",
        "submit": "intake",
        "resubmit": "intake",
        "withdraw": "intake",
        "provider_accept": "coordinator",
        "await_customer": "coordinator",
        "customer_replied": "coordinator",
    }

    def _times(self, path: list[str], start: datetime) -> list[datetime]:
        rng = self.rng
        offsets, total = [], 0.0
        for name in path:
            low, high = self.GAPS[name]
            total += rng.uniform(low, high) * 3600 * 1.4  # working hours spread over the calendar
            offsets.append(total)
        room = (NOW - start).total_seconds() - 60
        scale = min(1.0, room / total) if total else 1.0
        return [start + timedelta(seconds=o * scale) for o in offsets]

    def cases(self, cur) -> None:
        rng, cat, n = self.rng, self.cat, self.n_cases
        # Every request first (the quota checks count them all), in flat arrays: about 25 bytes a
        # request, where a tuple, a date and a datetime each took some 250.
        enrollment, beneficiary, service, ordinal, bucket = (array("i") for _ in range(5))
        family = bytearray()
        for i in range(1, n + 1):
            row, who, service_id, day, bid, for_family = self._request()
            enrollment.append(row.id - 1)
            beneficiary.append(who)
            service.append(service_id)
            ordinal.append(day.toordinal())
            bucket.append(bid)
            family.append(for_family)
            if i % 1_000_000 == 0:
                self.progress(f"{i:>11,} requests")
        # The moment of submission within the day (08:00–20:00), then the requests in time order,
        # a day at a time: a day's requests sorted by their second, ties by request (as one sort of
        # them all by their moment would order them, with no list of ten million moments).
        seconds = array("i", (rng.randrange(8 * 3600, 20 * 3600) for _ in range(n)))
        first_day = WINDOW_START.toordinal()
        by_day = [array("i") for _ in range((WINDOW_END - WINDOW_START).days + 1)]
        for index, day_ordinal in enumerate(ordinal):
            by_day[day_ordinal - first_day].append(index)
        del ordinal
        case_cols = [
            "id",
            "number",
            "channel",
            "state",
            "id_tail",
            "applicant_name",
            "applicant_relation",
            "applicant_phone",
            "province",
            "city",
            "preferred_hospital",
            "hospital_is_top50",
            "preferred_department",
            "named_expert",
            "diagnosis",
            "suspected",
            "diagnosing_hospital",
            "diagnosing_hospital_level",
            "diagnosing_hospital_ownership",
            "claimed_amount",
            "approved_amount",
            "reject_reason",
            "check_hospital_level",
            "check_specialist_diagnosis",
            "check_disease_listed",
            "check_documents_complete",
            "arranged_hospital",
            "arranged_department",
            "arranged_doctor",
            "arranged_doctor_title",
            "arranged_at",
            "arranged_address",
            "review_due",
            "review_paused_on",
            "review_paused_days",
            "sla_started_on",
            "sla_paused_on",
            "sla_paused_days",
            "sla_target_due",
            "sla_deadline_due",
            "sla_stopped_at",
            "resume_state",
            "submitted_at",
            "reviewed_at",
            "created_at",
            "updated_at",
            "beneficiary_id",
            "critical_illness_id",
            "enrollment_id",
            "holder_id",
            "provider_id",
            "quota_hold_id",
            "service_id",
            # The second reading's columns: nothing recorded for them in generated cases.
            *CASE_BLANK_COLUMNS,
        ]
        self.case_copier = Copier(cur, "cases_case", case_cols, batch=20_000)
        self.event_copier = Copier(
            cur,
            "cases_caseevent",
            ["case_id", "kind", "at", "transition", "from_state", "to_state", "note", "extra", "actor_id"],
            batch=100_000,
        )
        self.dispatch_copier = Copier(
            cur,
            "cases_dispatch",
            [
                "case_id",
                "note",
                "at",
                "accepted_at",
                "declined_at",
                "decline_reason",
                "active",
                "dispatched_by_id",
                "provider_id",
            ],
        )
        self.hold_copier = Copier(
            cur,
            "entitlements_quotahold",
            [
                "id",
                "period_start",
                "period_end",
                "status",
                "reference",
                "requested_on",
                "release_reason",
                "created_at",
                "used_at",
                "released_at",
                "updated_at",
                "beneficiary_id",
                "bucket_id",
                "enrollment_id",
                "service_id",
            ],
        )
        self.counters: dict[int, int] = defaultdict(int)
        # The quota checks above counted every request as drawing on its bucket; the real counts
        # (held/used, released ones not at all) are recounted here.
        self.buckets.recount()
        case_id = 0
        for offset, indexes in enumerate(by_day):
            by_day[offset] = array("i")  # done with: its memory back
            day = WINDOW_START + timedelta(days=offset)
            for index in sorted(indexes, key=seconds.__getitem__):
                case_id += 1
                request = (
                    self.enrollments[enrollment[index]],
                    beneficiary[index],
                    service[index],
                    day,
                    bucket[index],
                    bool(family[index]),
                )
                self._case(case_id, request, aware(day, seconds[index]), cat)
                if case_id % 500_000 == 0:
                    self.progress(f"{case_id:>11,} cases")
        for copier in (self.case_copier, self.event_copier, self.dispatch_copier, self.hold_copier):
            copier.flush()
        # The next case number comes from a per-year sequence (cases/services/numbers.py).
        for year, last in self.counters.items():
            cur.execute(f"CREATE SEQUENCE IF NOT EXISTS cases_number_{year}")
            cur.execute(f"SELECT setval('cases_number_{year}', {last})")

    def _case(self, case_id: int, request, start: datetime, cat: Catalogue) -> None:
        rng, users = self.rng, self.users
        row, beneficiary, service_id, day, bucket, family = request
        service = cat.services[service_id]
        target = self._target_state((WINDOW_END - day).days, service)
        path = self._path(service, target)
        times = self._times(path, start)
        created = start - timedelta(minutes=rng.randrange(2, 30))
        self.counters[start.year] += 1
        number = f"LB-{start.year}-{self.counters[start.year]:06d}"
        f = {
            "state": "submitted",
            "provider": None,
            "holder": None,
            "review_paused_days": 0,
            "review_paused_on": None,
            "sla_started_on": None,
            "sla_paused_on": None,
            "sla_paused_days": 0,
            "sla_stopped_at": None,
            "resume_state": "",
            "arranged_at": None,
            "reject_reason": "",
            "approved_amount": None,
            "reviewed_at": None,
        }
        events, dispatches = [], []
        for name, at in zip(path, times, strict=True):
            previous = "new" if name == "submit" else f["state"]
            to_state = self.TARGET[name]
            if name == "customer_replied":
                to_state = f["resume_state"] or "dispatched"
            self._apply(f, name, at, to_state, dispatches)
            f["state"] = to_state
            actor = users[self.ACTOR.get(name, "coordinator")] if name != "skip_review" else None
            events.append((case_id, "transition", at, name, previous, to_state, "", "{}", actor))
        state = f["state"]
        review = service.needs_medical_review or service.kind == "reimbursement"
        submitted_day = start.date()
        review_due = add_workdays(submitted_day, REVIEW_TARGET + f["review_paused_days"]) if review else None
        target_due = deadline_due = None
        if f["sla_started_on"] is not None:
            target_days, deadline_days = self._sla(service)
            target_due = add_workdays(f["sla_started_on"], target_days + f["sla_paused_days"])
            deadline_due = add_workdays(f["sla_started_on"], deadline_days + f["sla_paused_days"])
        hold_status, used_at, released_at, reason = "held", None, None, ""
        if state in ("arranged", "completed", "closed", "paid"):
            hold_status, used_at = "used", f["sla_stopped_at"] or times[-1]
            self.buckets.used[bucket] += 1
        elif state in ("rejected", "withdrawn", "cancelled"):
            hold_status, released_at, reason = "released", times[-1], RELEASE_REASONS[state]
        else:
            self.buckets.held[bucket] += 1
        self.hold_copier.add(
            (
                case_id,
                self.buckets.day(self.buckets.start[bucket]),
                self.buckets.day(self.buckets.end[bucket]),
                hold_status,
                number,
                submitted_day,
                reason,
                start,
                used_at,
                released_at,
                times[-1],
                beneficiary,
                bucket,
                row.id,
                service_id,
            )
        )
        province, city = rng.choices(CITIES, cum_weights=CITY_CUMULATIVE)[0]
        illness = service.illness_condition
        arranged = f["arranged_at"] is not None
        reimbursement = service.kind == "reimbursement"
        checks = review and state not in ("submitted", "in_review", "returned", "rejected")
        self.case_copier.add(
            (
                case_id,
                number,
                rng.choice(["wechat", "wechat", "hotline", "backoffice"]),
                state,
                self.id_numbers[beneficiary - 1][-4:],
                self.names[beneficiary - 1] if not family or rng.random() < 0.5 else self.names[row.insured - 1],
                "self" if not family else rng.choice(["spouse", "parent", "child"]),
                self.phones[beneficiary - 1],
                province,
                city,
                rng.choice(HOSPITALS) if not reimbursement else "",
                rng.random() < 0.3,
                rng.choice(DEPARTMENTS) if not reimbursement else "",
                "",
                "疑似恶性肿瘤" if illness == "suspected" else ("恶性肿瘤" if illness == "reviewed" else ""),
                illness == "suspected",
                rng.choice(HOSPITALS) if illness != "none" else "",
                rng.choice([2, 3, 3]) if illness != "none" else None,
                "public" if illness != "none" else "",
                Decimal(rng.randrange(80, 400)) if reimbursement else None,
                f["approved_amount"],
                f["reject_reason"],
                checks,
                checks,
                checks,
                checks,
                rng.choice(HOSPITALS) if arranged else "",
                rng.choice(DEPARTMENTS) if arranged else "",
                "李医生" if arranged else "",
                rng.choice(TITLES) if arranged else "",
                f["arranged_at"],
                "医院门诊楼" if arranged else "",
                review_due,
                f["review_paused_on"],
                f["review_paused_days"],
                f["sla_started_on"],
                f["sla_paused_on"],
                f["sla_paused_days"],
                target_due,
                deadline_due,
                f["sla_stopped_at"],
                f["resume_state"],
                start,
                f["reviewed_at"],
                created,
                times[-1],
                beneficiary,
                rng.choice(self.cat.illnesses) if illness == "reviewed" else None,
                row.id,
                f["holder"],
                f["provider"],
                case_id,
                service_id,
                *CASE_BLANK_COLUMNS.values(),
            )
        )
        for event in events:
            self.event_copier.add(event)
        for dispatch in dispatches:
            self.dispatch_copier.add((case_id, *dispatch))

    def _sla(self, service: Service) -> tuple[int, int]:
        target, deadline = service.sla_target_working_days, service.sla_deadline_working_days
        if target is None and deadline is None:
            return DEFAULT_SLA
        return target or deadline, deadline or target

    def _apply(self, f: dict, name: str, at: datetime, to_state: str, dispatches: list) -> None:
        """The fields the transition (and its service) set, as ``cases.models.Case`` does."""
        day = at.astimezone(SHANGHAI).date()
        if name in ("approve", "reject", "claim_approve"):
            f["reviewed_at"] = at  # the review decision, at its event's moment
        if name == "start_review":
            f["holder"] = self.users["reviewer"]
        elif name in ("approve", "skip_review"):
            f["holder"], f["sla_started_on"] = None, day
        elif name == "return_to_applicant":
            f["review_paused_on"] = day
        elif name == "resubmit":
            f["review_paused_days"] += workdays_between(f["review_paused_on"], day)
            f["review_paused_on"] = None
        elif name in ("dispatch", "redispatch"):
            provider = self.rng.choice(self.cat.providers)
            if dispatches:
                dispatches[-1][5] = False
            f["provider"] = provider
            dispatches.append(["", at, None, None, "", True, self.users["coordinator"], provider])
        elif name == "provider_accept":
            dispatches[-1][2] = at
        elif name == "await_customer":
            f["resume_state"], f["sla_paused_on"] = f["state"], day
        elif name == "customer_replied":
            f["sla_paused_days"] += workdays_between(f["sla_paused_on"], day)
            f["sla_paused_on"], f["resume_state"] = None, ""
        elif name == "arrange":
            f["sla_stopped_at"] = at
            f["arranged_at"] = at + timedelta(days=self.rng.randrange(1, 10))
        elif name == "claim_approve":
            f["approved_amount"] = Decimal(self.rng.randrange(80, 200))
        elif name == "pay":
            f["sla_stopped_at"] = at
        elif name == "reject":
            f["reject_reason"], f["holder"] = self.rng.choice(REJECT_REASONS), None
        elif name in ("withdraw", "cancel", "close"):
            f["holder"] = None

    def bucket_rows(self, cur) -> None:
        copier = Copier(
            cur,
            "entitlements_quotabucket",
            [
                "id",
                "period_start",
                "period_end",
                "limit",
                "held",
                "used",
                "updated_at",
                "beneficiary_id",
                "enrollment_id",
                "service_id",
            ],
        )
        b = self.buckets
        for bid in range(1, len(b) + 1):
            limit = b.limit[bid] if b.limit[bid] >= 0 else None
            copier.add(
                (
                    bid,
                    b.day(b.start[bid]),
                    b.day(b.end[bid]),
                    limit,
                    b.held[bid],
                    b.used[bid],
                    NOW,
                    b.beneficiary[bid],
                    b.enrollment[bid],
                    b.service[bid],
                )
            )
        copier.flush()

    # --- the whole run -------------------------------------------------------------------------

    def run(self) -> None:
        self.started = time.perf_counter()
        # Nothing the load builds is cyclic: without the collector, its full passes over millions of
        # enrollment and designation rows (a pass every quarter of growth) are not paid.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cur = cursor.cursor  # the psycopg cursor: COPY needs it
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
            indexes = self.indexes_drop(cur) if self.bulk else []
            self.step("people", self.people, cur)
            self.step("policies and enrollments", self.policies_and_enrollments, cur)
            self.step("family designations", self.family, cur)
            self.step("cases, events, dispatches, holds", self.cases, cur)
            self.step("quota buckets", self.bucket_rows, cur)
            if indexes:
                label = f"{len(indexes)} secondary indexes rebuilt"
                self.step(label, lambda c: [c.execute(sql) for sql in indexes], cur)
            for table in TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f"FROM {table}"
                )
        # The manager report reads its aggregates (sla.report_aggregates): the load wrote the cases with
        # the triggers off, so the aggregates are recounted from them, or a year's report would fall
        # back to the direct statement (4.1 s at 1M) — or, after an earlier rebuild, count the old cases.
        self.step("report aggregates rebuilt", lambda _: aggregates_rebuild(), None)
        if self.bulk:
            # Outside the load's transaction: VACUUM cannot run inside one.
            self.step("VACUUM (ANALYZE)", lambda _: vacuum_analyze(), None)
        meta_write(self.n_cases)

    def indexes_drop(self, cur) -> list[str]:
        """Drop the loaded tables' secondary indexes, returning the statements that rebuild them:
        one sort per index after the load is several times faster than maintaining it per row."""
        cur.execute(
            """
            SELECT i.schemaname, i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.contype IN ('p', 'u'))
            """,
            [TABLES],
        )
        rows = cur.fetchall()
        for schema, name, _ in rows:
            cur.execute(f'DROP INDEX "{schema}"."{name}"')
        return [definition for _, _, definition in rows]

    def step(self, label: str, func, cur) -> None:
        began = time.perf_counter()
        func(cur)
        print(f"{label:<34} {time.perf_counter() - began:7.1f} s  {machine()}", flush=True)

    def progress(self, label: str) -> None:
        print(f"  {label:<32} {time.perf_counter() - self.started:7.1f} s  {machine()}", flush=True)


def machine() -> str:
    """The process's resident memory now and the machine's load, for the progress lines."""
    try:
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        rss = 0
    return f"RSS {rss / 1024**2:,.0f} MB, load {os.getloadavg()[0]:.1f}"


META_SQL = "CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)"
BYTES_PER_CASE = 2_800  # 1M cases take 2.6 GB with their people, events, holds and indexes
DISK_MARGIN = 2 * 1024**3


# The report's aggregates, rebuilt after the load: vacuumed with the loaded tables.
AGGREGATE_TABLES = ["sla_reportcell", "sla_reportmargin", "sla_reportdelta"]


def vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for table in [*TABLES, *AGGREGATE_TABLES]:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("ANALYZE")


def meta_write(cases: int) -> None:
    """The data set's anchor: the moment its "today" is (``NOW``), for the runner's clock."""
    with connection.cursor() as cursor:
        cursor.execute(META_SQL)
        for key, value in (
            ("now", NOW.isoformat()),
            ("cases", str(cases)),
            ("generated_at", datetime.now(UTC).isoformat()),
        ):
            cursor.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, value],
            )


def disk_check(cases: int) -> str | None:
    """A sentence saying why the data set would not fit on the database's disk, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        directory = cursor.fetchone()[0]
        cursor.execute("SELECT pg_database_size(current_database())")
        current = cursor.fetchone()[0]
    path = directory if os.path.exists(directory) else "/"
    free = shutil.disk_usage(path).free + current  # the load replaces what the database holds
    needed = cases * BYTES_PER_CASE + DISK_MARGIN
    if free < needed:
        return (
            f"refusing to generate {cases:,} cases: they need about {needed / 1024**3:.0f} GB on the database's disk "
            f"({path}), and {free / 1024**3:.0f} GB is free (counting this database's {current / 1024**3:.1f} GB)"
        )
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--people", type=int)
    parser.add_argument("--enrollments", type=int)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    # Proportions of the issue: 1M cases, ~300k people, ~200k enrollments.
    people = args.people or max(300, args.cases * 3 // 10)
    enrollments = args.enrollments or max(200, args.cases // 5)
    refusal = disk_check(args.cases)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    generator = Generator(cases=args.cases, people=people, enrollments=enrollments, seed=args.seed)
    began = time.perf_counter()
    generator.run()
    print(
        f"generated {args.cases:,} cases, {people:,} people, {enrollments:,} enrollments "
        f"in {time.perf_counter() - began:.1f} s"
    )
    with connection.cursor() as cursor:
        for table in (
            "cases_case",
            "cases_caseevent",
            "cases_dispatch",
            "entitlements_quotahold",
            "entitlements_quotabucket",
            "entitlements_familydesignation",
        ):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            print(f"  {table:<32} ~{cursor.fetchone()[0]:>10,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
