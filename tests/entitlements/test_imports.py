"""The core-system CSV feeds: idempotent, bad rows named and not written, good rows in."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from entitlements.importers import enrollments_import, family_import
from entitlements.models import Enrollment, FamilyDesignation, Person, Policy
from tests.factories.entitlements import make_id_number

D = dt.date
pytestmark = pytest.mark.django_db

HEADER = (
    "policy_no,product_name,product_category,insured_name,insured_id_number,insured_gender,insured_birth_date,"
    "insured_phone,effective_date,payment_term_years,payment_mode,annual_premium,sum_insured,cooling_off_days,"
    "edition_series,edition_plan,edition_tier,qualified_on,upgraded"
)
FAMILY_HEADER = (
    "insured_id_number,policy_no,edition_series,edition_plan,edition_tier,member_name,member_id_number,"
    "member_gender,member_birth_date,relation,designated_on"
)
INSURED_ID = make_id_number(D(1980, 5, 17), 7, "M")
OTHER_ID = make_id_number(D(1975, 1, 2), 8, "F")
SPOUSE_ID = make_id_number(D(1982, 8, 8), 9, "F")
BAD_ID = INSURED_ID[:-1] + ("0" if INSURED_ID[-1] != "0" else "1")


def enrollment_line(policy_no="P001", id_number=INSURED_ID, **overrides) -> str:
    values = {
        "policy_no": policy_no, "product_name": "金佑人生", "product_category": "critical_illness",
        "insured_name": "张三", "insured_id_number": id_number, "insured_gender": "M",
        "insured_birth_date": "1980-05-17", "insured_phone": "13800138000", "effective_date": "2024-03-01",
        "payment_term_years": "20", "payment_mode": "annual", "annual_premium": "12000.00",
        "sum_insured": "500000", "cooling_off_days": "15", "edition_series": "2023", "edition_plan": "尊享版",
        "edition_tier": "2", "qualified_on": "2024-03-01", "upgraded": "false",
    }  # fmt: skip
    values.update(overrides)
    return ",".join(values.values())


def csv_text(*lines: str, header: str = HEADER) -> io.StringIO:
    return io.StringIO("\n".join([header, *lines]) + "\n")


def test_import_creates_person_policy_and_enrollment_with_its_period():
    report = enrollments_import(stream=csv_text(enrollment_line()))
    assert (report.created, report.errors) == (1, [])
    enrollment = Enrollment.objects.select_related("insured", "policy").get()
    assert enrollment.insured.id_number == INSURED_ID
    assert (enrollment.service_start, enrollment.service_end) == (D(2024, 3, 16), D(2044, 2, 29))


def test_importing_the_same_file_twice_changes_nothing():
    lines = [enrollment_line(), enrollment_line("P002", OTHER_ID, insured_gender="F", insured_birth_date="1975-01-02")]
    enrollments_import(stream=csv_text(*lines))
    stamps = list(Enrollment.objects.order_by("id").values_list("updated_at", flat=True))
    report = enrollments_import(stream=csv_text(*lines))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert (Person.objects.count(), Policy.objects.count(), Enrollment.objects.count()) == (2, 2, 2)
    assert list(Enrollment.objects.order_by("id").values_list("updated_at", flat=True)) == stamps


def test_reimport_with_a_changed_term_updates_the_period():
    enrollments_import(stream=csv_text(enrollment_line()))
    report = enrollments_import(stream=csv_text(enrollment_line(payment_term_years="10")))
    assert report.updated == 1
    assert Enrollment.objects.get().service_end == D(2034, 2, 28)


def test_bad_id_number_is_reported_and_every_other_row_imported():
    lines = [
        enrollment_line(),
        enrollment_line("P002", BAD_ID),
        enrollment_line("P003", OTHER_ID, insured_gender="F", insured_birth_date="1975-01-02"),
    ]
    report = enrollments_import(stream=csv_text(*lines))
    assert report.created == 2
    [error] = report.errors
    assert (error.line, error.field) == (3, "insured_id_number")
    assert "身份证" in error.reason
    assert not Policy.objects.filter(policy_no="P002").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"effective_date": "2024-02-30"}, "effective_date"),
        ({"annual_premium": "12000元"}, "annual_premium"),
        ({"annual_premium": "-1"}, "annual_premium"),
        ({"payment_term_years": "0"}, "payment_term_years"),
        ({"payment_mode": "monthly"}, "payment_mode"),
        ({"product_category": "life"}, "product_category"),
        ({"edition_tier": "9"}, "edition_tier"),
        ({"edition_series": "2018"}, "edition_series"),
        ({"upgraded": "yes"}, "upgraded"),
        ({"insured_birth_date": "1980-05-18"}, "insured_birth_date"),
        ({"insured_gender": "F"}, "insured_gender"),
        ({"insured_name": ""}, "insured_name"),
    ],
)
def test_bad_cell_names_its_field_and_writes_nothing(overrides, field):
    report = enrollments_import(stream=csv_text(enrollment_line(**overrides)))
    assert [(e.line, e.field) for e in report.errors] == [(2, field)]
    assert not Person.objects.exists()
    assert not Policy.objects.exists()


def test_policy_of_another_insured_is_refused():
    enrollments_import(stream=csv_text(enrollment_line()))
    report = enrollments_import(
        stream=csv_text(enrollment_line(id_number=OTHER_ID, insured_gender="F", insured_birth_date="1975-01-02"))
    )
    assert [e.field for e in report.errors] == ["policy_no"]


def test_missing_column_is_reported_on_the_header_line():
    report = enrollments_import(stream=io.StringIO("policy_no,product_name\nP1,x\n"))
    assert report.errors[0].line == 1
    assert "insured_id_number" in report.errors[0].field


def family_line(member_id=SPOUSE_ID, **overrides) -> str:
    values = {
        "insured_id_number": INSURED_ID, "policy_no": "P001", "edition_series": "2023", "edition_plan": "尊享版",
        "edition_tier": "2", "member_name": "李四", "member_id_number": member_id, "member_gender": "F",
        "member_birth_date": "1982-08-08", "relation": "spouse", "designated_on": "2024-04-01",
    }  # fmt: skip
    values.update(overrides)
    return ",".join(values.values())


def test_family_import_is_idempotent():
    enrollments_import(stream=csv_text(enrollment_line()))
    first = family_import(stream=csv_text(family_line(), header=FAMILY_HEADER))
    second = family_import(stream=csv_text(family_line(), header=FAMILY_HEADER))
    assert (first.created, second.unchanged, second.errors) == (1, 1, [])
    designation = FamilyDesignation.objects.get()
    assert designation.valid_until == D(2027, 3, 31)


def test_family_import_refuses_a_sibling_and_an_unknown_insured():
    enrollments_import(stream=csv_text(enrollment_line()))
    report = family_import(
        stream=csv_text(family_line(relation="sibling"), family_line(insured_id_number=OTHER_ID), header=FAMILY_HEADER)
    )
    assert [(e.line, e.field) for e in report.errors] == [(2, "relation"), (3, "insured_id_number")]
    assert not FamilyDesignation.objects.exists()
    assert not Person.objects.filter(id_number=SPOUSE_ID).exists()


def test_family_import_refuses_a_fourth_member_on_tier_two():
    enrollments_import(stream=csv_text(enrollment_line()))
    members = [make_id_number(D(2010, 1, 1), n, "M") for n in range(20, 24)]
    lines = [family_line(m, member_gender="M", member_birth_date="2010-01-01", relation="child") for m in members]
    report = family_import(stream=csv_text(*lines, header=FAMILY_HEADER))
    assert report.created == 3
    assert [(e.line, e.field) for e in report.errors] == [(5, "member_id_number")]


def test_import_command_reports_bad_rows_and_fails(tmp_path, capsys):
    path = tmp_path / "feed.csv"
    path.write_text("\n".join([HEADER, enrollment_line(), enrollment_line("P002", BAD_ID)]) + "\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_enrollments", str(path))
    output = capsys.readouterr()
    assert "第3行 insured_id_number" in output.err
    assert Enrollment.objects.count() == 1


def test_import_commands_accept_a_clean_file(tmp_path, capsys):
    feed, family = tmp_path / "feed.csv", tmp_path / "family.csv"
    feed.write_text(f"\ufeff{HEADER}\n{enrollment_line()}\n", encoding="utf-8")
    family.write_text(f"{FAMILY_HEADER}\n{family_line()}\n", encoding="utf-8")
    call_command("import_enrollments", str(feed))
    call_command("import_family", str(family))
    assert "新增 1 行" in capsys.readouterr().out
    assert FamilyDesignation.objects.count() == 1


def test_puhui_joined_on_31_december_has_no_period_and_is_refused():
    line = enrollment_line(
        edition_series="puhui-2023", edition_plan="普惠版", edition_tier="", qualified_on="2023-12-31"
    )
    report = enrollments_import(stream=csv_text(line))
    assert [(e.line, e.field) for e in report.errors] == [(2, "qualified_on")]
    assert not Policy.objects.exists()


def test_shorter_term_on_reimport_shortens_the_family_designation():
    enrollments_import(stream=csv_text(enrollment_line()))
    family_import(stream=csv_text(family_line(), header=FAMILY_HEADER))
    enrollments_import(stream=csv_text(enrollment_line(payment_term_years="2")))
    assert FamilyDesignation.objects.get().valid_until == D(2026, 2, 28)
