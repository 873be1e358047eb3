"""Two medical reviewers act on the same case at the same moment, 200 times over: each time exactly
one action takes effect, the other reviewer is told the case moved, and the case's history and quota
agree with the winner."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from cases.errors import CaseConflict
from cases.models import Case, CaseEvent, CaseState, DocumentKind
from cases.services import review_approve, review_reject, review_return
from cases.services.documents import DocumentUpload, document_check, document_store
from tests.factories.cases import CaseFactory, pdf_bytes, role_user
from tests.faults.conftest import report

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TRIALS = 200
CHECKLIST = {
    "check_hospital_level": True,
    "check_specialist_diagnosis": True,
    "check_disease_listed": True,
    "check_documents_complete": True,
}
ACTIONS = {
    "approve": (lambda case, actor: review_approve(case=case, actor=actor, checklist=CHECKLIST), CaseState.APPROVED),
    "reject": (lambda case, actor: review_reject(case=case, actor=actor, reason="duplicate"), CaseState.REJECTED),
    "return": (
        lambda case, actor: review_return(case=case, actor=actor, message="请补充出院小结"),
        CaseState.RETURNED,
    ),
}


def test_two_reviewers_acting_at_once_one_wins_every_time():
    reviewers = [role_user("reviewer", "reviewer-a"), role_user("reviewer", "reviewer-b")]
    rng = random.Random(2026)
    cases = [CaseFactory(state=CaseState.IN_REVIEW) for _ in range(TRIALS)]
    # 材料齐全 is compared with the case's documents (cases.checklist): each case holds its record.
    record = document_check(
        upload=DocumentUpload(kind=DocumentKind.MEDICAL_RECORD, content=pdf_bytes(), name="病历.pdf")
    )
    for case in cases:
        document_store(case=case, actor=None, checked=record)
    lock = threading.Lock()
    outcomes: dict[int, list] = {case.pk: [] for case in cases}

    def act(case_pk: int, action: str, actor, barrier: threading.Barrier) -> None:
        view = Case.objects.get(pk=case_pk)  # what the reviewer's page showed: 医学审核中
        barrier.wait(timeout=30)
        run, _state = ACTIONS[action]
        try:
            result = ("won", action, run(view, actor).state)
        except CaseConflict as exc:
            result = ("conflict", action, exc.current_state)
        except Exception as exc:
            result = ("error", action, repr(exc))
        with lock:
            outcomes[case_pk].append(result)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for case in cases:
            barrier = threading.Barrier(2)
            actions = [rng.choice(list(ACTIONS)), rng.choice(list(ACTIONS))]
            futures = [pool.submit(act, case.pk, actions[i], reviewers[i], barrier) for i in range(2)]
            for future in futures:
                future.result(timeout=60)
        list(pool.map(lambda _: connection.close(), range(2)))

    wrong = 0
    for case in Case.objects.select_related("quota_hold").filter(pk__in=outcomes):
        results = outcomes[case.pk]
        winners = [r for r in results if r[0] == "won"]
        conflicts = [r for r in results if r[0] == "conflict"]
        events = CaseEvent.objects.filter(case=case, transition__in=["approve", "reject", "return_to_applicant"])
        consistent = (
            len(winners) == 1
            and len(conflicts) == 1
            and conflicts[0][2] == case.state == ACTIONS[winners[0][1]][1]
            and events.count() == 1
            and (case.quota_hold.status == "released") == (case.state == CaseState.REJECTED)
        )
        wrong += int(not consistent)
    errors = [r for results in outcomes.values() for r in results if r[0] == "error"]
    report(
        "transition_races",
        trials=TRIALS,
        concurrent_actions=2 * TRIALS,
        one_winner=TRIALS - wrong,
        inconsistent=wrong,
        errors=len(errors),
    )
    assert errors == []
    assert wrong == 0
