"""Requests too large are refused before they are read: 413, in JSON on the APIs.

Django bounds the non-file part of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams any number of
file bytes to disk; a 1 GB upload would be written out and then read whole by the document check.
The declared length is checked first; a body sent without one (chunked) is read no further than
the limit either, because Django's request stream never reads past CONTENT_LENGTH (0 when absent).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def too_large_response(request: HttpRequest) -> HttpResponse:
    limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
    detail = f"请求内容过大：上限 {limit} MB（每次至多 {settings.DOCUMENTS_PER_REQUEST} 个文件）"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=413)
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")


class RequestSizeLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return too_large_response(request)
        return self.get_response(request)
