"""Receivers of the working-day calendar's announcements (``workdays.signals``)."""

from django.dispatch import receiver

from cases.services.due_dates import cases_left_undated, due_dates_recompute
from workdays.signals import calendar_days_changed, calendar_year_dependents


@receiver(calendar_days_changed, dispatch_uid="cases.due_dates_recompute")
def calendar_changed_recompute(sender, *, first, last, actor=None, **kwargs) -> int:
    return due_dates_recompute(first=first, last=last, actor=actor)


@receiver(calendar_year_dependents, dispatch_uid="cases.cases_left_undated")
def calendar_year_dependent_cases(sender, *, year, **kwargs) -> list[str]:
    return cases_left_undated(year=year)
