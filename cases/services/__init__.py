"""Every write of the cases app. Import from here: ``from cases.services import review_approve``.

Each action: ``@transaction.atomic`` → lock the case row and re-check its state (CaseConflict) →
the transition's permission (CasePermissionDenied) and conditions (CaseValidationError) → the
transition → save → history row (and audit trail) → quota ledger → a notice in the outbox, which a
worker delivers after commit.
"""

from cases.services.claims import claim_approve, claim_pay
from cases.services.dispatch import (
    case_arrange,
    case_await_customer,
    case_close,
    case_complete,
    case_customer_replied,
    case_dispatch,
    case_redispatch,
    provider_accept,
    provider_decline,
)
from cases.services.documents import UPLOAD_PERMISSION, DocumentUpload, document_attach
from cases.services.due_dates import due_dates_recompute
from cases.services.exemptions import case_sla_exempt, case_sla_exempt_revoke
from cases.services.intake import (
    NOTE_PERMISSION,
    case_add_note,
    case_cancel,
    case_resubmit,
    case_submit,
    case_submit_within,
    case_withdraw,
    usage_record,
)
from cases.services.misuse import case_misuse_stop, recovery_update
from cases.services.review import (
    case_start_review,
    case_take_over,
    review_approve,
    review_checklist_save,
    review_reject,
    review_return,
)

__all__ = [
    "NOTE_PERMISSION",
    "UPLOAD_PERMISSION",
    "DocumentUpload",
    "case_add_note",
    "case_arrange",
    "case_await_customer",
    "case_cancel",
    "case_close",
    "case_complete",
    "case_customer_replied",
    "case_dispatch",
    "case_misuse_stop",
    "case_redispatch",
    "case_resubmit",
    "case_sla_exempt",
    "case_sla_exempt_revoke",
    "case_start_review",
    "case_submit",
    "case_submit_within",
    "case_take_over",
    "case_withdraw",
    "claim_approve",
    "claim_pay",
    "document_attach",
    "due_dates_recompute",
    "provider_accept",
    "provider_decline",
    "recovery_update",
    "review_approve",
    "review_checklist_save",
    "review_reject",
    "review_return",
    "usage_record",
]
