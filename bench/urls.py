"""The product's URLs plus ``bench/floor`` (the cheapest write a request can make, as a yardstick)
and ``bench/stock-admin/`` (the stock Django admin on the Case table, the first peer)."""

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bench.stock_admin import site as stock_admin_site
from config.urls import urlpatterns as product_urlpatterns

FLOOR_TABLE_SQL = "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, at timestamptz NOT NULL)"


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (at) VALUES (now()) RETURNING id")
        row_id = cursor.fetchone()[0]
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [
    *product_urlpatterns,
    path("bench/floor", floor, name="bench-floor"),
    path("bench/stock-admin/", stock_admin_site.urls),
]
