class EntitlementError(Exception):
    """A request the handbook does not allow. ``code`` is stable for programs, ``message`` is a
    sentence staff can read out to the customer, ``field`` names the request field concerned."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class QuotaStateError(ValueError):
    """A ledger entry asked to move in a way its status does not allow (e.g. using a released hold)."""
