"""The demo's customers: every edition and tier of the handbook, with family members."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from stdnum.cn import ric


def id_number(area: str, birth: date, sequence: int, gender: str) -> str:
    """A resident ID number with a correct GB 11643 check digit (odd sequence digit for men)."""
    seq = sequence * 2 + (1 if gender == "M" else 0)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # the library expects a placeholder check digit


@dataclass(frozen=True)
class Member:
    name: str
    gender: str
    birth: date
    relation: str
    area: str = "310101"


@dataclass(frozen=True)
class Customer:
    key: str
    name: str
    gender: str
    birth: date
    area: str
    phone: str
    address: str
    edition: str
    policy_no: str
    product: str
    category: str
    effective: date
    term_years: int
    premium: Decimal
    sum_insured: Decimal
    qualified_on: date | None = None
    payment_mode: str = "annual"
    upgraded: bool = False
    family: list[Member] = field(default_factory=list)
    extra_editions: list[tuple[str, str, str, date]] = field(default_factory=list)


D = Decimal
CUSTOMERS = [
    Customer(
        "zhangwei",
        "张伟",
        "M",
        date(1975, 4, 12),
        "310104",
        "13816620431",
        "上海市徐汇区漕溪北路 88 号",
        "2023-premium-2",
        "P2024000318",
        "金佑人生终身重疾险（2023）",
        "critical_illness",
        date(2024, 3, 1),
        20,
        D("12800"),
        D("500000"),
        family=[Member("李娜", "F", date(1977, 9, 3), "spouse"), Member("张子涵", "F", date(2004, 6, 18), "child")],
    ),
    Customer(
        "wangfang",
        "王芳",
        "F",
        date(1982, 11, 2),
        "110105",
        "13901187264",
        "北京市朝阳区建国路 16 号",
        "2023-pro",
        "P2025001207",
        "金佑安康重疾险（2023）",
        "critical_illness",
        date(2025, 6, 10),
        10,
        D("6800"),
        D("300000"),
    ),
    Customer(
        "liuyang",
        "刘洋",
        "M",
        date(1990, 1, 25),
        "440106",
        "13726580912",
        "广州市天河区天河路 385 号",
        "2022-care",
        "P2022000045",
        "金佑康宁重疾险（2022）",
        "critical_illness",
        # 关爱版 serves 2022's qualification only, for one year: long over; he qualified again in 2026.
        date(2022, 6, 10),
        20,
        D("3200"),
        D("200000"),
        extra_editions=[("2023-pro", "P2026000045", "金佑康宁重疾险（2026）", date(2026, 1, 5))],
    ),
    Customer(
        "chenjing",
        "陈静",
        "F",
        date(1968, 7, 30),
        "320102",
        "13851736620",
        "南京市玄武区中山路 18 号",
        "2021-premium-3",
        "P2021008816",
        "鑫享人生两全险（2021）",
        "other",
        date(2021, 9, 1),
        20,
        D("30000"),
        D("800000"),
        family=[Member("陈建国", "M", date(1941, 2, 14), "parent", "320102")],
    ),
    Customer(
        "zhaolei",
        "赵磊",
        "M",
        date(1972, 5, 8),
        "330106",
        "13605716298",
        "杭州市西湖区文三路 90 号",
        "2020-tier-3",
        "P2020004471",
        "金福人生终身寿险（2020）",
        "other",
        date(2020, 11, 12),
        10,
        D("20000"),
        D("400000"),
        qualified_on=date(2020, 12, 1),
        upgraded=True,
    ),
    Customer(
        "sunli",
        "孙丽",
        "F",
        date(1979, 3, 21),
        "510104",
        "13880927715",
        "成都市锦江区春熙路 7 号",
        "2019-tier-2",
        "P2019002210",
        "金佑人生终身重疾险（2019）",
        "critical_illness",
        date(2019, 5, 20),
        20,
        D("15000"),
        D("500000"),
        qualified_on=date(2019, 6, 1),
    ),
    Customer(
        "zhouqiang",
        "周强",
        "M",
        date(1966, 10, 9),
        "420106",
        "13907185543",
        "武汉市武昌区中南路 12 号",
        "wuyou-2023-premium",
        "P2023006650",
        "金佑无忧重疾险（2023）",
        "critical_illness",
        date(2023, 8, 1),
        10,
        D("26000"),
        D("1000000"),
    ),
    Customer(
        "wumin",
        "吴敏",
        "F",
        date(1986, 12, 15),
        "310115",
        "13764229081",
        "上海市浦东新区张杨路 500 号",
        "puhui-2023",
        "PH2026118872",
        "太保蓝本普惠版（2023）",
        "health",
        date(2026, 2, 10),
        1,
        D("0"),
        D("0"),
        qualified_on=date(2026, 2, 10),
    ),
    Customer(
        "zhenghao",
        "郑浩",
        "M",
        date(1970, 8, 28),
        "310106",
        "13601758842",
        "上海市静安区南京西路 1266 号",
        "2023-premium-1",
        "P2023004410",
        "鑫享福两全险（2023）",
        "other",
        date(2023, 5, 15),
        10,
        D("50000"),
        D("600000"),
        extra_editions=[("wuyou-2023-pro", "P2023004411", "金佑无忧重疾险（2023）", date(2023, 5, 15))],
    ),
    Customer(
        "huanglei",
        "黄磊",
        "M",
        date(1984, 2, 6),
        "110108",
        "13911064420",
        "北京市海淀区中关村大街 27 号",
        "2023-premium-3",
        "P2024007788",
        "金佑人生终身重疾险（2023）",
        "critical_illness",
        date(2024, 7, 1),
        15,
        D("18800"),
        D("600000"),
        family=[
            Member("黄秀英", "F", date(1958, 4, 1), "parent", "110108"),
            Member("高雪", "F", date(1986, 5, 20), "spouse", "110108"),
        ],
    ),
    Customer(
        "mali",
        "马丽",
        "F",
        date(1977, 9, 9),
        "440304",
        "13510297736",
        "深圳市福田区深南大道 6008 号",
        "2022-pro",
        "P2022003356",
        "金佑安康重疾险（2022）",
        "critical_illness",
        date(2022, 4, 8),
        20,
        D("9000"),
        D("350000"),
    ),
    Customer(
        "linfeng",
        "林峰",
        "M",
        date(1963, 12, 1),
        "350203",
        "13906018875",
        "厦门市思明区湖滨南路 57 号",
        "2022-premium-2",
        "P2022009902",
        "鑫享人生两全险（2022）",
        "other",
        date(2022, 10, 10),
        10,
        D("40000"),
        D("700000"),
        family=[Member("林晓", "F", date(1992, 3, 3), "child", "350203")],
    ),
    Customer(
        "guoyan",
        "郭燕",
        "F",
        date(1974, 6, 16),
        "370102",
        "13953108826",
        "济南市历下区泉城路 180 号",
        "2023-premium-1",
        "P2024010021",
        "鑫享福两全险（2023）",
        "other",
        date(2024, 9, 20),
        10,
        D("36000"),
        D("500000"),
    ),
    Customer(
        "hejun",
        "何军",
        "M",
        date(1959, 1, 19),
        "500103",
        "13908317724",
        "重庆市渝中区解放碑民族路 166 号",
        "wuyou-2023-pro",
        "P2023012209",
        "金佑无忧重疾险（2023）",
        "critical_illness",
        date(2023, 11, 1),
        1,
        D("120000"),
        D("500000"),
        payment_mode="single",
    ),
]


def customer_id_number(customer: Customer, index: int) -> str:
    return id_number(customer.area, customer.birth, 100 + index, customer.gender)


def member_id_number(member: Member, index: int, number: int) -> str:
    return id_number(member.area, member.birth, 300 + index * 10 + number, member.gender)


def member_phone(index: int, number: int) -> str:
    return f"139{index:02d}{number:02d}55{number}1"[:11]


def demo_identifiers() -> dict[str, set[str]]:
    """Every ID number and phone number the demo story gives its people (the test run's logs are
    checked for them)."""
    ids, phones = set(), set()
    for index, customer in enumerate(CUSTOMERS):
        ids.add(customer_id_number(customer, index))
        phones.add(customer.phone)
        for number, member in enumerate(customer.family):
            ids.add(member_id_number(member, index, number))
            phones.add(member_phone(index, number))
    return {"id_number": ids, "phone": phones}
