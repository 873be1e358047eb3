"""English is one choice away: under the English locale the staff pages' own words (header,
navigation, breadcrumbs, headings, labels, buttons, help and errors) are English — the data they
show (names, hospitals, services, providers) stays as entered — and nothing scrolls sideways at
1280 px, long English labels included (tests/e2e/chrome.py says what is chrome and what is data)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from demo.story import PASSWORD, demo_build
from tests.e2e.chrome import CHROME_TEXT_JS
from tests.e2e.conftest import login
from tests.e2e.staff_pages import ANONYMOUS, staff_pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
HAN = re.compile(r"[\u4e00-\u9fff]")
# The superuser's walk (every change page of every model) is the Chinese test's; these are the
# working roles, whose pages are the desk's main pages.
ROLES = ["intake", "reviewer", "coordinator", "manager", "catalog"]


def _choose(page, live_server, language: str) -> None:
    """The language as the header's switch leaves it: Django's language cookie (the browser's own
    Accept-Language is the Chinese locale's)."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])


@pytest.fixture
def en_page(page, live_server):
    _choose(page, live_server, "en")
    return page


def _main_case_pages() -> list[str]:
    from cases.models import Case, CaseState

    in_review = Case.objects.filter(state=CaseState.IN_REVIEW).order_by("pk").first()
    closed = Case.objects.filter(state=CaseState.CLOSED).order_by("pk").first()
    return [
        reverse("admin:cases_case_change", args=[in_review.pk]),
        reverse("cases:case", args=[in_review.number]),
        reverse("cases:case", args=[closed.number]),
    ]


def _check(page, url: str) -> list[str]:
    response = page.goto(url)
    page.wait_for_load_state()
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        problems.append(f"{url}: {width} px wide")
    chinese = sorted({text for text in page.evaluate(CHROME_TEXT_JS) if HAN.search(text)})
    if chinese:
        problems.append(f"{url}: Chinese {chinese}")
    if page.evaluate("document.documentElement.lang") != "en":
        problems.append(f"{url}: lang={page.evaluate('document.documentElement.lang')}")
    if response is not None and response.status >= 500:
        problems.append(f"{url}: {response.status}")
    return problems


def test_main_staff_pages_speak_english_in_their_own_words_and_fit_1280(en_page, live_server):
    demo_build()
    problems: list[str] = []
    for path in ANONYMOUS:
        problems += _check(en_page, f"{live_server.url}{path}")
    for username in ROLES:
        login(en_page, live_server, username, PASSWORD)
        paths = staff_pages(username) + (_main_case_pages() if username == "reviewer" else [])
        for path in paths:
            problems += _check(en_page, f"{live_server.url}{path}")
        en_page.context.clear_cookies()
        _choose(en_page, live_server, "en")
    assert not problems, "\n".join(problems)


def test_the_review_workspace_reads_english_and_the_chinese_desk_is_unchanged(page, live_server):
    from cases.models import Case, CaseState

    demo_build()
    case = Case.objects.filter(state=CaseState.IN_REVIEW).order_by("pk").first()
    login(page, live_server, "reviewer", PASSWORD)
    url = f"{live_server.url}{reverse('admin:cases_case_change', args=[case.pk])}"

    _choose(page, live_server, "en")
    page.goto(url)
    actions = page.inner_text("#case-actions")
    assert "Review decision" in actions and "Approve" in actions and "Return for documents" in actions
    assert page.inner_text("#case-state") == "In medical review"
    assert "Pending review" in page.inner_text("#desk-nav")

    _choose(page, live_server, "zh-hans")
    page.goto(url)
    actions = page.inner_text("#case-actions")
    assert "审核结论" in actions and "审核通过" in actions and "退回补充材料" in actions
    assert page.inner_text("#case-state") == "医学审核中"
    assert "待审核" in page.inner_text("#desk-nav")
