"""Operations endpoints: /healthz, /readyz and the token-protected /metrics. No login, no cookies,
nothing personal in any answer."""

import asyncio
import hmac
import os

import prometheus_client
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from health_check.views import HealthCheckView
from prometheus_client import multiprocess

from ops import health
from ops.metrics import ProductCollector


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage never restarts it."""
    return JsonResponse({"status": "ok"})


def results_document(names: list[str], results: list) -> tuple[dict, bool]:
    pairs = list(zip(names, results, strict=True))
    checks = {name: "OK" if result.error is None else str(result.error) for name, result in pairs}
    failing = [name for name, result in pairs if result.error is not None]
    return {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}, not failing


async def run_checks(process: str = "web", *, node: str | None = None) -> tuple[dict, bool]:
    named = health.parts(process, node=node)
    results = await asyncio.gather(*(check.get_result() for check in named.values()))
    return results_document(list(named), list(results))


class ReadinessView(HealthCheckView):
    """Readiness of the web process: 200 when every part is ready, else 503 naming the parts."""

    async def get(self, request, *args, **kwargs):
        document, ready = await run_checks("web")
        return JsonResponse(document, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def _registry() -> prometheus_client.CollectorRegistry:
    """One process's registry, or with PROMETHEUS_MULTIPROC_DIR (several gunicorn workers) the sum of
    every worker's; the product's figures are read from the database and shared cache either way."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return prometheus_client.REGISTRY
    registry = prometheus_client.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(ProductCollector())
    return registry


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper presenting ``Authorization: Bearer $METRICS_TOKEN``."""
    if not _token_ok(request):
        response = JsonResponse({"detail": "需要有效的监控令牌（Authorization: Bearer …）"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(
        prometheus_client.generate_latest(_registry()), content_type=prometheus_client.CONTENT_TYPE_LATEST
    )
