"""The case page everyone understands, and the only way a document's bytes leave the server."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import REVEAL_PERMISSION, audit_record
from cases.models import Case
from cases.search import IDENTIFIER_KINDS, SearchRefused, desk_search, search_kind
from cases.selectors import case_timeline, case_visible_to, user_is_case_staff
from cases.sla import local_today
from config.i18n import system_language
from entitlements.selectors import entitlement_check

# Health data and ID numbers: every look at a case or a document is written to the audit trail.
CASE_VIEWED = "case_view"
DOCUMENT_VIEWED = "document_view"


def _visible_case_or_404(request: HttpRequest, number: str) -> Case:
    case = get_object_or_404(
        Case.objects.select_related(
            "service", "enrollment__edition", "enrollment__policy", "beneficiary", "holder", "provider", "quota_hold"
        ),
        number=number,
    )
    # A case the user may not see does not exist for them: no hint that the number is real.
    if not case_visible_to(user=request.user, case=case):
        raise Http404("案件不存在")
    return case


def case_view_record(*, request: HttpRequest, case: Case) -> None:
    audit_record(actor=request.user, action=CASE_VIEWED, obj=case, request=request, summary=f"查看案件 {case.number}")


def case_page_context(*, case: Case, user) -> dict:
    """What the case page and the admin review page show: request, entitlement, documents, timeline."""
    availability = entitlement_check(
        enrollment=case.enrollment, beneficiary=case.beneficiary, service=case.service, on=local_today()
    )
    return {
        "case": case,
        "availability": availability,
        "documents": list(case.documents.select_related("uploaded_by")),
        "timeline": case_timeline(case=case),
        "dispatches": list(case.dispatches.select_related("provider")),
    }


@login_required
@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = _visible_case_or_404(request, number)
    case_view_record(request=request, case=case)
    return render(request, "cases/case_detail.html", case_page_context(case=case, user=request.user))


@login_required
@require_GET
def case_print(request: HttpRequest, number: str) -> HttpResponse:
    """The case page for paper: the same facts and timeline, no controls; read like the case page."""
    case = _visible_case_or_404(request, number)
    audit_record(actor=request.user, action=CASE_VIEWED, obj=case, request=request, summary=f"打印案件 {case.number}")
    return render(request, "cases/case_print.html", case_page_context(case=case, user=request.user))


@system_language
@login_required
@require_GET
def document_view(request: HttpRequest, number: str, document_id: int) -> FileResponse:
    """Stream a document inline, to users with a right to its case; every view is logged."""
    case = _visible_case_or_404(request, number)
    document = get_object_or_404(case.documents, pk=document_id)
    audit_record(
        actor=request.user,
        action=DOCUMENT_VIEWED,
        obj=document,
        request=request,
        summary=f"查看案件 {case.number} 的{document.get_kind_display()}",
    )
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def desk_search_page(request: HttpRequest) -> HttpResponse:
    """One search box for everything (cases.search). Identifiers come by POST only: the page's own
    form posts, and a GET carrying one is refused without searching."""
    if not user_is_case_staff(user=request.user):
        raise PermissionDenied
    via_post = request.method == "POST"
    term = (request.POST if via_post else request.GET).get("q", "").strip()[:64]
    context: dict = {"error": "", "result": None, "may_reveal": request.user.has_perm(REVEAL_PERMISSION)}
    status, retry_after = 200, None
    if term:
        try:
            context["result"] = desk_search(user=request.user, term=term, via_post=via_post, request=request)
        except SearchRefused as exc:
            context["error"], status, retry_after = exc.message, exc.status, exc.retry_after
    # An identifier is never echoed back: not into the box, nor into a link.
    context["term"] = "" if search_kind(term) in IDENTIFIER_KINDS else term
    response = render(request, "cases/search.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
