"""Past the cap a list's page count is an estimate (cases.paginators): walking it page by page
still reaches every case and stops at the real end, whether the estimate fell short or ran over,
and no page link names a last page only the estimate knows."""

import pytest
from django.core.paginator import EmptyPage

from cases.models import Case
from cases.paginators import EstimatedCountPaginator
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seven(monkeypatch):
    monkeypatch.setattr("config.counts.COUNT_CAP", 3)
    for _ in range(7):
        CaseFactory(quota_hold=None)
    return Case.objects.filter(pk__gt=0).order_by("id")


def _walk(queryset) -> tuple[list[int], int]:
    paginator, number, seen = EstimatedCountPaginator(queryset, 2), 1, []
    while True:
        page = paginator.page(number)
        seen += [case.pk for case in page.object_list]
        if not page.has_next():
            return seen, number
        number = page.next_page_number()


@pytest.mark.parametrize("estimate", [3, 1000])
def test_walking_the_pages_reaches_every_case_and_stops_at_the_real_end(seven, monkeypatch, estimate):
    monkeypatch.setattr("cases.paginators._planner_estimate", lambda queryset: estimate)
    seen, last = _walk(seven)
    assert seen == list(seven.values_list("pk", flat=True)) and last == 4
    paginator = EstimatedCountPaginator(seven, 2)
    assert not paginator.exact and paginator.shown == "2+"
    with pytest.raises(EmptyPage):
        paginator.page(5)
    assert [case.pk for case in paginator.get_page(5).object_list] == seen[:2]  # the board: back to page 1


def test_page_links_past_the_cap_stop_after_the_pages_beside_the_current_one(seven, monkeypatch):
    monkeypatch.setattr("cases.paginators._planner_estimate", lambda queryset: 1000)
    paginator = EstimatedCountPaginator(seven, 1)
    paginator.page(1)
    assert list(paginator.get_elided_page_range(1)) == [1, 2, 3, 4, paginator.ELLIPSIS]
    paginator.page(7)  # the last page: the list's end is known now
    assert list(paginator.get_elided_page_range(7)) == [1, 2, 3, 4, 5, 6, 7]
    assert paginator.count == 7 and paginator.num_pages == 7


def test_below_the_cap_the_pages_are_djangos(seven, monkeypatch):
    monkeypatch.setattr("config.counts.COUNT_CAP", 1000)
    paginator = EstimatedCountPaginator(seven, 2)
    assert paginator.exact and paginator.count == 7 and paginator.num_pages == 4
    with pytest.raises(EmptyPage):
        paginator.page(5)
