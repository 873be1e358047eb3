"""The intake request, shared by the WeChat API and the hotline's admin form: one set of rules."""

import base64
import binascii
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.settings import api_settings

from cases.clock import clock_figures
from cases.models import (
    ApplicantRelation,
    Case,
    CaseState,
    Channel,
    DocumentKind,
    HospitalLevel,
    HospitalOwnership,
    RejectReason,
)
from cases.services import DocumentUpload
from cases.services.intake_keys import intake_lookup
from config.i18n import choice_label
from entitlements.catalog_cache import intake_service
from entitlements.models import CriticalIllness, Enrollment, Service
from entitlements.models.catalog import ServiceKind
from entitlements.models.people import PHONE_FORMAT_ERROR, normalize_id_number, phone_is_valid, validate_id_number


def _not_past(value):
    from cases.sla import local_today

    if value is not None and value < local_today():
        raise serializers.ValidationError(f"期望日期不能早于今天（{local_today():%Y-%m-%d}）")
    return value


class DocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices, help_text=_("材料类型"))
    name = serializers.CharField(max_length=255, help_text=_("原文件名，如 病历.pdf"))
    content_base64 = serializers.CharField(help_text=_("文件内容，Base64 编码；仅接受 PDF、JPEG、PNG（按内容识别）"))

    def validate_content_base64(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError(_("不是有效的 Base64 编码")) from exc


class IntakeServiceField(serializers.SlugRelatedField):
    """A requestable service by code, read from the process's catalogue (``entitlements.catalog_cache``);
    an unknown code gets DRF's own refusal."""

    def to_internal_value(self, data):
        service = intake_service(data) if isinstance(data, str) else None
        return service if service is not None else super().to_internal_value(data)


class CaseIntakeSerializer(serializers.Serializer):
    """The request's fields (and its schema); validated by ``intake_request`` below."""

    beneficiary_id_number = serializers.CharField(
        max_length=18, help_text=_("服务对象（被保险人或指定直系亲属）身份证号")
    )
    service = IntakeServiceField(
        slug_field="code", queryset=Service.objects.exclude(kind=ServiceKind.USAGE), help_text=_("服务项目代码")
    )
    enrollment = serializers.PrimaryKeyRelatedField(
        # Read by intake_lookup with its policy and edition, which every entitlement check reads.
        queryset=Enrollment.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("使用的权益；留空由系统选择有余量的权益"),
    )
    applicant_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    applicant_relation = serializers.ChoiceField(choices=ApplicantRelation.choices, default=ApplicantRelation.SELF)
    applicant_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    province = serializers.CharField(max_length=32, required=False, allow_blank=True)
    city = serializers.CharField(max_length=32)
    preferred_hospital = serializers.CharField(max_length=128, required=False, allow_blank=True)
    hospital_is_top50 = serializers.BooleanField(default=False, help_text=_("意向医院为全国排名前50三甲医院"))
    preferred_department = serializers.CharField(max_length=64, required=False, allow_blank=True)
    preferred_date_from = serializers.DateField(required=False, allow_null=True)
    preferred_date_to = serializers.DateField(required=False, allow_null=True)
    named_expert = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text=_("仅无忧管家可指定")
    )
    diagnosis = serializers.CharField(max_length=255, required=False, allow_blank=True)
    critical_illness = serializers.SlugRelatedField(
        slug_field="code",
        queryset=CriticalIllness.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text=_("重症疾病代码（重症疾病范围列表）"),
    )
    suspected = serializers.BooleanField(default=False, help_text=_("疑似重疾"))
    diagnosing_hospital = serializers.CharField(max_length=128, required=False, allow_blank=True)
    diagnosing_hospital_level = serializers.ChoiceField(choices=HospitalLevel.choices, required=False, allow_null=True)
    diagnosing_hospital_ownership = serializers.ChoiceField(
        choices=HospitalOwnership.choices, required=False, allow_blank=True
    )
    claimed_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )
    claim_fee_kinds = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text=_("120急救补贴的费用类型：出车费、出诊费、急救费、其他急救费用"),
    )
    # max_length is checked before any document is decoded (the stubs do not know ListSerializer's).
    documents = DocumentSerializer(  # type: ignore[call-arg]
        many=True,
        required=False,
        default=list,
        max_length=settings.DOCUMENTS_PER_REQUEST,
        help_text=_("至多 DOCUMENTS_PER_REQUEST 个"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    confirm_duplicate = serializers.BooleanField(
        default=False, help_text=_("该服务对象已有同一服务的办理中案件时，确认仍要再申请")
    )

    def run_validation(self, data=empty):
        return intake_request(data).data


# --- validating a request -----------------------------------------------------------------------------
# The declared fields above are the request's rules (and its schema). A request is validated against
# them as they stand on the class, not through a serializer instance: DRF deep-copies every declared
# field for each instance (about 470 copies a submission), and the lookups are read in one statement
# (``intake_lookup``) instead of one each. The fields' own messages are the ones answered.

FIELDS = CaseIntakeSerializer._declared_fields


def _phone(value: str) -> str:
    value = (value or "").strip()
    if value and not phone_is_valid(value):
        raise serializers.ValidationError(PHONE_FORMAT_ERROR)
    return value


FIELD_RULES = {"applicant_phone": _phone, "preferred_date_from": _not_past, "preferred_date_to": _not_past}


def _id_number(value: str) -> str:
    value = normalize_id_number(value)
    try:
        validate_id_number(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_("身份证号格式或校验位不正确")) from exc
    return value


def _enrollment_pk(value) -> int | None:
    """The enrollment's primary key as sent, refused as PrimaryKeyRelatedField refuses it."""
    field = FIELDS["enrollment"]
    if value in ("", None):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        pk = Enrollment._meta.pk.get_prep_value(value)
    except (TypeError, ValueError):
        field.fail("incorrect_type", data_type=type(value).__name__)
    if not -(2**63) <= pk < 2**63:
        field.fail("does_not_exist", pk_value=value)
    return pk


class IntakeRequest:
    """A validated intake request: ``data`` as the serializer would have validated it, and the
    person's open cases of the service (the duplicate check's) read with the person."""

    def __init__(self, data: dict, open_cases: list[Case] | None) -> None:
        self.data = data
        self.open_cases = open_cases

    @property
    def confirmed(self) -> bool:
        return self.data["confirm_duplicate"]

    def submit_arguments(self, *, extra_documents: Sequence[DocumentUpload] = ()) -> dict:
        """Keyword arguments for ``case_submit`` from the validated request."""
        data = dict(self.data)
        data.pop("confirm_duplicate", None)
        documents = [
            DocumentUpload(kind=d["kind"], content=d["content_base64"], name=d["name"]) for d in data.pop("documents")
        ]
        arguments = {key: value for key, value in data.items() if value not in (None, "")}
        arguments["beneficiary"] = arguments.pop("beneficiary_id_number")
        arguments["documents"] = [*documents, *extra_documents]
        return arguments


def intake_request(data) -> IntakeRequest:
    """Validate an intake request (the API's JSON body, the hotline form's cleaned data): raises
    DRF's ValidationError with ``{field: [reasons]}``, as ``CaseIntakeSerializer.is_valid`` would."""
    if not isinstance(data, Mapping):
        message = CaseIntakeSerializer.default_error_messages["invalid"].format(datatype=type(data).__name__)
        raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="invalid")
    validated: dict = {}
    errors: dict = {}
    for name, field in FIELDS.items():
        value = data.get(name, empty)
        try:
            if name == "documents":
                if value is empty:
                    validated[name] = []
                    continue
                # Only with documents: a bound copy of the nested list, for its per-item errors.
                field = CaseIntakeSerializer().fields[name]
            elif name == "enrollment":
                if value is not empty:
                    validated[name] = _enrollment_pk(value)
                continue
            value = field.run_validation(value)
            rule = _id_number if name == "beneficiary_id_number" else FIELD_RULES.get(name)
            validated[name] = rule(value) if rule else value
        except serializers.ValidationError as exc:
            errors[name] = exc.detail
        except DjangoValidationError as exc:
            errors[name] = get_error_detail(exc)
        except SkipField:
            pass
    id_number = None if "beneficiary_id_number" in errors else validated.get("beneficiary_id_number")
    enrollment_pk = validated.get("enrollment")
    open_cases = None
    if id_number is not None or enrollment_pk is not None:
        service = validated.get("service")
        found = intake_lookup(
            id_number=id_number, enrollment_id=enrollment_pk, service_id=service.pk if service else None
        )
        if id_number is not None:
            if found.person is None:
                errors["beneficiary_id_number"] = [_("未找到该证件号对应的客户")]
            validated["beneficiary_id_number"] = found.person
        if enrollment_pk is not None:
            if found.enrollment is None:
                try:
                    FIELDS["enrollment"].fail("does_not_exist", pk_value=data.get("enrollment"))
                except serializers.ValidationError as exc:
                    errors["enrollment"] = exc.detail
            validated["enrollment"] = found.enrollment
        open_cases = found.open_cases
    if errors:
        raise serializers.ValidationError(errors)
    _cross_check(validated)
    return IntakeRequest(validated, open_cases)


def _cross_check(attrs: dict) -> None:
    enrollment = attrs.get("enrollment")
    person = attrs["beneficiary_id_number"]
    if (
        enrollment is not None
        and enrollment.insured_id != person.pk
        and not enrollment.designations.filter(member=person).exists()
    ):
        raise serializers.ValidationError({"enrollment": ["该权益不属于此服务对象"]})
    start, end = attrs.get("preferred_date_from"), attrs.get("preferred_date_to")
    if start and end and end < start:
        raise serializers.ValidationError({"preferred_date_to": ["期望日期至不能早于期望日期自"]})


MONEY = {"max_digits": 10, "decimal_places": 2, "allow_null": True, "read_only": True}


class CaseSerializer(serializers.Serializer):
    """A case as the API shows it. Fields are declared, not derived from the model, so answering
    costs no model introspection per response (every submission returns one)."""

    number = serializers.CharField(label=_("案件编号"), read_only=True)
    channel = serializers.ChoiceField(label=_("渠道"), choices=Channel.choices, read_only=True)
    state = serializers.ChoiceField(label=_("状态"), choices=CaseState.choices, read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    service = serializers.CharField(label=_("服务项目代码"), source="service.code", read_only=True)
    service_name = serializers.CharField(source="service.name", read_only=True)
    enrollment = serializers.IntegerField(label=_("权益"), source="enrollment_id", read_only=True)
    holder = serializers.CharField(source="holder_display", read_only=True)
    city = serializers.CharField(label=_("城市"), read_only=True)
    preferred_hospital = serializers.CharField(label=_("意向医院"), read_only=True)
    claimed_amount = serializers.DecimalField(
        label=_("申请金额（元）"), max_digits=10, decimal_places=2, allow_null=True, read_only=True
    )
    approved_amount = serializers.DecimalField(
        label=_("核定金额（元）"), max_digits=10, decimal_places=2, allow_null=True, read_only=True
    )
    review_due = serializers.DateField(label=_("审核应完成日"), allow_null=True, read_only=True)
    sla_target_due = serializers.DateField(label=_("目标完成日"), allow_null=True, read_only=True)
    sla_deadline_due = serializers.DateField(label=_("最迟完成日"), allow_null=True, read_only=True)
    sla_started_on = serializers.SerializerMethodField(help_text=_("时效启动日"))
    sla_stopped_on = serializers.SerializerMethodField(help_text=_("时效停止日（安排结果或补贴支付之日）"))
    sla_paused_days = serializers.SerializerMethodField(help_text=_("时效暂停的工作日数（等待客户反馈）"))
    sla_used_working_days = serializers.SerializerMethodField(help_text=_("已用工作日（停止或暂停后不再增加）"))
    # 暂定: the due date was counted over a year computed from the law, not the State Council's schedule.
    review_provisional = serializers.BooleanField(label=_("审核应完成日暂定"), read_only=True)
    sla_target_provisional = serializers.BooleanField(label=_("目标完成日暂定"), read_only=True)
    sla_provisional = serializers.BooleanField(
        label=_("最迟完成日暂定"), source="sla_deadline_provisional", read_only=True
    )
    submitted_at = serializers.DateTimeField(label=_("提交时间"), allow_null=True, read_only=True)
    # "医院内特殊情况除外": the breach's hospital-side reason, when a coordinator exempted it.
    sla_exempt_reason = serializers.CharField(label=_("时效豁免原因"), read_only=True)
    sla_exempt_at = serializers.DateTimeField(label=_("时效豁免时间"), allow_null=True, read_only=True)
    reject_reason = serializers.ChoiceField(
        label=_("不通过原因"), choices=RejectReason.choices, allow_blank=True, read_only=True
    )
    reject_reason_label = serializers.CharField(source="get_reject_reason_display", read_only=True)
    message_to_applicant = serializers.SerializerMethodField(help_text=_("退回补充材料时审核人员写给申请人的说明"))
    documents = serializers.SerializerMethodField()

    def _clock(self, case: Case) -> dict:
        # One computation per case, shared by the four fields (cases.clock: the figures every surface shows).
        cache = self._clock_cache = getattr(self, "_clock_cache", {})
        if case.pk not in cache:
            cache[case.pk] = clock_figures(case, today=timezone.localdate()).as_api()
        return cache[case.pk]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_sla_started_on(self, case: Case) -> str | None:
        return self._clock(case)["sla_started_on"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_sla_stopped_on(self, case: Case) -> str | None:
        return self._clock(case)["sla_stopped_on"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_sla_paused_days(self, case: Case) -> int | None:
        return self._clock(case)["sla_paused_days"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_sla_used_working_days(self, case: Case) -> int | None:
        return self._clock(case)["sla_used_working_days"]

    def get_message_to_applicant(self, case: Case) -> str:
        return _message_to_applicant(case)

    def get_documents(self, case: Case) -> list[dict]:
        return _documents(case, no_documents=bool(self.context.get("no_documents")))

    def to_representation(self, instance: Case) -> dict:
        return case_body(instance, no_documents=bool(self.context.get("no_documents")))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.01')):f}"


def _day(value) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value) -> str | None:
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _message_to_applicant(case: Case) -> str:
    if case.state != "returned":
        return ""
    event = case.events.filter(transition="return_to_applicant").order_by("-at", "-id").first()
    return event.note if event else ""


def _documents(case: Case, *, no_documents: bool) -> list[dict]:
    if no_documents:  # a submission that sent none: nothing to look up
        return []
    return [{"kind": d.kind, "name": d.original_name, "size": d.size} for d in case.documents.all()]


def case_body(case: Case, *, no_documents: bool = False) -> dict:
    """A case as the API shows it: ``CaseSerializer``'s fields, rendered as DRF renders them, written
    out once (a submission answers with one; a test holds the two equal)."""
    clock = clock_figures(case, today=timezone.localdate()).as_api()
    return {
        "number": case.number,
        "channel": case.channel,
        "state": case.state,
        "state_label": case.state_label,
        "service": case.service.code,
        "service_name": case.service.name,
        "enrollment": case.enrollment_id,
        "holder": case.holder_display,
        "city": case.city,
        "preferred_hospital": case.preferred_hospital,
        "claimed_amount": _money(case.claimed_amount),
        "approved_amount": _money(case.approved_amount),
        "review_due": _day(case.review_due),
        "sla_target_due": _day(case.sla_target_due),
        "sla_deadline_due": _day(case.sla_deadline_due),
        "sla_started_on": clock["sla_started_on"],
        "sla_stopped_on": clock["sla_stopped_on"],
        "sla_paused_days": clock["sla_paused_days"],
        "sla_used_working_days": clock["sla_used_working_days"],
        "review_provisional": bool(case.review_provisional),
        "sla_target_provisional": bool(case.sla_target_provisional),
        "sla_provisional": bool(case.sla_deadline_provisional),
        "submitted_at": _moment(case.submitted_at),
        "sla_exempt_reason": case.sla_exempt_reason,
        "sla_exempt_at": _moment(case.sla_exempt_at),
        "reject_reason": case.reject_reason,
        "reject_reason_label": choice_label(RejectReason, case.reject_reason),
        "message_to_applicant": _message_to_applicant(case),
        "documents": _documents(case, no_documents=no_documents),
    }
