"""Errors a request can meet in the worker, each rendered as an OpenAI-style JSON error."""

from __future__ import annotations

import json


class WorkerError(Exception):
    status_code = 500
    error_type = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> bytes:
        """`{"error": {"message", "type", "param", "code"}}`, the shape OpenAI clients parse."""
        error = {"message": self.message, "type": self.error_type, "param": None, "code": self.status_code}
        return json.dumps({"error": error}).encode()


class Unauthorized(WorkerError):
    status_code = 401
    error_type = "authentication_error"


class Forbidden(WorkerError):
    status_code = 403
    error_type = "permission_error"


class ModelNotFound(WorkerError):
    status_code = 404
    error_type = "not_found_error"


class BadRequest(WorkerError):
    status_code = 400
    error_type = "invalid_request_error"


class IncompatibleAdapter(WorkerError):
    """The version cannot run on this worker (rank above the limit, another base model)."""

    status_code = 422
    error_type = "incompatible_adapter"


class IntegrityError(WorkerError):
    """The artifact's bytes do not match the digests the control plane recorded."""

    status_code = 502
    error_type = "artifact_integrity_error"


class StoreUnavailable(WorkerError):
    status_code = 503
    error_type = "store_unavailable"


class EngineLoadFailed(WorkerError):
    status_code = 500
    error_type = "adapter_load_failed"
