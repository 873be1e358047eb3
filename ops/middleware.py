import structlog
from django.http import HttpRequest, HttpResponse


class RequestIdHeaderMiddleware:
    """Answers the request id (bound by django-structlog) in ``X-Request-ID``: a user or a provider
    quoting it lets support find the request's log lines and those of the tasks it enqueued."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id:
            response["X-Request-ID"] = request_id
        return response
