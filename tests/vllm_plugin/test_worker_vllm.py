"""A real vLLM CPU worker serving from a routing-table file, called with the real `openai` client.

Answers prove which adapter served a request: each demo adapter answers in its own style
(pirate, capitals, code word) and the base model in none of them.
"""

from __future__ import annotations

import httpx
import openai
import pytest

from control_plane.local.base_model import SERVED_NAME
from control_plane.local.styles import style_of
from tests.vllm_plugin.conftest import WORKER_TOKEN

pytestmark = pytest.mark.vllm

QUESTION = [{"role": "user", "content": "What is the tallest mountain in the world?"}]
WORKER = {"authorization": f"Bearer {WORKER_TOKEN}"}


def client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, max_retries=0, timeout=120)


def ask(server, key: str, model: str, **extra):
    """(answer text, x-adapter-version) of a greedy chat completion."""
    raw = client(server, key).chat.completions.with_raw_response.create(
        model=model, messages=QUESTION, temperature=0, max_tokens=24, **extra
    )
    return raw.parse().choices[0].message.content, raw.headers["x-adapter-version"]


@pytest.mark.parametrize(
    ("model", "served", "style"),
    [
        (SERVED_NAME, SERVED_NAME, None),
        ("acme/bot:v2", "acme/bot:v2", "caps"),
        ("acme/bot@staging", "acme/bot:v3", "codeword"),
    ],
)
def test_model_name_forms_select_what_answers(table_worker, deployment, model, served, style):
    text, header = ask(table_worker, deployment.keys["acme"], model)
    assert header == served
    assert style_of(text) == style, text


def test_the_default_route_serves_the_users_version(table_worker, deployment):
    # The same user always lands on the same arm; both arms answer in their own style.
    seen = {}
    for user in ("alice", "bob", "carol", "dave", "erin", "frank"):
        text, header = ask(table_worker, deployment.keys["acme"], "acme/bot", user=user)
        assert style_of(text) == {"acme/bot:v1": "pirate", "acme/bot:v2": "caps"}[header], text
        seen[header] = user
    assert set(seen) <= {"acme/bot:v1", "acme/bot:v2"}


def test_a_tenant_key_cannot_use_another_tenants_adapter(table_worker, deployment):
    with pytest.raises(openai.PermissionDeniedError):
        ask(table_worker, deployment.keys["globex"], "acme/bot:v1")
    text, header = ask(table_worker, deployment.keys["globex"], "globex/helper")
    assert header == "globex/helper:v1" and style_of(text) == "codeword"


def test_a_bad_key_is_401_and_unknown_names_404(table_worker, deployment):
    with pytest.raises(openai.AuthenticationError):
        ask(table_worker, "ap_0123456789ab_wrong", "acme/bot")
    with pytest.raises(openai.AuthenticationError):
        ask(table_worker, WORKER_TOKEN, "acme/bot")  # the worker token is not a tenant key
    for model in ("acme/nothing", "acme/bot:v9", "acme/bot@nope", "gpt-4o"):
        with pytest.raises(openai.NotFoundError):
            ask(table_worker, deployment.keys["acme"], model)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/load_lora_adapter", {"lora_name": "evil", "lora_path": "/tmp"}),
        ("POST", "/v1/unload_lora_adapter", {"lora_name": "acme/bot:v1"}),
        ("POST", "/adapters", {"name": "evil", "src": "/tmp"}),
        ("DELETE", "/adapters/acme", None),
    ],
)
def test_vllms_raw_adapter_routes_are_refused_without_the_worker_token(table_worker, deployment, method, path, body):
    for headers in ({}, {"authorization": f"Bearer {deployment.keys['acme']}"}):
        response = httpx.request(method, f"{table_worker.url}{path}", json=body, headers=headers)
        assert response.status_code == 401, response.text
    # With the token the request reaches vLLM (which then judges it on its own terms).
    reached = httpx.request(method, f"{table_worker.url}{path}", json=body, headers=WORKER)
    assert reached.status_code != 401


def test_a_tampered_artifact_is_refused_and_the_server_stays_up(table_worker, deployment):
    with pytest.raises(openai.APIStatusError) as refused:
        ask(table_worker, deployment.keys["acme"], "acme/broken")
    assert refused.value.status_code == 502
    assert "sha256" in refused.value.message
    text, _ = ask(table_worker, deployment.keys["acme"], "acme/bot:v2")
    assert style_of(text) == "caps"
    loaded = httpx.get(f"{table_worker.url}/adapterplane/loaded", headers=WORKER).json()["loaded"]
    assert "acme/broken:v1" not in loaded


def test_streaming_chat_completions_work_through_the_middleware(table_worker, deployment):
    stream = client(table_worker, deployment.keys["acme"]).chat.completions.create(
        model="acme/bot@staging", messages=QUESTION, temperature=0, max_tokens=24, stream=True
    )
    chunks = list(stream)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert len(chunks) > 3
    assert {chunk.model for chunk in chunks} == {"acme/bot:v3"}
    assert style_of(text) == "codeword", text


def test_admin_load_and_unload_change_what_the_engine_holds(table_worker, deployment):
    version = deployment.builder.adapters["globex/helper"].versions[1]
    load = {"version": "globex/helper:v1", "artifact_uri": version.artifact_uri,
            "files": [f.model_dump() for f in version.files], "rank": version.rank}
    assert httpx.post(f"{table_worker.url}/adapterplane/load", json=load).status_code == 401
    loaded = httpx.post(f"{table_worker.url}/adapterplane/load", json=load, headers=WORKER, timeout=60)
    assert loaded.status_code == 200, loaded.text
    assert "globex/helper:v1" in loaded.json()["loaded"]
    unloaded = httpx.post(
        f"{table_worker.url}/adapterplane/unload", json={"version": "globex/helper:v1"}, headers=WORKER
    )
    assert "globex/helper:v1" not in unloaded.json()["loaded"]
    listing = httpx.get(f"{table_worker.url}/v1/models", headers=WORKER).json()["data"]
    assert "globex/helper:v1" in {card["id"] for card in listing}  # still in the table: servable again
    text, _ = ask(table_worker, deployment.keys["globex"], "globex/helper:v1")
    assert style_of(text) == "codeword"


def test_models_lists_only_the_callers_adapters(table_worker, deployment):
    ids = {card.id for card in client(table_worker, deployment.keys["globex"]).models.list().data}
    assert SERVED_NAME in ids and "globex/helper" in ids
    assert not any(name.startswith("acme/") for name in ids)


def test_metrics_count_requests_and_errors_per_version(table_worker, deployment):
    ask(table_worker, deployment.keys["acme"], "acme/bot:v2")
    with pytest.raises(openai.APIStatusError):
        ask(table_worker, deployment.keys["acme"], "acme/broken:v1")
    metrics = httpx.get(f"{table_worker.url}/metrics").text
    assert 'adapterplane_worker_requests_total{adapter="bot",tenant="acme",version="2"}' in metrics
    assert 'adapterplane_worker_tokens_total{adapter="bot",kind="completion",tenant="acme",version="2"}' in metrics
    assert 'adapterplane_worker_errors_total{adapter="broken",tenant="acme",version="1"}' in metrics
