"""The reviewer's desk: the review queue (tabs, views, counts, order), the holder and take-over."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from cases import queue
from cases.models import Case, CaseState, DocumentKind
from cases.services import DocumentUpload, case_start_review, review_return
from tests.cases.conftest import CHECKLIST_ALL
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


def test_counts_stop_at_the_cap_and_the_tabs_header_and_home_page_show_it(
    client, reviewer, desk, monkeypatch, django_assert_num_queries
):
    """A backlog past the cap is counted no further (the statement reads at most the cap's rows per
    tab and view) and shown "N+" alike on the tab, its view, the page header and the home page."""
    monkeypatch.setattr("config.counts.COUNT_CAP", 3)
    with django_assert_num_queries(1):
        counts = queue.queue_counts(user=reviewer)
    assert counts["pending"] == {"mine": 2, "unclaimed": 1, "all": 3}
    client.force_login(reviewer)

    page = client.get(QUEUE).content.decode()
    home = client.get(reverse("admin:index")).content.decode()

    assert "待审核（2+）" in page and "全部（2+）" in page and "我的（2）" in page
    assert '待审核 <span class="desk-count">2+</span>' in page
    assert "待审核 <b>2+</b>" in home
    assert len(_numbers(client.get(QUEUE))) == 4  # the list itself is whole


def test_the_lists_result_count_says_what_its_tab_says(client, reviewer, desk, monkeypatch):
    """One list, one number: beside the search box and under the list the count is the tab's, capped
    alike ("2+" here, "999+" in production) — never the paginator's estimate past the cap."""
    client.force_login(reviewer)
    page = client.get(QUEUE, {"view": "all"}).content.decode()
    assert "全部（4）" in page and "4 条结果" in page
    assert re.search(r'<p class="paginator">\s*4 ', page)

    monkeypatch.setattr("config.counts.COUNT_CAP", 3)
    page = client.get(QUEUE, {"view": "all"}).content.decode()
    assert "全部（2+）" in page and "2+ 条结果" in page
    assert re.search(r'<p class="paginator">\s*2\+ ', page)
    assert not re.search(r"\b[013-9]\d* 条结果", page)


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


# --- the holder and 接手审核 -----------------------------------------------------------------


@pytest.fixture
def held(submit, enroll, reviewer):
    """A case 医学审核中, held by ``reviewer``; ``other`` is a second reviewer."""
    return case_start_review(case=submit(enroll()), actor=reviewer), role_user("reviewer", "dr-other")


def test_start_review_makes_the_reviewer_the_holder(held, reviewer):
    case, _ = held

    assert case.holder == reviewer


@pytest.mark.parametrize("decide", ["approve", "reject", "return"])
def test_a_decision_by_another_reviewer_is_refused_naming_the_holder(held, reviewer, decide):
    from cases.errors import CaseConflict
    from cases.services import review_approve, review_reject

    case, other = held
    calls = {
        "approve": lambda: review_approve(case=case, actor=other, checklist=CHECKLIST_ALL),
        "reject": lambda: review_reject(case=case, actor=other, reason="disease_not_listed"),
        "return": lambda: review_return(case=case, actor=other, message="缺出院小结"),
    }
    with pytest.raises(CaseConflict) as refused:
        calls[decide]()

    holder = reviewer.get_full_name() or reviewer.username
    assert f"本案由「{holder}」审核中，请先「接手审核」并填写原因" in refused.value.message
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW and case.holder == reviewer


def test_take_over_needs_a_reason_and_is_recorded_and_audited(held, reviewer):
    from audit.models import AuditEvent
    from cases.errors import CaseValidationError
    from cases.services import case_take_over, review_approve

    case, other = held
    with pytest.raises(CaseValidationError) as refused:
        case_take_over(case=case, actor=other, reason=" ")
    assert refused.value.errors == {"reason": ["请填写接手审核的原因"]}

    case = case_take_over(case=case, actor=other, reason="原审核人休假")

    assert case.holder == other and case.state == CaseState.IN_REVIEW
    event = case.events.get(transition="take_over")
    assert event.actor == other and "原审核人休假" in event.note
    assert event.extra["previous_holder"] == reviewer.pk
    assert AuditEvent.objects.filter(actor_id=other.pk, extra__transition="take_over").count() == 1
    assert review_approve(case=case, actor=other, checklist=CHECKLIST_ALL).state == CaseState.APPROVED


def test_the_holder_cannot_take_over_his_own_case(held, reviewer):
    from cases.errors import CaseConflict
    from cases.services import case_take_over

    case, _ = held
    with pytest.raises(CaseConflict, match="您已是本案的审核人"):
        case_take_over(case=case, actor=reviewer, reason="x")


def test_the_page_shows_another_reviewer_the_holder_and_only_take_over(client, held, reviewer):
    case, other = held
    client.force_login(other)

    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))

    holder = reviewer.get_full_name() or reviewer.username
    assert f"本案由「{holder}」审核中" in response.content.decode()
    # No review decision for the non-holder: take over first. (Stopping a case found to be misuse
    # is a finding, not a review decision, and stays open to every reviewer — 第二章 1.)
    assert [a.name for a in response.context["actions"]] == ["take_over", "misuse_stop"]
    client.force_login(reviewer)
    mine = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert [a.name for a in mine.context["actions"]] == ["approve", "return_to_applicant", "reject", "misuse_stop"]


def test_the_reviewer_view_says_who_must_take_over_and_who_works_the_queue(held, reviewer):
    case, other = held

    assert queue.reviewer_view(case=case, user=other).held_by_other
    assert not queue.reviewer_view(case=case, user=reviewer).held_by_other
    assert queue.reviewer_view(case=case, user=reviewer).works_queue
    assert not queue.reviewer_view(case=case, user=role_user("coordinator")).works_queue


def test_the_api_answers_409_in_chinese_to_a_non_holder(api_client, held, reviewer):
    from tests.factories.audit import api_key

    case, other = held
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(other)}")
    url = f"/api/v1/cases/{case.number}/actions/approve"

    refused = api_client.post(url, {"expected_state": "in_review", **CHECKLIST_ALL}, format="json")

    assert refused.status_code == 409
    assert "请先「接手审核」" in refused.json()["detail"]
    taken = api_client.post(f"/api/v1/cases/{case.number}/actions/take_over", {"reason": "加急处理"}, format="json")
    assert taken.status_code == 200
    assert api_client.post(url, {"expected_state": "in_review", **CHECKLIST_ALL}, format="json").status_code == 200


def test_next_case_goes_to_the_next_queue_case(client, reviewer, submit, enroll):
    from cases.services import review_approve

    first, second = submit(enroll()), submit(enroll())
    first = case_start_review(case=first, actor=reviewer)
    review_approve(case=first, actor=reviewer, checklist=CHECKLIST_ALL)
    client.force_login(reviewer)

    response = client.get(reverse("admin:cases_case_next", args=[first.pk]))

    assert response.url == reverse("admin:cases_case_change", args=[second.pk])


def _race(*calls):
    """Run the calls at the same moment in threads; each outcome is its result or its refusal."""
    import threading

    from django.db import close_old_connections

    from cases.errors import CaseError

    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except CaseError as exc:
            outcomes[index] = exc
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_starting_one_case_at_once_one_holds_it(submit, enroll, reviewer):
    from cases.errors import CaseConflict

    case, other = submit(enroll()), role_user("reviewer", "dr-other")
    views = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]

    outcomes = _race(
        lambda: case_start_review(case=views[0], actor=reviewer),
        lambda: case_start_review(case=views[1], actor=other),
    )

    winners = [o for o in outcomes if isinstance(o, Case)]
    assert len(winners) == 1 and isinstance(next(o for o in outcomes if o not in winners), CaseConflict)
    case.refresh_from_db()
    assert case.holder == winners[0].holder
    assert case.events.filter(transition="start_review").count() == 1


@pytest.mark.django_db(transaction=True)
def test_holder_deciding_while_another_takes_over_exactly_one_acts(submit, enroll, reviewer):
    from cases.errors import CaseConflict
    from cases.services import case_take_over, review_approve

    case = case_start_review(case=submit(enroll()), actor=reviewer)
    other = role_user("reviewer", "dr-other")
    views = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]

    outcomes = _race(
        lambda: review_approve(case=views[0], actor=reviewer, checklist=CHECKLIST_ALL),
        lambda: case_take_over(case=views[1], actor=other, reason="加急"),
    )

    case.refresh_from_db()
    approved, taken = outcomes
    if isinstance(approved, Case):  # the holder locked first: the case left review
        assert isinstance(taken, CaseConflict) and case.state == CaseState.APPROVED
        assert not case.events.filter(transition="take_over").exists()
    else:  # the take-over locked first: the former holder's decision is refused
        assert isinstance(approved, CaseConflict) and "接手审核" in approved.message
        assert case.state == CaseState.IN_REVIEW and case.holder == other
        assert not case.events.filter(transition="approve").exists()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_taking_over_at_once_the_second_is_told_the_first_holds_it(submit, enroll, reviewer):
    from cases.errors import CaseConflict
    from cases.services import case_take_over, review_approve

    case = case_start_review(case=submit(enroll()), actor=reviewer)
    second, third = role_user("reviewer", "dr-two"), role_user("reviewer", "dr-three")
    views = [Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)]

    outcomes = _race(
        lambda: case_take_over(case=views[0], actor=second, reason="甲", expected_holder=reviewer.pk),
        lambda: case_take_over(case=views[1], actor=third, reason="乙", expected_holder=reviewer.pk),
    )

    case.refresh_from_db()
    winners = [o for o in outcomes if isinstance(o, Case)]
    losers = [o for o in outcomes if isinstance(o, CaseConflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert case.holder == winners[0].holder
    assert f"本案已由「{case.holder_display}」接手审核" in losers[0].message
    assert case.events.filter(transition="take_over").count() == 1
    loser = third if case.holder == second else second
    with pytest.raises(CaseConflict):
        review_approve(case=case, actor=loser, checklist=CHECKLIST_ALL)


# --- the checklist against the case's record ----------------------------------------------


def _approve_form(**ticks):
    return {"approve-expected_state": "in_review", **{f"approve-{k}": "on" for k, v in ticks.items() if v}}


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"diagnosing_hospital_level": 1}, "为一级医院，不符合二级及以上公立医院"),
        ({"diagnosing_hospital_ownership": "private"}, "为民营医院，不符合二级及以上公立医院"),
    ],
)
def test_a_hospital_the_record_contradicts_blocks_approval_beside_its_item(
    client, reviewer, submit, enroll, facts, reason
):
    case = case_start_review(case=submit(enroll(), **facts), actor=reviewer)
    client.force_login(reviewer)

    response = client.post(
        reverse("admin:cases_case_action", args=[case.pk, "approve"]), _approve_form(**CHECKLIST_ALL)
    )

    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    html = response.content.decode()
    beside = html.split('id="id_approve-check_hospital_level-errors"', 1)[1].split("</ul>", 1)[0]
    assert reason in beside
    assert 'id="id_approve-check_disease_listed-errors"' not in html


def test_a_disease_off_the_list_blocks_approval(submit, enroll, reviewer):
    from cases.errors import CaseValidationError
    from cases.services import review_approve
    from entitlements.models import CriticalIllness

    illness = CriticalIllness.objects.order_by("id").first()
    case = case_start_review(case=submit(enroll(), critical_illness=illness, suspected=False), actor=reviewer)
    CriticalIllness.objects.filter(pk=illness.pk).update(active=False)

    with pytest.raises(CaseValidationError) as refused:
        review_approve(case=case, actor=reviewer, checklist=CHECKLIST_ALL)

    assert refused.value.errors["check_disease_listed"] == [f"案件所列疾病「{illness.name}」不在重症疾病范围列表内"]
    assert refused.value.errors["checklist"] == ["审核清单与案件记录不符"]


def test_the_checklist_is_prefilled_from_the_record(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    private = case_start_review(case=submit(enroll(), diagnosing_hospital_ownership="private"), actor=reviewer)
    client.force_login(reviewer)

    form = next(a.form for a in client.get(reverse("admin:cases_case_change", args=[case.pk])).context["actions"])
    contradicted = next(
        a.form for a in client.get(reverse("admin:cases_case_change", args=[private.pk])).context["actions"]
    )

    assert form["check_hospital_level"].value() and form["check_disease_listed"].value()
    assert form["check_documents_complete"].value()
    assert not form["check_specialist_diagnosis"].value()  # read in the record, never inferred
    assert not contradicted["check_hospital_level"].value()


def test_missing_items_are_named_each_beside_itself(client, reviewer, submit, enroll):
    case = case_start_review(case=submit(enroll()), actor=reviewer)
    client.force_login(reviewer)

    html = client.post(
        reverse("admin:cases_case_action", args=[case.pk, "approve"]), _approve_form(check_hospital_level=True)
    ).content.decode()

    assert "未勾选「专科医生诊断」" in html.split('id="id_approve-check_specialist_diagnosis-errors"', 1)[1][:300]
    assert "未勾选「材料齐全」" in html.split('id="id_approve-check_documents_complete-errors"', 1)[1][:300]
    assert 'id="id_approve-check_hospital_level-errors"' not in html
