"""A database outage answers 503 "try again", never a traceback page or a bare 500.

When PostgreSQL restarts or drops connections, requests in flight fail inside psycopg. Those
requests wrote nothing (each write is one transaction, rolled back with the connection), so the
honest answer is "temporarily unavailable, retry", with ``Retry-After``. With
``CONN_HEALTH_CHECKS`` on, the next request finds the broken persistent connection, discards it and
reconnects: the portal resumes by itself once the database is back.

Errors raised by a view (or while rendering its template) arrive in ``process_exception``. Errors
raised by another middleware (a session saved after the view, say) have already been turned into a
500 response by Django's handler by the time they reach this outermost layer, so a
``got_request_exception`` receiver marks the request and ``__call__`` swaps that 500 for the 503.
"""

import logging
import sys

import psycopg
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape

log = logging.getLogger(__name__)

DETAIL = "服务暂时不可用，请稍后重试"
RETRY_AFTER_SECONDS = 30
PAGE = """<!doctype html>
<html lang="zh-hans"><head><meta charset="utf-8"><title>服务暂时不可用</title></head>
<body><h1>服务暂时不可用</h1><p>{detail}。您刚才的操作未被保存，请稍后重试。</p></body></html>
"""
_MARK = "_lanben_database_unavailable"


def _database_errors() -> tuple[type[BaseException], ...]:
    # With psycopg's own errors: one that escaped Django's wrapper (raised while connecting).
    return (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


DATABASE_ERRORS = _database_errors()


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": DETAIL}, status=503)
    else:
        response = HttpResponse(PAGE.format(detail=escape(DETAIL)), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception)
def _mark_database_unavailable(sender, request=None, **kwargs) -> None:
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Outermost middleware: a request that failed because the database is unreachable gets a 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:
            # Raised where Django's own conversion to a 500 cannot reach: a got_request_exception
            # receiver of another layer (the request logger asking who the user is) that itself
            # needed the database.
            log.warning("database unavailable during %s %s: %s", request.method, request.path, exc)
            return unavailable_response(request)
        if response.status_code == 500 and getattr(request, _MARK, False):
            log.warning("database unavailable during %s %s (raised outside the view)", request.method, request.path)
            return unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_unavailable(exception):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)


class UnstorableQueryMiddleware:
    """A query string carrying a NUL character (``%00``) answers 400: no filter can match it, and
    PostgreSQL refuses it inside a query, which would otherwise surface as a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            detail = "查询参数包含 NUL 字符"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": detail}, status=400)
            return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
