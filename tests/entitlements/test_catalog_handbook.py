"""The catalogue export, checked cell for cell against the handbook's tables.

The expected tables below are a second, independent transcription of 《太保蓝本健康管理服务手册》
(更新于2023年4月), written from the printed tables rather than from the data file.
"""

import json

import pytest
from django.core.management import call_command

from entitlements.catalog import catalog_export, catalog_load, parse_quota_cell
from entitlements.models import Edition, EditionRule, Service

U = None  # unlimited
Y, P, F = "year", "service_period", "first_year"

CI_2023_SERVICES = [
    "重疾三甲专家预约",
    "重疾三甲专家病房",
    "重疾三甲专家手术",
    "重疾陪诊服务",
    "重疾二次诊疗",
    "重疾多学科会诊",
    "重疾海外就医协助",
    "120急救补贴",
]
BARRED_TO_FAMILY = {"重疾三甲专家病房", "重疾三甲专家手术"}  # 注1
S2021_SERVICES = [
    "三甲专家预约",
    "三甲专家病房",
    "三甲专家手术",
    "陪诊服务",
    "二次诊疗",
    "多学科会诊",
    "海外就医协助",
    "120急救补贴",
]
S2019_BASE = ["专家预约", "专家病房", "专家手术", "陪诊服务", "二次诊疗", "海外就医协助"]


def table_2023(count: int | None, family: tuple | None, *, video: bool = True) -> dict:
    rows = {"健康咨询": ((U, Y), family)}
    if video:
        fam_video = (family[0], F) if family else None
        rows["视频医生专业版"] = ((U, F), fam_video)
    for name in CI_2023_SERVICES:
        rows[name] = ((count, Y), None if name in BARRED_TO_FAMILY else family)
    return rows


def table_2021(count: int | None, family: tuple | None) -> dict:
    rows = {"健康咨询": ((U, Y), family), "视频医生专业版": ((U, F), (family[0], F) if family else None)}
    rows.update(dict.fromkeys(S2021_SERVICES, ((count, Y), family)))
    return rows


def table_2020(tier: int) -> dict:
    if tier == 1:
        rows = {"健康咨询": ((5, Y), None)}
        rows.update(dict.fromkeys(S2019_BASE, ((1, Y), None)))
        rows["线上购药"] = ((U, Y), None)
        return rows
    family = {2: None, 3: (1, Y), 4: (U, Y)}[tier]
    rows = dict.fromkeys(["健康咨询", *S2019_BASE, "多学科会诊", "120急救补贴"], ((U, Y), family))
    rows["线上购药"] = ((U, Y), (U, Y) if tier >= 3 else None)  # 线上购药无次数限制
    if tier == 3:
        rows["视频医生优享版"] = ((U, Y), (1, Y))
    if tier == 4:
        rows["视频医生尊享版"] = ((U, Y), (U, Y))
    return rows


def table_2019(tier: int) -> dict:
    if tier == 1:
        rows = {"健康咨询": ((5, Y), None)}
        rows.update(dict.fromkeys(S2019_BASE, ((1, Y), None)))
        return rows
    return dict.fromkeys(["健康咨询", *S2019_BASE, "多学科会诊", "120急救补贴"], ((U, Y), None))


def table_wuyou(premium: bool) -> dict:
    first = {
        "三甲医生视频问诊": ((6, Y), None),
        "无忧管家全程服务": ((U, Y), None),
        "个性诊疗方案定制": ((U, Y), None),
        "重疾三甲专家门诊预约": ((1, Y), None),
        "全程专业医学陪诊": ((1, Y), None),
        "重疾三甲专家二次诊疗": ((1, Y), None),
        "重疾三甲病房手术安排": ((1, Y), None),
        "异地就医协助安排": ((1, Y), None),
        "专家远程康复指导": ((1, Y), None),
        "专业医护上门安排": ((1, Y), None),
    }
    if premium:
        first["特种检查预约加急（影像类/内镜穿刺类）"] = ((1, Y), None)
    later = table_2023(5 if premium else 1, None, video=False)
    return {**{(name, 1, 5): cell for name, cell in first.items()}, **{(n, 6, None): c for n, c in later.items()}}


HANDBOOK = {
    ("2023", "专业版", None): table_2023(1, None),
    ("2023", "尊享版", 1): table_2023(5, None),
    ("2023", "尊享版", 2): table_2023(5, (1, Y)),
    ("2023", "尊享版", 3): table_2023(5, (5, Y)),
    ("2022", "关爱版", None): {
        "健康咨询": ((U, P), None),
        "视频医生专业版": ((U, P), None),
        "重疾三甲专家预约": ((1, P), None),
        "重疾三甲专家病房": ((1, P), None),
        "重疾三甲专家手术": ((1, P), None),
        "120急救补贴": ((1, P), None),
    },
    ("2022", "专业版", None): table_2023(1, None),
    ("2022", "尊享版", 1): table_2023(5, None),
    ("2022", "尊享版", 2): table_2023(5, (1, Y)),
    ("2022", "尊享版", 3): table_2023(5, (5, Y)),
    ("2021", "专业版", None): table_2021(1, None),
    ("2021", "尊享版", 1): table_2021(U, None),
    ("2021", "尊享版", 2): table_2021(U, (1, Y)),
    ("2021", "尊享版", 3): table_2021(U, (U, Y)),
    ("2020", "医疗特权", 1): table_2020(1),
    ("2020", "医疗特权", 2): table_2020(2),
    ("2020", "医疗特权", 3): table_2020(3),
    ("2020", "医疗特权", 4): table_2020(4),
    ("2019", "医疗特权", 1): table_2019(1),
    ("2019", "医疗特权", 2): table_2019(2),
    ("wuyou-2023", "专业版", None): table_wuyou(premium=False),
    ("wuyou-2023", "尊享版", None): table_wuyou(premium=True),
    ("puhui-2023", "普惠版", None): {
        "重疾专家预约": ((1, P), None),
        "重疾专家病房": ((1, P), None),
        "重疾专家手术": ((1, P), None),
        "120急救补贴": ((1, P), None),
    },
}
FAMILY_CAPS = {("2023", 2): 3, ("2023", 3): 5, ("2022", 2): 3, ("2022", 3): 5, ("2021", 2): 3, ("2021", 3): 5}
FAMILY_CAPS.update({("2020", 3): 3, ("2020", 4): 5})


def exported_cells(edition: dict) -> dict:
    cells = {}
    for rule in edition["rules"]:
        insured = (rule["insured"]["limit"], rule["insured"]["per"])
        family = (rule["family"]["limit"], rule["family"]["per"]) if rule["family"] else None
        key = rule["service"]
        if edition["series"] == "wuyou-2023":
            key = (rule["service"], *rule["policy_years"])
        else:
            assert rule["policy_years"] == [1, None]
        cells[key] = (insured, family)
    return cells


@pytest.fixture
def export() -> dict:
    return catalog_export()


@pytest.mark.django_db
def test_export_has_the_handbooks_22_plan_tier_rows(export):
    keys = {(e["series"], e["plan"], e["tier"]) for e in export["editions"]}
    assert keys == set(HANDBOOK)
    assert len(export["editions"]) == 22


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(HANDBOOK), ids=lambda k: "-".join(str(p) for p in k))
def test_every_cell_of_the_edition_table_matches_the_handbook(export, key):
    edition = next(e for e in export["editions"] if (e["series"], e["plan"], e["tier"]) == key)
    assert exported_cells(edition) == HANDBOOK[key]


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(HANDBOOK), ids=lambda k: "-".join(str(p) for p in k))
def test_family_cap_is_three_or_five_only_where_the_handbook_shares(export, key):
    edition = next(e for e in export["editions"] if (e["series"], e["plan"], e["tier"]) == key)
    assert edition["max_family_members"] == FAMILY_CAPS.get((key[0], key[2]), 0)


@pytest.mark.django_db
def test_family_members_never_get_the_2023_and_2022_ward_and_surgery(export):
    for edition in export["editions"]:
        if edition["series"] not in {"2023", "2022"}:
            continue
        for rule in edition["rules"]:
            if rule["service"] in BARRED_TO_FAMILY:
                assert rule["family"] is None, (edition["code"], rule["service"])


SLA = {
    "重疾三甲专家预约": (7, 7),
    "三甲专家预约": (7, 7),
    "专家预约": (7, 7),
    "重疾专家预约": (7, 7),
    "重疾三甲专家门诊预约": (7, 7),
    "重疾三甲专家病房": (7, 10),
    "重疾三甲专家手术": (7, 10),
    "三甲专家病房": (7, 10),
    "三甲专家手术": (7, 10),
    "专家病房": (7, 10),
    "专家手术": (7, 10),
    "重疾专家病房": (7, 10),
    "重疾专家手术": (7, 10),
    "海外就医协助": (7, 10),
    "重疾海外就医协助": (7, 10),
    "重疾三甲病房手术安排": (10, 10),
    "特种检查预约加急（影像类/内镜穿刺类）": (2, 5),
    "异地就医协助安排": (2, 2),
}
NEEDS_REVIEW = {
    "重疾三甲专家预约",
    "重疾三甲专家病房",
    "重疾三甲专家手术",
    "重疾陪诊服务",
    "重疾二次诊疗",
    "重疾海外就医协助",
    "重疾多学科会诊",
    "重疾三甲专家门诊预约",
    "重疾三甲专家二次诊疗",
    "重疾三甲病房手术安排",
}
HANDBOOK_LIST = (
    "健康咨询 视频医生 三甲医生视频问诊 专家预约 三甲专家预约 重疾专家预约 重疾三甲专家预约 重疾三甲专家门诊预约 "
    "专家病房 三甲专家病房 重疾专家病房 重疾三甲专家病房 专家手术 三甲专家手术 重疾专家手术 重疾三甲专家手术 "
    "重疾三甲病房手术安排 陪诊服务 重疾陪诊服务 二诊服务 重疾二诊服务 重疾三甲专家二次诊疗 多学科会诊 重疾多学科会诊 "
    "海外就医协助 重疾海外就医协助 120急救补贴 线上购药 无忧管家全程服务 个性诊疗方案定制 全程专业医学陪诊 "
    "特种检查预约加急（影像类/内镜穿刺类） 异地就医协助安排 专家远程康复指导 专业医护上门安排"
).split()


@pytest.mark.django_db
def test_every_service_the_handbook_lists_is_in_the_catalogue(export):
    known = set()
    for service in export["services"]:
        known.add(service["name"])
        known.update(service["aliases"])
    assert len(HANDBOOK_LIST) == 35
    assert set(HANDBOOK_LIST) <= known
    assert {"视频医生优享版", "视频医生尊享版", "视频医生专业版"} <= known


@pytest.mark.django_db
def test_sla_figures_come_from_the_service_texts(export):
    for service in export["services"]:
        expected = SLA.get(service["name"])
        if expected is None:
            assert service["sla"] is None, service["name"]
        else:
            assert (service["sla"]["target_working_days"], service["sla"]["deadline_working_days"]) == expected


@pytest.mark.django_db
def test_only_services_with_service_conditions_need_medical_review(export):
    assert {s["name"] for s in export["services"] if s["needs_medical_review"]} == NEEDS_REVIEW


@pytest.mark.django_db
def test_kinds_and_the_120_cap(export):
    by_name = {s["name"]: s for s in export["services"]}
    assert by_name["120急救补贴"]["kind"] == "reimbursement"
    assert by_name["120急救补贴"]["max_claim_amount"] == "200.00"
    assert by_name["120急救补贴"]["needs_invoice"] is True
    assert by_name["重疾专家病房"]["needs_admission_slip"] is True
    assert by_name["重疾专家病房"]["illness_condition"] == "suspected"
    for usage in ["健康咨询", "视频医生专业版", "三甲医生视频问诊", "线上购药", "无忧管家全程服务", "个性诊疗方案定制"]:
        assert by_name[usage]["kind"] == "usage"
    assert by_name["重疾三甲病房手术安排"]["kind"] == "green_channel"


@pytest.mark.django_db
def test_critical_illness_list_holds_the_28_severe_diseases(export):
    names = [ci["name"] for ci in export["critical_illnesses"]]
    assert len(names) == 28
    assert names[0] == "恶性肿瘤——重度"
    assert "严重溃疡性结肠炎" in names


@pytest.mark.django_db
def test_wuyou_named_expert_cells(export):
    for code, level in [("wuyou-2023-pro", "expert"), ("wuyou-2023-premium", "famous")]:
        edition = next(e for e in export["editions"] if e["code"] == code)
        named = {r["service"]: r["named_expert"] for r in edition["rules"] if r["named_expert"] != "none"}
        assert named == {"重疾三甲专家门诊预约": level, "重疾三甲病房手术安排": level}


@pytest.mark.django_db
def test_second_load_changes_nothing_and_writes_no_history():
    history_before = Service.history.count() + EditionRule.history.count() + Edition.history.count()
    counts = catalog_load()
    assert counts["created"] == counts["updated"] == counts["removed"] == 0
    assert counts["unchanged"] == Service.objects.count() + Edition.objects.count() + EditionRule.objects.count() + 28
    assert Service.history.count() + EditionRule.history.count() + Edition.history.count() == history_before


@pytest.mark.django_db
def test_load_restores_a_cell_changed_by_hand_and_keeps_the_change_in_history():
    rule = EditionRule.objects.get(edition__code="2023-pro", service__name="重疾三甲专家预约")
    rule.insured_limit = 9
    rule.save()
    counts = catalog_load()
    assert counts["updated"] == 1
    rule.refresh_from_db()
    assert rule.insured_limit == 1
    assert [h.insured_limit for h in rule.history.order_by("history_date")][-2:] == [9, 1]


@pytest.mark.django_db
def test_management_command_prints_the_same_json_as_the_api(api_client, django_user_model, capsys):
    call_command("catalog", "export")
    printed = json.loads(capsys.readouterr().out)
    user = django_user_model.objects.create_user("product", password="x-very-long-pass")
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/catalog")
    assert response.status_code == 200
    assert response.json() == printed


@pytest.mark.django_db
def test_catalog_api_refuses_anonymous_callers(api_client):
    assert api_client.get("/api/v1/catalog").status_code in (401, 403)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5次/年（仅限被保险人使用）", (5, Y)),
        ("1次/年 (可指定著名专家)", (1, Y)),
        ("不限次仅首年可用", (U, F)),
        ("服务期内 1 次", (1, P)),
        ("1次", (1, P)),
        ("无限次", (U, Y)),
        ("服务期内不限次", (U, P)),
    ],
)
def test_quota_cells_are_read_as_the_handbook_means_them(cell, expected):
    quota = parse_quota_cell(cell)
    assert (quota.limit, quota.per) == expected


def test_an_unreadable_cell_is_refused():
    with pytest.raises(ValueError, match="unrecognised"):
        parse_quota_cell("每月两次")


@pytest.mark.django_db
def test_editions_are_unique_per_series_plan_and_tier():
    assert Edition.objects.filter(series="2023", plan="尊享版").count() == 3
