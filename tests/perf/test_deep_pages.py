"""Pages past the first read the page's keys first (cases.paginators): they must show exactly the
rows a plain OFFSET would, in the same order, with no case twice and none skipped — also when
many rows share the sort value."""

import pytest
from django.utils import timezone

from cases.admin import CaseAdmin
from cases.models import Case
from cases.paginators import EstimatedCountPaginator
from dispatch.selectors import board_cases


def _pages(queryset, per_page: int) -> list[list[int]]:
    paginator = EstimatedCountPaginator(queryset, per_page)
    return [[case.pk for case in paginator.page(n).object_list] for n in paginator.page_range]


def test_pages_cover_the_list_once_in_order_when_sort_values_tie(bench_data):
    ids = list(Case.objects.order_by("id").values_list("id", flat=True)[:60])
    Case.objects.filter(id__in=ids).update(created_at=timezone.now())  # 60 cases at the same instant
    queryset = Case.objects.select_related("service", "beneficiary").order_by("-created_at", "id")
    pages = _pages(queryset, 7)
    shown = [pk for page in pages for pk in page]
    assert shown == list(queryset.values_list("pk", flat=True))
    assert len(shown) == len(set(shown))
    assert pages[0] == ids[:7]  # the tied cases first, by id


def test_each_page_is_the_plain_slice(bench_data):
    queryset = Case.objects.filter(state__in=["closed", "rejected"]).order_by("state", "id")
    paginator = EstimatedCountPaginator(queryset, 25)
    for number in (2, 3, paginator.num_pages):
        page = [case.pk for case in paginator.page(number).object_list]
        bottom = (number - 1) * 25
        assert page == list(queryset.values_list("pk", flat=True)[bottom : bottom + 25])


@pytest.mark.parametrize("sort", ["", "&o=4", "&o=-4.1", "&o=2"])
def test_reviewer_queue_deep_page_shows_the_next_rows(reviewer_client, monkeypatch, sort):
    monkeypatch.setattr(CaseAdmin, "list_per_page", 10)
    response = reviewer_client.get(f"/admin/cases/case/?queue=all{sort}&p=3")
    assert response.status_code == 200
    changelist = response.context["cl"]
    expected = list(changelist.queryset.values_list("pk", flat=True)[20:30])
    assert changelist.page_num == 3 and len(expected) == 10
    assert [case.pk for case in changelist.result_list] == expected


@pytest.mark.parametrize("sort", ["", "state", "-city", "service"])
def test_board_deep_page_shows_the_next_rows(coordinator_client, sort):
    response = coordinator_client.get("/board/", {"o": sort, "per_page": 25, "page": 3})
    assert response.status_code == 200
    ordering = {"": ["sla_deadline_due"], "state": ["state"], "-city": ["-city"], "service": ["service__name"]}[sort]
    # Ties in the sort's direction (a descending sort reads its index backwards, id included).
    tiebreak = "-id" if ordering[-1].startswith("-") else "id"
    expected = board_cases(today=timezone.localdate()).order_by(*ordering, tiebreak).values_list("number", flat=True)
    assert response.context["page"].number == 3
    assert [case.number for case in response.context["page"].object_list] == list(expected[50:75])
