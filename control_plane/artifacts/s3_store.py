"""`s3://bucket/prefix`: an artifact store on S3 or an S3-compatible server.

Credentials, region and endpoint come from boto3's usual sources (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3`, profiles,
instance roles): botocore reads `AWS_ENDPOINT_URL` itself. Timeouts are short and retries few,
so that an unreachable store fails within seconds as StoreUnavailable instead of hanging.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from control_plane.artifacts.store import ArtifactStore, StoredFile, check_key, refuse_replacement
from control_plane.kit.errors import AdapterplaneError, InvalidInput, NotFound, StoreUnavailable

CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=10,
    retries={"mode": "standard", "total_max_attempts": 2},
)
# Multipart above 64 MiB; few download attempts for the same reason as the client retries.
TRANSFER_CONFIG = TransferConfig(
    multipart_threshold=64 * 1024**2,
    multipart_chunksize=64 * 1024**2,
    num_download_attempts=2,
)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}


class S3Store(ArtifactStore):
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not _BUCKET.fullmatch(parts.netloc) or parts.query or parts.fragment:
            raise InvalidInput(f"invalid S3 URL {url!r}: expected s3://bucket[/prefix]")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        if self.prefix:
            check_key(self.prefix)
        self.url = f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"
        self._client = boto3.session.Session().client("s3", config=CLIENT_CONFIG)

    def put_file(self, key: str, source: Path) -> None:
        object_key = self._object_key(key)
        size = source.stat().st_size
        try:
            existing = self._client.head_object(Bucket=self.bucket, Key=object_key)["ContentLength"]
        except (BotoCoreError, ClientError) as exc:
            error = self._translate(exc, key)
            if not isinstance(error, NotFound):
                raise error from exc
        else:
            refuse_replacement(key, existing, size)
            return
        try:
            self._client.upload_file(str(source), self.bucket, object_key, Config=TRANSFER_CONFIG)
        except (BotoCoreError, ClientError, S3UploadFailedError) as exc:
            raise self._translate(exc, key) from exc

    def get_file(self, key: str, dest: Path) -> None:
        # download_file writes to a temp name and renames it, so `dest` is complete or absent.
        try:
            self._client.download_file(self.bucket, self._object_key(key), str(dest), Config=TRANSFER_CONFIG)
        except (BotoCoreError, ClientError, RetriesExceededError) as exc:
            raise self._translate(exc, key) from exc

    def list(self, prefix: str) -> list[StoredFile]:
        object_prefix = self._object_key(prefix) + "/"
        root = len(self.prefix) + 1 if self.prefix else 0
        found: list[StoredFile] = []
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=object_prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    if not item["Key"].endswith("/"):  # "folder" markers made by S3 consoles
                        found.append(StoredFile(key=item["Key"][root:], size=item["Size"]))
        except (BotoCoreError, ClientError) as exc:
            raise self._translate(exc, prefix) from exc
        return sorted(found, key=lambda stored: stored.key)

    def check(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            error = self._translate(exc, "")
            if isinstance(error, NotFound):
                raise StoreUnavailable(f"S3 bucket {self.bucket!r} does not exist ({self.url})") from exc
            raise error from exc

    def _object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _translate(self, exc: BaseException, key: str) -> AdapterplaneError:
        """Map a boto error to ours by type and status code (never by message text)."""
        # boto3 wraps transfer failures; the botocore error is the cause or the context.
        if isinstance(exc, (S3UploadFailedError, RetriesExceededError)):
            inner = getattr(exc, "last_exception", None) or exc.__cause__ or exc.__context__
            if isinstance(inner, (BotoCoreError, ClientError)):
                exc = inner
        where = f"{self.url}/{key}" if key else self.url
        if isinstance(exc, NoCredentialsError):
            return StoreUnavailable(
                f"no S3 credentials for {self.url}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or a profile or instance role)"
            )
        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if code == "NoSuchBucket":
                return StoreUnavailable(f"S3 bucket {self.bucket!r} does not exist ({self.url})")
            if code in ("NoSuchKey", "NotFound", "404") or status == 404:
                return NotFound(f"artifact {key!r} not found in {self.url}")
            if code in _DENIED_CODES or status in (401, 403):
                return StoreUnavailable(
                    f"access to {where} denied ({code or status}): check the S3 credentials "
                    "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and the bucket policy"
                )
            return StoreUnavailable(f"S3 error {code or status} for {where}")
        return StoreUnavailable(f"cannot reach S3 for {where}: {exc}")
