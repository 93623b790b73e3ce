"""Demo assets for worker tests: the SmolLM2 base model, trained adapters, a file store holding
them as published versions, and routing tables written by hand (the control-plane-down path).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from control_plane.adapters.validation import ADAPTER_CONFIG, artifact_digest, digest_files
from control_plane.artifacts.store import version_prefix
from control_plane.local.assets import Assets, build_all
from control_plane.workers.protocol import (
    RoutingTable,
    TableAdapter,
    TableRoute,
    TableTenant,
    TableVersion,
)


def demo_assets() -> Assets:
    """Base model and the pirate/caps/codeword adapters, cached across test runs."""
    return build_all()


def publish(store_root: Path, tenant: str, adapter: str, number: int, source: Path) -> TableVersion:
    """Copy `source` into a file store the way the control plane lays out versions."""
    files = digest_files(source)
    prefix = version_prefix(tenant, adapter, artifact_digest(files))
    target = store_root / prefix
    target.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copyfile(source / file.name, target / file.name)
    return TableVersion(
        number=number,
        artifact_uri=f"{store_root.resolve().as_uri()}/{prefix}",
        files=files,
        rank=json.loads((source / ADAPTER_CONFIG).read_text())["r"],
        status="active",
    )


def tenant_key(tenant: str) -> tuple[str, str, str]:
    """A deterministic tenant key `ap_<key id>_<secret>`: (key, key id, sha256 hex)."""
    key_id = hashlib.sha256(tenant.encode()).hexdigest()[:12]
    key = f"ap_{key_id}_secret-{tenant}"
    return key, key_id, hashlib.sha256(key.encode()).hexdigest()


@dataclass
class TableBuilder:
    """A routing table edited by tests: tenants, adapters, versions and route weights."""

    base_model: str
    tenants: dict[str, TableTenant] = field(default_factory=dict)
    adapters: dict[str, TableAdapter] = field(default_factory=dict)
    revision: int = 0

    def tenant(self, name: str) -> str:
        key, key_id, sha = tenant_key(name)
        self.tenants[name] = TableTenant(name=name, keys={key_id: sha})
        return key

    def version(self, tenant: str, adapter: str, version: TableVersion) -> None:
        entry = self.adapters.setdefault(
            f"{tenant}/{adapter}", TableAdapter(tenant=tenant, name=adapter, routes={}, versions={})
        )
        entry.versions[version.number] = version

    def route(self, tenant: str, adapter: str, weights: dict[int, int], name: str = "default") -> None:
        entry = self.adapters[f"{tenant}/{adapter}"]
        self.revision += 1
        route_id = int(hashlib.sha256(f"{tenant}/{adapter}@{name}".encode()).hexdigest()[:6], 16)
        entry.routes[name] = TableRoute(route_id=route_id, name=name, revision=self.revision, weights=weights)

    def build(self) -> RoutingTable:
        self.revision += 1
        return RoutingTable(
            etag=f"test-{self.revision}",
            base_model=self.base_model,
            generated_at=datetime.now(UTC),
            tenants=dict(self.tenants),
            adapters={key: adapter.model_copy(deep=True) for key, adapter in self.adapters.items()},
        )
