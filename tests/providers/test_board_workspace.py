"""The board is the coordinator's whole workspace (issue 16, item 2): every coordinator action of
the workflow table on the board's case page, what the coordinator needs to act, paid 120 claims
waiting to be closed, reminders that say what was sent, and no controls for read-only roles."""

import pytest
from django.core import mail

from cases.models import CaseEvent, CaseState
from cases.workflow import ACTIONS, Place
from providers.models import ProviderReminder
from tests.factories.cases import CaseFactory, UserFactory
from tests.factories.providers import ProviderFactory
from tests.providers.conftest import approved_case, attach_document, dispatched_case

pytestmark = pytest.mark.django_db
BOARD = "/board/"


def manager():
    """A user of the production 运营管理 role (read-only: reports, the board, the case pages)."""
    from django.contrib.auth.models import Group

    from audit.roles import role_by_key, roles_sync

    roles_sync()
    user = UserFactory(username="manager-reader")
    user.groups.add(Group.objects.get(name=role_by_key("manager").name))
    return user


def page(number: str) -> str:
    return f"/board/cases/{number}/"


def offered(response) -> list[str]:
    return [item.name for item in response.context["actions"]]


@pytest.fixture
def signed_in(client, coordinator):
    client.force_login(coordinator)
    return client


# Each state the board lists → the coordinator's actions the workflow table offers there.
COORDINATOR_ACTIONS = {
    CaseState.APPROVED: {"dispatch", "cancel"},
    # Accept comes before arrange (issue 16): no 记录安排结果 while the provider has not accepted.
    CaseState.DISPATCHED: {"redispatch", "await_customer", "cancel"},
    CaseState.ACCEPTED: {"redispatch", "await_customer", "arrange", "cancel"},
    CaseState.WAITING_CUSTOMER: {"customer_replied", "cancel"},
    CaseState.ARRANGED: {"complete", "close"},
    CaseState.COMPLETED: {"close"},
    CaseState.PAID: {"close"},
}


@pytest.mark.parametrize("state", COORDINATOR_ACTIONS)
def test_the_case_page_offers_the_coordinators_actions_of_the_workflow_table(signed_in, state, provider_a):
    case = approved_case(state=state, provider=provider_a if state != CaseState.APPROVED else None)
    response = signed_in.get(page(case.number))
    assert response.status_code == 200
    assert COORDINATOR_ACTIONS[state] <= set(offered(response))
    for name in offered(response):
        assert ACTIONS[name].offered_at(Place.BOARD)
        assert f'id="action-{name}"' in response.content.decode()


def test_irreversible_actions_ask_their_rows_question_first(signed_in):
    case = approved_case(state=CaseState.COMPLETED)
    html = signed_in.get(page(case.number)).content.decode()
    assert f'data-confirm="{ACTIONS["close"].confirm}"' in html


def test_coordinator_closes_a_completed_case_from_the_board(signed_in):
    case = approved_case(state=CaseState.COMPLETED)
    response = signed_in.post(
        page(case.number),
        {"action": "close", "close-expected_state": "completed", "close-note": "客户确认"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert any("已结案" in str(m) for m in response.context["messages"])


def test_waiting_for_the_customer_and_the_reply_are_taken_on_the_board(signed_in, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    signed_in.post(
        page(case.number),
        {
            "action": "await_customer",
            "await_customer-expected_state": "dispatched",
            "await_customer-note": "等客户确认日期",
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.WAITING_CUSTOMER
    assert "customer_replied" in offered(signed_in.get(page(case.number)))


def test_paid_claims_waiting_to_be_closed_are_on_the_board(signed_in):
    paid = approved_case(state=CaseState.PAID, sla_started_on=None, sla_target_due=None, sla_deadline_due=None)
    closed = approved_case(state=CaseState.CLOSED)
    response = signed_in.get(BOARD)
    shown = [case.number for case in response.context["page"].object_list]
    assert paid.number in shown and closed.number not in shown
    assert "待结案" in response.content.decode()
    assert [c.number for c in signed_in.get(BOARD, {"state": "paid"}).context["page"].object_list] == [paid.number]


def test_the_case_page_shows_diagnosis_preferences_and_document_links(signed_in):
    case = approved_case(
        diagnosis="肺部结节待查", preferred_hospital="上海市第一人民医院", preferred_department="胸外科"
    )
    document = attach_document(case)
    html = signed_in.get(page(case.number)).content.decode()
    assert "肺部结节待查" in html and "上海市第一人民医院" in html and "胸外科" in html
    assert f"/cases/{case.number}/documents/{document.pk}" in html or f"documents/{document.pk}" in html


def test_read_only_roles_see_no_bulk_controls_and_no_actions(client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client.force_login(manager())
    board = client.get(BOARD)
    assert board.status_code == 200
    html = board.content.decode()
    assert 'id="bulk-form"' not in html and 'name="selected"' not in html
    assert "只读" in html
    case_page = client.get(page(case.number))
    assert offered(case_page) == [] and 'id="remind-form"' not in case_page.content.decode()


def test_a_reminder_counts_only_what_was_sent_and_warns_of_a_provider_without_address(
    signed_in, provider_a, coordinator, django_capture_on_commit_callbacks
):
    silent = ProviderFactory(name="无邮箱服务商", code="silent", contact_email="")
    reached = dispatched_case(provider=provider_a, actor=coordinator)
    unreachable = dispatched_case(provider=silent, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(BOARD, {"action": "remind", "selected": [reached.pk, unreachable.pk]}, follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert f"已催办 1 件：{reached.number}" in texts
    assert any(unreachable.number in t and "催办无法送达" in t for t in texts)
    assert len(mail.outbox) == 1
    assert not ProviderReminder.objects.filter(case=unreachable).exists()


def test_each_reminder_appears_on_the_case_timeline_with_its_recipients(
    signed_in, provider_a, coordinator, django_capture_on_commit_callbacks
):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(page(case.number), {"action": "remind"})
    event = CaseEvent.objects.get(case=case, transition="remind")
    assert provider_a.contact_email in event.note
    assert provider_a.contact_email in signed_in.get(page(case.number)).content.decode()


def test_a_reader_posting_a_reminder_gets_a_message_not_a_bare_403(client, provider_a, coordinator):
    case = dispatched_case(provider=provider_a, actor=coordinator)
    client.force_login(manager())
    response = client.post(page(case.number), {"action": "remind"}, follow=True)
    assert any("需要派单权限" in str(m) for m in response.context["messages"])
    assert not ProviderReminder.objects.exists()


def test_a_case_not_on_the_board_is_not_listed(signed_in):
    CaseFactory(state=CaseState.IN_REVIEW)
    assert list(signed_in.get(BOARD).context["page"].object_list) == []


# --- saved views, search, look-up (item 3) ------------------------------------------------------


def test_saved_views_are_counted_in_one_aggregate_statement(signed_in, provider_a, coordinator):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dispatch.selectors import board_view_counts

    mine = dispatched_case(provider=provider_a, actor=coordinator)
    approved_case(deadline=timezone.localdate() - datetime.timedelta(days=3))
    approved_case(state=CaseState.WAITING_CUSTOMER)
    approved_case(state=CaseState.ARRANGED)
    approved_case(state=CaseState.COMPLETED)
    approved_case(state=CaseState.PAID)
    with CaptureQueriesContext(connection) as queries:
        counts = board_view_counts(user=coordinator, today=timezone.localdate())
    assert len(queries) == 1
    assert counts == {
        "mine": 1,
        "breached": 1,
        "due_soon": 0,
        "waiting": 1,
        "arranged_open": 2,
        "claims_to_close": 1,
    }
    response = signed_in.get(BOARD, {"view": "mine"})
    assert [c.number for c in response.context["page"].object_list] == [mine.number]
    assert '我经办的 <span class="count">1</span>' in response.content.decode()


def test_search_by_part_of_the_case_number_or_the_start_of_the_name(signed_in):
    wang, li = approved_case(), approved_case()
    for case, name in ((wang, "王小明"), (li, "李四")):
        case.beneficiary.name = name
        case.beneficiary.save(update_fields=["name"])
    by_number = signed_in.get(BOARD, {"q": li.number[-6:]})
    assert [c.number for c in by_number.context["page"].object_list] == [li.number]
    by_name = signed_in.get(BOARD, {"q": "王"})
    assert [c.number for c in by_name.context["page"].object_list] == [wang.number]
    assert list(signed_in.get(BOARD, {"q": "小明"}).context["page"].object_list) == []  # a prefix, not a part


def test_a_phone_number_in_the_search_box_is_refused_beside_the_field(signed_in):
    case = approved_case()
    response = signed_in.get(BOARD, {"q": case.beneficiary.phone})
    assert list(response.context["page"].object_list) == []
    assert "手机号、身份证号请用" in response.content.decode()


def test_coordinator_looks_a_customer_up_by_phone_by_post_and_it_is_audited(signed_in, coordinator):
    from django.contrib.auth.models import Permission

    from audit.models import AuditEvent

    # The production 调度协调 role holds it (audit.roles): he calls the customer.
    coordinator.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))

    case = approved_case()
    other = approved_case()
    response = signed_in.post(BOARD, {"action": "lookup", "identifier": case.beneficiary.phone})
    assert response.status_code == 200
    assert [c.number for c in response.context["page"].object_list] == [case.number]
    assert other.number not in [c.number for c in response.context["page"].object_list]
    event = AuditEvent.objects.filter(summary__contains="调度看板按手机号").latest("id")
    assert case.beneficiary.phone not in event.summary


def test_a_role_without_the_reveal_permission_has_no_lookup_and_is_refused(client):
    client.force_login(manager())
    case = approved_case()
    assert 'id="lookup-form"' not in client.get(BOARD).content.decode()
    response = client.post(BOARD, {"action": "lookup", "identifier": case.beneficiary.phone}, follow=True)
    assert any("无权" in str(m) for m in response.context["messages"])


def test_sort_choices_are_labelled_in_chinese(signed_in):
    html = signed_in.get(BOARD).content.decode()
    assert "descending" not in html and "最迟完成日（倒序）" in html


def test_the_admin_case_page_and_the_board_case_page_link_to_each_other(signed_in):
    case = approved_case()
    admin_page = signed_in.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert f'href="/board/cases/{case.number}/"' in admin_page
    assert f'href="/admin/cases/case/{case.pk}/change/"' in signed_in.get(page(case.number)).content.decode()
