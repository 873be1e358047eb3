"""Personal data never lingers where it should not: not in a shared cache, not on an error page.

- Every API answer carries ``Cache-Control: private, no-store`` and ``Vary: Authorization``: a proxy
  or browser cache must neither keep a customer's entitlements or a case's medical details nor
  serve one caller's answer to another.
- The error reports Django renders (the DEBUG technical page, the mail to ADMINS) show no frame's
  local variables, no form or query values and no cookies: a 500 in the middle of an intake would
  otherwise print the ID number, the phone and the diagnosis.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

API_PREFIX = "/api/v1/"


class PrivateApiResponseMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ["Authorization"])
        return response


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Cleanse everything a request or a frame carries, not only what looks like a password."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for key in ("QUERY_STRING", "HTTP_REFERER", "PATH_INFO", "REQUEST_URI", "RAW_URI"):
            if key in meta:
                meta[key] = self.cleansed_substitute
        return meta


class PersonalDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        substitute = self.filter.cleansed_substitute
        data["request_GET_items"] = [(key, substitute) for key, _ in data.get("request_GET_items", [])]
        data["request_COOKIES_items"] = [(key, substitute) for key, _ in data.get("request_COOKIES_items", [])]
        data["request_FILES_items"] = [(key, substitute) for key, _ in data.get("request_FILES_items", [])]
        if self.request is not None:  # the path without its query string, which may carry an ID
            data["request_insecure_uri"] = self.request.path
        return data
