"""Forms behind the case actions of the workflow table (``cases.workflow``) and the hotline intake form.

Each action form only collects input; ``run`` hands it to the row's service, so the admin, the
board, the APIs and the tasks share one path (django-fsm-2's stock admin buttons would call the transition directly
and skip the ledger, the history and the notifications)."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from cases import arrangement, services
from cases.models import DocumentKind, RejectReason
from cases.services.intake import RESUBMIT_EMPTY
from cases.services.review import CHECKLIST_FIELDS
from providers.models import Provider

if TYPE_CHECKING:
    from cases.api.serializers import IntakeRequest


def _upload(file: UploadedFile, kind: str) -> services.DocumentUpload:
    return services.DocumentUpload(kind=kind, content=file.read(), name=file.name or kind)


class DocumentFileField(forms.FileField):
    """A file whose size is checked from the upload's metadata, before its bytes are read."""

    def validate(self, value) -> None:
        super().validate(value)
        if value and value.size > settings.DOCUMENT_MAX_BYTES:
            limit = settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"{value.name}：文件超过 {limit} MB 上限")


class ActionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:
            self.for_case(case)
        # The decision's own fields first (checklist, reason, provider…), the free-text note last.
        self.order_fields([name for name in self.fields if name != "note"])

    def for_case(self, case) -> None:
        """Fit the form to the case (an arrangement shows only its service's fields)."""

    def run(self, *, case, actor, service: Callable, **extra):
        data = self.cleaned_data
        return service(case=case, actor=actor, expected_state=data["expected_state"], **extra)


class NoteActionForm(ActionForm):
    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, note=self.cleaned_data["note"], **extra)


class StartReviewForm(ActionForm):
    note = None  # type: ignore[assignment]  # this decision takes no free-text note


class TakeOverForm(ActionForm):
    note = None  # type: ignore[assignment]  # the reason is the note
    reason = forms.CharField(label=_("接手原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    # The holder the reviewer saw: someone else taking the case over meanwhile is a conflict.
    expected_holder = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def for_case(self, case) -> None:
        self.fields["expected_holder"].initial = case.holder_id

    def run(self, *, case, actor, service: Callable, **extra):
        data = self.cleaned_data
        return super().run(
            case=case, actor=actor, service=service, reason=data["reason"], expected_holder=data["expected_holder"]
        )


class ApproveForm(NoteActionForm):
    check_hospital_level = forms.BooleanField(label=_("二级及以上公立医院诊断"), required=False)
    check_specialist_diagnosis = forms.BooleanField(label=_("专科医生诊断"), required=False)
    check_disease_listed = forms.BooleanField(label=_("疾病在重症疾病范围列表内（或服务允许的疑似）"), required=False)
    check_documents_complete = forms.BooleanField(label=_("材料齐全"), required=False)

    def run(self, *, case, actor, service: Callable, **extra):
        checklist = {name: self.cleaned_data[name] for name in CHECKLIST_FIELDS}
        return super().run(case=case, actor=actor, service=service, checklist=checklist)


class RejectForm(NoteActionForm):
    reason = forms.ChoiceField(label=_("不通过原因"), choices=[("", _("请选择")), *RejectReason.choices])
    service_fields = {"reject_reason": "reason"}

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, reason=self.cleaned_data["reason"])


class ReturnForm(ActionForm):
    note = None  # type: ignore[assignment]  # this decision takes no free-text note
    message = forms.CharField(label=_("需要申请人补充的内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, message=self.cleaned_data["message"])


class ResubmitForm(NoteActionForm):
    document = DocumentFileField(label=_("补充材料"), required=False)
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices, initial=DocumentKind.MEDICAL_RECORD)
    service_fields = {"documents": "document"}

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("document") and not (data.get("note") or "").strip():
            self.add_error("document", RESUBMIT_EMPTY)
        return data

    def run(self, *, case, actor, service: Callable, **extra):
        file = self.cleaned_data.get("document")
        documents = [_upload(file, self.cleaned_data["kind"])] if file else []
        return super().run(case=case, actor=actor, service=service, documents=documents)


class DispatchForm(NoteActionForm):
    provider = forms.ModelChoiceField(label=_("服务商"), queryset=Provider.objects.filter(active=True))
    note = forms.CharField(label=_("派单说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, provider=self.cleaned_data["provider"])


class RedispatchForm(DispatchForm):
    provider = forms.ModelChoiceField(label=_("改派给"), queryset=Provider.objects.filter(active=True))
    note = forms.CharField(label=_("改派原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ProviderReportForm(NoteActionForm):
    """What the provider did, recorded by the provider API or by a coordinator it phoned."""

    note = forms.CharField(
        label=_("说明"), required=False, initial="电话回报", widget=forms.Textarea(attrs={"rows": 2})
    )


class DeclineForm(ActionForm):
    note = None  # type: ignore[assignment]  # this decision takes no free-text note
    reason = forms.CharField(label=_("拒单原因"), max_length=255, widget=forms.Textarea(attrs={"rows": 2}))

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, reason=self.cleaned_data["reason"])


class ArrangeForm(ProviderReportForm):
    """The arrangement of the case's service: its own fields only (cases.arrangement)."""

    # The service names an arrangement's refusals by the case's field (arranged_hospital…).
    service_fields = {spec.case_field: name for name, spec in arrangement.INPUTS.items()}

    def for_case(self, case) -> None:
        arrangement.add_form_fields(self, case.service)

    def run(self, *, case, actor, service: Callable, **extra):
        values = {name: self.cleaned_data[name] for name in arrangement.NAMES if name in self.cleaned_data}
        values = {name: value for name, value in values.items() if value not in ("", None)}
        return super().run(case=case, actor=actor, service=service, **values)


class ClaimApproveForm(NoteActionForm):
    amount = forms.DecimalField(label=_("核定金额（元）"), max_digits=10, decimal_places=2, min_value=0)
    service_fields = {"approved_amount": "amount"}

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, amount=self.cleaned_data["amount"])


class CancelForm(NoteActionForm):
    note = forms.CharField(label=_("取消原因"), widget=forms.Textarea(attrs={"rows": 2}))


class SlaExemptForm(ActionForm):
    note = None  # type: ignore[assignment]  # the reason is the note
    reason = forms.CharField(
        label=_("院方原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("医院内特殊情况（如停诊、床位、专家临时出诊变更），不超过 500 字"),
        error_messages={"required": _("请填写院方原因（豁免须说明原因）"), "max_length": _("原因不能超过 500 字")},
    )

    def run(self, *, case, actor, service: Callable, **extra):
        return super().run(case=case, actor=actor, service=service, reason=self.cleaned_data["reason"])


class SlaExemptRevokeForm(SlaExemptForm):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写撤销豁免的原因"), "max_length": _("原因不能超过 500 字")},
    )


class MisuseStopForm(NoteActionForm):
    finding = forms.CharField(
        label=_("查明情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("服务使用人非被保险人本人或其直系亲属的查明经过（第二章 1）"),
        error_messages={"required": _("请填写查明情况（服务使用人与被保险人的关系）")},
    )
    amount = forms.DecimalField(label=_("追偿金额（元）"), max_digits=10, decimal_places=2, min_value=0, required=False)

    def run(self, *, case, actor, service: Callable, **extra):
        data = self.cleaned_data
        return super().run(case=case, actor=actor, service=service, finding=data["finding"], amount=data["amount"])


class AwaitCustomerForm(NoteActionForm):
    note = forms.CharField(label=_("需要客户反馈的内容"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("备注"), widget=forms.Textarea(attrs={"rows": 2}))


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    document = DocumentFileField(label=_("文件"))
    service_fields = {"documents": "document"}

    def upload(self) -> services.DocumentUpload:
        return _upload(self.cleaned_data["document"], self.cleaned_data["kind"])


def _text(label: StrOrPromise, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, **kwargs)


class HotlineIntakeForm(forms.Form):
    """The hotline's request form. It only renders the fields: the rules are the intake API's
    serializer and ``case_submit``, so a phone request and a WeChat request are judged alike."""

    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=[("hotline", _("95500热线")), ("backoffice", _("后台录入"))],
        help_text=_("重疾绿通类服务热线不受理：请引导客户通过微信公众号自助提交；客户已交来病史资料的选“后台录入”"),
    )
    beneficiary_id_number = _text(_("服务对象身份证号"), max_length=18)
    service = forms.ChoiceField(label=_("服务项目"), required=False)
    enrollment = _text(_("权益编号"), help_text=_("留空由系统选择有余量的权益"))
    applicant_name = _text(_("申请人"), max_length=64, help_text=_("本人申请可留空"))
    applicant_relation = forms.ChoiceField(label=_("申请人与服务对象关系"), required=False)
    applicant_phone = _text(_("申请人电话"), max_length=32)
    province = _text(_("省份"), max_length=32)
    city = _text(_("城市"), max_length=32)
    preferred_hospital = _text(_("意向医院"), max_length=128)
    hospital_is_top50 = forms.BooleanField(label=_("全国前50三甲医院"), required=False)
    preferred_department = _text(_("意向科室"), max_length=64)
    preferred_date_from = _text(_("期望日期自"), widget=forms.DateInput(attrs={"type": "date"}))
    preferred_date_to = _text(_("期望日期至"), widget=forms.DateInput(attrs={"type": "date"}))
    named_expert = _text(_("指定专家（仅无忧管家）"), max_length=64)
    diagnosis = _text(_("诊断"), max_length=255)
    critical_illness = forms.ChoiceField(label=_("重症疾病"), required=False)
    suspected = forms.BooleanField(label=_("疑似重疾"), required=False)
    diagnosing_hospital = _text(_("诊断医院"), max_length=128)
    diagnosing_hospital_level = forms.ChoiceField(label=_("诊断医院等级"), required=False)
    diagnosing_hospital_ownership = forms.ChoiceField(label=_("诊断医院性质"), required=False)
    claimed_amount = _text(_("申请金额（元，120补贴）"), help_text=_("单次最高报销 200 元，超出时提醒"))
    claim_fee_kinds = forms.MultipleChoiceField(
        label=_("费用类型（120补贴）"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = _text(_("备注"), widget=forms.Textarea(attrs={"rows": 2}))
    medical_record = DocumentFileField(label=_("病历资料"), required=False)
    admission_slip = DocumentFileField(label=_("住院单"), required=False)
    invoice = DocumentFileField(label=_("发票"), required=False)
    other = DocumentFileField(label=_("其他材料"), required=False)

    # The person chosen on the inquiry page, by record: the full ID number stays out of the page.
    beneficiary = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # One key per form shown: sent twice (Back, a double click, a retry), it finds the first case.
    intake_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("仍要申请"), required=False, help_text=_("该客户已有同一服务的办理中案件时，确认这是另一次申请")
    )

    FILE_KINDS = ("medical_record", "admission_slip", "invoice", "other")
    FORM_ONLY = ("channel", "beneficiary", "intake_key", "confirm_duplicate")

    def __init__(self, *args, **kwargs) -> None:
        from cases.models import ApplicantRelation, HospitalLevel, HospitalOwnership
        from entitlements.models import CriticalIllness, Service
        from entitlements.models.catalog import ServiceKind

        super().__init__(*args, **kwargs)
        services_ = Service.objects.exclude(kind=ServiceKind.USAGE).values_list("code", "name")
        illnesses = CriticalIllness.objects.filter(active=True).values_list("code", "name")
        for name, choices in (
            ("service", [("", _("请选择")), *services_]),
            ("applicant_relation", ApplicantRelation.choices),
            ("critical_illness", [("", "—"), *illnesses]),
            ("diagnosing_hospital_level", [("", "—"), *HospitalLevel.choices]),
            ("diagnosing_hospital_ownership", [("", "—"), *HospitalOwnership.choices]),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 - narrows the type for mypy
            field.choices = choices
        fee_kinds = [kind for kinds in Service.objects.values_list("claim_fee_kinds", flat=True) for kind in kinds]
        fee_field = self.fields["claim_fee_kinds"]
        assert isinstance(fee_field, forms.MultipleChoiceField)  # noqa: S101 - narrows the type for mypy
        fee_field.choices = [(kind, kind) for kind in dict.fromkeys(fee_kinds)]
        self.intake: IntakeRequest | None = None

    def _serializer_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.FILE_KINDS + self.FORM_ONLY}
        if self.cleaned_data.get("beneficiary") and not data.get("beneficiary_id_number"):
            from entitlements.models import Person

            person = Person.objects.filter(pk=self.cleaned_data["beneficiary"]).first()
            if person is not None:
                data["beneficiary_id_number"] = person.id_number
        return {k: v for k, v in data.items() if v not in ("", None)}

    def fingerprint_data(self) -> dict:
        """The request as typed (files by name and size), to tell a replay from a different request."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in (*self.FILE_KINDS, "intake_key")}
        data["confirm_duplicate"] = False  # confirming after the warning is still the same request
        files = {k: (f.name, f.size) for k in self.FILE_KINDS if (f := self.cleaned_data.get(k))}
        return {**data, "files": files}

    def clean(self) -> dict:
        from rest_framework.exceptions import ValidationError

        from cases.api.serializers import intake_request

        cleaned = super().clean() or {}
        try:
            self.intake = intake_request(self._serializer_data())
        except ValidationError as exc:
            for field, messages in exc.detail.items():  # type: ignore[union-attr]
                self.add_error(field if field in self.fields else None, [str(m) for m in _flatten(messages)])
        return cleaned

    @property
    def open_cases(self) -> list | None:
        """The person's open cases of the service, read when the request was validated."""
        return self.intake.open_cases if self.intake else None

    def submit_arguments(self) -> dict:
        uploads = [_upload(self.cleaned_data[k], k) for k in self.FILE_KINDS if self.cleaned_data.get(k)]
        assert self.intake is not None  # noqa: S101 - clean() ran: the form is valid
        return self.intake.submit_arguments(extra_documents=uploads)


def _flatten(messages) -> list:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flatten(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flatten(value)]
    return [messages]
