"""OpenAPI schema post-processing: the error answers every endpoint can give, declared once.

Every API view may refuse a request as 400 (field errors), 401 (no or bad token), 403 (not allowed),
404 (no such object, or nothing under that path), 415 (a body in a format it does not read) or 503
(database unavailable, from config.middleware). Declaring them here keeps clients and contract
tests honest without repeating the same ``extend_schema`` responses on every view.
"""

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "{字段: [原因]}，或 {detail: 原因}",
    "additionalProperties": True,
}
STANDARD = {
    "400": ("请求有误：按字段列出原因", FIELD_ERRORS),
    "401": ("未认证：缺少或无效的 Token", ERROR_DETAIL),
    "403": ("无权限", ERROR_DETAIL),
    "404": ("不存在", ERROR_DETAIL),
    "503": ("服务暂时不可用，请稍后重试（响应头 Retry-After）", ERROR_DETAIL),
}
# Requests with a body may also be refused for its format.
WITH_BODY = {"415": ("请求体格式不受支持（Content-Type）", ERROR_DETAIL)}
METHODS = {"get", "post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the standard error responses an operation lacks."""
    for path, item in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in item.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = {**STANDARD, **WITH_BODY} if method in {"post", "put", "patch"} else STANDARD
            for code, (description, schema) in errors.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
    return result
