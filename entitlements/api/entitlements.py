from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from audit.callers import StaffCaller
from audit.lookups import LookupLimited, identifier_lookup_take
from audit.services import REVEAL_PERMISSION, audit_record
from entitlements.models import Person
from entitlements.models.people import normalize_id_number, validate_id_number
from entitlements.selectors import entitlement_inquiry


def _day(text: str | None) -> date | None:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


class CanLookUpCustomers(BasePermission):
    """Entitlements are personal data: only roles that look customers up by their full ID (intake,
    review, dispatch) may ask — not management, providers or catalogue admins."""

    message = "当前角色无权查询客户权益"

    def has_permission(self, request, view) -> bool:
        # Looked up by full ID number: only roles that may see it whole (not management, who could
        # otherwise confirm a masked number by trying its candidates).
        user = request.user
        return bool(user and user.has_perm("entitlements.view_person") and user.has_perm(REVEAL_PERMISSION))


class InquiryRequestSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text=_("身份证号（完整）；放在请求体中，从不出现在 URL 里"))
    on = serializers.DateField(required=False, help_text=_("查询日期，默认今天（Asia/Shanghai）"))


@extend_schema(
    summary="权益查询: a person's enrollments, periods, beneficiaries and remaining quota",
    description=(
        "POST，证件号在 JSON 请求体中（不放在 URL：URL 会进入访问日志）。每次查询记入审计；"
        "每个用户每分钟至多 IDENTIFIER_LOOKUPS_PER_MINUTE 次，超出 429（Retry-After）。"
    ),
    request=InquiryRequestSerializer,
    responses=OpenApiTypes.OBJECT,
    examples=[
        OpenApiExample("权益查询", request_only=True, value={"id_number": "310101198005170011", "on": "2026-11-24"})
    ],
)
@api_view(["POST"])
@permission_classes([IsAuthenticated, StaffCaller, CanLookUpCustomers])
def entitlements_view(request: Request) -> Response:
    data = request.data if isinstance(request.data, dict) else {}
    id_number = str(data.get("id_number") or "").strip()
    if not id_number:
        return Response({"id_number": ["必填"]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        # A malformed number (a NUL byte among them) is the caller's mistake, not a database error.
        validate_id_number(id_number)
    except ValidationError as exc:
        return Response({"id_number": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    on = _day(data.get("on"))
    if on is None:
        return Response({"on": ["日期无效，应为 YYYY-MM-DD"]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        identifier_lookup_take(user=request.user)
    except LookupLimited as exc:
        code = status.HTTP_503_SERVICE_UNAVAILABLE if exc.unavailable else status.HTTP_429_TOO_MANY_REQUESTS
        return Response({"detail": exc.message}, status=code, headers={"Retry-After": str(exc.retry_after)})
    person = Person.objects.filter(id_number=normalize_id_number(id_number)).first()
    if person is None:
        audit_record(action="person_search", request=request, summary="权益查询（接口）未找到")
        return Response({"detail": "未找到该身份证号的客户"}, status=status.HTTP_404_NOT_FOUND)
    # Personal data viewed: keep who looked at whom (DOMAIN.md, privacy).
    audit_record(action="entitlements.inquiry", obj=person, request=request, summary=f"权益查询（接口）{on}")
    return Response(entitlement_inquiry(person=person, on=on))
