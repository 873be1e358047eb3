"""Entering a year: a CSV file or the State Council's notice, previewed, refused while a statutory
holiday is left a working day."""

from datetime import date

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from workdays.calendar import add_workdays, is_workday, rests_on_provisional
from workdays.imports import parse_notice, parse_schedule
from workdays.models import CalendarDay, CalendarYear, DayKind, YearSource

from .conftest import SCHEDULE_2027

pytestmark = pytest.mark.django_db

# The notice for 2026 as published (国办发明电〔2025〕7号), its title and seven lines.
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
"""

NOTICE_2027 = """关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）放假1天，不调休。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初七、周四）放假调休，共7天。2月13日（周六）上班。鼓励各单位安排职工在2月4日休息。
三、清明节：4月5日（周一）放假，与周末连休。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天。
六、中秋节：9月15日（周三）放假1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。10月9日（周六）上班。
"""


def _csv(rows) -> str:
    return "date,kind,name\n" + "".join(f"{d.isoformat()},{kind},{name}\n" for d, kind, name in rows)


def test_the_2026_notice_reads_exactly_as_the_library_publishes_it():
    parsed = parse_schedule(NOTICE_2026)
    assert parsed.year == 2026
    assert not parsed.refused, (parsed.errors, parsed.missing)
    holidays = {d for d, (kind, _) in parsed.days.items() if kind == DayKind.HOLIDAY}
    workdays = {d for d, (kind, _) in parsed.days.items() if kind == DayKind.WORKDAY}
    assert holidays == {d for d in chinese_calendar.holidays if d.year == 2026}
    assert workdays == {d for d in chinese_calendar.workdays if d.year == 2026}
    assert parsed.days[date(2026, 2, 28)] == (DayKind.WORKDAY, "春节调休")


def test_a_notice_reads_single_days_and_ignores_the_encouraged_rest_day():
    parsed = parse_notice(NOTICE_2027)
    assert parsed.days[date(2027, 1, 1)] == (DayKind.HOLIDAY, "元旦")
    assert date(2027, 2, 4) not in parsed.days  # 鼓励……休息 is not a holiday
    assert parsed.days[date(2027, 6, 9)] == (DayKind.HOLIDAY, "端午节")
    assert parsed.holiday_count() == 1 + 7 + 1 + 5 + 1 + 1 + 7


def test_a_new_year_break_beginning_in_december_drops_the_saturday_of_the_year_before():
    parsed = parse_schedule("一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。", year=2023)
    assert date(2022, 12, 31) not in parsed.days
    assert "2022-12-31（元旦）不在 2023 年内" in parsed.dropped[0]
    assert parsed.days[date(2023, 1, 2)] == (DayKind.HOLIDAY, "元旦")


def test_csv_errors_name_the_line_and_the_reason():
    parsed = parse_schedule(
        "date,kind,name\n2027-13-01,holiday,元旦\n2027-02-10,workday,春节调休\n2027-02-05,rest,春节\n"
    )
    assert "第 2 行：日期“2027-13-01”应为 YYYY-MM-DD" in parsed.errors
    assert "2027-02-10 是工作日（周一至周五），不能登记为调休上班日" in parsed.errors
    assert "第 4 行：类型“rest”应为 holiday（休）或 workday（班）" in parsed.errors


def test_a_year_lacking_a_statutory_holiday_is_refused_naming_it(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text(_csv([(date(2027, 1, 1), "holiday", "元旦")]), encoding="utf-8")
    with pytest.raises(CommandError) as excinfo:
        call_command("workdays", "import", str(path))
    message = str(excinfo.value)
    assert "2027 年的法定节假日未全部放假" in message
    assert "春节 2027-02-05、2027-02-06、2027-02-07、2027-02-08" in message
    assert "国庆节 2027-10-01、2027-10-02、2027-10-03" in message
    assert CalendarYear.objects.get(year=2027).provisional  # nothing half-written


def test_command_import_enters_the_official_year(tmp_path, capsys):
    path = tmp_path / "notice.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    call_command("workdays", "import", str(path), "--notes", "国办发明电〔2026〕测试")
    out = capsys.readouterr().out
    assert "2027 年已导入：放假 23 天，调休上班 3 天" in out
    assert "个案件的时限已重新计算" in out
    year = CalendarYear.objects.get(year=2027)
    assert (year.covered, year.provisional, year.source, year.notes) == (
        True,
        False,
        YearSource.MANUAL,
        "国办发明电〔2026〕测试",
    )
    assert is_workday(date(2027, 2, 13))
    assert add_workdays(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert not rests_on_provisional(date(2026, 12, 24), date(2027, 1, 8))


def test_command_dry_run_shows_and_saves_nothing(tmp_path, capsys):
    path = tmp_path / "2027.csv"
    path.write_text(_csv(SCHEDULE_2027), encoding="utf-8")
    call_command("workdays", "import", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "2027-02-13\t调休上班日\t春节调休" in out
    assert "（未保存）" in out
    assert CalendarYear.objects.get(year=2027).provisional


def test_command_set_refuses_to_make_a_statutory_holiday_a_working_day():
    with pytest.raises(CommandError, match="缺 国庆节 2026-10-01"):
        call_command("workdays", "set", "2026-10-01", "normal")
    assert CalendarDay.objects.filter(date=date(2026, 10, 1), kind=DayKind.HOLIDAY).exists()


def test_command_set_refuses_a_year_not_entered():
    with pytest.raises(CommandError, match="2031 年尚未录入"):
        call_command("workdays", "set", "2031-05-06", "holiday")


def test_admin_import_previews_before_saving(admin_client):
    url = reverse("admin:workdays_calendaryear_import")
    response = admin_client.post(url, {"text": NOTICE_2027, "preview": "预览"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "预览：2027 年，放假 23 天，调休上班 3 天（将替换现有暂定安排）" in body
    assert "2027-02-13" in body and "春节调休" in body
    assert 'name="save"' in body
    assert CalendarYear.objects.get(year=2027).provisional  # not saved yet

    response = admin_client.post(url, {"text": NOTICE_2027, "year": "2027", "save": "保存"}, follow=True)
    assert "2027 年节假日安排已导入（放假 23 天、调休上班 3 天）" in response.content.decode()
    assert not CalendarYear.objects.get(year=2027).provisional


def test_admin_import_from_an_uploaded_csv_file(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("2027.csv", _csv(SCHEDULE_2027).encode("utf-8-sig"), content_type="text/csv")
    response = admin_client.post(reverse("admin:workdays_calendaryear_import"), {"upload": upload, "preview": "预览"})
    body = response.content.decode()
    assert f"放假 {sum(1 for _, k, _ in SCHEDULE_2027 if k == DayKind.HOLIDAY)} 天" in body
    assert "2027-10-09" in body  # the CSV travels on in the text box, so that 保存 saves what was shown


def test_admin_import_refuses_an_incomplete_year_and_offers_no_save(admin_client):
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_import"), {"text": _csv(SCHEDULE_2027[:1]), "preview": "预览"}
    )
    body = response.content.decode()
    assert "法定节假日未全部放假，不能保存：缺 春节" in body
    assert 'name="save"' not in body
    response = admin_client.post(
        reverse("admin:workdays_calendaryear_import"), {"text": _csv(SCHEDULE_2027[:1]), "save": "1"}
    )
    assert CalendarYear.objects.get(year=2027).provisional


def test_admin_import_without_content_names_the_field(admin_client):
    response = admin_client.post(reverse("admin:workdays_calendaryear_import"), {"text": "", "preview": "预览"})
    assert "请上传 CSV 文件或粘贴通知全文" in response.content.decode()


def test_import_page_is_refused_to_those_who_cannot_edit_the_calendar(client):
    from tests.factories.cases import role_user

    client.force_login(role_user("coordinator"))
    assert client.get(reverse("admin:workdays_calendaryear_import")).status_code == 403


def test_admin_refuses_a_covered_year_with_only_new_year_entered(admin_client, without_2027):
    from .test_admin import _year_form

    response = admin_client.post(reverse("admin:workdays_calendaryear_add"), _year_form(2027, SCHEDULE_2027[:1]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "2027 年的法定节假日未全部放假：缺 春节 2027-02-05" in body
    assert not CalendarYear.objects.filter(year=2027).exists()
