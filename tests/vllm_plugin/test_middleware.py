"""The middleware in front of a stand-in for vLLM's app: auth, rewrite, headers, guards, streams."""

from __future__ import annotations

import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from control_plane.workers.protocol import TableVersion
from tests.support.assets import TableBuilder, tenant_key
from vllm_plugin.config import WorkerSettings
from vllm_plugin.middleware import AdapterplaneMiddleware
from vllm_plugin.runtime import WorkerRuntime
from vllm_plugin.table import TableStore

pytestmark = pytest.mark.anyio

WORKER_TOKEN = "worker-token-for-tests-0123"
BASE = "smollm2"


async def echo(request):
    """Answers like vLLM: the model it was asked for, and usage."""
    body = await request.json()
    if body.get("stream"):

        async def chunks():
            for word in ("Ahoy", " matey"):
                yield f"data: {json.dumps({'model': body['model'], 'choices': [{'delta': {'content': word}}]})}\n\n"
            yield f"data: {json.dumps({'choices': [], 'usage': {'prompt_tokens': 5, 'completion_tokens': 2}})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")
    return JSONResponse({"model": body.get("model"), "usage": {"prompt_tokens": 7, "completion_tokens": 3}})


async def vllm_admin(request):
    return JSONResponse({"reached": "vllm"})


class FakeEngine:
    def __init__(self):
        self.loaded: list[str] = []

    def is_registered(self, name):
        return name in self.loaded

    async def ensure_loaded(self, name, path, *, resident=False):
        self.loaded.append(name)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def runtime(tmp_path):
    runtime = WorkerRuntime(WorkerSettings(worker_token=WORKER_TOKEN, data_dir=tmp_path))
    builder = TableBuilder(base_model=BASE)
    builder.tenant("acme")
    builder.tenant("globex")
    version = TableVersion(number=1, artifact_uri="file:///store/x", files=[], rank=8, status="active")
    builder.version("acme", "bot", version)
    builder.route("acme", "bot", {1: 100})
    runtime.table = TableStore(tmp_path / "table.json")
    runtime.table.replace(builder.build())
    runtime.base_model_names = [BASE]
    runtime.engine = FakeEngine()

    async def ensure_servable(name, version, *, resident=False):
        await runtime.engine.ensure_loaded(name, None)

    runtime.ensure_servable = ensure_servable
    return runtime


@pytest.fixture
async def client(runtime):
    app = Starlette(
        routes=[
            Route("/v1/chat/completions", echo, methods=["POST"]),
            Route("/v1/load_lora_adapter", vllm_admin, methods=["POST"]),
            Route("/adapters/{name}", vllm_admin, methods=["DELETE"]),
            Route("/scale_elastic_ep", vllm_admin, methods=["POST"]),
            Route("/health", vllm_admin, methods=["GET"]),
        ]
    )
    app.add_middleware(AdapterplaneMiddleware, runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://worker") as client:
        yield client


def auth(tenant="acme"):
    return {"authorization": f"Bearer {tenant_key(tenant)[0]}"}


async def chat(client, model, headers=None, **extra):
    return await client.post("/v1/chat/completions", json={"model": model, "messages": [], **extra}, headers=headers)


async def test_a_route_name_is_rewritten_to_the_version_and_named_in_a_header(client, runtime):
    response = await chat(client, "acme/bot", auth())
    assert response.status_code == 200
    assert response.json()["model"] == "acme/bot:v1"
    assert response.headers["x-adapter-version"] == "acme/bot:v1"
    assert runtime.engine.loaded == ["acme/bot:v1"]
    counters = {c.version: c for c in runtime.metrics.snapshot()}
    assert counters["acme/bot:v1"].requests == 1
    assert counters["acme/bot:v1"].prompt_tokens == 7 and counters["acme/bot:v1"].completion_tokens == 3


async def test_the_base_model_is_served_as_is(client):
    response = await chat(client, BASE, auth())
    assert response.json()["model"] == BASE
    assert response.headers["x-adapter-version"] == BASE


@pytest.mark.parametrize(
    ("headers", "model", "status", "error_type"),
    [
        (None, "acme/bot", 401, "authentication_error"),
        ({"authorization": "Bearer ap_000000000000_nope"}, "acme/bot", 401, "authentication_error"),
        ({"authorization": f"Bearer {WORKER_TOKEN}"}, "acme/bot", 401, "authentication_error"),
        ("globex", "acme/bot", 403, "permission_error"),
        ("acme", "acme/missing", 404, "not_found_error"),
        ("acme", "acme/bot:v7", 404, "not_found_error"),
    ],
)
async def test_errors_are_openai_style_json(client, headers, model, status, error_type):
    if isinstance(headers, str):
        headers = auth(headers)
    response = await chat(client, model, headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["type"] == error_type and error["message"]


async def test_streams_pass_through_with_the_version_header_and_usage_counted(client, runtime):
    async with client.stream(
        "POST", "/v1/chat/completions", json={"model": "acme/bot", "stream": True}, headers=auth()
    ) as response:
        assert response.headers["x-adapter-version"] == "acme/bot:v1"
        lines = [line async for line in response.aiter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[0][len("data: ") :])["model"] == "acme/bot:v1"
    assert runtime.metrics.snapshot()[0].completion_tokens == 2


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/load_lora_adapter"), ("DELETE", "/adapters/x"), ("POST", "/scale_elastic_ep")],
)
async def test_vllms_own_admin_routes_need_the_worker_token(client, method, path):
    assert (await client.request(method, path, headers=auth())).status_code == 401
    allowed = await client.request(method, path, headers={"authorization": f"Bearer {WORKER_TOKEN}"})
    assert allowed.json() == {"reached": "vllm"}


async def test_health_stays_open(client):
    assert (await client.get("/health")).status_code == 200


async def test_a_non_json_body_is_a_clear_400(client):
    response = await client.post("/v1/chat/completions", content=b"model=x", headers=auth())
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]["message"]


async def test_sagemaker_adapter_headers_cannot_override_the_route(client):
    headers = {**auth(), "X-Amzn-SageMaker-Adapter-Identifier": "globex/helper:v1"}
    response = await chat(client, "acme/bot", headers)
    assert response.json()["model"] == "acme/bot:v1"
