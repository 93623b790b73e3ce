"""The HTTP client: one httpx.Client per invocation, server errors mapped to one-line CliErrors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from control_plane.cli.adapterctl.errors import CliError

DEFAULT_SERVER = "http://127.0.0.1:8000"
TOKEN_HINT = "set ADAPTERCTL_TOKEN (or --token) to the admin token or a tenant API key"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: A publish answers only once the server has validated and stored every file.
UPLOAD_TIMEOUT = httpx.Timeout(1800.0, connect=10.0)


def segment(value: str) -> str:
    """One URL path segment, so names never change the path's shape."""
    return quote(value, safe="")


class ApiClient:
    def __init__(self, server: str, token: str | None) -> None:
        self.server = server.rstrip("/")
        headers = {"user-agent": "adapterctl"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self.has_token = bool(token)
        # A plain-http server needs no TLS: skip loading the CA bundle, a third of start-up time.
        # (httpx follows no redirects here, so the connection cannot turn into https.)
        tls = not self.server.startswith("http://")
        self._http = httpx.Client(base_url=self.server, headers=headers, timeout=TIMEOUT, verify=tls)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=_drop_none(params))

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer of a successful request (CliError otherwise)."""
        return self.decode(method, path, self.send(method, path, **kwargs))

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The successful response itself, for callers that need its status (CliError otherwise)."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise CliError(
                f"cannot connect to the control plane at {self.server}",
                hint="is 'adapterplane serve' running there? set ADAPTERCTL_SERVER (or --server)",
            ) from None
        except httpx.TimeoutException:
            raise CliError(f"the control plane at {self.server} did not answer in time ({method} {path})") from None
        except httpx.TransportError as exc:
            raise CliError(f"cannot talk to the control plane at {self.server}: {exc}") from None
        if response.is_error:
            raise self._error(method, path, response)
        return response

    def decode(self, method: str, path: str, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise CliError(
                f"the control plane at {self.server} sent a response that is not JSON ({method} {path})"
            ) from None

    def _error(self, method: str, path: str, response: httpx.Response) -> CliError:
        status = response.status_code
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        try:
            body = response.json()
            detail = body.get("detail") if isinstance(body, dict) else None
        except ValueError:
            detail = None
        if not isinstance(detail, str) or not detail.strip():
            detail = f"the control plane answered {status} {reason}"
        hint = None
        if detail == reason:
            # A bare status phrase (e.g. "Not Found" for an endpoint this server does not have)
            # says nothing on its own: name the request.
            detail = f"{method} {path}: {status} {reason}"
            if status in (404, 405):
                hint = "this control plane does not offer that request; is it older than adapterctl?"
        elif status == 401:
            hint = TOKEN_HINT if not self.has_token else "the token was refused; " + TOKEN_HINT
        elif status == 403:
            hint = "tenant API keys act on their own tenant only; use the admin token for other tenants"
        return CliError(detail.splitlines()[0], hint=hint)


def _drop_none(params: dict[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {key: value for key, value in params.items() if value is not None}


def adapter_path(tenant: str, adapter: str, *rest: str | int) -> str:
    """`/v1/adapters/{tenant}/{adapter}/…`."""
    return "/".join(["/v1/adapters", segment(tenant), segment(adapter), *(segment(str(part)) for part in rest)])
