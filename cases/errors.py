"""The three ways a case action is refused. Views map them to HTTP 409, 403 and 400."""


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
