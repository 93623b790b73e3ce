"""Two real vLLM CPU workers registered with a real control plane; adapters published, split
and routed through its REST API; then the control plane stops and the workers keep serving.
The second worker is attached through `--middleware`, as on vLLM releases without endpoint
plugins, so every test here covers both attachments.

The last test stops the control plane: keep it last in this module.
"""

from __future__ import annotations

import concurrent.futures

import httpx
import openai
import pytest

from control_plane.local.base_model import SERVED_NAME
from control_plane.local.styles import style_of

pytestmark = pytest.mark.vllm

QUESTION = [{"role": "user", "content": "What is the tallest mountain in the world?"}]
STYLE_OF_VERSION = {"acme/bot:v1": "pirate", "acme/bot:v2": "caps"}


def served_versions(worker, key: str, users: list[str]) -> dict[str, str]:
    """user → the version that served a one-token completion for that user."""

    def one(user: str) -> tuple[str, str]:
        response = httpx.post(
            f"{worker.url}/v1/chat/completions",
            headers={"authorization": f"Bearer {key}"},
            json={"model": "acme/bot", "messages": QUESTION, "max_tokens": 1, "user": user},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return user, response.headers["x-adapter-version"]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, users))


def ask(worker, key: str, model: str, user: str | None = None) -> tuple[str, str]:
    client = openai.OpenAI(base_url=f"{worker.url}/v1", api_key=key, max_retries=0, timeout=120)
    extra = {"user": user} if user else {}
    raw = client.chat.completions.with_raw_response.create(
        model=model, messages=QUESTION, temperature=0, max_tokens=24, **extra
    )
    return raw.parse().choices[0].message.content, raw.headers["x-adapter-version"]


def test_workers_register_the_base_model_with_its_fingerprint(control_plane_deployment):
    with control_plane_deployment.admin() as admin:
        base = admin.get(f"/v1/base-models/{SERVED_NAME}").json()
        workers = admin.get("/v1/workers").json()
    assert base["hidden_size"] == 576 and base["model_type"] == "llama" and base["num_hidden_layers"] == 30
    assert {worker["name"] for worker in workers} >= {"cp-worker-1", "cp-worker-2"}
    assert all(worker["max_lora_rank"] == 8 and worker["max_loras"] == 2 for worker in workers)


def test_every_model_name_form_answers_from_the_right_version(control_plane_deployment):
    worker, key = control_plane_deployment.workers[0], control_plane_deployment.keys["acme"]
    for model, expected in (("acme/bot:v1", "pirate"), ("acme/bot:v2", "caps"), (SERVED_NAME, None)):
        text, header = ask(worker, key, model)
        assert style_of(text) == expected, (model, text)
    for user in ("alice", "bob", "carol", "dave"):
        text, header = ask(worker, key, "acme/bot", user)
        assert style_of(text) == STYLE_OF_VERSION[header], (header, text)


def test_a_70_30_split_over_400_users_is_sticky_across_two_workers(control_plane_deployment):
    first_worker, second_worker = control_plane_deployment.workers
    key = control_plane_deployment.keys["acme"]
    users = [f"split-user-{index}" for index in range(400)]
    first = served_versions(first_worker, key, users)
    share = sum(version == "acme/bot:v1" for version in first.values()) / len(users)
    assert 0.65 <= share <= 0.75, share
    sample = users[::8]
    expected = {user: first[user] for user in sample}
    assert served_versions(first_worker, key, sample) == expected
    assert served_versions(second_worker, key, sample) == expected


@pytest.mark.parametrize("index", [0, 1], ids=["endpoint-plugin", "middleware"])
def test_both_attachments_guard_vllms_routes_and_scope_the_model_list(control_plane_deployment, index):
    worker = control_plane_deployment.workers[index]
    refused = httpx.post(f"{worker.url}/v1/load_lora_adapter", json={"lora_name": "x", "lora_path": "/tmp"})
    assert refused.status_code == 401
    client = openai.OpenAI(base_url=f"{worker.url}/v1", api_key=control_plane_deployment.keys["acme"], max_retries=0)
    assert {model.id for model in client.models.list().data} == {SERVED_NAME, "acme/bot", "acme/bot:v1", "acme/bot:v2"}
    token = {"authorization": f"Bearer {control_plane_deployment.plane.worker_token}"}
    assert set(httpx.get(f"{worker.url}/adapterplane/loaded", headers=token).json()["loaded"]) <= set(STYLE_OF_VERSION)


def test_heartbeats_report_what_the_engine_holds(control_plane_deployment):
    with control_plane_deployment.admin() as admin:
        workers = {worker["name"]: worker for worker in admin.get("/v1/workers").json()}
    assert all(workers[name]["loaded"] >= 1 for name in ("cp-worker-1", "cp-worker-2"))


def test_with_the_control_plane_down_workers_keep_serving_and_restart_from_their_table(control_plane_deployment):
    plane = control_plane_deployment.plane
    first_worker, second_worker = control_plane_deployment.workers
    key = control_plane_deployment.keys["acme"]
    plane.process.terminate()
    plane.process.wait(timeout=30)

    for model, expected in (("acme/bot:v1", "pirate"), ("acme/bot:v2", "caps")):
        text, _ = ask(first_worker, key, model)
        assert style_of(text) == expected

    second_worker.restart()  # nothing to register with: it serves from its saved table
    for model, expected in (("acme/bot:v2", "caps"), ("acme/bot:v1", "pirate")):
        text, header = ask(second_worker, key, model)
        assert style_of(text) == expected, text
    with pytest.raises(openai.AuthenticationError):
        ask(second_worker, "ap_0123456789ab_wrong", "acme/bot")
