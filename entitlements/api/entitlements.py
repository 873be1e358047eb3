from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from audit.callers import StaffCaller
from audit.services import REVEAL_PERMISSION, audit_record
from entitlements.models import Person
from entitlements.models.people import normalize_id_number, validate_id_number
from entitlements.selectors import entitlement_inquiry


def _day(text: str | None) -> date | None:
    if not text:
        return timezone.localdate()
    try:
        return date.fromisoformat(text)
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


@extend_schema(
    summary="权益查询: a person's enrollments, periods, beneficiaries and remaining quota",
    parameters=[
        OpenApiParameter("id_number", OpenApiTypes.STR, required=True, description="身份证号（完整）"),
        OpenApiParameter("on", OpenApiTypes.DATE, description="查询日期，默认今天（Asia/Shanghai）"),
    ],
    responses=OpenApiTypes.OBJECT,
)
@api_view(["GET"])
@permission_classes([IsAuthenticated, StaffCaller, CanLookUpCustomers])
def entitlements_view(request: Request) -> Response:
    id_number = (request.query_params.get("id_number") or "").strip()
    if not id_number:
        return Response({"id_number": ["必填"]}, status=status.HTTP_400_BAD_REQUEST)
    try:
        # A malformed number (a NUL byte among them) is the caller's mistake, not a database error.
        validate_id_number(id_number)
    except ValidationError as exc:
        return Response({"id_number": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    on = _day(request.query_params.get("on"))
    if on is None:
        return Response({"on": ["日期无效，应为 YYYY-MM-DD"]}, status=status.HTTP_400_BAD_REQUEST)
    person = Person.objects.filter(id_number=normalize_id_number(id_number)).first()
    if person is None:
        return Response({"detail": "未找到该身份证号的客户"}, status=status.HTTP_404_NOT_FOUND)
    # Personal data viewed: keep who looked at whom (DOMAIN.md, privacy).
    audit_record(action="entitlements.inquiry", obj=person, request=request, summary=f"权益查询（接口）{on}")
    return Response(entitlement_inquiry(person=person, on=on))
