"""Two people acting on the same case at once: exactly one succeeds, the other is told plainly."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from cases.errors import CaseConflict
from cases.models import Case, CaseState
from cases.services import case_start_review, review_approve
from tests.cases.conftest import CHECKLIST_ALL
from tests.factories.cases import role_user


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_one_wins_one_conflict_one_history_entry(submit, enroll, reviewer):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    second_reviewer = role_user("reviewer", "reviewer-2")
    # Both reviewers opened the page while the case was 医学审核中.
    views = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def approve(index: int, actor) -> None:
        try:
            barrier.wait()
            outcomes[index] = review_approve(case=views[index], actor=actor, checklist=CHECKLIST_ALL).state
        except CaseConflict as exc:
            outcomes[index] = exc
        finally:
            close_old_connections()

    threads = [
        threading.Thread(target=approve, args=(0, reviewer)),
        threading.Thread(target=approve, args=(1, second_reviewer)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The holder wins; the other reviewer is refused whichever locked first: as a non-holder
    # (still 医学审核中) or because the case has left review (待派单).
    assert outcomes[0] == CaseState.APPROVED
    assert isinstance(outcomes[1], CaseConflict)
    assert "接手审核" in outcomes[1].message or "案件已被他人处理，当前状态：待派单" in outcomes[1].message
    assert Case.objects.get(pk=case.pk).events.filter(transition="approve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_share_a_case_number(intake, enroll, medical_record):
    from cases.services import case_submit
    from tests.cases.conftest import REVIEWED_REQUEST
    from tests.factories.cases import service

    enrollments = [enroll() for _ in range(6)]
    barrier = threading.Barrier(len(enrollments))
    numbers: list[str] = []

    def submit(enrollment) -> None:
        try:
            barrier.wait()
            case = case_submit(
                actor=intake,
                channel="wechat",
                beneficiary=enrollment.insured,
                service=service("ci-top3a-expert-appointment"),
                documents=[medical_record],
                **REVIEWED_REQUEST,
            )
            numbers.append(case.number)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=submit, args=(e,)) for e in enrollments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(numbers) == len(set(numbers)) == 6


@pytest.mark.django_db(transaction=True)
def test_a_year_whose_first_submission_rolled_back_still_numbers_cases():
    """The first case of a year creates its sequence; if that submission is refused and rolled back,
    the sequence goes with it, and the next submission must create it again rather than fail."""
    from cases.services import numbers

    year = numbers.local_today().year
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS cases_number_{year}")
    numbers._KNOWN_SEQUENCES.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        numbers.case_number_next()
        numbers.case_number_next()
        raise RuntimeError("refused after the number was drawn")

    assert numbers.case_number_next() == f"LB-{year}-000001"
    assert numbers.case_number_next() == f"LB-{year}-000002"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_redispatches_to_one_provider_move_the_case_once_and_name_the_right_previous(
    approved_case, coordinator
):
    """The attack: 20 coordinators' pages, all showing provider A, re-dispatch to B at once."""
    from cases.errors import CaseValidationError
    from cases.models import CaseEvent, Dispatch
    from cases.services import case_dispatch, case_redispatch
    from providers.models import Provider

    first = Provider.objects.create(code="redispatch-a", name="改派甲")
    second = Provider.objects.create(code="redispatch-b", name="改派乙")
    case = case_dispatch(case=approved_case, actor=coordinator, provider=first, note="派单")
    views = [Case.objects.get(pk=case.pk) for _ in range(20)]
    barrier = threading.Barrier(len(views))
    outcomes: list[object] = []

    def redispatch(view) -> None:
        try:
            barrier.wait()
            outcomes.append(case_redispatch(case=view, actor=coordinator, provider=second, note="甲无法承接"))
        except (CaseValidationError, CaseConflict) as exc:
            outcomes.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=redispatch, args=(view,)) for view in views]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(isinstance(o, Case) for o in outcomes) == 1
    assert Dispatch.objects.filter(case=case, provider=second).count() == 1
    events = CaseEvent.objects.filter(case=case, transition="redispatch")
    assert [e.extra["previous_provider"] for e in events] == ["redispatch-a"]
