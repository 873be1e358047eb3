"""The coordinator board (调度看板): find the cases to chase, dispatch, re-dispatch, record what a
provider said by phone. Every change goes through the same services the provider API uses."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_stubs_ext import StrOrPromise

from audit.lookups import LookupLimited, identifier_lookup_take, mask_identifier
from audit.models import AuditAction
from audit.services import REVEAL_PERMISSION, audit_record
from cases.action_pages import action_items, action_perform
from cases.clock import clock_figures
from cases.models import Case
from cases.paginators import EstimatedCountPaginator
from cases.selectors import case_timeline
from cases.states import WITH_PROVIDER
from cases.views import case_view_record
from cases.workflow import Place
from config.counts import shown
from config.exports import SafeCsvWriter
from dispatch import selectors, services
from dispatch.filters import BoardFilter
from dispatch.forms import BulkActionForm, LookupForm
from entitlements.selectors import person_find
from providers.models import Provider
from providers.selectors import unreachable_provider_ids

PAGE_SIZES = (25, 50, 100, 200)
BOARD_PERMISSIONS = ("cases.dispatch_case", "cases.view_case")


def _require_board_access(request: HttpRequest) -> None:
    if not any(request.user.has_perm(perm) for perm in BOARD_PERMISSIONS):
        raise PermissionDenied(_("需要派单或查看案件权限"))


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


@login_required
@require_http_methods(["GET", "POST"])
def board(request: HttpRequest) -> HttpResponse:
    _require_board_access(request)
    if request.method == "POST" and request.POST.get("action") == "lookup":
        return _lookup(request)
    if request.method == "POST":
        return _bulk_action(request)
    return _board_page(request)


def _board_page(request: HttpRequest, *, person=None, lookup_form=None, status: int = 200) -> HttpResponse:
    """The board; with ``person``, only that customer's cases (a POST look-up: nothing in the URL)."""
    today = timezone.localdate()
    providers = list(Provider.objects.all())
    base = selectors.board_cases(today=today)
    if person is not None:
        base = base.filter(beneficiary=person)
    data = request.GET if person is None and lookup_form is None else {}
    board_filter = BoardFilter(
        data, queryset=base, providers=providers, cities=selectors.board_cities(), request=request
    )
    cases = board_filter.qs if board_filter.is_valid() else base.none()
    if request.GET.get("export") == "csv" and request.method == "GET":
        return _csv_export(request, cases, today)
    ordered = cases.order_by(*_ordering(cases))
    page = EstimatedCountPaginator(ordered, _page_size(request)).get_page(request.GET.get("page"))
    unreachable = unreachable_provider_ids()
    for case in page:
        case.clock = clock_figures(case, today=today)
        case.provider_unreachable = case.provider_id in unreachable
        case.sla_label = selectors.SlaStatus(case.sla_status).label
    query = request.GET.copy()
    query.pop("page", None)
    can_reveal = request.user.has_perm(REVEAL_PERMISSION)
    context = {
        "filter": board_filter,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "page_sizes": PAGE_SIZES,
        "sort": _sort_links(request),
        "providers": [provider for provider in providers if provider.active],
        "can_act": request.user.has_perm("cases.dispatch_case"),
        "views": _view_links(request, today),
        "lookup_form": (lookup_form or LookupForm()) if can_reveal else None,
        "looked_up": person,
    }
    return render(request, "dispatch/board.html", context, status=status)


def _view_links(request: HttpRequest, today) -> list[dict]:
    counts = selectors.board_view_counts(user=request.user, today=today)
    current = request.GET.get("view", "")
    return [
        {
            "key": view.value,
            "label": view.label,
            "shown": shown(counts[view.value]),
            "current": current == view.value,
        }
        for view in selectors.BoardView
    ]


def _lookup(request: HttpRequest) -> HttpResponse:
    """按手机号/身份证号查找: by POST only, for roles that may reveal personal data; every look-up audited
    with the identifier masked, and limited per user (audit.lookups)."""
    form = LookupForm(request.POST)
    if not request.user.has_perm(REVEAL_PERMISSION):
        masked = mask_identifier(request.POST.get("identifier", ""))
        audit_record(action=AuditAction.REVEAL_REFUSED, request=request, summary=f"无权按手机号/身份证号查找：{masked}")
        messages.error(request, _("当前角色无权按手机号或身份证号查找客户"))
        return redirect("dispatch:board")
    if not form.is_valid():
        return _board_page(request, lookup_form=form, status=400)
    try:
        identifier_lookup_take(user=request.user)
    except LookupLimited as exc:
        form.add_error("identifier", exc.message)
        response = _board_page(request, lookup_form=form, status=503 if exc.unavailable else 429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    term = form.cleaned_data["identifier"]
    person = person_find(query=term)
    masked = mask_identifier(term)
    found = "" if person is not None else "，未找到"
    audit_record(
        action="person_search",
        request=request,
        summary=f"调度看板按手机号/身份证号查找：{masked}{found}",
        extra={"search": masked},
    )
    if person is None:
        form.add_error("identifier", _("没有找到该手机号或身份证号的客户"))
        return _board_page(request, lookup_form=form)
    return _board_page(request, person=person, lookup_form=LookupForm())


SORTABLE = ("number", "state", "service", "city", "provider", "started", "deadline")


def _sort_links(request: HttpRequest) -> dict[str, dict[str, str]]:
    """For each sortable column: the link that sorts by it (reversing when already sorted) and an arrow."""
    current = request.GET.get("o", "")
    links = {}
    for name in SORTABLE:
        query = request.GET.copy()
        query.pop("page", None)
        query["o"] = f"-{name}" if current == name else name
        arrow = "▲" if current == name else ("▼" if current == f"-{name}" else "")
        links[name] = {"url": f"?{query.urlencode()}", "arrow": arrow}
    return links


def _ordering(cases) -> list[str]:
    # A stable order under every sort, so paging never shows a case twice or skips one. The id runs
    # the way the sort does: "latest deadline first" is then one backward read of the board's
    # (city, deadline, id) index, where a mixed order made PostgreSQL walk the deadline index past
    # 1.6 million cases for a city's 100 (2 s at ten million).
    if not cases.query.order_by:
        return ["sla_deadline_due", "id"]
    descending = str(cases.query.order_by[-1]).startswith("-")
    return [*cases.query.order_by, "-id" if descending else "id"]


def _bulk_action(request: HttpRequest) -> HttpResponse:
    # Reminders e-mail providers on the insurer's behalf: only dispatchers may send them.
    if not request.user.has_perm("cases.dispatch_case"):
        raise PermissionDenied(_("批量操作需要派单权限"))
    back = request.POST.get("back", "")
    form = BulkActionForm(request.POST, case_ids=[str(pk) for pk in request.POST.getlist("selected")])
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "，".join(str(error) for error in errors)
            messages.error(request, f"{label}：{text}" if label else text)
        return redirect(f"{request.path}?{back}")
    cases = Case.objects.filter(pk__in=form.cleaned_data["selected"]).select_related("provider").order_by("id")
    if form.cleaned_data["action"] == BulkActionForm.REMIND:
        result = services.provider_remind(cases=cases, actor=request.user)
        verb: StrOrPromise = _("已催办")
    else:
        result = services.cases_redispatch_bulk(
            cases=cases, actor=request.user, provider=form.cleaned_data["provider"], note=form.cleaned_data["note"]
        )
        verb = _("已改派给%(provider)s") % {"provider": form.cleaned_data["provider"]}
    if result.done:
        messages.success(
            request,
            _("%(verb)s %(count)s 件：%(numbers)s")
            % {"verb": verb, "count": len(result.done), "numbers": "、".join(result.done)},
        )
    elif form.cleaned_data["action"] == BulkActionForm.REMIND:
        messages.warning(request, _("没有发出任何催办"))
    for number, reason in result.skipped:
        messages.warning(request, f"{number}：{reason}")
    return redirect(f"{request.path}?{back}")


CSV_COLUMNS = [
    "案件编号",
    "状态",
    "服务项目",
    "服务对象",
    "手机号（掩码）",
    "省份",
    "城市",
    "服务商",
    "启动日",
    "暂停工作日",
    "停止日",
    "已用工作日",
    "目标工作日",
    "目标到期日",
    "时限工作日",
    "时限到期日",
    "时效",
]


def _due_cell(due, provisional: bool) -> str:
    # 暂定: counted over a year of the calendar computed from the law, not yet the official schedule.
    return f"{due:%Y-%m-%d}（暂定）" if due and provisional else (f"{due:%Y-%m-%d}" if due else "")


def _blank(value) -> object:
    return "" if value is None else value


def _csv_row(case: Case, today) -> list:
    clock = clock_figures(case, today=today)
    return [
        case.number,
        case.state_label,
        case.service.name,
        case.beneficiary.name,
        case.beneficiary.phone_masked,
        case.province,
        case.city,
        case.provider.name if case.provider is not None else "",
        _blank(clock.started_on),
        _blank(clock.paused_days),
        _blank(clock.stopped_on),
        _blank(clock.used_working_days),
        _blank(clock.target_days),
        _due_cell(clock.target_due, case.sla_target_provisional),
        _blank(clock.deadline_days),
        _due_cell(clock.deadline_due, case.sla_deadline_provisional),
        selectors.SlaStatus(case.sla_status).label,  # type: ignore[attr-defined]  # board_cases() annotates it
    ]


def _csv_export(request: HttpRequest, cases, today) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="board-{today:%Y%m%d}.csv"'
    response.write("\ufeff")  # Excel reads a UTF-8 file as GBK unless the BOM says otherwise
    writer = SafeCsvWriter(response)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for case in cases.order_by(*_ordering(cases)).iterator(chunk_size=500):
        writer.writerow(_csv_row(case, today))
        count += 1
    services.board_export_record(actor=request.user, rows=count, query=request.GET.urlencode(), request=request)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def board_case(request: HttpRequest, number: str) -> HttpResponse:
    _require_board_access(request)
    case = get_object_or_404(Case.objects.select_related("service", "beneficiary", "provider"), number=number)
    if request.method == "POST":
        name = request.POST.get("action", "")
        if name == BulkActionForm.REMIND:
            return _remind_one(request, case)
        form = action_perform(request, case=case, name=name, place=Place.BOARD)
        if form is not None:  # wrong input: the page again, with the errors beside their fields
            return render(request, "dispatch/case.html", _case_context(request, case, {name: form}), status=400)
        return redirect("dispatch:case", number=case.number)
    case_view_record(request=request, case=case)
    return render(request, "dispatch/case.html", _case_context(request, case))


def _remind_one(request: HttpRequest, case: Case) -> HttpResponse:
    """催办 from the case page: the board's reminder for this one case (not a transition, so not a
    row of the workflow table)."""
    if not request.user.has_perm("cases.dispatch_case"):
        messages.error(request, _("催办服务商需要派单权限"))
        return redirect("dispatch:case", number=case.number)
    result = services.provider_remind(cases=[case], actor=request.user)
    if result.done:
        messages.success(
            request, _("%(number)s：已催办%(provider)s") % {"number": case.number, "provider": case.provider}
        )
    for number, reason in result.skipped:
        messages.warning(request, f"{number}：{reason}")
    return redirect("dispatch:case", number=case.number)


def _case_context(request: HttpRequest, case: Case, bound: dict | None = None) -> dict:
    suggestion = selectors.provider_suggestion(service=case.service, province=case.province, city=case.city)
    page = reverse("dispatch:case", args=[case.number])
    return {
        "case": case,
        "actions": action_items(
            case=case,
            user=request.user,
            place=Place.BOARD,
            url=lambda name: page,
            bound=bound,
            initial={"dispatch": {"provider": suggestion.provider}},
        ),
        "suggestion": suggestion,
        "dispatches": selectors.case_dispatch_history(case=case),
        "timeline": case_timeline(case=case),
        "documents": list(case.documents.order_by("at", "id")),
        "can_remind": request.user.has_perm("cases.dispatch_case") and case.state in WITH_PROVIDER,
        "admin_url": reverse("admin:cases_case_change", args=[case.pk]),
    }
