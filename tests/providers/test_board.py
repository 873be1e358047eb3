import csv
import datetime
import io

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseState
from dispatch.services import provider_reminder_deliver
from providers.models import ProviderReminder
from tests.factories.cases import UserFactory, service
from tests.factories.providers import ProviderContactFactory
from tests.providers.conftest import approved_case, dispatched_case

pytestmark = pytest.mark.django_db
BOARD = "/board/"


@pytest.fixture
def board_client(client, coordinator):
    client.force_login(coordinator)
    return client


def numbers(response) -> list[str]:
    return [case.number for case in response.context["page"].object_list]


def today():
    return timezone.localdate()


def test_board_needs_a_signed_in_user(client):
    response = client.get(BOARD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_board_is_refused_to_a_user_without_case_permissions(client):
    client.force_login(UserFactory(username="outsider", role="outsider"))
    assert client.get(BOARD).status_code == 403


def test_board_shows_approved_and_dispatched_cases_not_others(board_client, provider_a, coordinator):
    approved = approved_case()
    dispatched = dispatched_case(provider=provider_a, actor=coordinator)
    in_review = approved_case(state=CaseState.IN_REVIEW)
    shown = numbers(board_client.get(BOARD))
    assert approved.number in shown and dispatched.number in shown
    assert in_review.number not in shown


def test_filter_to_breached_cases(board_client):
    breached = approved_case(deadline=today() - datetime.timedelta(days=2))
    due_today = approved_case(deadline=today())
    on_track = approved_case()
    assert numbers(board_client.get(BOARD, {"sla_status": "breached"})) == [breached.number]
    assert numbers(board_client.get(BOARD, {"sla_status": "due_soon"})) == [due_today.number]
    assert numbers(board_client.get(BOARD, {"sla_status": "on_track"})) == [on_track.number]


def test_the_header_count_says_what_the_view_says(board_client, monkeypatch):
    """The board's "共 N 件" over a view and the view's own count are one number: exact below the cap,
    "N+" from it."""
    for _ in range(4):
        approved_case(deadline=today() - datetime.timedelta(days=2))
    approved_case()
    breached = '<a class="btn" href="?view=breached" data-view="breached">已超时 <span class="count">{}</span></a>'
    page = board_client.get(BOARD, {"view": "breached"}).content.decode()
    assert "，共 4 件）" in page and breached.format(4) in page

    monkeypatch.setattr("config.counts.COUNT_CAP", 3)
    response = board_client.get(BOARD, {"view": "breached"})
    page = response.content.decode()
    assert "，共 2+ 件）" in page and breached.format("2+") in page
    assert len(numbers(response)) == 4  # the list itself is whole


def test_a_stopped_clock_is_never_breached(board_client, provider_a, coordinator):
    case = approved_case(deadline=today() - datetime.timedelta(days=2), sla_stopped_at=timezone.now())
    assert case.number not in numbers(board_client.get(BOARD, {"sla_status": "breached"}))
    assert numbers(board_client.get(BOARD, {"sla_status": "stopped"})) == [case.number]


def test_filter_by_provider_service_city_and_state(board_client, provider_a, provider_b, coordinator):
    a = dispatched_case(provider=provider_a, actor=coordinator, city="杭州", province="浙江")
    b = dispatched_case(provider=provider_b, actor=coordinator, service=service("ci-escort"))
    waiting = approved_case()
    assert numbers(board_client.get(BOARD, {"provider": provider_a.pk})) == [a.number]
    assert numbers(board_client.get(BOARD, {"service": service("ci-escort").pk})) == [b.number]
    assert numbers(board_client.get(BOARD, {"city": "杭州"})) == [a.number]
    assert numbers(board_client.get(BOARD, {"state": "approved"})) == [waiting.number]


def test_city_is_chosen_from_the_cities_of_board_cases(board_client, provider_a, coordinator):
    dispatched_case(provider=provider_a, actor=coordinator, city="杭州市", province="浙江省")
    approved_case(city="上海市", province="上海市")
    approved_case(state=CaseState.IN_REVIEW, city="成都市", province="四川省")  # not on the board
    response = board_client.get(BOARD)
    choices = [value for value, _label in response.context["filter"].form.fields["city"].choices]
    assert choices[0] == "" and sorted(choices[1:]) == ["上海市", "杭州市"]
    assert '<select name="city"' in response.content.decode()


def test_city_filter_matches_the_city_exactly(board_client):
    shanghai = approved_case(city="上海市", province="上海市")
    approved_case(city="上海市浦东", province="上海市")
    assert numbers(board_client.get(BOARD, {"city": "上海市"})) == [shanghai.number]


def test_a_link_to_a_city_without_board_cases_shows_no_rows_and_no_error(board_client):
    approved_case(city="上海市", province="上海市")
    response = board_client.get(BOARD, {"city": "拉萨市"})
    assert numbers(response) == []
    assert response.context["filter"].form.errors == {}


def test_inactive_providers_are_filterable_but_not_offered_for_redispatch(board_client, provider_a, provider_b):
    provider_b.active = False
    provider_b.save()
    response = board_client.get(BOARD)
    offered = [value for value, _label in response.context["filter"].form.fields["provider"].choices]
    assert str(provider_b.pk) in map(str, offered)
    assert provider_b not in response.context["providers"] and provider_a in response.context["providers"]


def test_filter_by_working_days_elapsed(board_client):
    old = approved_case(started_workdays_ago=8)
    approved_case(started_workdays_ago=2)
    response = board_client.get(BOARD, {"min_workdays": 5})
    assert numbers(response) == [old.number]
    assert response.context["page"].object_list[0].clock.used_working_days == 8


def test_working_days_filter_agrees_with_the_elapsed_column(board_client):
    cases = [approved_case(started_workdays_ago=n) for n in (3, 4, 5)]
    shown = numbers(board_client.get(BOARD, {"min_workdays": 4}))
    assert sorted(shown) == sorted(c.number for c in cases[1:])


def test_columns_sort_both_ways(board_client):
    late = approved_case(deadline=today() + datetime.timedelta(days=9))
    early = approved_case(deadline=today() + datetime.timedelta(days=3))
    assert numbers(board_client.get(BOARD, {"o": "deadline"})) == [early.number, late.number]
    assert numbers(board_client.get(BOARD, {"o": "-deadline"})) == [late.number, early.number]


def test_invalid_filter_value_shows_the_field_error_and_no_rows(board_client):
    approved_case()
    response = board_client.get(BOARD, {"sla_status": "sometime"})
    assert response.status_code == 200
    assert numbers(response) == []
    assert "sla_status" in response.context["filter"].form.errors


def test_csv_export_is_excel_friendly_and_masks_phones(board_client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator, deadline=today() - datetime.timedelta(days=1))
    approved_case()
    response = board_client.get(BOARD, {"provider": provider_a.pk, "export": "csv"})
    assert response.status_code == 200
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0] == "案件编号"
    assert len(rows) == 2
    assert rows[1][0] == case.number
    assert rows[1][4] == case.beneficiary.phone_masked
    assert case.beneficiary.phone not in raw.decode("utf-8-sig")
    assert rows[1][-1] == "已超时"


def test_csv_export_is_recorded_in_the_audit_trail(board_client, coordinator):
    from audit.models import AuditEvent

    approved_case()
    board_client.get(BOARD, {"export": "csv"})
    assert AuditEvent.objects.filter(action="export", actor_id=coordinator.pk).exists()


def test_query_count_does_not_grow_with_page_size(board_client, provider_a, coordinator, django_assert_max_num_queries):
    for _ in range(3):
        dispatched_case(provider=provider_a, actor=coordinator)
    board_client.get(BOARD)  # warm the working-day index
    with CaptureQueriesContext(connection) as few:
        board_client.get(BOARD, {"per_page": 25})
    for _ in range(27):
        approved_case()
    with django_assert_max_num_queries(len(few)):
        response = board_client.get(BOARD, {"per_page": 100})
    assert len(numbers(response)) == 30


def test_bulk_reminder_mails_each_cases_provider_after_commit(
    board_client, provider_a, provider_b, coordinator, django_capture_on_commit_callbacks
):
    ProviderContactFactory(provider=provider_a, email="desk@a.example")
    a = dispatched_case(provider=provider_a, actor=coordinator)
    b = dispatched_case(provider=provider_b, actor=coordinator)
    waiting = approved_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = board_client.post(
            BOARD, {"action": "remind", "selected": [a.pk, b.pk, waiting.pk], "back": "state=dispatched"}
        )
    assert response.status_code == 302 and response["Location"].endswith("?state=dispatched")
    assert len(mail.outbox) == 2
    to_a = next(m for m in mail.outbox if a.number in m.subject)
    assert set(to_a.to) == {provider_a.contact_email, "desk@a.example"}
    assert a.beneficiary.name not in to_a.body
    assert ProviderReminder.objects.filter(sent_at__isnull=False).count() == 2
    assert not ProviderReminder.objects.filter(case=waiting).exists()


def test_a_reminder_is_sent_only_once(provider_a, coordinator, django_capture_on_commit_callbacks):
    from dispatch.services import provider_remind

    case = dispatched_case(provider=provider_a, actor=coordinator)
    result = provider_remind(cases=[case], actor=coordinator)
    reminder = ProviderReminder.objects.get(case=case)
    assert result.done == [case.number]
    assert provider_reminder_deliver(reminder_id=reminder.pk) is True
    assert provider_reminder_deliver(reminder_id=reminder.pk) is False
    assert len(mail.outbox) == 1


def test_bulk_redispatch_moves_cases_and_keeps_history(board_client, provider_a, provider_b, coordinator):
    first = dispatched_case(provider=provider_a, actor=coordinator)
    second = dispatched_case(provider=provider_a, actor=coordinator)
    board_client.post(
        BOARD,
        {"action": "redispatch", "selected": [first.pk, second.pk], "provider": provider_b.pk, "note": "甲方产能不足"},
    )
    for case in (first, second):
        case.refresh_from_db()
        assert case.provider == provider_b and case.state == CaseState.DISPATCHED
        assert list(case.dispatches.order_by("id").values_list("provider", "active")) == [
            (provider_a.pk, False),
            (provider_b.pk, True),
        ]


def test_bulk_redispatch_needs_a_provider_and_a_reason(board_client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    response = board_client.post(BOARD, {"action": "redispatch", "selected": [case.pk]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any("改派须选择服务商" in t for t in texts) and any("改派须说明原因" in t for t in texts)
    case.refresh_from_db()
    assert case.provider == provider_a and case.dispatches.count() == 1


def test_bulk_redispatch_reports_cases_it_could_not_move(board_client, provider_a, provider_b, coordinator):
    movable = dispatched_case(provider=provider_a, actor=coordinator)
    not_dispatched = approved_case()
    response = board_client.post(
        BOARD,
        {
            "action": "redispatch",
            "selected": [movable.pk, not_dispatched.pk],
            "provider": provider_b.pk,
            "note": "调整",
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(movable.number in t and "已改派" in t for t in texts)
    assert any(t.startswith(not_dispatched.number) for t in texts)
    not_dispatched.refresh_from_db()
    assert not_dispatched.state == CaseState.APPROVED


def test_view_only_staff_may_read_the_board_but_not_send_reminders(client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client.force_login(UserFactory(username="reader", role="intake"))
    assert client.get(BOARD).status_code == 200
    assert client.post(BOARD, {"action": "remind", "selected": [case.pk]}).status_code == 403
    assert not ProviderReminder.objects.exists()


def test_csv_export_neutralises_formulas_in_names_cities_and_services(board_client, provider_a, coordinator):
    """The attack: a customer named =HYPERLINK(…), a city "=cmd|' /C calc'!A0", a provider "@SUM(1)"."""
    case = dispatched_case(provider=provider_a, actor=coordinator, city="=cmd|' /C calc'!A0")
    case.beneficiary.name = '=HYPERLINK("http://evil.example","点我")'
    case.beneficiary.save()
    provider_a.name = "@SUM(1+1)"
    provider_a.save()

    raw = board_client.get(BOARD, {"export": "csv"}).content.decode("utf-8-sig")

    row = next(r for r in csv.reader(io.StringIO(raw)) if r and r[0] == case.number)
    assert row[3] == "'" + case.beneficiary.name
    assert row[6] == "'=cmd|' /C calc'!A0"
    assert row[7] == "'@SUM(1+1)"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_board_case_page_is_recorded_in_the_audit_trail(board_client, provider_a, coordinator):
    from audit.models import AuditEvent

    case = dispatched_case(provider=provider_a, actor=coordinator)
    board_client.get(f"/board/cases/{case.number}/")
    assert AuditEvent.objects.filter(action="case_view", object_id=str(case.pk), actor_id=coordinator.pk).exists()


def test_working_days_filter_reads_the_clock_a_paused_day_does_not_count_and_a_stopped_clock_is_not_chased(
    board_client, provider_a, coordinator
):
    from cases.clock import clock_figures

    counted = approved_case(started_workdays_ago=6)
    paused_before = approved_case(started_workdays_ago=6, sla_paused_days=3)  # used 3
    stopped = approved_case(started_workdays_ago=9, state=CaseState.ARRANGED, sla_stopped_at=timezone.now())
    shown = numbers(board_client.get(BOARD, {"min_workdays": 5}))
    assert shown == [counted.number]
    assert clock_figures(paused_before, today=today()).used_working_days == 3
    assert stopped.number not in shown
