"""Green-channel cases (绿通案件): the request, its workflow, its history, documents and dispatches.

The workflow is a django-fsm-2 state machine on ``Case.state`` (protected: only a transition
changes it). Transition methods only set fields in memory; every use-case that moves a case —
locking, quota ledger, history, SLA, notifications — lives in ``cases.services``. The state
diagram is generated from this module: see ``docs/case-states.md``.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from cases.states import (
    BOARD_LISTED,
    CLOCK_RUNNING,
    FINAL,
    HELD_BY_PROVIDER,
    LATE_POSSIBLE,
    MISUSE_STOPPABLE,
    OPEN_BEFORE_ARRANGEMENT,
    REVIEW_CLOCK_RUNNING,
    REVIEW_DECISIONS,
    REVIEW_PENDING,
    CaseState,
)
from cases.workflow import allowed
from config.i18n import choice_label

S = CaseState


def breach_marker(*, review: bool) -> tuple[str, str]:
    """The field in which the SLA sweep marks a clock's breach as reminded, and the due date it copies."""
    return ("review_breach_reminded_for", "review_due") if review else ("sla_breach_reminded_for", "sla_deadline_due")


def breach_not_reminded(*, review: bool) -> models.Q:
    """The clock's breach reminder has not been sent for its current due date: the marker (the due
    date last reminded) is unset or differs from it. The SLA sweep filters with the same Q as its
    partial indexes' condition, so PostgreSQL matches the two."""
    marker, due = breach_marker(review=review)
    return (
        models.Q(**{f"{marker}__isnull": True})
        | models.Q(**{f"{marker}__lt": models.F(due)})
        | models.Q(**{f"{marker}__gt": models.F(due)})
    )


class Channel(models.TextChoices):
    WECHAT = "wechat", _("微信公众号")
    HOTLINE = "hotline", _("95500热线")
    BACKOFFICE = "backoffice", _("后台录入")


class ApplicantRelation(models.TextChoices):
    SELF = "self", _("本人")
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    GUARDIAN = "guardian", _("监护人")


class HospitalLevel(models.IntegerChoices):
    LEVEL_1 = 1, _("一级")
    LEVEL_2 = 2, _("二级")
    LEVEL_3 = 3, _("三级")


class HospitalOwnership(models.TextChoices):
    PUBLIC = "public", _("公立")
    PRIVATE = "private", _("民营")


class RejectReason(models.TextChoices):
    HOSPITAL_LEVEL = "hospital_level", _("诊断医院非二级及以上公立医院")
    NOT_SPECIALIST = "not_specialist", _("非专科医生诊断")
    DISEASE_NOT_LISTED = "disease_not_listed", _("疾病不在重症疾病范围列表内")
    DOCUMENTS_INVALID = "documents_invalid", _("材料不真实或无法辨认")
    NOT_ENTITLED = "not_entitled", _("不符合服务权益")
    INVOICE_INVALID = "invoice_invalid", _("发票不符合报销范围")
    DUPLICATE = "duplicate", _("重复申请")
    OTHER = "other", _("其他")


DOCTOR_TITLES_FOR_EXPERT_SERVICES = ("副主任医师", "主任医师")


def _condition(field: str, message: str, *, structural: bool = False):
    """Mark a transition condition with the field and the message a refused caller is shown.

    A structural condition (the case's kind) hides the action altogether; the others are checked
    when the action is taken, so the person sees why it was refused."""

    def mark(func):
        func.field = field
        func.message = message
        func.structural = structural
        return func

    return mark


@_condition("checklist", "审核清单未全部勾选")
def checklist_ticked(case: "Case") -> bool:
    return case.checklist_complete


@_condition("quota_hold", "该案件占用的权益额度已释放，不能继续")
def quota_hold_active(case: "Case") -> bool:
    return case.quota_hold is None or case.quota_hold.status == "held"


@_condition("enrollment", "保单已失效或终止，权益不再可用")
def policy_in_force(case: "Case") -> bool:
    return case.enrollment.policy.status == "in_force"


@_condition("approved_amount", "核定金额须大于 0 且不超过单次报销上限")
def approved_amount_within_cap(case: "Case") -> bool:
    cap = case.service.max_claim_amount
    amount = case.approved_amount
    return amount is not None and amount > 0 and (cap is None or amount <= cap)


@_condition("documents", "缺少发票")
def invoice_attached(case: "Case") -> bool:
    return case.claimed_amount is not None and case.documents.filter(kind=DocumentKind.INVOICE).exists()


@_condition("arranged_doctor_title", "该服务须安排副主任医师及以上专家")
def doctor_title_fits_service(case: "Case") -> bool:
    # The catalogue flag (服务内容 "副主任医师及以上专家"), not the service's editable name.
    if not case.service.requires_senior_doctor:
        return True
    return case.arranged_doctor_title in DOCTOR_TITLES_FOR_EXPERT_SERVICES


@_condition("sla_deadline_due", "该案件未超时（按时效计算未超过最迟完成日），无需豁免", structural=True)
def clock_late(case: "Case") -> bool:
    from cases.clock import clock_figures

    return clock_figures(case).late


@_condition("sla_exempt_at", "该案件的超时已标记院方原因豁免", structural=True)
def not_exempt(case: "Case") -> bool:
    return case.sla_exempt_at is None


@_condition("sla_exempt_at", "该案件没有时效豁免可撤销", structural=True)
def exempt(case: "Case") -> bool:
    return case.sla_exempt_at is not None


@_condition("state", "非120补贴案件", structural=True)
def reimbursement_case(case: "Case") -> bool:
    return case.is_reimbursement


@_condition("state", "120补贴案件不走派单流程", structural=True)
def green_channel_case(case: "Case") -> bool:
    return not case.is_reimbursement


def _in_place(states, **options):
    """A transition that leaves the case in the state it found (one self-loop per state, so the
    generated diagram draws each once): it only records something beside the state."""

    def decorate(method):
        for state in states:
            method = transition(field="state", source=state, target=state, **options)(method)
        return method

    return decorate


class Case(FSMModelMixin, models.Model):
    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    state = FSMField(_("状态"), max_length=20, choices=CaseState.choices, default=S.NEW, protected=True)

    # No index of its own: case_enrollment_service_idx (enrollment, service) begins with it.
    enrollment = models.ForeignKey(
        "entitlements.Enrollment",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("权益"),
        db_index=False,
    )
    beneficiary = models.ForeignKey(
        "entitlements.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("服务对象")
    )
    # The beneficiary's ID-number tail, indexed, so reviewers can search "…1234" without a scan.
    id_tail = models.CharField(_("证件号后四位"), max_length=4, db_index=True, blank=True)
    # No index of its own: case_service_created_idx (service, created_at, id, enrollment) begins
    # with it and serves every lookup by service, one index fewer for each case written.
    service = models.ForeignKey(
        "entitlements.Service",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("服务项目"),
        db_index=False,
    )
    quota_hold = models.OneToOneField(
        "entitlements.QuotaHold",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
        verbose_name=_("额度占用"),
    )

    applicant_name = models.CharField(_("申请人"), max_length=64)
    applicant_relation = models.CharField(
        _("申请人与服务对象关系"), max_length=16, choices=ApplicantRelation.choices, default=ApplicantRelation.SELF
    )
    applicant_phone = models.CharField(_("申请人电话"), max_length=32, blank=True)

    province = models.CharField(_("省份"), max_length=32, blank=True)
    city = models.CharField(_("城市"), max_length=32)
    preferred_hospital = models.CharField(_("意向医院"), max_length=128, blank=True)
    hospital_is_top50 = models.BooleanField(_("全国前50三甲医院"), default=False)
    preferred_department = models.CharField(_("意向科室"), max_length=64, blank=True)
    preferred_date_from = models.DateField(_("期望日期自"), null=True, blank=True)
    preferred_date_to = models.DateField(_("期望日期至"), null=True, blank=True)
    named_expert = models.CharField(_("指定专家"), max_length=64, blank=True)
    # What the entitlement lets the customer name (无忧管家 专业版 可指定专家, 尊享版 可指定著名专家),
    # copied from the rule at submission so the coordinator sees which one was promised.
    named_expert_level = models.CharField(_("可指定专家级别"), max_length=10, blank=True, db_default="")

    diagnosis = models.CharField(_("诊断"), max_length=255, blank=True)
    critical_illness = models.ForeignKey(
        "entitlements.CriticalIllness",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("重症疾病"),
    )
    suspected = models.BooleanField(_("疑似"), default=False)
    diagnosing_hospital = models.CharField(_("诊断医院"), max_length=128, blank=True)
    diagnosing_hospital_level = models.PositiveSmallIntegerField(
        _("诊断医院等级"), choices=HospitalLevel.choices, null=True, blank=True
    )
    diagnosing_hospital_ownership = models.CharField(
        _("诊断医院性质"), max_length=16, choices=HospitalOwnership.choices, blank=True
    )

    claimed_amount = models.DecimalField(
        _("申请金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    approved_amount = models.DecimalField(_("核定金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    claim_fee_kinds = models.JSONField(
        _("费用类型"), default=list, blank=True, db_default=models.Value([], models.JSONField())
    )
    keyed_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
        # Indexed by a partial index built concurrently (Meta.indexes): only back-office entries have one.
        db_index=False,
    )

    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("当前服务商"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="held_cases",
        verbose_name=_("当前处理人"),
    )
    reject_reason = models.CharField(_("不通过原因"), max_length=32, choices=RejectReason.choices, blank=True)

    check_hospital_level = models.BooleanField(_("二级及以上公立医院"), default=False)
    check_specialist_diagnosis = models.BooleanField(_("专科医生诊断"), default=False)
    check_disease_listed = models.BooleanField(_("疾病在重症范围内（或疑似）"), default=False)
    check_documents_complete = models.BooleanField(_("材料齐全"), default=False)

    arranged_hospital = models.CharField(_("安排医院"), max_length=128, blank=True)
    arranged_department = models.CharField(_("安排科室"), max_length=64, blank=True)
    arranged_doctor = models.CharField(_("安排医生"), max_length=64, blank=True)
    arranged_doctor_title = models.CharField(_("医生职称"), max_length=32, blank=True)
    arranged_at = models.DateTimeField(_("就诊/入院时间"), null=True, blank=True)
    arranged_address = models.CharField(_("就诊地址"), max_length=255, blank=True)
    arranged_specialist = models.CharField(_("康复指导人员"), max_length=16, blank=True, db_default="")
    arranged_guidance_mode = models.CharField(_("指导形式"), max_length=16, blank=True, db_default="")
    arranged_transfers = models.TextField(_("专车接送安排"), blank=True, db_default="")
    arranged_accommodation = models.TextField(_("就医当地住宿方案"), blank=True, db_default="")
    arranged_nurse = models.CharField(_("上门护士"), max_length=64, blank=True, db_default="")

    review_due = models.DateField(_("审核应完成日"), null=True, blank=True, db_index=True)
    # Set when the due date was counted over a provisional year of the calendar (暂定). A database
    # default too: rows written with COPY (the benchmark generator) may leave them out.
    review_provisional = models.BooleanField(_("审核应完成日暂定"), default=False, db_default=False)
    review_paused_on = models.DateField(_("审核暂停日"), null=True, blank=True)
    review_paused_days = models.PositiveSmallIntegerField(_("审核暂停工作日"), default=0)
    sla_started_on = models.DateField(_("时效起算日"), null=True, blank=True)
    sla_paused_on = models.DateField(_("时效暂停日"), null=True, blank=True)
    sla_paused_days = models.PositiveSmallIntegerField(_("时效暂停工作日"), default=0)
    # Shown, never looked up or sorted by: no index (one fewer for every case written).
    sla_target_due = models.DateField(_("目标完成日"), null=True, blank=True)
    sla_deadline_due = models.DateField(_("最迟完成日"), null=True, blank=True, db_index=True)
    sla_target_provisional = models.BooleanField(_("目标完成日暂定"), default=False, db_default=False)
    sla_deadline_provisional = models.BooleanField(_("最迟完成日暂定"), default=False, db_default=False)
    sla_stopped_at = models.DateTimeField(_("时效停止时间"), null=True, blank=True)
    # "医院内特殊情况除外": a coordinator may mark a breach as exempt for a hospital-side reason. The
    # case stays late in the plain figures; the report also shows on-time with exemptions counted.
    sla_exempt_reason = models.CharField(_("时效豁免原因"), max_length=500, blank=True, default="", db_default="")
    sla_exempt_at = models.DateTimeField(_("时效豁免时间"), null=True, blank=True)
    sla_exempt_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by the person who exempted
        verbose_name=_("时效豁免人"),
    )
    # The due date whose breach reminder the SLA sweep has sent (sla.services): a case reminded of
    # its breach leaves the sweep's index until its due date moves, so a five-minute sweep reads the
    # cases that may need a reminder, not every late one. Not shown; only the sweep writes them.
    sla_breach_reminded_for = models.DateField(_("超时提醒对应的最迟完成日"), null=True, blank=True, editable=False)
    review_breach_reminded_for = models.DateField(
        _("审核超时提醒对应的审核应完成日"), null=True, blank=True, editable=False
    )
    # The provider state a case returns to when the customer replies (dispatched or accepted).
    resume_state = models.CharField(_("客户反馈后回到"), max_length=20, blank=True)

    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # When the review was decided (approved, rejected, or the subsidy amount approved): the same
    # moment as the decision's CaseEvent, kept on the case so the reports need no timeline lookup.
    reviewed_at = models.DateTimeField(_("审核结论时间"), null=True, blank=True)
    # Indexed with the id, in Meta (case_created_idx).
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("绿通案件")
        verbose_name_plural = _("绿通案件")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="case_queue_idx"),
            models.Index(fields=["state", "provider", "sla_deadline_due"], name="case_board_idx"),
            # The reviewer queue's whole list in its order, and by service (the edition filter joins
            # the enrollment, kept in the index): a page's keys, and a filtered count, are read from
            # the index alone, so page 50 or the last page needs no row but its own.
            models.Index(fields=["created_at", "id"], name="case_created_idx"),
            models.Index(fields=["service", "created_at", "id", "enrollment"], name="case_service_created_idx"),
            # Every lookup by enrollment, and the queue filtered by service and edition: its count of up
            # to 1,000 walks the edition's enrollments and probes this index for the service (at 10M
            # cases, 17 ms where hashing the service's 377,000 cases took 115 ms).
            models.Index(fields=["enrollment", "service"], name="case_enrollment_service_idx"),
            models.Index(
                fields=["keyed_in_by"], name="case_keyed_in_by_idx", condition=models.Q(keyed_in_by__isnull=False)
            ),
            # The review queue's 我的 / 未认领 counts (cases.queue.queue_counts): a reviewer's cases, or the
            # unclaimed ones, of a tab read from the index alone. By state alone they walked the tab's
            # whole backlog for the few a reviewer holds (350 ms at ten million cases).
            models.Index(
                fields=["holder", "state", "id"],
                condition=models.Q(state__in=REVIEW_PENDING),
                name="case_review_holder_idx",
            ),
            # The coordinator board's cases (BOARD_LISTED, ~90,000 of a million): by deadline, its
            # default order, and by city then deadline, its city filter and the list of cities it
            # offers (one probe per city). The condition is the board's own state list, or
            # PostgreSQL cannot use them for the board's queries.
            models.Index(
                fields=["sla_deadline_due", "id"],
                condition=models.Q(state__in=BOARD_LISTED),
                name="case_board_due_idx",
            ),
            models.Index(
                fields=["city", "sla_deadline_due", "id"],
                condition=models.Q(state__in=BOARD_LISTED),
                name="case_board_city_due_idx",
            ),
            # Cases whose service-level clock runs, by deadline: the sweep's candidates and the
            # board's 已超时 / 即将到期 lists read ~20,000 index entries at a million cases, not the
            # ~90,000 open ones.
            models.Index(
                fields=["sla_deadline_due", "id"],
                condition=models.Q(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True),
                name="case_clock_running_idx",
            ),
            # The SLA sweep's candidates: clocks running whose breach has not been reminded for the
            # current due date. At ten million cases the ~275,000 late cases already reminded stay
            # out of it, so a sweep with nothing new reads a few index entries.
            models.Index(
                fields=["sla_deadline_due", "id"],
                condition=models.Q(state__in=CLOCK_RUNNING, sla_stopped_at__isnull=True)
                & breach_not_reminded(review=False),
                name="case_sla_unreminded_idx",
            ),
            models.Index(
                fields=["review_due", "id"],
                condition=models.Q(state__in=REVIEW_CLOCK_RUNNING) & breach_not_reminded(review=True),
                name="case_review_unreminded_idx",
            ),
            # The manager report's cohort: the cases received in a period (a range of submitted_at),
            # carrying every column the report reads or filters on, so a year of cases is read from
            # this index alone (an index-only scan) instead of the table.
            models.Index(
                fields=["submitted_at"],
                include=[
                    "state",
                    "provider",
                    "service",
                    "city",
                    "enrollment",
                    "sla_started_on",
                    "sla_stopped_at",
                    "sla_deadline_due",
                    "sla_paused_days",
                    "review_due",
                    "review_paused_days",
                    "reviewed_at",
                ],
                name="case_received_idx",
            ),
            # The report's city choices: each city found by one probe (sla.filters.city_choices).
            models.Index(fields=["city"], name="case_city_idx"),
            # The desk search finds a case by any part of its number (LIKE '%0012%', ≥ 3 characters).
            GinIndex(fields=["number"], opclasses=["gin_trgm_ops"], name="case_number_trgm_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True) | models.Q(approved_amount__gt=0),
                name="case_approved_amount_positive",
            ),
        ]
        permissions = [
            ("submit_case", "提交申请"),
            ("withdraw_case", "撤回申请"),
            ("review_case", "医学审核"),
            ("dispatch_case", "派单"),
            ("arrange_case", "记录安排结果"),
            ("close_case", "结案"),
            ("pay_claim", "120补贴核定与支付"),
            ("provider_act", "服务商操作"),
            ("revoke_sla_exemption", "撤销时效豁免"),
        ]

    def __str__(self) -> str:
        return self.number or "（新案件）"

    # --- facts the workflow asks about -------------------------------------------------

    @property
    def is_reimbursement(self) -> bool:
        return self.service.kind == "reimbursement"

    @property
    def needs_review(self) -> bool:
        return self.is_reimbursement or self.service.needs_medical_review

    @property
    def checklist_complete(self) -> bool:
        return all(
            [
                self.check_hospital_level,
                self.check_specialist_diagnosis,
                self.check_disease_listed,
                self.check_documents_complete,
            ]
        )

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL

    @property
    def state_label(self) -> str:
        """The state in words, as ``get_state_display()`` but for every row of a list (config.i18n)."""
        return choice_label(CaseState, self.state)

    @property
    def holder_display(self) -> str:
        """Who holds the case now, in words every role understands."""
        if self.holder is not None:
            return self.holder.get_full_name() or self.holder.get_username()
        if self.state in HELD_BY_PROVIDER and self.provider_id:
            return f"服务商：{self.provider}"
        return _QUEUE_HOLDERS.get(self.state, "—")

    # --- transitions: they only set fields; services do the rest -------------------------

    @transition(field=state, source=S.NEW, target=S.SUBMITTED, permission=allowed("submit"))
    def submit(self, *, on_date) -> None:
        self.submitted_at = timezone.now()
        self.review_paused_days = 0

    @transition(
        field=state, source=S.SUBMITTED, target=S.APPROVED, permission=allowed("skip_review"), custom={"system": True}
    )
    def skip_review(self, *, on_date) -> None:
        """Services without 服务条件 need no medical review: accepted on submission."""
        self.sla_started_on = on_date

    @transition(field=state, source=S.SUBMITTED, target=S.IN_REVIEW, permission=allowed("start_review"))
    def start_review(self, *, reviewer) -> None:
        self.holder = reviewer

    @transition(field=state, source=S.IN_REVIEW, target=S.IN_REVIEW, permission=allowed("take_over"))
    def take_over(self, *, reviewer) -> None:
        """Another reviewer takes the case from its holder (the service records why)."""
        self.holder = reviewer

    @transition(
        field=state,
        source=S.IN_REVIEW,
        target=S.APPROVED,
        permission=allowed("approve"),
        conditions=[green_channel_case, checklist_ticked, quota_hold_active, policy_in_force],
    )
    def approve(self, *, on_date) -> None:
        self.holder = None
        self.sla_started_on = on_date
        self.reviewed_at = timezone.now()

    @transition(field=state, source=S.IN_REVIEW, target=S.REJECTED, permission=allowed("reject"))
    def reject(self, *, reason: str) -> None:
        self.reject_reason = reason
        self.holder = None
        self.reviewed_at = timezone.now()

    @transition(field=state, source=S.IN_REVIEW, target=S.RETURNED, permission=allowed("return_to_applicant"))
    def return_to_applicant(self, *, on_date) -> None:
        self.review_paused_on = on_date

    @transition(field=state, source=S.RETURNED, target=S.IN_REVIEW, permission=allowed("resubmit"))
    def resubmit(self, *, paused_days: int) -> None:
        self.review_paused_days += paused_days
        self.review_paused_on = None

    @transition(field=state, source=OPEN_BEFORE_ARRANGEMENT, target=S.WITHDRAWN, permission=allowed("withdraw"))
    def withdraw(self) -> None:
        self.holder = None

    @transition(field=state, source=OPEN_BEFORE_ARRANGEMENT, target=S.CANCELLED, permission=allowed("cancel"))
    def cancel(self) -> None:
        self.holder = None

    @transition(
        field=state,
        source=S.APPROVED,
        target=S.DISPATCHED,
        permission=allowed("dispatch"),
        conditions=[green_channel_case],
    )
    def dispatch(self, *, provider) -> None:
        self.provider = provider
        self.holder = None

    @transition(field=state, source=HELD_BY_PROVIDER, target=S.DISPATCHED, permission=allowed("redispatch"))
    def redispatch(self, *, provider) -> None:
        self.provider = provider

    @transition(field=state, source=S.DISPATCHED, target=S.ACCEPTED, permission=allowed("provider_accept"))
    def provider_accept(self) -> None:
        pass

    @transition(field=state, source=HELD_BY_PROVIDER, target=S.APPROVED, permission=allowed("provider_decline"))
    def provider_decline(self) -> None:
        self.provider = None

    @transition(
        field=state,
        source=HELD_BY_PROVIDER,
        target=S.WAITING_CUSTOMER,
        permission=allowed("await_customer"),
    )
    def await_customer(self, *, on_date) -> None:
        self.resume_state = self.state
        self.sla_paused_on = on_date

    @transition(
        field=state,
        source=S.WAITING_CUSTOMER,
        # Back to whichever provider state the case was waiting in.
        target=RETURN_VALUE(*HELD_BY_PROVIDER),
        permission=allowed("customer_replied"),
    )
    def customer_replied(self, *, paused_days: int) -> str:
        self.sla_paused_days += paused_days
        self.sla_paused_on = None
        resume, self.resume_state = self.resume_state or S.DISPATCHED, ""
        return resume

    # Accept comes before arrange (issue 16): a provider that has not taken the case on cannot
    # have arranged it.
    @transition(
        field=state,
        source=S.ACCEPTED,
        target=S.ARRANGED,
        permission=allowed("arrange"),
        conditions=[doctor_title_fits_service],
    )
    def arrange(self) -> None:
        """The arrangement fields are set before the condition check; the clock stops here."""
        self.sla_stopped_at = timezone.now()

    @transition(field=state, source=S.ARRANGED, target=S.COMPLETED, permission=allowed("complete"))
    def complete(self) -> None:
        pass

    @transition(field=state, source=[S.ARRANGED, S.COMPLETED, S.PAID], target=S.CLOSED, permission=allowed("close"))
    def close(self) -> None:
        self.holder = None

    @transition(
        field=state,
        source=S.IN_REVIEW,
        target=S.CLAIM_APPROVED,
        permission=allowed("claim_approve"),
        conditions=[reimbursement_case, invoice_attached, approved_amount_within_cap],
    )
    def claim_approve(self) -> None:
        self.holder = None
        self.reviewed_at = timezone.now()

    @transition(field=state, source=S.CLAIM_APPROVED, target=S.PAID, permission=allowed("pay"))
    def pay(self) -> None:
        self.sla_stopped_at = timezone.now()

    # "医院内特殊情况除外": the breach stays a breach in the plain figures; the exemption is a mark
    # beside it. The state does not change (the transition returns the state it found).
    @_in_place(LATE_POSSIBLE, permission=allowed("sla_exempt"), conditions=[clock_late, not_exempt])
    def sla_exempt(self, *, reason: str, by) -> None:
        self.sla_exempt_reason = reason
        self.sla_exempt_at = timezone.now()
        self.sla_exempt_by = by

    @_in_place(LATE_POSSIBLE, permission=allowed("sla_exempt_revoke"), conditions=[exempt])
    def sla_exempt_revoke(self) -> None:
        self.sla_exempt_reason = ""
        self.sla_exempt_at = None
        self.sla_exempt_by = None

    @transition(field=state, source=MISUSE_STOPPABLE, target=S.MISUSE_STOPPED, permission=allowed("misuse_stop"))
    def misuse_stop(self) -> None:
        """第二章 1: stopped at once; the service keeps the quota and the recovery record straight."""
        self.holder = None


_QUEUE_HOLDERS = {
    S.SUBMITTED: "医学审核队列",
    S.IN_REVIEW: "医学审核",
    S.RETURNED: "申请人（补充材料）",
    S.APPROVED: "调度协调（待派单）",
    S.WAITING_CUSTOMER: "客户（待反馈）",
    S.ARRANGED: "调度协调（待结案）",
    S.COMPLETED: "调度协调（待结案）",
    S.CLAIM_APPROVED: "120补贴支付",
    S.PAID: "调度协调（待结案）",
}


class Recovery(models.Model):
    """追偿: 第二章 1 "本公司有权立即拒绝提供本服务并保留追偿的权利". One per case stopped as misuse;
    its status is changed in the admin and every change is audited."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待追偿")
        RECOVERED = "recovered", _("已追偿")
        WAIVED = "waived", _("无需追偿")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="recovery", verbose_name=_("案件"))
    status = models.CharField(_("追偿状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(
        _("追偿金额（元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    finding = models.TextField(_("查明情况"))
    note = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("登记人"),
        db_index=False,  # never looked up by the person who recorded it
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("追偿记录")
        verbose_name_plural = _("追偿记录")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_status_display()}"


class CaseEvent(models.Model):
    """One line of a case's timeline: a transition, a note, a document or a warning."""

    class Kind(models.TextChoices):
        TRANSITION = "transition", _("状态变更")
        NOTE = "note", _("备注")
        DOCUMENT = "document", _("上传材料")
        WARNING = "warning", _("提醒")
        DUE_CHANGE = "due_change", _("时限重算")
        MESSAGE = "message", _("客户消息")

    # No index of its own: caseevent_case_at_idx (case, at) begins with it.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("案件"), db_index=False
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.TRANSITION)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    transition = models.CharField(_("操作"), max_length=32, blank=True)
    from_state = models.CharField(_("原状态"), max_length=20, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=CaseState.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at_idx"),
            # The review decision of each case, one index probe instead of reading the case's timeline
            # (the backfill of Case.reviewed_at reads it; the reports now read reviewed_at itself).
            models.Index(
                fields=["case", "at"],
                condition=models.Q(from_state=CaseState.IN_REVIEW, to_state__in=REVIEW_DECISIONS),
                name="caseevent_review_decision_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.transition}"


class DocumentKind(models.TextChoices):
    MEDICAL_RECORD = "medical_record", _("病历资料")
    ADMISSION_SLIP = "admission_slip", _("住院单")
    INVOICE = "invoice", _("发票")
    OTHER = "other", _("其他")


def _document_path(instance: "Document", filename: str) -> str:
    # The customer's file name never reaches the disk: it may carry a name or an ID number.
    now = timezone.localtime()
    return f"cases/{now:%Y/%m}/{instance.sha256}-{now:%H%M%S%f}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("案件"))
    kind = models.CharField(_("类型"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=_document_path, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件格式"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("上传人"),
    )
    at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("案件材料")
        verbose_name_plural = _("案件材料")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class Dispatch(models.Model):
    """Every dispatch of a case to a provider; a re-dispatch deactivates the previous one."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dispatches", verbose_name=_("案件"))
    provider = models.ForeignKey(
        "providers.Provider", on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("服务商")
    )
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("派单人"),
    )
    note = models.TextField(_("派单说明"), blank=True)
    at = models.DateTimeField(_("派单时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    declined_at = models.DateTimeField(_("拒单时间"), null=True, blank=True)
    decline_reason = models.CharField(_("拒单原因"), max_length=255, blank=True)
    active = models.BooleanField(_("当前有效"), default=True)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["provider", "active"], name="dispatch_provider_active_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(active=True), name="dispatch_one_active_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.provider}"


class IntakeKey(models.Model):
    """One submission of a request form or API call, by its sender's key: a form sent twice (Back,
    a double click, a retry after a timeout) finds the first one's case instead of creating another
    (issue 15 item 5; two cases 0.6 s apart each held a quota unit). Written in the submission's
    transaction, so a refused submission leaves no key and may be sent again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("提交人"), db_index=False
    )
    key = models.CharField(_("提交标识"), max_length=64)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, related_name="+", verbose_name=_("案件"), db_index=False
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("提交标识")
        verbose_name_plural = _("提交标识")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="intakekey_user_key_unique")]

    def __str__(self) -> str:
        return self.key
