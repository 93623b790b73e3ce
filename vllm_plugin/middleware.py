"""The ASGI middleware in front of vLLM's routes: tenant auth, routing, counting; admin guard.

- Inference routes: `Authorization: Bearer <tenant key>` → tenant; `model` → a version (or the
  base model) by the routing table; the body is rewritten to the concrete version name, the
  version is loaded if needed, and the response carries `x-adapter-version`. Streams pass
  through chunk by chunk.
- vLLM's own adapter routes (`/v1/load_lora_adapter`, `/v1/unload_lora_adapter`, `/adapters`)
  and every other mutating route vLLM serves: worker token only.
- Reads (`GET`), health and our admin prefix (which checks the worker token itself) pass.
A pure ASGI middleware, not `BaseHTTPMiddleware`: it must not buffer streamed responses.
"""

from __future__ import annotations

import json
import re
import time
import uuid

from control_plane.workers.protocol import ADMIN_PREFIX
from vllm_plugin.errors import BadRequest, Unauthorized, WorkerError
from vllm_plugin.metrics import Observation
from vllm_plugin.routing import Target, choose_target

VERSION_HEADER = b"x-adapter-version"
SESSION_HEADER = b"x-session-id"

#: POST routes whose JSON body names a `model` (generation, tokenization, pooling, SageMaker).
INFERENCE_PATHS = frozenset(
    {
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/responses",
        "/v1/messages",
        "/v1/messages/count_tokens",
        "/v1/chat/completions/batch",
        "/v1/chat/completions/render",
        "/v1/completions/render",
        "/v1/messages/render",
        "/v1/responses/render",
        "/v1/chat/completions/derender",
        "/v1/completions/derender",
        "/v1/systemone",
        "/generative_scoring",
        "/inference/v1/generate",
        "/invocations",
        "/tokenize",
        "/detokenize",
        "/v1/embeddings",
        "/pooling",
        "/classify",
        "/score",
        "/v1/score",
        "/rerank",
        "/v1/rerank",
        "/v2/rerank",
    }
)
#: vLLM's runtime adapter routes: they load any local path or hub repo into the engine.
_ADAPTER_ADMIN_PATHS = frozenset({"/v1/load_lora_adapter", "/v1/unload_lora_adapter", "/adapters"})
_OPEN_PATHS = frozenset({"/ping", "/health"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: SageMaker's adapter headers override the body's `model` after us: never pass them on.
_DROPPED_HEADERS = frozenset({b"x-amzn-sagemaker-adapter-identifier", b"x-amzn-sagemaker-adapter-alias"})
_MAX_BUFFERED_RESPONSE = 1024 * 1024
#: A non-null `usage` object in an SSE chunk (most chunks have none, or `"usage":null`).
_USAGE = re.compile(rb'"usage":\s*\{')


class AdapterplaneMiddleware:
    def __init__(self, app, runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if method == "POST" and path in INFERENCE_PATHS:
            return await self._inference(scope, receive, send)
        if path in _OPEN_PATHS or path.startswith(ADMIN_PREFIX + "/"):
            return await self.app(scope, receive, send)
        guarded = path in _ADAPTER_ADMIN_PATHS or path.startswith("/adapters/") or method not in _READ_METHODS
        if guarded and not self.runtime.is_worker_token(_bearer(scope)):
            error = Unauthorized(f"{method} {path} is reserved for the adapterplane control plane (worker token)")
            return await _send_error(send, error)
        return await self.app(scope, receive, send)

    async def _inference(self, scope, receive, send) -> None:
        started = time.perf_counter()
        target: Target | None = None
        try:
            tenant = self.runtime.tenant_for_key(_bearer(scope))
            body = await _read_json(receive)
            target = choose_target(
                self.runtime.require_table(),
                tenant,
                body.get("model"),
                _sticky_key(body, scope),
                self.runtime.base_model_names,
            )
            if target.is_adapter:
                await self.runtime.ensure_servable(target.served_name, target.version)
        except WorkerError as error:
            if target is not None:  # the version was chosen but could not be served
                self._observe(target, started, failed=True)
            return await _send_error(send, error)
        if "model" in body or target.is_adapter:
            body["model"] = target.served_name
        await self._forward(scope, receive, send, target, json.dumps(body).encode(), started)

    async def _forward(self, scope, receive, send, target: Target, payload: bytes, started: float) -> None:
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in _DROPPED_HEADERS and name != b"content-length"
        ]
        headers.append((b"content-length", str(len(payload)).encode()))
        scope = {**scope, "headers": headers}
        usage = _UsageWatcher()
        status = 500
        sent = False

        async def receive_rewritten():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": payload, "more_body": False}
            return await receive()  # streaming responses wait here for the client to go away

        async def send_with_version(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
                response_headers.append((VERSION_HEADER, target.served_name.encode()))
                usage.start(response_headers)
                message = {**message, "headers": response_headers}
            elif message["type"] == "http.response.body":
                usage.feed(message.get("body", b""))
            await send(message)

        failed = True
        try:
            await self.app(scope, receive_rewritten, send_with_version)
            failed = status >= 400
        finally:
            prompt, completion = usage.tokens()
            self._observe(target, started, failed=failed, prompt=prompt, completion=completion)

    def _observe(self, target: Target, started: float, *, failed: bool, prompt: int = 0, completion: int = 0) -> None:
        self.runtime.metrics.record(
            Observation(
                tenant=target.tenant,
                adapter=target.adapter or "",
                version=str(target.number) if target.number is not None else "",
                served_name=target.served_name,
                failed=failed,
                latency_seconds=time.perf_counter() - started,
                prompt_tokens=prompt,
                completion_tokens=completion,
            )
        )


class _UsageWatcher:
    """Token counts from a response's `usage`: the JSON body, or the SSE chunk that has one
    (streams carry usage when the client asks with `stream_options.include_usage`)."""

    def __init__(self) -> None:
        self.streaming = False
        self.buffer = bytearray()
        self.usage: dict | None = None

    def start(self, headers) -> None:
        content_type = dict(headers).get(b"content-type", b"")
        self.streaming = content_type.startswith(b"text/event-stream")

    def feed(self, chunk: bytes) -> None:
        if self.streaming:
            if _USAGE.search(chunk):
                for line in chunk.split(b"\n"):
                    if line.startswith(b"data: {") and _USAGE.search(line):
                        self._take(line[len(b"data: ") :])
        elif len(self.buffer) + len(chunk) <= _MAX_BUFFERED_RESPONSE:
            self.buffer += chunk

    def tokens(self) -> tuple[int, int]:
        if not self.streaming and self.buffer:
            self._take(bytes(self.buffer))
        usage = self.usage or {}
        return int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0), int(
            usage.get("completion_tokens") or usage.get("output_tokens") or 0
        )

    def _take(self, document: bytes) -> None:
        try:
            usage = json.loads(document).get("usage")
        except (ValueError, AttributeError):
            return
        if isinstance(usage, dict):
            self.usage = usage


def bearer_token(authorization: str) -> str:
    """The token of an `Authorization: Bearer <token>` header value ("" if none)."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _bearer(scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return bearer_token(value.decode("latin-1"))
    return ""


def _sticky_key(body: dict, scope) -> str:
    user = body.get("user")
    if isinstance(user, str) and user:
        return user
    for name, value in scope["headers"]:
        if name == SESSION_HEADER and value:
            return value.decode("latin-1")
    return uuid.uuid4().hex


async def _read_json(receive) -> dict:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("the client disconnected before sending the request body")
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        body = json.loads(b"".join(chunks))
    except ValueError:
        raise BadRequest("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


async def _send_error(send, error: WorkerError) -> None:
    body = error.body()
    await send(
        {
            "type": "http.response.start",
            "status": error.status_code,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
