"""What a provider reads about a case — personal data cut to what the service needs — and what it sends."""

from django.urls import reverse
from rest_framework import serializers

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

    class Meta:
        model = Case
        fields = ["hospital", "department", "doctor", "doctor_title", "arranged_at", "address"]


class ProviderCaseDetailSerializer(ProviderCaseSummarySerializer):
    dispatch_note = serializers.SerializerMethodField()
    dispatched_at = serializers.SerializerMethodField()
    arrangement = serializers.SerializerMethodField()
    documents = ProviderDocumentSerializer(source="provider_documents", many=True, read_only=True)

    class Meta(ProviderCaseSummarySerializer.Meta):
        fields = [
            *ProviderCaseSummarySerializer.Meta.fields,
            "preferred_hospital",
            "hospital_is_top50",
            "preferred_department",
            "preferred_date_from",
            "preferred_date_to",
            "named_expert",
            "dispatched_at",
            "dispatch_note",
            "arrangement",
            "documents",
        ]

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
        return ArrangementOutSerializer(case).data if case.arranged_at else None


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255, label="拒单原因")


class ArrangementSerializer(serializers.Serializer):
    hospital = serializers.CharField(max_length=128, label="医院")
    department = serializers.CharField(max_length=64, label="科室")
    doctor = serializers.CharField(max_length=64, label="医生")
    doctor_title = serializers.CharField(
        max_length=32, label="医生职称", help_text="专家类服务须为副主任医师或主任医师"
    )
    arranged_at = serializers.DateTimeField(label="就诊/入院时间", help_text="ISO 8601，建议带时区；不带时区按北京时间")
    address = serializers.CharField(max_length=255, label="地址")


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
