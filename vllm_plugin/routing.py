"""Map a request's `model` to what serves it (DESIGN.md "The model field"). Pure, no I/O.

- the served base-model name (or no model) → the base model,
- `tenant/adapter` → the default route, `tenant/adapter@name` → a named route (sticky split),
- `tenant/adapter:vN` → exactly that version.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from control_plane.kit.names import DEFAULT_ROUTE, parse_ref, version_name
from control_plane.routes.buckets import choose_version
from control_plane.workers.protocol import RoutingTable, TableVersion
from vllm_plugin.errors import Forbidden, ModelNotFound

#: Version statuses that serve requests: deprecation only keeps a version out of new splits.
SERVABLE_STATUSES = frozenset({"active", "deprecated"})


@dataclass(frozen=True)
class Target:
    """What serves a request: an adapter version, or the base model (`version` None)."""

    tenant: str
    served_name: str
    adapter: str | None = None
    number: int | None = None
    version: TableVersion | None = None

    @property
    def is_adapter(self) -> bool:
        return self.version is not None


def choose_target(
    table: RoutingTable, tenant: str, model: str | None, sticky_key: str, base_names: Collection[str]
) -> Target:
    """Raise ModelNotFound for names that do not exist, Forbidden for another tenant's names."""
    if not model or model in base_names:
        return Target(tenant=tenant, served_name=model or next(iter(base_names)))
    ref = parse_ref(model)
    if ref is None:
        raise ModelNotFound(f"The model `{model}` does not exist.")
    if ref.tenant != tenant:
        raise Forbidden(f"This API key belongs to tenant `{tenant}` and cannot use `{model}`.")
    adapter = table.adapters.get(ref.name)
    if adapter is None:
        raise ModelNotFound(f"The adapter `{ref.name}` does not exist.")
    if ref.version is not None:
        number = ref.version
    else:
        route_name = ref.route or DEFAULT_ROUTE
        route = adapter.routes.get(route_name)
        if route is None or not route.weights:
            raise ModelNotFound(f"The adapter `{ref.name}` has no route `{route_name}`.")
        number = choose_version(route.route_id, sticky_key, route.weights)
    version = adapter.versions.get(number)
    if version is None or version.status not in SERVABLE_STATUSES:
        raise ModelNotFound(f"The version `{ref.name}:v{number}` does not exist.")
    return Target(
        tenant=tenant,
        served_name=version_name(ref.tenant, ref.adapter, number),
        adapter=ref.adapter,
        number=number,
        version=version,
    )


def find_version(table: RoutingTable | None, name: str) -> TableVersion | None:
    """The table entry of a concrete version name `tenant/adapter:vN`, if any."""
    ref = parse_ref(name)
    if table is None or ref is None or ref.version is None:
        return None
    adapter = table.adapters.get(ref.name)
    return adapter.versions.get(ref.version) if adapter is not None else None
