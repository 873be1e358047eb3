"""The quota ledger's writes.

Held + used may never exceed the limit, under any concurrency (DOMAIN.md, quota accounting). Every
write locks the bucket row first (SELECT … FOR UPDATE), then the hold; the bucket's CHECK
constraint backs the lock up in the database itself.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from config.rows import prepared_cursor
from entitlements.errors import EntitlementError, QuotaStateError
from entitlements.models import Enrollment, Person, QuotaBucket, QuotaHold, QuotaHoldStatus, Service
from entitlements.rules import Resolved, exhausted_reason, resolve


def _bucket_locked(enrollment: Enrollment, beneficiary: Person, service: Service, resolved: Resolved) -> QuotaBucket:
    key = {
        "enrollment": enrollment,
        "beneficiary": beneficiary,
        "service": service,
        "period_start": resolved.period_start,
    }
    # INSERT … ON CONFLICT DO NOTHING: two first requests of a year race to create the bucket;
    # the loser waits for the winner's row and then both queue on its lock.
    QuotaBucket.objects.bulk_create(
        [QuotaBucket(**key, period_end=resolved.period_end, limit=resolved.limit)], ignore_conflicts=True
    )
    return QuotaBucket.objects.select_for_update().get(**key)


# Create the bucket holding one unit, or take one more unit of it if the limit allows: one
# statement, atomic under concurrency (the conflicting row is locked while the WHERE is checked).
TAKE_SQL = """
INSERT INTO entitlements_quotabucket AS b
    (enrollment_id, beneficiary_id, service_id, period_start, period_end, "limit", held, used, updated_at)
VALUES (%s, %s, %s, %s, %s, %s, 1, 0, %s)
ON CONFLICT (enrollment_id, beneficiary_id, service_id, period_start) DO UPDATE
    SET "limit" = EXCLUDED."limit", held = b.held + 1, updated_at = EXCLUDED.updated_at
    WHERE EXCLUDED."limit" IS NULL OR b.held + b.used < EXCLUDED."limit"
RETURNING b.id, b.period_end, b.held, b.used
"""


def _exhausted(service: Service, resolved: Resolved, bucket: QuotaBucket) -> EntitlementError:
    start, end = resolved.period_start, resolved.period_end
    reason = exhausted_reason(service.name, start, end, resolved.limit, bucket.used, bucket.held)
    return EntitlementError("exhausted", reason, "service")


@transaction.atomic
def quota_hold(
    *, enrollment: Enrollment, beneficiary: Person, service: Service, on: date, reference: str = ""
) -> QuotaHold:
    """Hold one unit of ``beneficiary``'s quota for a request submitted for day ``on``.

    Raises EntitlementError (exhausted, outside_period, not_in_edition, family_barred, …).
    """
    return quota_hold_within(
        enrollment=enrollment, beneficiary=beneficiary, service=service, on=on, reference=reference
    )


def quota_hold_within(
    *, enrollment: Enrollment, beneficiary: Person, service: Service, on: date, reference: str = ""
) -> QuotaHold:
    """``quota_hold`` for a caller whose own transaction rolls back whenever this raises (case
    submission): no savepoint of its own."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("quota_hold_within must run inside the caller's transaction")
    resolved = resolve(enrollment=enrollment, beneficiary=beneficiary, service=service, on=on)
    if resolved.limit == 0:  # a limit of nothing: no unit to take, and the answer names the period
        raise _exhausted(service, resolved, _bucket_locked(enrollment, beneficiary, service, resolved))
    return _hold_take(enrollment, beneficiary, service, resolved, on, reference)


# TAKE_SQL and the hold's INSERT in one statement (PostgreSQL runs the CTE's upsert once): no hold
# row unless the bucket took the unit.
HOLD_SQL = f"""
WITH b AS ({TAKE_SQL.strip()})
INSERT INTO entitlements_quotahold
    (bucket_id, enrollment_id, beneficiary_id, service_id, period_start, period_end, status, reference,
     requested_on, release_reason, created_at, updated_at)
SELECT b.id, %s, %s, %s, %s, b.period_end, %s, %s, %s, '', %s, %s FROM b
RETURNING id, bucket_id, period_end, (SELECT held FROM b), (SELECT used FROM b)
"""  # noqa: S608 - built from constants; the values are parameters


def _hold_take(
    enrollment: Enrollment, beneficiary: Person, service: Service, resolved: Resolved, on: date, reference: str
) -> QuotaHold:
    """Hold one unit and record the hold, in a single statement (TAKE_SQL's upsert, then the hold)."""
    key = {"enrollment": enrollment, "beneficiary": beneficiary, "service": service}
    ids, start, now = [enrollment.pk, beneficiary.pk, service.pk], resolved.period_start, timezone.now()
    take = [*ids, start, resolved.period_end, resolved.limit, now]
    with prepared_cursor() as cursor:  # every submission's: planned once per connection
        cursor.execute(HOLD_SQL, [*take, *ids, start, QuotaHoldStatus.HELD, reference, on, now, now])
        row = cursor.fetchone()
    if row is None:  # the limit is reached: the conflicting row stays locked until we roll back
        raise _exhausted(service, resolved, QuotaBucket.objects.get(**key, period_start=start))
    pk, bucket_id, period_end, held, used = row
    bucket = QuotaBucket(pk=bucket_id, **key, period_start=start, period_end=period_end, limit=resolved.limit,
                         held=held, used=used)  # fmt: skip
    hold = QuotaHold(pk=pk, bucket=bucket, **key, period_start=start, period_end=period_end,
                     status=QuotaHoldStatus.HELD, reference=reference, requested_on=on, created_at=now,
                     updated_at=now)  # fmt: skip
    hold._state.adding, hold._state.db = False, "default"
    bucket._state.adding, bucket._state.db = False, "default"
    return hold


def _locked(hold: QuotaHold) -> tuple[QuotaBucket, QuotaHold]:
    bucket = QuotaBucket.objects.select_for_update().get(pk=hold.bucket_id)
    return bucket, QuotaHold.objects.select_for_update().get(pk=hold.pk)


def _refresh(target: QuotaHold, source: QuotaHold) -> QuotaHold:
    target.status, target.used_at, target.released_at = source.status, source.used_at, source.released_at
    target.release_reason = source.release_reason
    return source


@transaction.atomic
def quota_use(*, hold: QuotaHold) -> QuotaHold:
    """held → used: the service was arranged or the reimbursement paid. Using a used hold again is
    a no-op, so a retried arrangement never counts twice."""
    bucket, locked = _locked(hold)
    if locked.status == QuotaHoldStatus.USED:
        return _refresh(hold, locked)
    if locked.status != QuotaHoldStatus.HELD:
        raise QuotaStateError(f"额度占用 {locked.pk} 已释放，不能再计为已使用")
    bucket.held -= 1
    bucket.used += 1
    bucket.save(update_fields=["held", "used", "updated_at"])
    locked.status, locked.used_at = QuotaHoldStatus.USED, timezone.now()
    locked.save(update_fields=["status", "used_at", "updated_at"])
    return _refresh(hold, locked)


@transaction.atomic
def quota_release(*, hold: QuotaHold, reason: str = "") -> QuotaHold:
    """held → released: the request was rejected, withdrawn or cancelled before arrangement.
    Releasing twice is a no-op; a used unit is never given back."""
    bucket, locked = _locked(hold)
    if locked.status == QuotaHoldStatus.RELEASED:
        return _refresh(hold, locked)
    if locked.status != QuotaHoldStatus.HELD:
        raise QuotaStateError(f"额度占用 {locked.pk} 已使用，不能释放")
    bucket.held -= 1
    bucket.save(update_fields=["held", "updated_at"])
    locked.status, locked.released_at, locked.release_reason = QuotaHoldStatus.RELEASED, timezone.now(), reason
    locked.save(update_fields=["status", "released_at", "release_reason", "updated_at"])
    return _refresh(hold, locked)


@transaction.atomic
def quota_record_usage(
    *, enrollment: Enrollment, beneficiary: Person, service: Service, on: date, reference: str = ""
) -> QuotaHold:
    """Usage-only services (健康咨询, 视频医生, coupons…): hold and use in one step."""
    hold = quota_hold(enrollment=enrollment, beneficiary=beneficiary, service=service, on=on, reference=reference)
    return quota_use(hold=hold)
