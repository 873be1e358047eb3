from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseState, breach_not_reminded
from notifications.models import Notification, OutboxMessage
from notifications.services import outbox_deliver
from sla.models import Reminder
from sla.services import sla_sweep
from sla.tasks import sweep_sla
from tests.factories.cases import UserFactory
from tests.sla.conftest import EVE_OF_NATIONAL_DAY, make_case

pytestmark = pytest.mark.django_db
TODAY = EVE_OF_NATIONAL_DAY
NEXT_WORKDAY = date(2026, 10, 8)


def payload_of(case) -> dict:
    return Reminder.objects.get(case=case).message.payload


def test_case_due_on_next_working_day_after_holiday_week_is_due_soon(provider):
    case = make_case(provider=provider, sla_started_on=date(2026, 9, 20), sla_deadline_due=NEXT_WORKDAY)
    later = make_case(provider=provider, sla_started_on=date(2026, 9, 20), sla_deadline_due=date(2026, 10, 9))

    result = sla_sweep(today=TODAY)

    assert result["due_soon"] == 1
    assert list(Reminder.objects.values_list("case_id", "kind", "deadline")) == [(case.pk, "due_soon", NEXT_WORKDAY)]
    assert not Reminder.objects.filter(case=later).exists()


def test_case_past_its_deadline_is_breached(provider):
    case = make_case(provider=provider, sla_started_on=date(2026, 9, 1), sla_deadline_due=date(2026, 9, 29))

    sla_sweep(today=TODAY)

    reminder = Reminder.objects.get(case=case)
    assert (reminder.kind, reminder.deadline) == ("breached", date(2026, 9, 29))
    assert "已超时" in reminder.message.payload["subject"]


def test_repeated_sweep_sends_nothing_new(provider):
    make_case(provider=provider, sla_deadline_due=TODAY)
    make_case(provider=provider, sla_deadline_due=date(2026, 9, 1))

    first = sla_sweep(today=TODAY)
    second = sla_sweep(today=TODAY)

    assert first["reminded"] == 2
    assert second["reminded"] == 0
    assert Reminder.objects.count() == 2
    assert OutboxMessage.objects.filter(dedupe_key__startswith="reminder:").count() == 2


def test_due_soon_case_that_slips_past_deadline_gets_a_breach_reminder_too(provider):
    case = make_case(provider=provider, sla_deadline_due=NEXT_WORKDAY)
    sla_sweep(today=TODAY)

    sla_sweep(today=date(2026, 10, 9))

    assert sorted(Reminder.objects.filter(case=case).values_list("kind", flat=True)) == ["breached", "due_soon"]


def test_deadline_moved_by_a_pause_earns_a_new_reminder(provider):
    case = make_case(provider=provider, sla_deadline_due=NEXT_WORKDAY)
    sla_sweep(today=TODAY)
    # The customer kept the case waiting two working days: the clock's deadline moved out.
    type(case).objects.filter(pk=case.pk).update(sla_deadline_due=date(2026, 10, 12))

    sla_sweep(today=date(2026, 10, 10))

    assert list(Reminder.objects.filter(case=case).order_by("deadline").values_list("kind", "deadline")) == [
        ("due_soon", NEXT_WORKDAY),
        ("due_soon", date(2026, 10, 12)),
    ]


def test_case_reminded_of_its_breach_is_not_read_again_until_its_deadline_moves(provider):
    late = make_case(provider=provider, sla_deadline_due=date(2026, 9, 29))
    review = make_case(state=CaseState.IN_REVIEW, review_due=date(2026, 9, 1))
    sla_sweep(today=TODAY)
    late.refresh_from_db()
    review.refresh_from_db()
    assert late.sla_breach_reminded_for == date(2026, 9, 29)
    assert review.review_breach_reminded_for == date(2026, 9, 1)
    unreminded = Case.objects.filter(breach_not_reminded(review=False))
    assert not unreminded.filter(pk=late.pk).exists()  # out of the sweep's index

    # The calendar was corrected and the deadline moved: the case is reminded of the new one.
    Case.objects.filter(pk=late.pk).update(sla_deadline_due=date(2026, 9, 28))
    result = sla_sweep(today=TODAY)

    assert result["reminded"] == 1
    assert list(late.sla_reminders.order_by("deadline").values_list("kind", "deadline")) == [
        ("breached", date(2026, 9, 28)),
        ("breached", date(2026, 9, 29)),
    ]
    assert sla_sweep(today=TODAY)["reminded"] == 0


def test_reminder_whose_message_exists_already_points_at_it_and_sends_nothing_twice(provider):
    case = make_case(provider=provider, sla_deadline_due=date(2026, 9, 29))
    sla_sweep(today=TODAY)
    message = Reminder.objects.get(case=case).message
    # Someone deleted the reminder by hand and cleared the case's marker; its message was sent.
    Reminder.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(sla_breach_reminded_for=None)

    result = sla_sweep(today=TODAY)

    assert result["reminded"] == 1
    assert Reminder.objects.get(case=case).message == message
    assert OutboxMessage.objects.filter(dedupe_key__startswith="reminder:").count() == 1


@pytest.mark.parametrize(
    "state",
    [CaseState.WAITING_CUSTOMER, CaseState.ARRANGED, CaseState.CLOSED, CaseState.CANCELLED, CaseState.WITHDRAWN],
)
def test_paused_or_finished_case_is_not_reminded(provider, state):
    make_case(state=state, provider=provider, sla_deadline_due=date(2026, 9, 1))

    assert sla_sweep(today=TODAY)["reminded"] == 0


def test_reminder_goes_to_holder_and_provider_contacts_taking_reminders(provider, coordinators):
    holder = UserFactory(username="holding-coordinator")
    case = make_case(provider=provider, holder=holder, sla_deadline_due=TODAY)

    sla_sweep(today=TODAY)

    payload = payload_of(case)
    assert payload["user_ids"] == [holder.pk]
    assert payload["emails"] == ["chaser@provider.example", "desk@provider.example"]
    assert payload["case_number"] == case.number


def test_unheld_case_reminds_every_coordinator(provider, coordinators):
    case = make_case(state=CaseState.APPROVED, sla_deadline_due=TODAY)

    sla_sweep(today=TODAY)

    payload = payload_of(case)
    assert payload["permission"] == "cases.dispatch_case"  # the role, resolved at delivery
    assert payload["emails"] == []  # not with a provider yet
    outbox_deliver(message_id=Reminder.objects.get(case=case).message_id)
    reached = Notification.objects.filter(case_number=case.number).values_list("recipient_id", flat=True)
    assert sorted(reached) == sorted(user.pk for user in coordinators)


def test_review_reminder_goes_to_reviewers_when_nobody_holds_the_case(reviewers, coordinators):
    case = make_case(state=CaseState.SUBMITTED, review_due=date(2026, 9, 29))

    sla_sweep(today=TODAY)

    reminder = Reminder.objects.get(case=case)
    assert reminder.kind == "review_breached"
    outbox_deliver(message_id=reminder.message_id)
    reached = Notification.objects.filter(case_number=case.number).values_list("recipient_id", flat=True)
    assert list(reached) == [reviewers[0].pk]


def test_delivered_reminder_reaches_inbox_and_provider_mailbox(provider):
    holder = UserFactory(username="holder-inbox")
    case = make_case(provider=provider, holder=holder, sla_deadline_due=TODAY)
    sla_sweep(today=TODAY)

    outbox_deliver(message_id=Reminder.objects.get(case=case).message_id)

    assert Notification.objects.filter(recipient=holder, case_number=case.number).count() == 1
    assert set(Notification.objects.filter(recipient=None).values_list("email", flat=True)) == {
        "desk@provider.example",
        "chaser@provider.example",
    }


def sweep_queries(count: int, provider) -> int:
    sla_sweep(today=TODAY)  # warms the calendar index
    for _ in range(count):
        make_case(provider=provider, sla_deadline_due=TODAY)
        make_case(state=CaseState.IN_REVIEW, review_due=date(2026, 9, 1))
    with CaptureQueriesContext(connection) as queries:
        result = sla_sweep(today=TODAY)
    assert result["reminded"] == 2 * count
    return len(queries)


def test_sweep_query_count_does_not_grow_with_the_number_of_cases(provider, coordinators, reviewers):
    one = sweep_queries(1, provider)
    Reminder.objects.all().delete()
    Case.objects.all().delete()

    fifty = sweep_queries(50, provider)

    assert fifty == one
    # savepoint pair, 5 reads, recipients, 4 writes, one breach marker per clock, and the planner
    # scope around each clock's candidate read (a SET LOCAL and a RESET)
    assert fifty <= 18, fifty


def test_the_sweep_leaves_the_planner_as_it_found_it(provider):
    """The candidate reads turn hash and merge joins off for their own statement only: the
    statements after them in the same transaction, and the session, plan as before."""
    make_case(provider=provider, sla_deadline_due=TODAY)

    def planner() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")
            return cursor.fetchone()

    before = planner()
    with transaction.atomic():
        assert sla_sweep(today=TODAY)["reminded"] == 1
        assert planner() == before == ("on", "on")
    assert planner() == before


def test_uncovered_year_is_reported_and_breaches_still_sent(provider, caplog, without_2027):
    make_case(provider=provider, sla_deadline_due=date(2026, 12, 30))
    make_case(provider=provider, sla_deadline_due=date(2026, 12, 31))

    result = sla_sweep(today=date(2026, 12, 31))

    assert result["calendar_missing"] == 2027
    assert result["breached"] == 1 and result["due_soon"] == 0
    assert "2027" in caplog.text


def test_case_whose_deadline_the_calendar_could_not_give_is_counted_not_guessed(provider):
    make_case(provider=provider, sla_started_on=date(2026, 12, 28), sla_deadline_due=None)

    result = sla_sweep(today=date(2026, 12, 29))

    assert result["undated"] == 1
    assert result["reminded"] == 0


def test_management_command_runs_the_same_sweep(provider, capsys):
    make_case(provider=provider, sla_deadline_due=TODAY)

    call_command("sla_sweep", "--today", "2026-09-30")

    assert "新提醒 1 条" in capsys.readouterr().out
    assert Reminder.objects.count() == 1


def test_management_command_rejects_a_malformed_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today"):
        call_command("sla_sweep", "--today", "30/09/2026")


def test_task_runs_the_sweep_for_today(provider):
    make_case(provider=provider, sla_deadline_due=date(2026, 9, 1))

    result = sweep_sla.apply().get()

    assert result["breached"] == 1
