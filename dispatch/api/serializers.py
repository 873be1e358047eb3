"""What a provider reads about a case — personal data cut to what the service needs — and what it sends."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from rest_framework import serializers

from cases.clock import clock_figures
from cases.models import Case, Document


class ProviderDocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        # The customer's own file name is left out: it may carry a name or an ID number.
        fields = ["id", "kind", "kind_label", "content_type", "size", "at", "download_url"]

    def get_download_url(self, document: Document) -> str:
        path = reverse("provider-api:document", args=[document.case.number, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ProviderCaseSummarySerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display")
    service_code = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.name")
    beneficiary_name = serializers.CharField(source="beneficiary.name")
    beneficiary_phone_masked = serializers.CharField(source="beneficiary.phone_masked")
    sla_provisional = serializers.BooleanField(source="sla_deadline_provisional", read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "state",
            "state_label",
            "service_code",
            "service_name",
            "beneficiary_name",
            "beneficiary_phone_masked",
            "province",
            "city",
            "sla_target_due",
            "sla_deadline_due",
            "sla_target_provisional",
            "sla_provisional",
        ]


class ArrangementOutSerializer(serializers.ModelSerializer):
    hospital = serializers.CharField(source="arranged_hospital")
    department = serializers.CharField(source="arranged_department")
    doctor = serializers.CharField(source="arranged_doctor")
    doctor_title = serializers.CharField(source="arranged_doctor_title")
    address = serializers.CharField(source="arranged_address")
    specialist = serializers.CharField(source="arranged_specialist")
    guidance_mode = serializers.CharField(source="arranged_guidance_mode")
    transfers = serializers.CharField(source="arranged_transfers")
    accommodation = serializers.CharField(source="arranged_accommodation")
    nurse = serializers.CharField(source="arranged_nurse")

    class Meta:
        model = Case
        fields = [
            "hospital",
            "department",
            "doctor",
            "doctor_title",
            "arranged_at",
            "address",
            "specialist",
            "guidance_mode",
            "transfers",
            "accommodation",
            "nurse",
        ]


class ContactSerializer(serializers.ModelSerializer):
    """Who to call about the case: the applicant, who may be a family member of the patient."""

    name = serializers.CharField(source="applicant_name")
    relation = serializers.CharField(source="get_applicant_relation_display")
    phone = serializers.CharField(source="applicant_phone")

    class Meta:
        model = Case
        fields = ["name", "relation", "phone"]


class ProviderCaseDetailSerializer(ProviderCaseSummarySerializer):
    """What the provider needs to arrange the service (handbook ch. 2 §5) and nothing more: the
    patient's name and full phone, the wishes, the diagnosis summary, the contact and the clock —
    no ID number, no invoices, no documents other than medical records and admission slips."""

    beneficiary_phone = serializers.CharField(source="beneficiary.phone")
    diagnosis_summary = serializers.CharField(source="diagnosis")
    contact = ContactSerializer(source="*")
    clock = serializers.SerializerMethodField()
    dispatch_note = serializers.SerializerMethodField()
    dispatched_at = serializers.SerializerMethodField()
    arrangement = serializers.SerializerMethodField()
    documents = ProviderDocumentSerializer(source="provider_documents", many=True, read_only=True)

    class Meta(ProviderCaseSummarySerializer.Meta):
        fields = [
            *ProviderCaseSummarySerializer.Meta.fields,
            "beneficiary_phone",
            "contact",
            "diagnosis_summary",
            "preferred_hospital",
            "hospital_is_top50",
            "preferred_department",
            "preferred_date_from",
            "preferred_date_to",
            "named_expert",
            "dispatched_at",
            "dispatch_note",
            "arrangement",
            "clock",
            "documents",
        ]

    def get_clock(self, case: Case) -> dict:
        return clock_figures(case).as_api()

    def _dispatch(self, case: Case):
        dispatches = getattr(case, "provider_dispatches", None)
        return dispatches[-1] if dispatches else None

    def get_dispatch_note(self, case: Case) -> str:
        dispatch = self._dispatch(case)
        return dispatch.note if dispatch else ""

    def get_dispatched_at(self, case: Case) -> str | None:
        dispatch = self._dispatch(case)
        return serializers.DateTimeField().to_representation(dispatch.at) if dispatch else None

    def get_arrangement(self, case: Case) -> dict | None:
        return ArrangementOutSerializer(case).data if case.sla_stopped_at else None


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, label=_("拒单原因"))


def _optional(
    label: StrOrPromise, max_length: int | None = None, help_text: StrOrPromise = ""
) -> serializers.CharField:
    return serializers.CharField(
        label=label, max_length=max_length, required=False, allow_blank=True, help_text=help_text
    )


class ArrangementSerializer(serializers.Serializer):
    """Every arrangement input; which ones a case's service records and needs is the catalogue's
    (``GET /services`` … ``arrangement``): the service refuses the others by field."""

    hospital = _optional("医院/机构", 128)
    department = _optional("科室", 64)
    doctor = _optional("医生/专家", 64)
    doctor_title = _optional("医生职称", 32, "须副主任医师及以上的服务：副主任医师或主任医师")
    arranged_at = serializers.DateTimeField(
        label=_("就诊/入院时间"),
        required=False,
        allow_null=True,
        help_text=_("ISO 8601，建议带时区；不带时区按北京时间。书面二次诊疗等无就诊时间的服务不填"),
    )
    address = _optional("地址", 255)
    specialist = _optional("康复指导人员", 16, "专家远程康复指导：营养师、康复师或心理咨询师")
    guidance_mode = _optional("指导形式", 16, "书面或电话")
    transfers = _optional("专车接送安排", help_text=_("异地就医协助安排"))
    accommodation = _optional("就医当地住宿方案", help_text=_("异地就医协助安排"))
    nurse = _optional("上门护士", 64, "专业医护上门安排")


class CompletionSerializer(serializers.Serializer):
    completed_at = serializers.DateTimeField(
        label=_("服务完成时间"),
        required=False,
        allow_null=True,
        help_text=_("ISO 8601；不填为当前时间。不能早于就诊/入院时间"),
    )


class DeclinedSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField()
    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
