"""Human case numbers, ``LB-2026-000123``: a per-year counter row taken under its row lock."""

from django.db import IntegrityError, transaction
from django.db.models import F

from cases.models import CaseNumberCounter
from cases.sla import local_today


def case_number_next() -> str:
    """The next number of the current (Asia/Shanghai) year. Concurrent submissions queue on the
    counter row's update lock, so no two cases ever share a number."""
    year = local_today().year
    if not CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another submission created the year's row first: use it
        CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = CaseNumberCounter.objects.get(year=year).last
    return f"LB-{year}-{last:06d}"
