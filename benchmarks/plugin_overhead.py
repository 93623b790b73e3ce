"""Latency the adapterplane plugin adds per request, against vanilla vLLM.

Both servers run the same base model on the same CPU settings with the same adapter (the demo
"pirate" adapter): vanilla vLLM loads it statically (`--lora-modules`), the worker loads it
through the plugin (first request; excluded as warm-up). Both run at once and the same request
goes to each in turn, one request in flight at a time: whatever else the machine is doing
slows both alike, which sequential phases on a shared machine would not guarantee.

It also times the middleware alone, in process, around an app that answers at once: the
plugin's own cost per request (key check, routing, body rewrite, counting), free of vLLM noise.

    python benchmarks/plugin_overhead.py [--requests 200] [--max-tokens 1 16] [--out FILE]

Prints a Markdown report (and writes it to --out).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from control_plane.local.base_model import SERVED_NAME  # noqa: E402
from tests.support.assets import TableBuilder, demo_assets, publish  # noqa: E402
from tests.support.vllm_server import plain_server, worker_server  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is the tallest mountain in the world?"}]
WORKER_TOKEN = "benchmark-worker-token-0123456789"
LORA_ARGS = ["--enable-lora", "--max-lora-rank", "8", "--max-loras", "1"]


def measure_interleaved(targets, requests: int, max_tokens: int, warmup: int = 10) -> list[list[float]]:
    """Per target, the latencies of `requests` identical requests, sent in turn to each."""
    clients = [httpx.Client(base_url=url, headers=headers, timeout=120) for url, headers, _ in targets]
    latencies: list[list[float]] = [[] for _ in targets]
    try:
        for index in range(warmup + requests):
            order = range(len(targets)) if index % 2 == 0 else reversed(range(len(targets)))
            for position in order:
                body = {"model": targets[position][2], "messages": MESSAGES, "max_tokens": max_tokens,
                        "temperature": 0, "user": f"user-{index}"}
                started = time.perf_counter()
                response = clients[position].post("/v1/chat/completions", json=body)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                if index >= warmup:
                    latencies[position].append(elapsed)
    finally:
        for client in clients:
            client.close()
    return latencies


def middleware_cost(table, key: str, model: str, calls: int = 20000) -> tuple[float, float]:
    """Microseconds per request: (bare app, the same app behind the middleware)."""
    from vllm_plugin.config import WorkerSettings
    from vllm_plugin.middleware import AdapterplaneMiddleware
    from vllm_plugin.runtime import WorkerRuntime
    from vllm_plugin.table import TableStore

    runtime = WorkerRuntime(WorkerSettings(worker_token=WORKER_TOKEN, data_dir=Path(tempfile.mkdtemp())))
    runtime.table = TableStore(Path(tempfile.mkdtemp()) / "table.json")
    runtime.table.replace(table)
    runtime.base_model_names = [SERVED_NAME]

    class Registered:  # the steady state: the version is already loaded
        def is_registered(self, name):
            return True

    runtime.engine = Registered()
    response = json.dumps({"usage": {"prompt_tokens": 30, "completion_tokens": 1}}).encode()

    async def app(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": response})

    body = json.dumps({"model": model, "messages": MESSAGES, "max_tokens": 1, "user": "user-1"}).encode()
    scope = {"type": "http", "method": "POST", "path": "/v1/chat/completions",
             "headers": [(b"authorization", f"Bearer {key}".encode()), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())]}

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        pass

    async def time_calls(target) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            await target(dict(scope), receive, send)
        return (time.perf_counter() - started) / calls * 1e6

    async def both() -> tuple[float, float]:
        wrapped = AdapterplaneMiddleware(app, runtime=runtime)
        await time_calls(wrapped)  # warm-up
        return await time_calls(app), await time_calls(wrapped)

    return asyncio.run(both())


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p90": ordered[int(0.9 * (len(ordered) - 1))] * 1000,
        "mean": statistics.fmean(ordered) * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--max-tokens", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    assets = demo_assets()
    work = Path(tempfile.mkdtemp(prefix="plugin-overhead-"))
    store = work / "store"
    builder = TableBuilder(base_model=SERVED_NAME)
    key = builder.tenant("bench")
    builder.version("bench", "bot", publish(store, "bench", "bot", 1, assets.adapters["pirate"]))
    builder.route("bench", "bot", {1: 100})
    table = work / "routing-table.json"
    table.write_text(builder.build().model_dump_json())

    vanilla = plain_server(
        assets.base_model, SERVED_NAME, work / "vanilla.log",
        vllm_args=[*LORA_ARGS, "--lora-modules", f"bench-bot={assets.adapters['pirate']}"],
    )
    worker = worker_server(
        assets.base_model, SERVED_NAME, work / "worker.log",
        env={"ADAPTERPLANE_WORKER_TOKEN": WORKER_TOKEN, "ADAPTERPLANE_DATA_DIR": str(work / "data"),
             "ADAPTERPLANE_STORE_URL": store.resolve().as_uri()},
        routing_table=table, vllm_args=LORA_ARGS[1:],
    )
    print("starting vanilla vLLM and the adapterplane worker ...", file=sys.stderr)
    servers = [vanilla.start(), worker.start()]
    try:
        for server in servers:
            server.wait_ready()
        rows = [
            ("vanilla vLLM, static adapter", (vanilla.url, {}, "bench-bot")),
            ("adapterplane, exact version", (worker.url, {"authorization": f"Bearer {key}"}, "bench/bot:v1")),
            ("adapterplane, default route", (worker.url, {"authorization": f"Bearer {key}"}, "bench/bot")),
        ]
        results: dict[tuple[str, str, int], dict[str, float]] = {}
        for max_tokens in args.max_tokens:
            print(f"  max_tokens={max_tokens}: {args.requests} rounds", file=sys.stderr)
            latencies = measure_interleaved([target for _, target in rows], args.requests, max_tokens)
            for (label, target), measured in zip(rows, latencies):
                results[(label, target[2], max_tokens)] = summary(measured)
    finally:
        for server in servers:
            server.stop()

    bare, wrapped = middleware_cost(builder.build(), key, "bench/bot")
    report = render(results, args) + (
        f"\nMiddleware alone, in process (default route, version already loaded): {wrapped - bare:.0f} µs "
        f"per request ({bare:.0f} µs for the bare app, {wrapped:.0f} µs behind the middleware).\n"
    )
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


def render(results, args) -> str:
    lines = [
        "| server | model | max_tokens | p50 ms | p90 ms | mean ms | p50 ratio vs vanilla |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (label, model, max_tokens), stats in results.items():
        base = results[("vanilla vLLM, static adapter", "bench-bot", max_tokens)]
        ratio = stats["p50"] / base["p50"]
        lines.append(
            f"| {label} | `{model}` | {max_tokens} | {stats['p50']:.1f} | {stats['p90']:.1f} | "
            f"{stats['mean']:.1f} | {ratio:.3f} |"
        )
    return "\n".join(lines) + (
        f"\n\n{args.requests} rounds after 10 warm-up rounds; each round sends the same request to every "
        "row's server in turn (one in flight at a time).\n"
    )


if __name__ == "__main__":
    sys.exit(main())
