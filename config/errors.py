"""Error pages: API clients get JSON, people get the normal page."""

from django.http import JsonResponse
from django.views import defaults


def not_found(request, exception=None):
    """404 for a URL nothing serves: JSON under /api/ (as every API error is), the page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到"}, status=404)
    return defaults.page_not_found(request, exception)
