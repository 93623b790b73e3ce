"""Calls from the control plane to workers' admin routes, with errors classified by type and
status code: temporary (retry with backoff) or permanent (the worker refused the request)."""

from __future__ import annotations

import httpx

from control_plane.workers.protocol import ADMIN_PREFIX, LoadedReport, LoadRequest, RoutingTable, UnloadRequest


class WorkerCallError(Exception):
    def __init__(self, detail: str, permanent: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


class WorkerClient:
    """One shared AsyncClient with explicit timeouts for every worker."""

    def __init__(self, worker_token: str, timeout_s: float) -> None:
        self.http = httpx.AsyncClient(
            headers={"authorization": f"Bearer {worker_token}"},
            timeout=httpx.Timeout(timeout_s, connect=3.0),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def loaded(self, url: str) -> list[str]:
        response = await self._call("GET", url, "/loaded", timeout=10.0)
        return LoadedReport.model_validate(response.json()).loaded

    async def load(self, url: str, request: LoadRequest) -> None:
        await self._call("POST", url, "/load", json=request.model_dump(mode="json"))

    async def unload(self, url: str, version: str) -> None:
        await self._call("POST", url, "/unload", json=UnloadRequest(version=version).model_dump())

    async def push_table(self, url: str, table: RoutingTable) -> None:
        await self._call("PUT", url, "/routing-table", json=table.model_dump(mode="json"), timeout=10.0)

    async def _call(self, method: str, url: str, path: str, timeout: float | None = None, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        extra = {"timeout": timeout} if timeout is not None else {}
        try:
            response = await self.http.request(method, f"{url.rstrip('/')}{ADMIN_PREFIX}{path}", **kwargs, **extra)
        except httpx.TransportError as exc:  # connection refused, reset, timeouts
            raise WorkerCallError(f"{type(exc).__name__} calling {url}", permanent=False) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise WorkerCallError(f"{response.status_code} from {url}: {_detail(response)}", permanent=False)
        if response.status_code >= 400:
            raise WorkerCallError(f"{response.status_code} from {url}: {_detail(response)}", permanent=True)
        return response


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # OpenAI-style {"error": {"message": ...}}
            return str(error.get("message", error))[:500]
        return str(body.get("detail") or error or body)[:500]
    return str(body)[:500]
