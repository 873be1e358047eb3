"""The three ways a case action is refused, and their one translation into HTTP answers and page messages."""


class CaseError(Exception):
    message = ""

    def __init__(self, message: str = "") -> None:
        self.message = message or self.message
        super().__init__(self.message)


class CaseConflict(CaseError):
    """Someone else moved the case first, or the case is no longer in a state that allows the action."""

    def __init__(self, message: str = "", *, current_state: str = "", current_label: str = "") -> None:
        self.current_state = current_state
        self.current_label = current_label
        super().__init__(message or f"案件已被他人处理，当前状态：{current_label or current_state}")


class CasePermissionDenied(CaseError):
    message = "您没有执行此操作的权限"


class CaseValidationError(CaseError):
    """Bad input, with messages per field: ``{"claimed_amount": ["须不超过 200.00 元"]}``."""

    def __init__(self, errors: dict[str, list[str]], *, code: str = "invalid") -> None:
        self.errors = {field: list(messages) for field, messages in errors.items()}
        self.code = code
        super().__init__("；".join(f"{field}: {'，'.join(msgs)}" for field, msgs in self.errors.items()))


# Entitlement refusals about the quota's state rather than the request's fields: a conflict.
CONFLICT_CODES = {"exhausted"}


def refusal(exc: CaseError, *, field_names: dict[str, str] | None = None) -> tuple[int, dict]:
    """The HTTP status and body of a refused case action, the same on every API: 400 with the
    reasons per field (409 when the quota is exhausted), 403 with the reason, or 409 with the state
    the case is in now. ``field_names`` renames service fields to the API's own request fields."""
    if isinstance(exc, CaseValidationError):
        names = field_names or {}
        errors = {names.get(field, field): messages for field, messages in exc.errors.items()}
        return (409 if exc.code in CONFLICT_CODES else 400), errors
    if isinstance(exc, CaseConflict):
        return 409, {"detail": exc.message, "state": exc.current_state, "state_label": exc.current_label}
    return 403, {"detail": exc.message}


def refusal_messages(exc: CaseError) -> list[str]:
    """The same refusal as page messages, each naming its reason."""
    if isinstance(exc, CaseConflict):
        return [f"操作未执行：{exc.message}。请查看最新状态。"]
    if isinstance(exc, CaseValidationError):
        return ["；".join(messages) for messages in exc.errors.values()]
    return [exc.message]
