"""One error base class carrying an HTTP status; the app renders every one as {"error", "detail"}."""

from __future__ import annotations


class AdapterplaneError(Exception):
    status_code = 500
    error = "internal_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(AdapterplaneError):
    """The request is well-formed but its content is not acceptable (bad adapter, bad weights)."""

    status_code = 400
    error = "invalid_input"


class Unauthorized(AdapterplaneError):
    status_code = 401
    error = "unauthorized"


class Forbidden(AdapterplaneError):
    status_code = 403
    error = "forbidden"


class NotFound(AdapterplaneError):
    status_code = 404
    error = "not_found"


class Conflict(AdapterplaneError):
    status_code = 409
    error = "conflict"


class StoreUnavailable(AdapterplaneError):
    """The artifact store could not be reached; nothing was recorded."""

    status_code = 503
    error = "store_unavailable"
