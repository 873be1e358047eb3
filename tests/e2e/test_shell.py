"""Every staff page in one shell: at 1280×800 nothing scrolls sideways, and under the Chinese locale
no English is left in what a person reads (tests/e2e/staff_pages.py lists the pages per role)."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from demo.story import PASSWORD, demo_build
from tests.e2e.conftest import login
from tests.e2e.staff_pages import ANONYMOUS, staff_pages, usernames

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
# Words a Chinese page may still show: product and standard names, units, formats, the language
# switch's own name for English, and the demo's API integration names.
ALLOWED = {
    "ID", "CSV", "XLSX", "Excel", "API", "PDF", "PNG", "JPG", "JPEG", "URL", "OTP", "TOTP", "MDT", "WeChat",
    "Email", "English", "Django", "Redis", "Celery", "PostgreSQL", "HTTP", "HTTPS", "JSON", "IP", "SMS", "MB",
    "KB", "GB", "VIP", "CPIC", "Token", "Bearer", "UTC", "Cron", "Lanben", "Desk", "Unix", "Ctrl",
    "Command", "Mac", "App", "Crontab",
    "True", "False", "None", "chinesecalendar", "Webhook", "WEBHOOK", "POST", "GET",
}  # fmt: skip
# A word of two or more Latin letters that is not part of a code-like token (case numbers,
# usernames, e-mail addresses, paths, identifiers with digits, dashes, underscores or dots).
TOKEN = re.compile(r"[A-Za-z0-9_./@:+\-]*[A-Za-z][A-Za-z0-9_./@:+\-]*")


# A browser's user-agent string, recorded by the login log: data, not the page's words.
USER_AGENT = re.compile(r"Mozilla/\S+ \([^)]*\)[^\n\t]*")
# A JSON payload (the outbox's messages): data.
JSON = re.compile(r"\{\"[^\n]*\}")
# Mixed case inside a word (a token's or a key's characters): code-like.
CAMEL = re.compile(r"[a-z][A-Z]")
# The user page's password summary (算法: md5 盐: KRQcml****** 哈希: …): a random salt, data.
PASSWORD_SUMMARY = re.compile(r"(?:盐|哈希|salt|hash): \S+")


def english_words(text: str, names: set[str] | frozenset[str] = frozenset()) -> set[str]:
    words = set()
    for raw in TOKEN.findall(PASSWORD_SUMMARY.sub(" ", JSON.sub(" ", USER_AGENT.sub(" ", text)))):
        token = raw.rstrip(".:-/+")
        if not token or token in ALLOWED or token in names:
            continue
        if re.search(r"[0-9_./@:+\-]", token) or len(token) < 2 or CAMEL.search(token):
            continue
        words.add(token)
    return words


def _check(page, url: str, names: set[str]) -> list[str]:
    response = page.goto(url)
    page.wait_for_load_state()
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        problems.append(f"{url}: {width} px wide")
    # A list or a table inline that only fits by scrolling inside its box cuts columns off.
    cut = page.evaluate(
        "[...document.querySelectorAll('.results, .inline-group .tabular, table.grid')]"
        ".map(e => e.scrollWidth - e.clientWidth).filter(d => d > 1)"
    )
    if cut:
        problems.append(f"{url}: columns cut off by {cut} px")
    english = english_words(page.inner_text("body"), names)
    if english:
        problems.append(f"{url}: English {sorted(english)}")
    if response is not None and response.status >= 500:
        problems.append(f"{url}: {response.status}")
    return problems


@pytest.fixture
def zh_page(page):
    page.set_extra_http_headers({"Accept-Language": "zh-hans"})
    return page


def _data_names() -> set[str]:
    """Words that are data, not the page's language: user names, provider codes, message topics."""
    from django.contrib.auth import get_user_model

    from notifications.models import OutboxMessage
    from providers.models import Provider

    return {
        *get_user_model().objects.values_list("username", flat=True),
        *Provider.objects.values_list("code", flat=True),
        *OutboxMessage.objects.values_list("topic", flat=True),
    }


def test_every_staff_page_fits_1280_and_speaks_chinese(zh_page, live_server):
    demo_build()
    names = _data_names()
    problems: list[str] = []
    for path in ANONYMOUS:
        problems += _check(zh_page, f"{live_server.url}{path}", names)
    for username in usernames():
        login(zh_page, live_server, username, PASSWORD)
        for path in staff_pages(username):
            problems += _check(zh_page, f"{live_server.url}{path}", names)
        zh_page.context.clear_cookies()
    assert not problems, "\n".join(problems)


def test_lockout_page_fits_and_says_how_long_in_chinese(zh_page, live_server):
    from demo.story import staff_create

    staff_create()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        zh_page.goto(f"{live_server.url}/admin/login/")
        zh_page.fill("#id_username", "reviewer")
        zh_page.fill("#id_password", "not-the-password")
        zh_page.click("input[type=submit]")
        zh_page.wait_for_load_state()
    assert AccessAttempt.objects.filter(username="reviewer").exists()
    body = zh_page.inner_text("body")
    assert "登录已暂时锁定" in body and "分钟后" in body
    assert zh_page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert not english_words(body, {"reviewer"})


def test_english_is_one_switch_away(zh_page, live_server):
    from demo.story import staff_create

    staff_create()
    login(zh_page, live_server, "manager", PASSWORD)
    with zh_page.expect_navigation():
        zh_page.select_option("#desk-language select", "en")
    assert "LOG OUT" in zh_page.inner_text("#header").upper()
    with zh_page.expect_navigation():
        zh_page.select_option("#desk-language select", "zh-hans")
    assert "注销" in zh_page.inner_text("#header")
