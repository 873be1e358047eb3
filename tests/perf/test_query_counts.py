"""Query counts of the pages and jobs that must stay instant at a million cases.

The bounds hold whatever the page size or the number of rows: a regression that adds a query per
row (an N+1) or an exact count of the whole table fails here long before production notices.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.admin import CaseAdmin
from cases.models import Case

PAGE_QUERY_LIMIT = 12
SWEEP_QUERY_LIMIT = 20

REVIEWER_URLS = [
    "/admin/cases/case/",
    "/admin/cases/case/?queue=all",
    "/admin/cases/case/?queue=dispatched&channel=wechat",
    "/admin/cases/case/?queue=accepted",
    "/admin/cases/case/?queue=all&q=0000",
    # Pages past the first, one sorted by a column where many rows tie (the channel).
    "/admin/cases/case/?queue=all&p=4",
    "/admin/cases/case/?queue=all&o=4&p=3",
    "/admin/cases/case/?queue=all&service__id__exact=1&enrollment__edition__id__exact=1",
]
BOARD_URLS = [
    "/board/",
    "/board/?sla_status=breached",
    "/board/?provider=1&state=accepted",
    "/board/?city=%E4%B8%8A%E6%B5%B7%E5%B8%82&o=-deadline",  # 上海市, one of the cities offered
    "/board/?page=2",
    "/board/?o=state&page=2",
]


def _whole_table_counts(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper()
        and '"cases_case"' in q["sql"]
        and " WHERE " not in q["sql"].upper()
        and " LIMIT " not in q["sql"].upper()
    ]


@pytest.mark.parametrize("per_page", [10, 100])
@pytest.mark.parametrize("url", REVIEWER_URLS)
def test_reviewer_queue_query_count_does_not_grow_with_page_size(reviewer_client, monkeypatch, url, per_page):
    monkeypatch.setattr(CaseAdmin, "list_per_page", per_page)
    with CaptureQueriesContext(connection) as captured:
        response = reviewer_client.get(url)
    assert response.status_code == 200
    assert len(captured) <= PAGE_QUERY_LIMIT, [q["sql"] for q in captured.captured_queries]


def test_reviewer_queue_never_counts_the_whole_case_table(reviewer_client):
    with CaptureQueriesContext(connection) as captured:
        response = reviewer_client.get("/admin/cases/case/?queue=all&p=2")
    assert response.status_code == 200
    assert _whole_table_counts(captured.captured_queries) == []


def test_reviewer_queue_shows_dispatched_cases_with_their_provider(reviewer_client):
    case = Case.objects.filter(state="dispatched").select_related("provider").first()
    response = reviewer_client.get(f"/admin/cases/case/?queue=dispatched&q={case.number}")
    assert f"服务商：{case.provider}" in response.content.decode()


@pytest.mark.parametrize("per_page", [25, 200])
@pytest.mark.parametrize("url", BOARD_URLS)
def test_board_query_count_does_not_grow_with_page_size(coordinator_client, url, per_page):
    joiner = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as captured:
        response = coordinator_client.get(f"{url}{joiner}per_page={per_page}")
    assert response.status_code == 200
    assert len(captured) <= PAGE_QUERY_LIMIT, [q["sql"] for q in captured.captured_queries]


def test_board_never_counts_the_whole_case_table(coordinator_client):
    with CaptureQueriesContext(connection) as captured:
        coordinator_client.get("/board/?per_page=25&page=2")
    assert _whole_table_counts(captured.captured_queries) == []


def test_sla_sweep_query_count_is_bounded(bench_data):
    from sla.services import sla_sweep

    with CaptureQueriesContext(connection) as captured:
        result = sla_sweep()
    assert result["reminded"] > 0  # the generated backlog has cases due and late
    assert len(captured) <= SWEEP_QUERY_LIMIT, [q["sql"][:200] for q in captured.captured_queries]


def test_second_sweep_reminds_nothing_in_few_queries(bench_data):
    from sla.services import sla_sweep

    sla_sweep()
    with CaptureQueriesContext(connection) as captured:
        result = sla_sweep()
    assert result["reminded"] == 0
    assert len(captured) <= SWEEP_QUERY_LIMIT
