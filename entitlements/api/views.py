from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from entitlements.catalog import catalog_export


@extend_schema(responses=OpenApiTypes.OBJECT, summary="The service catalogue and every edition's rules")
@api_view(["GET"])
def catalog_view(request: Request) -> Response:
    return Response(catalog_export())
