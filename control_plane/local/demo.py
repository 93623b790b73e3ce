"""The one-command demo (`make demo`): the whole adapterplane lifecycle on this machine.

Builds the SmolLM2 demo model and three demo adapters (cached), starts the local stack, and walks
through publish, a sticky 80/20 split, a rollout of a broken version that rolls itself back, a
manual rollback and the audit trail, with real model answers, then shuts everything down.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
from openai import OpenAI

from control_plane.local.assets import Assets, build_all
from control_plane.local.base_model import SERVED_NAME
from control_plane.local.stack import LocalStack, StackError, ensure_port_free, running_stack
from control_plane.local.styles import style_of

ADAPTER = "acme/support-bot"
QUESTION = "What is a good name for a cat?"
USERS = [f"user-{n}" for n in range(1, 21)]


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"== {text} " + "=" * max(0, 70 - len(text)))


class Demo:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        # The console script installed beside this interpreter: what a user would type.
        self.adapterctl = [str(Path(sys.executable).parent / "adapterctl"), "--server", stack.control_plane_url]
        self.env = {**os.environ, "ADAPTERCTL_TOKEN": stack.admin_token}

    def ctl(self, *args: str) -> str:
        """Run adapterctl, echo the command and what it printed, fail loudly if it fails.
        Returns stdout: with -o json the JSON document (not echoed), else stdout and stderr
        merged in the order they were written."""
        say(f"$ adapterctl {' '.join(args)}")
        as_json = args[:2] == ("-o", "json")
        done = subprocess.run(
            [*self.adapterctl, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if as_json else subprocess.STDOUT,
            text=True,
        )
        for line in ((done.stderr or "") if as_json else done.stdout).strip().splitlines():
            say(f"  {line}")
        if done.returncode != 0:
            raise SystemExit(f"demo failed: adapterctl {' '.join(args)} exited {done.returncode}")
        return done.stdout

    def ask(self, client: OpenAI, model: str, user: str) -> tuple[str, str]:
        raw = client.chat.completions.with_raw_response.create(
            model=model,
            messages=[{"role": "user", "content": QUESTION}],
            max_tokens=24,
            temperature=0,
            user=user,
        )
        answer = raw.parse().choices[0].message.content or ""
        return raw.headers.get("x-adapter-version", "?"), answer.strip().replace("\n", " ")

    def show_traffic(self, client: OpenAI, title: str) -> dict[str, int]:
        say(f"{title} — {len(USERS)} users ask {QUESTION!r}:")
        counts: dict[str, int] = {}
        for user in USERS:
            version, answer = self.ask(client, ADAPTER, user)
            counts[version] = counts.get(version, 0) + 1
            say(f"  {user:8} → {version:22} [{style_of(answer) or 'plain'}] {answer[:60]}")
        say("  " + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) + f" (of these {len(USERS)} users)")
        return counts

    def run(self, assets: Assets) -> None:
        heading("1. A tenant and its API key")
        self.ctl("tenants", "create", "acme")
        key_json = self.ctl("-o", "json", "keys", "create", "acme", "--name", "demo-app")
        tenant_key = json.loads(key_json)["key"]
        client = OpenAI(base_url=f"{self.stack.worker_url}/v1", api_key=tenant_key, max_retries=0, timeout=120)

        heading("2. Publish two versions (v1 answers like a pirate, v2 in capitals)")
        self.ctl("publish", ADAPTER, str(assets.adapters["pirate"]), "--base-model", SERVED_NAME, "--description", "pirate")
        self.ctl("publish", ADAPTER, str(assets.adapters["caps"]), "--base-model", SERVED_NAME, "--description", "capitals")
        self.wait_ready()
        version, answer = self.ask(client, SERVED_NAME, "someone")
        say(f"the base model itself ({SERVED_NAME}) answers: {answer[:70]}")
        version, answer = self.ask(client, f"{ADAPTER}:v2", "someone")
        say(f"{ADAPTER}:v2 (asked by version) answers: {answer[:70]}")

        heading("3. Split 80/20: every user sticks to one version")
        self.ctl("split", "set", ADAPTER, "v1=80", "v2=20", "--wait")
        say("(each user's bucket is a stable hash of the route and the user: over many users the")
        say(" shares converge to 80/20; a sample of 20 names lands wherever their hashes fall)")
        first = self.show_traffic(client, "80/20 split")
        again = self.show_traffic(client, "the same users again")
        say("  same users, same versions: " + ("yes" if first == again else "NO"))

        heading("4. A rollout of a broken version rolls itself back to the 80/20 split")
        self.ctl("publish", ADAPTER, str(assets.adapters["codeword"]), "--base-model", SERVED_NAME, "--description", "codeword")
        self.break_stored_artifact(3)
        self.ctl("rollout", "start", ADAPTER, "--to", "v3", "--steps", "50,100", "--interval", "5s", "--min-requests", "5")
        self.wait_rollout_done()
        self.ctl("rollout", "status", ADAPTER)
        self.show_traffic(client, "after the automatic rollback")

        heading("5. Roll back by hand to the first revision")
        self.ctl("rollback", ADAPTER, "--to-revision", "1", "--wait")
        self.show_traffic(client, "after the manual rollback")

        heading("6. History and audit trail")
        self.ctl("history", ADAPTER)
        self.ctl("audit", "--tenant", "acme")

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        headers = {"authorization": f"Bearer {self.stack.admin_token}"}
        while time.monotonic() < deadline:
            route = httpx.get(f"{self.stack.control_plane_url}/v1/adapters/{ADAPTER}/routes/default", headers=headers).json()
            if route.get("ready"):
                return
            time.sleep(0.5)
        raise SystemExit("demo failed: the default route did not become ready")

    def break_stored_artifact(self, number: int) -> None:
        """Simulate storage corruption after publish: flip bytes in the stored weights."""
        headers = {"authorization": f"Bearer {self.stack.admin_token}"}
        version = httpx.get(f"{self.stack.control_plane_url}/v1/adapters/{ADAPTER}/versions/{number}", headers=headers).json()
        weights = Path(urlparse(version["artifact_uri"]).path) / "adapter_model.safetensors"
        data = bytearray(weights.read_bytes())
        data[-64:] = bytes(64)
        weights.write_bytes(bytes(data))
        say(f"(demo) corrupted the stored weights of {ADAPTER}:v{number} at {weights}")

    def wait_rollout_done(self, timeout: float = 300) -> None:
        headers = {"authorization": f"Bearer {self.stack.admin_token}"}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rollout = httpx.get(f"{self.stack.control_plane_url}/v1/adapters/{ADAPTER}/routes/default/rollout", headers=headers).json()
            if rollout["state"] not in ("running", "paused"):
                return
            time.sleep(1)
        raise SystemExit("demo failed: the rollout did not finish")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m control_plane.local.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(".adapterplane-demo"), help="demo state (wiped at start)")
    parser.add_argument("--port", type=int, default=8000, help="control plane port")
    parser.add_argument("--worker-port", type=int, default=8100, help="vLLM worker port")
    args = parser.parse_args(argv)
    try:
        ensure_port_free(args.port, "control plane")
        ensure_port_free(args.worker_port, "vLLM worker")
        heading("0. Demo model and adapters (built once, then cached)")
        assets = build_all(progress=lambda message: say(f"  {message}"))
        shutil.rmtree(args.data_dir, ignore_errors=True)
        with running_stack(assets.base_model, args.data_dir.resolve(), args.port, args.worker_port, progress=lambda m: say(f"  {m}")) as stack:
            Demo(stack).run(assets)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    say()
    say("demo finished: everything above ran on this machine against a real vLLM worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
