"""Malformed core-system feeds: wrong encoding, missing columns, bad dates, bad ID numbers and
duplicate rows. Every problem is reported with its line and field, and nothing wrong is written:
the good rows go in exactly as given, the bad ones not at all."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from entitlements.importers import enrollments_import, family_import
from entitlements.models import Enrollment, FamilyDesignation, Person, Policy
from tests.entitlements.test_imports import FAMILY_HEADER, HEADER, csv_text, enrollment_line, family_line
from tests.factories.entitlements import make_id_number
from tests.faults.conftest import report

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


def person_line(n: int, **overrides) -> str:
    """A valid row for the n-th customer (born 1980-05-17, male), in ASCII unless told otherwise."""
    values = {"insured_name": f"Customer {n}", "insured_id_number": make_id_number(dt.date(1980, 5, 17), n)}
    return enrollment_line(f"P{n:05d}", **{**values, **overrides})


def test_a_gbk_file_is_refused_whole_naming_the_line(tmp_path):
    path = tmp_path / "feed-gbk.csv"
    path.write_bytes("\n".join([HEADER, *(person_line(n, insured_name="张三") for n in range(3))]).encode("gbk"))

    with pytest.raises(CommandError, match=r"第2行不是 UTF-8 编码"):
        call_command("import_enrollments", str(path))
    assert not Person.objects.exists()


def test_a_stray_gbk_row_deep_in_a_large_file_writes_nothing_before_it(tmp_path):
    rows = [person_line(n) for n in range(300)]  # ~60 KB of ASCII before the bad row
    rows.append(person_line(300, insured_name="张三"))
    path = tmp_path / "feed-mixed.csv"
    path.write_bytes(("\n".join([HEADER, *rows[:-1]]) + "\n").encode() + rows[-1].encode("gbk") + b"\n")

    with pytest.raises(CommandError, match=r"第302行不是 UTF-8 编码"):
        call_command("import_enrollments", str(path))
    assert not Person.objects.exists() and not Policy.objects.exists()


def test_every_missing_column_is_named_and_nothing_is_written():
    header = HEADER.replace("insured_birth_date,", "").replace(",qualified_on", "")
    line = ",".join(v for i, v in enumerate(person_line(1).split(",")) if i not in (6, 17))

    result = enrollments_import(stream=csv_text(line, header=header))

    assert [(e.line, e.field) for e in result.errors] == [(1, "insured_birth_date、qualified_on")]
    assert not Person.objects.exists()


BAD_ROWS = {
    # line in the file: (row, field the report must name)
    3: (person_line(2, effective_date="2024-02-30"), "effective_date"),
    4: (person_line(3, effective_date="2024/03/01"), "effective_date"),
    5: (person_line(4, qualified_on=""), "qualified_on"),
    6: (person_line(5, insured_birth_date="17/05/1980"), "insured_birth_date"),
    8: (person_line(7, insured_id_number=make_id_number(dt.date(1980, 5, 17), 7)[:-1] + "X"), "insured_id_number"),
    9: (person_line(8, insured_id_number="31010119800517"), "insured_id_number"),
    10: (person_line(9, insured_id_number="ABCDEFGHIJKLMNOPQR"), "insured_id_number"),
    11: (person_line(10, insured_birth_date="1981-05-17"), "insured_birth_date"),
}


def test_a_feed_with_every_kind_of_bad_row_reports_each_and_imports_the_rest():
    good = {2: person_line(1), 7: person_line(6), 12: person_line(11)}
    exact_repeat = person_line(12)
    lines = {**good, **{line: row for line, (row, _) in BAD_ROWS.items()}}
    lines |= {13: exact_repeat, 14: exact_repeat}  # the second is ignored
    lines |= {15: person_line(13), 16: person_line(13, annual_premium="99999.00")}  # contradict: neither
    body = [lines[line] for line in sorted(lines)]

    result = enrollments_import(stream=csv_text(*body))

    reported = {(e.line, e.field) for e in result.errors}
    expected = {(line, field) for line, (_, field) in BAD_ROWS.items()} | {(14, "row"), (15, "row"), (16, "row")}
    imported = set(Policy.objects.values_list("policy_no", flat=True))
    report(
        "malformed_csv",
        rows=len(body),
        bad_rows_injected=len(expected),
        reported=len(reported),
        unreported=len(expected - reported),
        wrongly_written=len(imported - {"P00001", "P00006", "P00011", "P00012"}),
        good_rows_lost=len({"P00001", "P00006", "P00011", "P00012"} - imported),
    )
    assert reported == expected
    assert imported == {"P00001", "P00006", "P00011", "P00012"}
    assert result.created == 4
    assert Enrollment.objects.count() == 4
    assert Person.objects.count() == 4


def test_contradicting_duplicate_rows_name_each_other():
    result = enrollments_import(stream=csv_text(person_line(1), person_line(1, sum_insured="1")))
    assert [str(e) for e in result.errors] == [
        "第2行 row：与第3行是同一记录但内容不同，均未导入",
        "第3行 row：与第2行是同一记录但内容不同，均未导入",
    ]
    assert not Policy.objects.exists()


def test_family_feed_duplicates_and_bad_members_are_reported():
    enrollments_import(stream=csv_text(enrollment_line()))
    spouse = make_id_number(dt.date(1982, 8, 8), 9, "F")
    child = make_id_number(dt.date(2010, 1, 1), 10, "F")
    lines = [
        family_line(spouse),
        family_line(spouse),  # exact repeat
        family_line(child, member_name="王五", member_birth_date="2010-01-01", relation="child"),
        family_line(
            child[:-1] + ("0" if child[-1] != "0" else "1"), member_name="赵六", member_birth_date="2010-01-01"
        ),
        family_line(spouse.replace("19820808", "19820809"), member_name="李四", designated_on="2024-13-01"),
    ]
    result = family_import(stream=io.StringIO("\n".join([FAMILY_HEADER, *lines]) + "\n"))

    assert [(e.line, e.field) for e in result.errors] == [
        (3, "row"),
        (5, "member_id_number"),
        (6, "designated_on"),
    ]
    assert FamilyDesignation.objects.count() == 2
