"""The review queue and the case page in the admin.

The changelist is the reviewers' queue; the change page shows the request, the entitlement, the
documents and the checklist, with decision buttons generated from the transitions the case and
the user allow. Every button posts to ``case_action`` which calls the service — never a state
field, never django-fsm-2's stock transition buttons.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import queue, services
from cases.action_pages import action_items, action_perform, refusal_place
from cases.admin_report import ReportFigureFilter, report_figure_title
from cases.api.views import request_field_errors
from cases.errors import CaseError, CaseValidationError
from cases.forms import DocumentForm, HotlineIntakeForm, NoteForm
from cases.intake_desk import intake_form_submit, intake_initial, intake_person
from cases.models import Case, CaseEvent, CaseState, Recovery
from cases.paginators import EstimatedCountPaginator
from cases.selectors import case_visible_to, user_is_case_staff
from cases.services.intake_keys import DuplicateRequest, IntakeKeyReused
from cases.views import case_page_context, case_view_record
from cases.workflow import Place
from config.counts import shown
from entitlements.models import Enrollment, Service
from entitlements.models.catalog import ServiceKind
from workdays.calendar import CalendarNotCovered, sub_workdays, workdays_between


def _queue_counts(request) -> queue.QueueCounts:
    """The queue's counts, once per request: the tabs and the view filter read the same figures."""
    if not hasattr(request, "_review_queue_counts"):
        request._review_queue_counts = queue.queue_counts(user=request.user)
    return request._review_queue_counts


def _queue_tab(request) -> str | None:
    """The queue tab shown (``pending`` when no state filter is chosen), or None off the queue."""
    value = request.GET.get("queue")
    if value is None:
        return queue.DEFAULT_TAB
    return value if value in queue.TABS else None


class QueueStateFilter(admin.SimpleListFilter):
    """Opens on the review queue's 待审核 tab; 退回待补充, every state (or all of them) one click away."""

    title = _("状态")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("returned", _("退回待补充（等待申请人）")), ("all", _("全部")), *CaseState.choices[1:]]

    def choices(self, changelist):
        yield {
            "selected": self.value() in (None, queue.DEFAULT_TAB),
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("待审核（已提交、医学审核中）"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() is None or self.value() in queue.TABS:
            return queryset.filter(state__in=queue.TABS[self.value() or queue.DEFAULT_TAB][1])
        if self.value() == "all":
            return queryset
        return queryset.filter(state=self.value())


class QueueViewFilter(admin.SimpleListFilter):
    """我的 / 未认领 / 全部 within the queue's tab, each with its count."""

    title = _("认领")
    parameter_name = "view"

    def lookups(self, request, model_admin):
        tab = _queue_tab(request)
        counts = self.counts = _queue_counts(request)[tab] if tab else None
        return [
            (view, f"{label}（{shown(counts[view])}）" if counts else label)
            for view, label in queue.VIEWS.items()
            if view != queue.DEFAULT_VIEW
        ]

    def choices(self, changelist):
        total = self.counts[queue.DEFAULT_VIEW] if self.counts else None
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": f"{_('全部')}（{shown(total)}）" if total is not None else _("全部"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset.filter(queue.view_q(self.value() or queue.DEFAULT_VIEW, request.user))


class WaitingFilter(admin.SimpleListFilter):
    """Waiting time since submission, in working days (工作日)."""

    title = _("已等待（工作日）")
    parameter_name = "waiting"
    BANDS = {"0-1": (0, 1), "2": (2, 2), "3-5": (3, 5), "6+": (6, None)}

    def lookups(self, request, model_admin):
        return [("0-1", _("1天及以内")), ("2", _("2天")), ("3-5", _("3–5天")), ("6+", _("6天及以上"))]

    def _start_of_day_after(self, day):
        return timezone.make_aware(timezone.datetime.combine(day + timedelta(days=1), timezone.datetime.min.time()))

    def queryset(self, request, queryset):
        if self.value() not in self.BANDS:
            return queryset
        low, high = self.BANDS[self.value()]
        today = timezone.localdate()
        try:
            # Submitted on or before the low-th working day back has waited at least ``low`` days.
            queryset = queryset.filter(submitted_at__lt=self._start_of_day_after(sub_workdays(today, low)))
            if high is not None:
                queryset = queryset.filter(submitted_at__gte=self._start_of_day_after(sub_workdays(today, high + 1)))
        except CalendarNotCovered:
            messages.warning(request, _("工作日历未覆盖所需年份，无法按等待工作日筛选"))
        return queryset


class CaseServiceFilter(admin.RelatedFieldListFilter):
    """The services a case can be opened for (usage-only ones have no cases).

    Taken from the catalogue, not from the cases: "only services that have cases" is a DISTINCT
    over the whole case table on every page view, a second per view at a million cases."""

    def field_choices(self, field, request, model_admin):
        services = Service.objects.exclude(kind=ServiceKind.USAGE).order_by("sort_order", "id")
        return [(service.pk, str(service)) for service in services]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "service",
        "edition",
        "state_badge",
        "channel",
        "beneficiary_masked",
        "waiting_workdays",
        "review_due_shown",
        "holder_name",
        "submitted_at",
    ]
    list_display_links = ["number"]
    list_filter = [
        ReportFigureFilter,  # shown only when opened from a figure of the manager report
        QueueStateFilter,
        QueueViewFilter,
        ("service", CaseServiceFilter),
        ("enrollment__edition", admin.RelatedFieldListFilter),
        "channel",
        WaitingFilter,
    ]
    # Exact matches on indexed columns: the case number, the policy number, the ID-number tail.
    search_fields = ["=number", "=enrollment__policy__policy_no", "=id_tail"]
    search_help_text = _("按案件编号、保单号或身份证后四位搜索")
    # The provider too: "当前处理人" names it for dispatched and accepted cases.
    list_select_related = ["service", "enrollment__edition", "beneficiary", "holder", "provider"]
    ordering = ["created_at", "id"]
    # Neither the filtered count nor the table's total is counted exactly on a million cases.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_search_results(self, request, queryset, search_term):
        """Each search field through its own index. Django's OR across the policy join cannot use
        an index and scans every case (seconds at a million); the policy number is looked up first."""
        for term in search_term.split():
            enrollments = list(Enrollment.objects.filter(policy__policy_no=term).values_list("pk", flat=True))
            queryset = queryset.filter(Q(number=term) | Q(id_tail=term) | Q(enrollment_id__in=enrollments))
        return queryset, False

    # --- permissions: seeing is for case staff, changing only through the services ---------

    def has_module_permission(self, request) -> bool:
        return user_is_case_staff(user=request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return user_is_case_staff(user=request.user)

    def has_add_permission(self, request) -> bool:
        return request.user.has_perm("cases.submit_case")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- columns ---------------------------------------------------------------------------

    @admin.display(description=_("版本档次"), ordering="enrollment__edition__sort_order")
    def edition(self, case: Case) -> str:
        return str(case.enrollment.edition)

    @admin.display(description=_("状态"), ordering="state")
    def state_badge(self, case: Case) -> str:
        return case.state_label

    @admin.display(description=_("服务对象"))
    def beneficiary_masked(self, case: Case) -> str:
        return f"{case.beneficiary.name[:1]}** …{case.id_tail}"

    @admin.display(description=_("审核应完成日"), ordering="review_due")
    def review_due_shown(self, case: Case) -> str:
        if case.review_due is None:
            return "—"
        shown = f"{case.review_due:%Y-%m-%d}（暂定）" if case.review_provisional else f"{case.review_due:%Y-%m-%d}"
        if queue.review_overdue(case):
            return format_html('{} <span class="queue-overdue">{}</span>', shown, _("已逾期"))
        return shown

    @admin.display(description=_("已等待（工作日）"))
    def waiting_workdays(self, case: Case) -> str:
        if case.submitted_at is None:
            return "—"
        try:
            return str(workdays_between(timezone.localtime(case.submitted_at).date(), timezone.localdate()))
        except CalendarNotCovered:
            return str(_("日历未覆盖"))

    @admin.display(description=_("当前处理人"))
    def holder_name(self, case: Case) -> str:
        return case.holder_display

    # --- pages ---------------------------------------------------------------------------------

    def get_ordering(self, request):
        return queue.ORDERING if _queue_tab(request) else super().get_ordering(request)

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        tab = _queue_tab(request)
        context: dict[str, Any] = {"title": _("绿通案件")}
        if tab:
            context = {
                "title": _("医学审核队列 · %(tab)s（按审核应完成日排序）") % {"tab": queue.TABS[tab][0]},
                "queue_links": queue.queue_links(
                    counts=_queue_counts(request), tab=tab, view=request.GET.get("view", queue.DEFAULT_VIEW)
                ),
            }
        if figure := report_figure_title(request.GET):
            context["title"] = _("时效报表 · %(figure)s") % {"figure": figure}
        return super().changelist_view(request, {**context, **(extra_context or {})})

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:object_id>/action/<str:action>/", wrap(self.action_view), name="cases_case_action"),
            path("<int:object_id>/note/", wrap(self.note_view), name="cases_case_note"),
            path("<int:object_id>/next/", wrap(self.next_view), name="cases_case_next"),
            path("<int:object_id>/document/", wrap(self.document_view), name="cases_case_document"),
            *super().get_urls(),
        ]

    def _case_or_404(self, request, object_id) -> Case:
        case = get_object_or_404(Case.objects.select_related("service", "enrollment__edition"), pk=object_id)
        if not case_visible_to(user=request.user, case=case):
            raise PermissionDenied
        return case

    def _back(self, case: Case) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))

    def change_view(
        self, request: HttpRequest, object_id, form_url="", extra_context=None, bound=None, sent=None
    ) -> HttpResponse:
        """The review workspace; ``bound`` holds an action form sent back with its errors, ``sent``
        the note or document form (``note_form``/``document_form``) likewise."""
        case = self._case_or_404(request, object_id)
        case_view_record(request=request, case=case)
        actions = action_items(
            case=case,
            user=request.user,
            place=Place.ADMIN,
            url=lambda name: reverse("admin:cases_case_action", args=[case.pk, name]),
            bound=bound,
        )
        context = {
            **self.admin_site.each_context(request),
            **case_page_context(case=case, user=request.user),
            "opts": self.model._meta,
            "title": f"{case.number} · {case.service}",
            "actions": actions,
            "note_form": NoteForm(prefix="note"),
            "document_form": DocumentForm(prefix="doc"),
            **(sent or {}),
            "may_add_note": request.user.has_perm(services.NOTE_PERMISSION),
            "may_upload": request.user.has_perm(services.UPLOAD_PERMISSION),
            "has_view_permission": True,
            "reviewer_view": queue.reviewer_view(case=case, user=request.user),
        }
        return TemplateResponse(request, "admin/cases/case/review.html", context)

    def action_view(self, request: HttpRequest, object_id, action: str) -> HttpResponse:
        case = self._case_or_404(request, object_id)
        if request.method != "POST":
            return self._back(case)
        form = action_perform(request, case=case, name=action, place=Place.ADMIN)
        if form is not None:
            # The page again, the form's errors beside the fields (and checklist items) they name.
            return self.change_view(request, str(case.pk), bound={action: form})
        return self._back(case)

    def next_view(self, request: HttpRequest, object_id) -> HttpResponse:
        """下一件: the next case of the review queue after this one."""
        case = self._case_or_404(request, object_id)
        following = queue.queue_next(user=request.user, after=case)
        if following is None:
            messages.info(request, _("待审核队列中没有其他可处理的案件"))
            return HttpResponseRedirect(reverse("admin:cases_case_changelist"))
        return self._back(following)

    @staticmethod
    def _sent_by_service(form, perform: Callable[[], object]) -> bool:
        """Run the service behind a case page's note or document form; a refusal lands on the form
        (beside the field it names, or at its head) and False is returned."""
        try:
            perform()
        except CaseValidationError as exc:
            refusal_place(form, exc)
        except CaseError as exc:
            form.add_error(None, exc.message)
        else:
            return True
        return False

    def note_view(self, request: HttpRequest, object_id) -> HttpResponse:
        case = self._case_or_404(request, object_id)
        form = NoteForm(request.POST or None, prefix="note")
        if request.method != "POST":
            return self._back(case)
        actor = cast(User, request.user)
        if form.is_valid() and self._sent_by_service(
            form, lambda: services.case_add_note(case=case, actor=actor, note=form.cleaned_data["note"])
        ):
            messages.success(request, _("已添加备注"))
            return self._back(case)
        # The page again, the reason beside the note.
        messages.error(request, _("备注未添加：原因已在「备注与补充材料」中标出"))
        return self.change_view(request, str(case.pk), sent={"note_form": form})

    def document_view(self, request: HttpRequest, object_id) -> HttpResponse:
        case = self._case_or_404(request, object_id)
        form = DocumentForm(request.POST or None, request.FILES or None, prefix="doc")
        if request.method != "POST":
            return self._back(case)
        actor = cast(User, request.user)
        if form.is_valid() and self._sent_by_service(
            form, lambda: services.document_attach(case=case, actor=actor, upload=form.upload())
        ):
            messages.success(request, _("已上传材料"))
            return self._back(case)
        # The page again, the reason beside the file (its type, its size, its content).
        messages.error(request, _("材料未上传：原因已在「备注与补充材料」中标出"))
        return self.change_view(request, str(case.pk), sent={"document_form": form})

    def add_view(self, request: HttpRequest, form_url="", extra_context=None) -> HttpResponse:
        """The hotline's intake form: same serializer and service as the WeChat API."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HotlineIntakeForm(
            request.POST or None,
            request.FILES or None,
            initial=intake_initial(request.GET) if not request.POST else None,
        )
        duplicates: list = []
        if request.method == "POST" and form.is_valid():
            try:
                case, replayed = intake_form_submit(actor=request.user, form=form)
            except DuplicateRequest as exc:
                duplicates = exc.cases
                form.add_error("confirm_duplicate", exc.message)
            except IntakeKeyReused as exc:
                form.add_error(None, exc.message)
            except CaseValidationError as exc:
                for field, errors in request_field_errors(exc).items():
                    form.add_error(field if field in form.fields else None, errors)
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                if replayed:
                    messages.info(request, _("该申请已提交过，未重复生成案件：%(number)s") % {"number": case.number})
                    return self._back(case)
                messages.success(
                    request,
                    _("已提交：%(number)s（%(state)s）") % {"number": case.number, "state": case.get_state_display()},
                )
                for warning in case.events.filter(kind=CaseEvent.Kind.WARNING).values_list("note", flat=True):
                    messages.warning(request, warning)
                return self._back(case)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("热线录入申请"),
            "form": form,
            "duplicates": duplicates,
            "chosen_person": intake_person(form),
        }
        return TemplateResponse(request, "admin/cases/case/intake.html", context)


@admin.register(Recovery)
class RecoveryAdmin(admin.ModelAdmin):
    """追偿 records (第二章 1): opened by ``case_misuse_stop``; here their status, amount and note
    change, each change audited by ``recovery_update``."""

    list_display = ("case", "status", "amount", "created_by", "created_at")
    list_filter = ("status",)
    list_select_related = ("case", "created_by")
    search_fields = ("case__number",)
    fields = ("case", "finding", "status", "amount", "note", "created_by", "created_at", "updated_at")
    readonly_fields = ("case", "finding", "created_by", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened only by stopping a case as misuse

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Recovery, form, change: bool) -> None:
        data = form.cleaned_data
        actor = cast(User, request.user)
        services.recovery_update(
            recovery=obj, actor=actor, status=data["status"], amount=data["amount"], note=data["note"]
        )
