"""Who is calling: the admin, a tenant (by API key) or a worker. Keys are stored as sha256."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from control_plane.kit.errors import Forbidden

KEY_PREFIX = "ap"
_KEY = re.compile(r"ap_(?P<key_id>[0-9a-f]{12})_(?P<secret>[A-Za-z0-9_-]{20,200})")


@dataclass(frozen=True)
class Principal:
    kind: str  # "admin" | "tenant" | "worker"
    tenant_id: int | None = None
    tenant_name: str | None = None
    key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    @property
    def actor(self) -> str:
        if self.kind == "tenant":
            return f"tenant:{self.tenant_name}/key:{self.key_id}"
        return self.kind

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("this operation needs the admin token")

    def require_worker(self) -> None:
        if self.kind != "worker":
            raise Forbidden("this operation needs the worker token")


ADMIN = Principal(kind="admin")
WORKER = Principal(kind="worker")


def new_api_key() -> tuple[str, str, str]:
    """(key id, full key shown once, sha256 of the full key)."""
    key_id = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key_id(key: str) -> str | None:
    match = _KEY.fullmatch(key)
    return match["key_id"] if match else None


def tokens_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
