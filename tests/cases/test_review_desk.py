"""The reviewer's desk: the review queue (tabs, views, counts, order), the holder and take-over."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import queue
from cases.models import Case, CaseState, DocumentKind
from cases.services import DocumentUpload, case_start_review, review_return
from tests.factories.cases import pdf_bytes, role_user

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:cases_case_changelist")


def _numbers(response) -> list[str]:
    return [case.number for case in response.context["cl"].result_list]


@pytest.fixture
def desk(submit, enroll, reviewer):
    """One case of each kind the queue speaks of: submitted, in review (mine), in review (another
    reviewer's), a 120 claim under assessment, returned to the applicant, and approved."""
    other = role_user("reviewer", "dr-other")
    invoice = DocumentUpload(kind=DocumentKind.INVOICE, content=pdf_bytes("invoice"), name="120发票.pdf")
    cases = {
        "submitted": submit(enroll()),
        "mine": case_start_review(case=submit(enroll()), actor=reviewer),
        "others": case_start_review(case=submit(enroll()), actor=other),
        "claim": case_start_review(
            case=submit(enroll(), "ambulance-120", documents=[invoice], claimed_amount=Decimal("150.00")),
            actor=reviewer,
        ),
    }
    returned = case_start_review(case=submit(enroll()), actor=reviewer)
    cases["returned"] = review_return(case=returned, actor=reviewer, message="请补充出院小结")
    return cases


def test_queue_shows_submitted_in_review_and_claims_but_not_returned(client, reviewer, desk):
    client.force_login(reviewer)

    shown = set(_numbers(client.get(QUEUE)))

    assert shown == {desk[k].number for k in ("submitted", "mine", "others", "claim")}


def test_returned_cases_are_their_own_tab(client, reviewer, desk):
    client.force_login(reviewer)

    assert _numbers(client.get(QUEUE, {"queue": "returned"})) == [desk["returned"].number]


def test_views_mine_and_unclaimed(client, reviewer, desk):
    client.force_login(reviewer)

    mine = set(_numbers(client.get(QUEUE, {"view": "mine"})))
    unclaimed = _numbers(client.get(QUEUE, {"view": "unclaimed"}))

    assert mine == {desk["mine"].number, desk["claim"].number}
    assert unclaimed == [desk["submitted"].number]


def test_counts_come_from_one_query_and_match_the_lists(client, reviewer, desk, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = queue.queue_counts(user=reviewer)

    assert counts["pending"] == {"mine": 2, "unclaimed": 1, "all": 4}
    assert counts["returned"] == {"mine": 1, "unclaimed": 0, "all": 1}
    client.force_login(reviewer)
    for tab in queue.TABS:
        for view in queue.VIEWS:
            listed = _numbers(client.get(QUEUE, {"queue": tab, "view": view}))
            assert len(listed) == counts[tab][view], (tab, view)


def test_queue_is_ordered_by_review_due_date_and_marks_overdue(client, reviewer, desk):
    late, later = desk["others"], desk["submitted"]
    Case.objects.filter(pk=late.pk).update(review_due=datetime.date(2020, 1, 2))
    Case.objects.filter(pk=later.pk).update(review_due=datetime.date(2020, 1, 3))
    client.force_login(reviewer)

    response = client.get(QUEUE)

    assert _numbers(response)[:2] == [late.number, later.number]
    assert response.content.decode().count('class="queue-overdue">已逾期') == 2


def test_home_page_shows_the_queue_counts_the_queue_shows(client, reviewer, desk):
    client.force_login(reviewer)

    home = client.get(reverse("admin:index")).content.decode()
    listed = len(_numbers(client.get(QUEUE)))
    returned = len(_numbers(client.get(QUEUE, {"queue": "returned"})))

    assert f"待审核 <b>{listed}</b>" in home
    assert f"退回待补充 <b>{returned}</b>" in home
    assert f'href="{QUEUE}"' in home  # the link opens the very list it counts


def test_filter_label_says_what_the_default_list_shows(client, reviewer, desk):
    client.force_login(reviewer)

    html = client.get(QUEUE).content.decode()

    assert "待审核（已提交、医学审核中）" in html
    assert "待审核队列" not in html
    assert [s for s in CaseState if s.value in {c.state for c in client.get(QUEUE).context["cl"].result_list}] == [
        CaseState.SUBMITTED,
        CaseState.IN_REVIEW,
    ]
