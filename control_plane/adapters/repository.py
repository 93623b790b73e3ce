"""All SQL for adapters and versions. Callers pass a tenant obtained from
`TenantRepository.get_scoped`, so every lookup here is already tenant-scoped."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from control_plane.kit.errors import NotFound
from control_plane.models import Adapter, Tenant, Version


class AdapterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(self, tenant: Tenant, name: str) -> Adapter | None:
        return self.session.scalar(
            select(Adapter)
            .options(joinedload(Adapter.base_model), joinedload(Adapter.tenant))
            .where(Adapter.tenant_id == tenant.id, Adapter.name == name)
        )

    def get(self, tenant: Tenant, name: str) -> Adapter:
        adapter = self.find(tenant, name)
        if adapter is None:
            raise NotFound(f"adapter {tenant.name}/{name} does not exist")
        return adapter

    def list(self, tenant_ids: list[int] | None) -> list[Adapter]:
        query = (
            select(Adapter)
            .options(joinedload(Adapter.base_model), joinedload(Adapter.tenant))
            .join(Tenant, Tenant.id == Adapter.tenant_id)
            .order_by(Tenant.name, Adapter.name)
        )
        if tenant_ids is not None:
            query = query.where(Adapter.tenant_id.in_(tenant_ids))
        return list(self.session.scalars(query))

    def get_or_create(self, tenant: Tenant, name: str, base_model_id: int, created_by: str) -> tuple[Adapter, bool]:
        """The adapter `tenant/name`, created if missing; (adapter, created).

        Two first publishes may race: the loser's insert fails on the unique constraint inside
        a savepoint, and it reads the winner's row instead of failing the request."""
        found = self.find(tenant, name)
        if found is not None:
            return found, False
        try:
            with self.session.begin_nested():
                self.session.add(
                    Adapter(tenant_id=tenant.id, name=name, base_model_id=base_model_id, created_by=created_by)
                )
        except IntegrityError:
            return self.get(tenant, name), False
        return self.get(tenant, name), True

    def take_version_number(self, adapter: Adapter) -> int:
        """Reserve the adapter's next version number.

        The UPDATE takes the adapter's row lock (PostgreSQL) or the write lock (SQLite), so
        concurrent publishes queue here; the bump rolls back with a failed transaction, so
        numbers stay gap-free.
        """
        number = self.session.scalar(
            update(Adapter)
            .where(Adapter.id == adapter.id)
            .values(next_version=Adapter.next_version + 1)
            .returning(Adapter.next_version)
        )
        assert number is not None
        return number - 1

    def version_counts(self, adapter_ids: list[int]) -> dict[int, int]:
        rows = self.session.execute(
            select(Version.adapter_id, func.count())
            .where(Version.adapter_id.in_(adapter_ids))
            .group_by(Version.adapter_id)
        )
        return {adapter_id: count for adapter_id, count in rows}


class VersionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list(self, adapter: Adapter) -> list[Version]:
        return list(
            self.session.scalars(
                select(Version).where(Version.adapter_id == adapter.id).order_by(Version.number)
            )
        )

    def get(self, adapter: Adapter, number: int) -> Version:
        version = self.session.scalar(
            select(Version).where(Version.adapter_id == adapter.id, Version.number == number)
        )
        if version is None:
            raise NotFound(f"version {adapter.tenant.name}/{adapter.name}:v{number} does not exist")
        return version

    def by_numbers(self, adapter: Adapter, numbers: list[int]) -> dict[int, Version]:
        rows = self.session.scalars(
            select(Version).where(Version.adapter_id == adapter.id, Version.number.in_(numbers))
        )
        return {version.number: version for version in rows}

    def add(self, version: Version) -> Version:
        self.session.add(version)
        self.session.flush()
        return version

    def on_base_model(self, base_model_id: int) -> list[tuple[Version, str, str]]:
        """(version, tenant name, adapter name) for every version on a base model."""
        rows = self.session.execute(
            select(Version, Tenant.name, Adapter.name)
            .join(Adapter, Adapter.id == Version.adapter_id)
            .join(Tenant, Tenant.id == Adapter.tenant_id)
            .where(Version.base_model_id == base_model_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]
