"""The intake API for the WeChat back end and case reads; thin: validate, call a service, answer."""

from typing import cast

from django.contrib.auth.models import User
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.callers import CHANNEL, StaffCaller, StaffOrChannelCaller, api_caller_kind
from audit.services import audit_record
from audit.tokens import ApiTokenAuthentication
from cases.api.serializers import CaseIntakeSerializer, CaseSerializer, case_body, intake_request
from cases.errors import CaseError, CaseValidationError, refusal
from cases.models import Channel
from cases.selectors import cases_visible_to
from cases.services.intake_keys import DuplicateRequest, IntakeKeyReused, intake_submit_within
from cases.workflow import ACTIONS, Place, actions_at

IDEMPOTENCY_KEY_MAX = 64
REQUEST_FIELDS = {"beneficiary": "beneficiary_id_number"}


def request_field_errors(exc: CaseValidationError) -> dict[str, list[str]]:
    """The service's errors under the request's own field names (the person is sent by ID number)."""
    return {REQUEST_FIELDS.get(field, field): messages for field, messages in exc.errors.items()}


def case_error_response(exc: CaseError) -> Response:
    """The HTTP answer to a refused case action (``cases.errors.refusal``: the same on every API)."""
    code, body = refusal(exc, field_names=REQUEST_FIELDS)
    return Response(body, status=code)


class CanSubmitCases(BasePermission):
    message = "您没有提交申请的权限（cases.submit_case）"

    def has_permission(self, request, view) -> bool:
        return request.method != "POST" or request.user.has_perm("cases.submit_case")


class CaseListCreateView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, StaffOrChannelCaller, CanSubmitCases]

    @extend_schema(
        summary="提交绿通/120补贴申请（微信公众号后台）",
        description=(
            "Token 认证，需要 cases.submit_case 权限。材料以 JSON 数组 `documents` 提交，每项含 `kind`"
            "（medical_record / admission_slip / invoice / other）、`name` 与 Base64 编码的 `content_base64`；"
            "仅接受 PDF、JPEG、PNG（按文件内容识别），单个文件不超过 DOCUMENT_MAX_BYTES。"
            "字段错误返回 400 `{字段: [原因]}`；额度已用完返回 409；任何拒绝都不会留下半个案件。"
            "可带 `Idempotency-Key` 头（至多 64 字符）：重试时同一键只生成一个案件。"
        ),
        request=CaseIntakeSerializer,
        responses={
            201: CaseSerializer,
            400: OpenApiResponse(description=_("字段错误：{字段: [原因]}")),
            403: OpenApiResponse(description=_("无提交权限")),
            200: OpenApiResponse(
                description=_("重放：同一 Idempotency-Key 与同一请求，返回首次创建的案件，头 Idempotent-Replayed: true")
            ),
            409: OpenApiResponse(
                description="额度已用完：{service: [原因]}；或同一服务对象已有同一服务的办理中案件："
                '{"code": "duplicate", "cases": [案件编号]}（以 confirm_duplicate: true 确认后再提交）'
            ),
            422: OpenApiResponse(description=_("同一 Idempotency-Key 用于不同的请求")),
        },
        examples=[
            OpenApiExample(
                "重疾三甲专家预约",
                request_only=True,
                value={
                    "beneficiary_id_number": "310101198005170011",
                    "service": "ci-top3a-expert-appointment",
                    "city": "上海",
                    "preferred_hospital": "复旦大学附属中山医院",
                    "hospital_is_top50": True,
                    "diagnosis": "肺恶性肿瘤",
                    "suspected": True,
                    "diagnosing_hospital": "上海市第一人民医院",
                    "diagnosing_hospital_level": 3,
                    "diagnosing_hospital_ownership": "public",
                    "documents": [{"kind": "medical_record", "name": "病历.pdf", "content_base64": "JVBERi0xLjQK..."}],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX:
            return Response({"detail": f"Idempotency-Key 至多 {IDEMPOTENCY_KEY_MAX} 个字符"}, status=400)
        intake = intake_request(request.data)
        actor = cast(User, request.user)
        try:
            # The answer is read inside the transaction: if the database goes away before it is
            # read, the case is rolled back with it and the 503 the client gets is the truth. A
            # refusal leaves this block and rolls it back whole, so the submission needs no savepoint.
            with transaction.atomic():
                arguments = intake.submit_arguments()
                case, replayed = intake_submit_within(
                    actor=actor,
                    channel=Channel.WECHAT,
                    arguments=arguments,
                    confirmed=intake.confirmed,
                    key=key,
                    fingerprint_data=request.data,
                    open_cases=intake.open_cases,
                )
                body = case_body(case, no_documents=not arguments["documents"])
        except DuplicateRequest as exc:
            cases = [case.number for case in exc.cases]
            return Response({"code": "duplicate", "detail": exc.message, "cases": cases}, status=409)
        except IntakeKeyReused as exc:
            return Response({"code": "idempotency_key_reused", "detail": exc.message}, status=422)
        except CaseError as exc:
            return case_error_response(exc)
        if replayed:
            return Response(body, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"})
        return Response(body, status=status.HTTP_201_CREATED)


def staff_api_cases(request: Request):
    """The cases this API caller may read: staff by their role, a channel only its own channel's."""
    cases = cases_visible_to(user=request.user).select_related("service")
    if api_caller_kind(request.user) == CHANNEL:
        cases = cases.filter(channel=Channel.WECHAT)
    return cases


class CaseDetailView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated, StaffOrChannelCaller]

    @extend_schema(summary="查询案件状态", responses={200: CaseSerializer})
    def get(self, request: Request, number: str) -> Response:
        case = get_object_or_404(staff_api_cases(request), number=number)
        audit_record(action="case_view", obj=case, request=request, summary=f"查看案件 {case.number}（接口）")
        return Response(CaseSerializer(case).data)


def _plain(data) -> dict:
    return data.dict() if hasattr(data, "dict") else dict(data)


class CaseActionView(APIView):
    """Staff decisions over HTTP: the same forms and services as the admin's buttons."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, StaffCaller]

    @extend_schema(
        summary="对案件执行操作（审核、派单、安排、结案……）",
        description=(
            "action 为工作流表（cases/workflow.py）中的操作名："
            + "，".join(f"{row.name}（{row.label}）" for row in actions_at(Place.STAFF_API))
            + "。请求体字段与后台按钮表单相同；可带 expected_state（调用方看到的状态），若案件已被他人变更返回 409 "
            "及当前状态。无权限 403，条件不满足或字段错误 400。"
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: CaseSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request, number: str, action: str) -> Response:
        case = get_object_or_404(cases_visible_to(user=request.user).select_related("service"), number=number)
        row = ACTIONS.get(action)
        if row is None or not row.offered_at(Place.STAFF_API):
            return Response({"action": [f"未知操作「{action}」"]}, status=status.HTTP_404_NOT_FOUND)
        # Without expected_state the caller accepts the state the row lock finds; with it, a stale view is a 409.
        form = row.form_class(
            data={"expected_state": case.state, **_plain(request.data)}, files=request.FILES, case=case
        )
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            case = form.run(case=case, actor=request.user, service=row.run)
        except CaseError as exc:
            return case_error_response(exc)
        return Response(CaseSerializer(case).data)
