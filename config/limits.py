"""Requests too large are refused before they are read: 413, in JSON on the APIs. Input no query
can hold answers 400/404, never 500: a NUL character in the path (no object has it in its key),
a date or number out of range in a filter (``?at__year=99999999999``).

Django bounds the non-file part of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams any number of
file bytes to disk; a 1 GB upload would be written out and then read whole by the document check.
The declared length is checked first; a body sent without one (chunked) is read no further than
the limit either, because Django's request stream never reads past CONTENT_LENGTH (0 when absent).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


def _answer(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def too_large_response(request: HttpRequest) -> HttpResponse:
    limit = settings.REQUEST_MAX_BYTES // (1024 * 1024)
    detail = f"请求内容过大：上限 {limit} MB（每次至多 {settings.DOCUMENTS_PER_REQUEST} 个文件）"
    return _answer(request, 413, detail)


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


class BadInputMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return _answer(request, 404, "未找到")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A year like 99999999999 in an admin date filter: out of the range any date can have.
        if isinstance(exception, OverflowError):
            return _answer(request, 400, "日期或数值超出可处理的范围，请检查筛选条件")
        return None
