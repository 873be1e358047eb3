"""What an arrangement records, service by service, as the catalogue's flags say.

Each service's row names the facts its arrangement records (``Service.arrangement_fields``) and
those it cannot go without (``arrangement_required``): 专家远程康复指导 is given by a 营养师, 康复师 or
心理咨询师; a written second opinion (二次诊疗) has no visit time; 异地就医协助安排 records the
transfers and the accommodation plan. The service checks them (``arrangement_errors``); the admin
form, the board form and the provider API only show and carry them.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from cases.models import DOCTOR_TITLES_FOR_EXPERT_SERVICES
from entitlements.models import Service
from entitlements.models.catalog import ArrangementField

A = ArrangementField
DOCTOR_TITLES = (*DOCTOR_TITLES_FOR_EXPERT_SERVICES, "主治医师", "住院医师")
GUIDANCE_MODES = ("书面", "电话")  # "以书面或电话形式进行专业康复指导"


@dataclass(frozen=True)
class Input:
    case_field: str
    label: StrOrPromise
    max_length: int | None = None
    multiline: bool = False


INPUTS: dict[str, Input] = {
    A.HOSPITAL: Input("arranged_hospital", _("医院"), 128),
    A.DEPARTMENT: Input("arranged_department", _("科室"), 64),
    A.DOCTOR: Input("arranged_doctor", _("医生/专家"), 64),
    A.DOCTOR_TITLE: Input("arranged_doctor_title", _("职称"), 32),
    A.ARRANGED_AT: Input("arranged_at", _("就诊/入院时间")),
    A.ADDRESS: Input("arranged_address", _("地址"), 255),
    A.SPECIALIST: Input("arranged_specialist", _("康复指导人员"), 16),
    A.GUIDANCE_MODE: Input("arranged_guidance_mode", _("指导形式"), 16),
    A.TRANSFERS: Input("arranged_transfers", _("专车接送安排"), multiline=True),
    A.ACCOMMODATION: Input("arranged_accommodation", _("就医当地住宿方案"), multiline=True),
    A.NURSE: Input("arranged_nurse", _("上门护士"), 64),
}
# The payload names of every arrangement input, in the order forms show them.
NAMES = tuple(INPUTS)


def fields_of(service: Service) -> list[str]:
    """The inputs of ``service``'s arrangement, in form order (a service without the flag: all
    visit fields, as before the catalogue said otherwise)."""
    wanted = set(service.arrangement_fields or [A.HOSPITAL, A.DEPARTMENT, A.DOCTOR, A.DOCTOR_TITLE, A.ARRANGED_AT])
    return [name for name in NAMES if name in wanted]


def _missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def arrangement_errors(*, service: Service, values: dict) -> dict[str, list[str]]:
    """Field errors (keyed by the case field) of an arrangement of ``service``, all at once."""
    errors: dict[str, list[str]] = {}
    # Inputs the service does not record are ignored, not refused: a provider's client may send
    # every field of the API whatever the service.
    fields = set(fields_of(service))
    values = {name: value for name, value in values.items() if name in fields}
    required = set(service.arrangement_required or [A.HOSPITAL, A.ARRANGED_AT])
    for name in NAMES:
        value = values.get(name)
        case_field = INPUTS[name].case_field
        if name in required and _missing(value):
            errors[case_field] = [f"「{service.name}」须填写{INPUTS[name].label}"]
    at = values.get(A.ARRANGED_AT)
    if isinstance(at, datetime) and timezone.is_naive(at):
        errors["arranged_at"] = ["时间须带时区"]
    specialist = values.get(A.SPECIALIST)
    allowed = service.arrangement_specialists
    if not _missing(specialist) and allowed and specialist not in allowed:
        errors["arranged_specialist"] = [f"「{service.name}」由{'、'.join(allowed)}指导，不接受“{specialist}”"]
    mode = values.get(A.GUIDANCE_MODE)
    if not _missing(mode) and mode not in GUIDANCE_MODES:
        errors["arranged_guidance_mode"] = [f"指导形式为{'或'.join(GUIDANCE_MODES)}"]
    if not _missing(values.get(A.DOCTOR_TITLE)) and values[A.DOCTOR_TITLE] not in DOCTOR_TITLES:
        errors["arranged_doctor_title"] = [f"职称应为{'、'.join(DOCTOR_TITLES)}之一"]
    return errors


def arrangement_values(*, service: Service, values: dict) -> dict:
    """The case fields an arrangement of ``service`` sets: its own inputs, the others cleared."""
    result = {}
    for name, spec in INPUTS.items():
        value = values.get(name) if name in fields_of(service) else None
        if spec.case_field == "arranged_at":
            result[spec.case_field] = value
        else:
            result[spec.case_field] = (value or "").strip()
    return result


def form_field(name: str, service: Service) -> forms.Field:
    """The form field of one arrangement input, required as the catalogue says."""
    spec = INPUTS[name]
    required = name in set(service.arrangement_required or [A.HOSPITAL, A.ARRANGED_AT])
    if name == A.ARRANGED_AT:
        return forms.DateTimeField(
            label=spec.label,
            required=required,
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    choices: tuple[str, ...] | None = {
        str(A.DOCTOR_TITLE): DOCTOR_TITLES,
        str(A.SPECIALIST): tuple(service.arrangement_specialists),
        str(A.GUIDANCE_MODE): GUIDANCE_MODES,
    }.get(name)
    if choices:
        help_text = (
            "该服务须为副主任医师或主任医师" if name == A.DOCTOR_TITLE and service.requires_senior_doctor else ""
        )
        return forms.ChoiceField(
            label=spec.label, required=required, choices=[("", "—"), *((c, c) for c in choices)], help_text=help_text
        )
    widget = forms.Textarea(attrs={"rows": 2}) if spec.multiline else None
    return forms.CharField(label=spec.label, required=required, max_length=spec.max_length, widget=widget)


def add_form_fields(form: forms.Form, service: Service) -> None:
    """Put ``service``'s arrangement inputs (only those) on ``form``, before its own fields."""
    own = {name: field for name, field in form.fields.items() if name not in NAMES}
    form.fields = {name: form_field(name, service) for name in fields_of(service)}
    form.fields.update(own)


def arrangement_text(case) -> str:
    """The arrangement as one line of "label：value", the service's own facts only."""
    parts = []
    for name in fields_of(case.service):
        spec = INPUTS[name]
        value = getattr(case, spec.case_field)
        if _missing(value):
            continue
        if isinstance(value, datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        parts.append(f"{spec.label}：{value}")
    return "；".join(parts)
