"""Due dates through the turn of 2026/2027: provisional next year, the official schedule entered,
and every calendar change recomputing exactly the open cases it reaches."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from cases import sla as clocks
from cases.api.serializers import CaseSerializer
from cases.models import Case, CaseEvent, CaseState
from notifications.models import OutboxMessage
from sla.models import Reminder
from sla.services import sla_sweep
from tests.factories.cases import CaseFactory, UserFactory, service
from tests.workdays.conftest import SCHEDULE_2027
from workdays.calendar import add_workdays, calendar_invalidate
from workdays.models import CalendarYear

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SH), tick=False)


@pytest.fixture(autouse=True)
def fresh_calendar_index():
    calendar_invalidate()
    yield
    calendar_invalidate()


@pytest.fixture
def christmas_eve_case(submit, enroll):
    """陪诊服务 (no medical review: accepted on submission), 10 working days target, 15 deadline."""
    with at(date(2026, 12, 24)):
        return submit(enroll("2021-pro"), "escort", documents=[])


def _csv_2027(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("".join(f"{d.isoformat()},{kind},{name}\n" for d, kind, name in SCHEDULE_2027), encoding="utf-8")
    return str(path)


def _due_events(case) -> list[CaseEvent]:
    return list(case.events.filter(kind=CaseEvent.Kind.DUE_CHANGE))


def test_case_accepted_on_24_december_gets_a_provisional_deadline_in_january(christmas_eve_case):
    case = christmas_eve_case
    assert case.state == CaseState.APPROVED
    # 25–31 Dec are five working days, 1 January (元旦, computed) is off.
    assert (case.sla_target_due, case.sla_deadline_due) == (date(2027, 1, 8), date(2027, 1, 15))
    assert case.sla_target_provisional and case.sla_deadline_provisional
    assert not case.events.filter(kind=CaseEvent.Kind.WARNING).exists()
    data = CaseSerializer(case, context={"no_documents": True}).data
    assert (data["sla_deadline_due"], data["sla_provisional"], data["review_provisional"]) == (
        "2027-01-15",
        True,
        False,
    )


def test_provisional_deadline_is_reminded_on_time(christmas_eve_case):
    assert sla_sweep(today=date(2027, 1, 13))["reminded"] == 0
    result = sla_sweep(today=date(2027, 1, 14))  # the working day before the deadline
    assert result["due_soon"] == 1
    reminder = Reminder.objects.get(case=christmas_eve_case)
    assert reminder.deadline == date(2027, 1, 15)
    message = OutboxMessage.objects.get(pk=reminder.message_id)
    assert "最迟完成日 2027-01-15（暂定）" in message.payload["body"]


def test_importing_the_2027_schedule_recomputes_and_removes_the_mark(christmas_eve_case, tmp_path, capsys):
    with at(date(2026, 12, 28)):
        call_command("workdays", "import", _csv_2027(tmp_path))
    assert "1 个案件的时限已重新计算" in capsys.readouterr().out
    case = Case.objects.get(pk=christmas_eve_case.pk)
    assert (case.sla_deadline_due, case.sla_target_provisional, case.sla_deadline_provisional) == (
        date(2027, 1, 15),
        False,
        False,
    )
    (event,) = _due_events(case)
    assert "最迟完成日 2027-01-15（暂定） → 2027-01-15" in event.note
    assert event.extra["sla_deadline_provisional"] == {"old": True, "new": False}
    # Once more: nothing left to change, nothing written.
    with at(date(2026, 12, 28)):
        call_command("workdays", "import", _csv_2027(tmp_path))
    assert "0 个案件的时限已重新计算" in capsys.readouterr().out
    assert len(_due_events(case)) == 1


def test_case_left_undated_by_a_missing_year_is_dated_once_the_year_is_entered(submit, enroll, tmp_path, without_2027):
    with at(date(2026, 12, 24)):
        case = submit(enroll("2021-pro"), "escort", documents=[])
    assert case.sla_deadline_due is None
    assert "请补录该年日历后重新计算" in case.events.get(kind=CaseEvent.Kind.WARNING).note

    call_command("workdays", "import", _csv_2027(tmp_path))
    case.refresh_from_db()
    assert case.sla_deadline_due == date(2027, 1, 15)
    assert "最迟完成日 未能计算 → 2027-01-15" in _due_events(case)[0].note


def _clocked(state: str, *, started=None, submitted=None, code: str = "escort", **fields) -> Case:
    case = CaseFactory(state=state, quota_hold=None, service=service(code), sla_started_on=started, **fields)
    if submitted:
        case.submitted_at = datetime(submitted.year, submitted.month, submitted.day, 10, tzinfo=SH)
        clocks.review_recompute(case)
    clocks.sla_recompute(case)
    case.save()
    return case


def test_a_holiday_added_to_2026_moves_exactly_the_open_cases_it_affects(capsys):
    from django.utils import timezone

    affected = {
        "dispatched across the day": _clocked(CaseState.DISPATCHED, started=date(2026, 9, 18)),
        "waiting for the customer": _clocked(CaseState.WAITING_CUSTOMER, started=date(2026, 9, 17)),
        "in review": _clocked(CaseState.IN_REVIEW, submitted=date(2026, 9, 18), code="ci-top3a-expert-appointment"),
    }
    untouched = {
        "started after the day": _clocked(CaseState.DISPATCHED, started=date(2026, 9, 21)),
        "due before the day": _clocked(CaseState.ACCEPTED, started=date(2026, 8, 20)),
        "clock stopped (arranged)": _clocked(
            CaseState.ARRANGED, started=date(2026, 9, 18), sla_stopped_at=timezone.now()
        ),
        "closed": _clocked(CaseState.CLOSED, started=date(2026, 9, 18)),
        "review decided": _clocked(
            CaseState.APPROVED,
            started=date(2026, 9, 25),
            submitted=date(2026, 9, 18),
            code="ci-top3a-expert-appointment",
        ),
    }
    before = {key: (c.review_due, c.sla_deadline_due) for key, c in {**affected, **untouched}.items()}
    # Sunday 20 September is a make-up working day, 25–27 September and 1–7 October are off.
    assert add_workdays(date(2026, 9, 18), 15) == date(2026, 10, 15)

    call_command("workdays", "set", "2026-09-21", "holiday", "--name", "临时休假")

    assert "3 个案件的时限已重新计算" in capsys.readouterr().out
    for key, case in affected.items():
        case.refresh_from_db()
        (event,) = _due_events(case)
        assert event.kind == CaseEvent.Kind.DUE_CHANGE, key
    moved = Case.objects.get(pk=affected["dispatched across the day"].pk)
    assert moved.sla_deadline_due == date(2026, 10, 16)
    assert "最迟完成日 2026-10-15 → 2026-10-16" in _due_events(moved)[0].note
    assert "审核应完成日 2026-09-21 → 2026-09-22" in _due_events(affected["in review"])[0].note
    for key, case in untouched.items():
        case.refresh_from_db()
        assert (case.review_due, case.sla_deadline_due) == before[key], key
        assert not _due_events(case), key


def test_an_admin_edit_of_a_day_says_how_many_cases_moved(admin_client):
    case = _clocked(CaseState.DISPATCHED, started=date(2026, 11, 20))
    year = CalendarYear.objects.get(year=2026)
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"),
        {"calendar_year": year.pk, "date": "2026-11-27", "kind": "holiday", "name": "临时休假"},
        follow=True,
    )
    assert "1 个未结案件的时限已按新日历重新计算" in response.content.decode()
    case.refresh_from_db()
    assert len(_due_events(case)) == 1


def test_deleting_a_year_names_the_cases_it_would_leave_undated_and_asks_again(admin_client, christmas_eve_case):
    year = CalendarYear.objects.get(year=2027)
    url = reverse("admin:workdays_calendaryear_delete", args=[year.pk])
    first = admin_client.get(url).content.decode()
    assert "正被 1 个未结案件的时限使用" in first

    second = admin_client.post(url, {"post": "yes"})
    body = second.content.decode()
    assert second.status_code == 200
    assert "请再次确认：删除 2027 年将使以下 1 个未结案件失去时限到期日" in body
    assert christmas_eve_case.number in body
    assert CalendarYear.objects.filter(year=2027).exists()

    response = admin_client.post(url, {"post": "yes", "confirm_undated": "yes"}, follow=True)
    assert "1 个未结案件的时限已按新日历重新计算" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    case = Case.objects.get(pk=christmas_eve_case.pk)
    assert case.sla_deadline_due is None
    assert "最迟完成日 2027-01-15（暂定） → 未能计算" in _due_events(case)[0].note


def test_uncovering_a_year_names_the_cases_and_needs_a_second_confirmation(admin_client, christmas_eve_case):
    year = CalendarYear.objects.get(year=2027)
    url = reverse("admin:workdays_calendaryear_change", args=[year.pk])
    days = list(year.days.order_by("date"))
    form = {
        "year": "2027",
        "source": year.source,
        "provisional": "on",
        "notes": year.notes,
        "days-TOTAL_FORMS": str(len(days)),
        "days-INITIAL_FORMS": str(len(days)),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, day in enumerate(days):
        form |= {f"days-{i}-id": day.pk, f"days-{i}-calendar_year": year.pk, f"days-{i}-date": day.date.isoformat(),
                 f"days-{i}-kind": day.kind, f"days-{i}-name": day.name}  # fmt: skip
    response = admin_client.post(url, form)
    body = response.content.decode()
    assert response.status_code == 200
    assert f"2027 年不再参与计算后，以下未结案件将没有时限到期日：{christmas_eve_case.number}" in body
    assert CalendarYear.objects.get(year=2027).covered

    admin_client.post(url, {**form, "confirm_uncover": "on"})
    assert not CalendarYear.objects.get(year=2027).covered
    assert Case.objects.get(pk=christmas_eve_case.pk).sla_deadline_due is None


@pytest.mark.parametrize(
    ("group", "sees", "link"),
    [("产品配置", True, "/admin/workdays/calendaryear/import/"), ("调度协调", True, "/admin/workdays/calendaryear/"),
     ("运营管理", True, "/admin/workdays/calendaryear/"), ("录入客服", False, None)],
)  # fmt: skip
def test_home_page_tells_from_november_that_next_year_is_provisional(client, group, sees, link):
    user = UserFactory(username=f"home-{group}")
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    with at(date(2026, 11, 2)):
        body = client.get("/admin/").content.decode()
    assert ("2027 年工作日历为按《全国年节及纪念日放假办法》推算的暂定安排" in body) is sees
    if link:
        assert f'href="{link}"' in body
    with at(date(2026, 10, 30)):
        assert "暂定安排" not in client.get("/admin/").content.decode()


def test_home_page_tells_when_next_year_is_missing_altogether(client, without_2027):
    user = UserFactory(username="catalogue-home")
    user.groups.add(Group.objects.get(name="产品配置"))
    client.force_login(user)
    with at(date(2026, 12, 1)):
        body = client.get("/admin/").content.decode()
    assert "工作日历尚未覆盖 2027 年" in body
    assert "录入 2027 年节假日安排" in body


def test_the_case_page_and_the_board_export_show_the_provisional_mark(client, christmas_eve_case):
    from tests.factories.cases import role_user

    coordinator = role_user("coordinator", "coordinator-mark")
    coordinator.groups.add(Group.objects.get(name="调度协调"))
    with at(date(2026, 12, 28)):
        client.force_login(coordinator)
        response = client.get(f"/admin/cases/case/{christmas_eve_case.pk}/change/")
        assert response.status_code == 200, response
        page = response.content.decode()
        export = client.get("/board/?export=csv").content.decode("utf-8-sig")
    assert "2027年1月15日" in page or "2027-01-15" in page
    assert 'class="badge provisional"' in page
    assert "2027-01-15（暂定）" in export


def _recompute_queries(count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.services.due_dates import due_dates_recompute
    from workdays.models import CalendarDay

    Case.objects.all().delete()
    for _ in range(count):
        _clocked(CaseState.DISPATCHED, started=date(2026, 11, 20))
    CalendarDay.objects.update_or_create(
        date=date(2026, 11, 27), defaults={"calendar_year": CalendarYear.objects.get(year=2026), "kind": "holiday"}
    )
    with CaptureQueriesContext(connection) as queries:
        moved = due_dates_recompute(first=date(2026, 11, 27), last=date(2026, 11, 27))
    CalendarDay.objects.filter(date=date(2026, 11, 27)).delete()
    calendar_invalidate()
    assert moved == count
    return len(queries)


def test_recomputing_many_cases_takes_as_many_queries_as_recomputing_a_few():
    few, many = _recompute_queries(2), _recompute_queries(40)
    assert many == few, (few, many)
    assert many <= 8, many  # the candidates, the calendar token and index, one UPDATE, one INSERT
