"""The provider API: a provider's systems list, read and act on the cases dispatched to it.

Views validate, call one service, and translate the cases app's refusals into HTTP: not its case
→ 404, wrong state → 409 with the current state, bad input → 400 with field errors.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.errors import CaseConflict, CaseError, CasePermissionDenied, CaseValidationError, refusal
from cases.models import Case, CaseState, Document
from dispatch import selectors, services
from dispatch.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent_call
from dispatch.api.logging import api_log_record
from dispatch.api.permissions import IsProviderMember, request_provider
from dispatch.api.serializers import (
    ArrangementSerializer,
    CompletionSerializer,
    ConflictSerializer,
    DeclinedSerializer,
    DeclineSerializer,
    ErrorSerializer,
    ProviderCaseDetailSerializer,
    ProviderCaseSummarySerializer,
)

TAG = ["服务商接口"]
# The cases app names model fields; the API speaks its own payload's names.
API_FIELD_NAMES = {
    "arranged_hospital": "hospital",
    "arranged_department": "department",
    "arranged_doctor": "doctor",
    "arranged_doctor_title": "doctor_title",
    "arranged_address": "address",
    "arranged_specialist": "specialist",
    "arranged_guidance_mode": "guidance_mode",
    "arranged_transfers": "transfers",
    "arranged_accommodation": "accommodation",
    "arranged_nurse": "nurse",
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
WRITE_RESPONSES = {
    200: ProviderCaseDetailSerializer,
    400: OpenApiResponse(description=_("字段错误：{字段: [原因]}")),
    404: ErrorSerializer,
    409: ConflictSerializer,
    422: OpenApiResponse(ErrorSerializer, description=_("同一 Idempotency-Key 用于不同请求")),
}


def _case_response(request: Request, provider, number: str) -> Response:
    case = selectors.provider_case_detail(provider=provider, number=number)
    return Response(ProviderCaseDetailSerializer(case, context={"request": request}).data)


def _refusal(exc: Exception) -> Response:
    if isinstance(exc, services.ProviderCaseNotFound):
        return Response({"detail": "未找到该案件"}, status=status.HTTP_404_NOT_FOUND)
    assert isinstance(exc, CaseError)  # noqa: S101 — the view catches only these
    code, body = refusal(exc, field_names=API_FIELD_NAMES)  # the same answer as the staff API's
    return Response(body, status=code)


class ProviderCaseList(generics.ListAPIView):
    permission_classes = [IsProviderMember]
    serializer_class = ProviderCaseSummarySerializer

    def get_queryset(self):
        state = self.request.query_params.get("state", "")
        return selectors.provider_case_list(provider=request_provider(self.request), state=state)

    @extend_schema(
        tags=TAG,
        summary="本服务商的案件列表",
        parameters=[OpenApiParameter("state", str, enum=CaseState.values, description=_("按状态筛选"))],
        responses={200: ProviderCaseSummarySerializer(many=True), 400: OpenApiResponse(description=_("无效的状态"))},
    )
    def get(self, request, *args, **kwargs):
        state = request.query_params.get("state", "")
        if state and state not in CaseState.values:
            return Response({"state": [f"无效的状态「{state}」"]}, status=status.HTTP_400_BAD_REQUEST)
        return super().get(request, *args, **kwargs)


class ProviderCaseDetail(APIView):
    permission_classes = [IsProviderMember]

    @extend_schema(
        tags=TAG,
        summary="案件详情（他家服务商的案件返回 404）",
        responses={200: ProviderCaseDetailSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request, number: str) -> Response:
        try:
            response = _case_response(request, request_provider(request), number)
        except Case.DoesNotExist:
            response = _refusal(services.ProviderCaseNotFound(number))
        api_log_record(request=request, action="view", number=number, response=response)
        return response


class _ProviderCaseWrite(APIView):
    """One provider action: validate, call the service once per Idempotency-Key, log the outcome."""

    permission_classes = [IsProviderMember]
    action_name = ""
    input_serializer: type[serializers.Serializer] | None = None

    def act(self, *, provider, actor, number: str, data: dict) -> Case:
        raise NotImplementedError

    def respond(self, request: Request, case: Case) -> Response:
        try:
            return _case_response(request, request_provider(request), case.number)
        except Case.DoesNotExist:
            # Re-dispatched elsewhere between our commit and this read: the action stands, the
            # case is simply no longer ours to show.
            return Response({"number": case.number, "state": case.state, "detail": "操作已完成，案件已改派"})

    def post(self, request: Request, number: str) -> Response:
        response, replayed = idempotent_call(request, lambda: self._perform(request, number))
        api_log_record(request=request, action=self.action_name, number=number, response=response, replayed=replayed)
        return response

    def _perform(self, request: Request, number: str) -> Response:
        data: dict = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            if not serializer.is_valid():
                return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
            data = serializer.validated_data
        try:
            case = self.act(provider=request_provider(request), actor=request.user, number=number, data=data)
        except (services.ProviderCaseNotFound, CaseConflict, CaseValidationError, CasePermissionDenied) as exc:
            return _refusal(exc)
        return self.respond(request, case)


class ProviderCaseAccept(_ProviderCaseWrite):
    action_name = "accept"

    @extend_schema(
        tags=TAG, summary="接单", request=None, parameters=[IDEMPOTENCY_PARAMETER], responses=WRITE_RESPONSES
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, provider, actor, number: str, data: dict) -> Case:
        return services.provider_case_accept(provider=provider, actor=actor, number=number)


class ProviderCaseDecline(_ProviderCaseWrite):
    action_name = "decline"
    input_serializer = DeclineSerializer

    @extend_schema(
        tags=TAG,
        summary="拒单（案件退回待派单）",
        request=DeclineSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={**WRITE_RESPONSES, 200: DeclinedSerializer},
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, provider, actor, number: str, data: dict) -> Case:
        return services.provider_case_decline(provider=provider, actor=actor, number=number, reason=data["reason"])

    def respond(self, request: Request, case: Case) -> Response:
        # The case has left this provider: it may no longer read it, so only the outcome is told.
        return Response({"number": case.number, "state": case.state, "detail": "已拒单，案件已退回派单"})


class ProviderCaseArrangement(_ProviderCaseWrite):
    action_name = "arrangement"
    input_serializer = ArrangementSerializer

    @extend_schema(
        tags=TAG,
        summary="回报安排结果（案件转为已安排，时效停止计时）",
        request=ArrangementSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=WRITE_RESPONSES,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, provider, actor, number: str, data: dict) -> Case:
        return services.provider_case_arrange(provider=provider, actor=actor, number=number, **data)


class ProviderCaseComplete(_ProviderCaseWrite):
    action_name = "complete"
    input_serializer = CompletionSerializer

    @extend_schema(
        tags=TAG,
        summary="回报服务完成（不能早于就诊/入院时间）",
        request=CompletionSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses=WRITE_RESPONSES,
    )
    def post(self, request: Request, number: str) -> Response:
        return super().post(request, number)

    def act(self, *, provider, actor, number: str, data: dict) -> Case:
        return services.provider_case_complete(
            provider=provider, actor=actor, number=number, completed_at=data.get("completed_at")
        )


class ProviderCaseDocument(APIView):
    permission_classes = [IsProviderMember]

    @extend_schema(
        tags=TAG,
        summary="下载案件材料（仅限本服务商案件）",
        responses={(200, "application/octet-stream"): bytes, 404: ErrorSerializer},
    )
    def get(self, request: Request, number: str, document_id: int):
        try:
            document = selectors.provider_document(
                provider=request_provider(request), number=number, document_id=document_id
            )
        except Document.DoesNotExist:
            api_log_record(request=request, action="document", number=number, status_code=404)
            raise Http404("未找到该材料") from None
        api_log_record(request=request, action="document", number=number, status_code=200)
        extension = EXTENSIONS.get(document.content_type, "bin")
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=f"{number}-{document.pk}.{extension}",
            content_type=document.content_type,
        )
