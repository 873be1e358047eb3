"""The shell every staff page shares: the header's queues and counts, the search box's condition,
the error pages in Chinese with DEBUG off, the print view of a case."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from audit.models import AuditEvent
from cases.models import CaseState
from config import shell
from config.counts import COUNT_CAP
from notifications.models import Notification, OutboxMessage
from tests.factories.cases import CaseFactory, role_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(calendar_and_media):
    """Cases need the working-day calendar."""


def _header(page: str) -> str:
    return page[page.index('id="header"') : page.index("</header>")]


def test_reviewer_header_counts_the_cases_waiting_for_review(client):
    reviewer = role_user("reviewer")
    CaseFactory(state=CaseState.SUBMITTED)
    CaseFactory(state=CaseState.IN_REVIEW)
    CaseFactory(state=CaseState.APPROVED)
    client.force_login(reviewer)
    header = _header(client.get("/admin/").content.decode())
    assert '待审核 <span class="desk-count">2</span>' in header
    assert "待派单" not in header


def test_reviewer_header_count_is_the_review_queue_tab_count(client):
    """One number, one place: the header's 待审核 is the queue's own 待审核 · 全部 count, and links there."""
    from cases import queue

    reviewer = role_user("reviewer")
    for state in (CaseState.SUBMITTED, CaseState.IN_REVIEW, CaseState.RETURNED, CaseState.APPROVED):
        CaseFactory(state=state)
    client.force_login(reviewer)
    header = _header(client.get("/admin/").content.decode())
    expected = queue.queue_counts(user=reviewer)["pending"]["all"]
    assert f'待审核 <span class="desk-count">{expected}</span>' in header
    assert "?queue=pending&amp;view=all" in header


def test_coordinator_header_counts_the_cases_waiting_for_dispatch_and_links_the_board(client):
    coordinator = role_user("coordinator")
    CaseFactory(state=CaseState.APPROVED)
    client.force_login(coordinator)
    header = _header(client.get("/notifications/").content.decode())
    assert '待派单 <span class="desk-count">1</span>' in header
    assert "/board/?state=approved" in header


def test_header_shows_unread_notices_on_every_page(client):
    reviewer = role_user("reviewer")
    message = OutboxMessage.objects.create(topic="notify")
    Notification.objects.create(message=message, recipient=reviewer, kind="test", subject="新案件")
    client.force_login(reviewer)
    for url in ("/admin/", "/notifications/"):
        header = _header(client.get(url).content.decode())
        assert 'id="desk-notices"' in header and '通知 <span class="desk-count">1</span>' in header


def test_header_queries_once_per_request_however_many_templates_render(rf):
    request = rf.get("/admin/")
    request.user = role_user("reviewer")
    assert shell.shell(request) is shell.shell(request)


def test_a_large_queue_is_shown_capped():
    assert shell.Queue("待审核", "/", COUNT_CAP).shown == f"{COUNT_CAP - 1}+"
    assert shell.Queue("待审核", "/", 12).shown == "12"


def test_search_box_posts_so_no_identifier_typed_into_it_lands_in_a_url(client):
    client.force_login(role_user("reviewer"))
    page = client.get("/admin/").content.decode()
    form = page[page.index('<form id="desk-search"') : page.index("</form>", page.index('<form id="desk-search"'))]
    assert 'method="post"' in form and 'action="/search/"' in form and "csrfmiddlewaretoken" in form


def test_search_box_is_absent_where_there_is_no_search_page(client, monkeypatch):
    monkeypatch.setattr(shell, "search_url", lambda: "")
    client.force_login(role_user("reviewer"))
    assert 'id="desk-search"' not in client.get("/admin/").content.decode()


def test_custom_pages_share_the_admin_header_and_breadcrumbs(client):
    client.force_login(role_user("coordinator"))
    page = client.get("/notifications/").content.decode()
    assert 'id="header"' in page and 'id="desk-nav"' in page and 'id="desk-language"' in page
    assert '<div class="breadcrumbs"><a href="/admin/">首页</a> &rsaquo; 我的通知</div>' in page
    assert "注销" in page


@override_settings(DEBUG=False)
def test_404_is_a_chinese_page_in_the_shell(client):
    client.force_login(role_user("reviewer"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "页面不存在" in page and 'id="desk-nav"' in page and "返回工作台" in page
    assert "Not Found" not in page


@override_settings(DEBUG=False)
def test_403_is_a_chinese_page_in_the_shell(client):
    client.force_login(role_user("reviewer"))
    response = client.get("/admin/auth/user/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "没有权限" in page and "请联系系统管理员" in page and 'id="desk-nav"' in page


@override_settings(DEBUG=False)
def test_csrf_failure_is_a_chinese_page(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(role_user("reviewer"))
    response = strict.post("/notifications/read", {})
    assert response.status_code == 403
    assert "页面已过期，请重新提交" in response.content.decode()


def test_500_page_is_static_chinese_and_needs_no_context():
    page = render_to_string("500.html")
    assert "系统出错" in page and "{{" not in page and "{%" not in page
    assert 'lang="zh-hans"' in page


def test_print_view_shows_the_case_without_controls_and_is_audited(client):
    reviewer = role_user("reviewer")
    case = CaseFactory(state=CaseState.IN_REVIEW)
    client.force_login(reviewer)
    response = client.get(f"/cases/{case.number}/print/")
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page and "打印时间" in page and "desk-print.css" in page
    assert 'class="case-actions"' not in page
    assert AuditEvent.objects.filter(summary=f"打印案件 {case.number}").exists()


def test_print_view_of_a_case_one_may_not_see_is_not_found(client):
    case = CaseFactory(state=CaseState.IN_REVIEW)
    client.force_login(role_user("outsider"))
    assert client.get(f"/cases/{case.number}/print/").status_code == 404


def test_third_party_admin_names_are_chinese(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@lanben.test", "pw-Lanben-2026-x")
    client.force_login(admin)
    index = client.get("/admin/").content.decode()
    for chinese in ("登录失败记录", "登录日志", "TOTP 身份验证器", "恢复码组", "周期性任务"):
        assert chinese in index
    for english in ("Access attempts", "Static devices", "TOTP devices", "Model name"):
        assert english not in index
    from django.contrib.admin.utils import label_for_field
    from django_celery_beat.models import PeriodicTask

    assert not re.search("[A-Za-z]", str(label_for_field("scheduler", PeriodicTask)))
