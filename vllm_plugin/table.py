"""The routing table a worker serves from, kept in memory and in a file.

The file is rewritten atomically on every change, so a worker that restarts while the control
plane is down serves the last table it had. Tables are ordered by `generated_at`: a stale one
(a slow poll answered after a newer push) never replaces a newer one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from control_plane.workers.protocol import RoutingTable

logger = logging.getLogger(__name__)

KEY_PREFIX = "ap_"


@dataclass(frozen=True)
class KeyEntry:
    tenant: str
    sha256: str


class TableStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._table: RoutingTable | None = None
        self._keys: dict[str, KeyEntry] = {}

    @property
    def table(self) -> RoutingTable | None:
        return self._table

    @property
    def etag(self) -> str | None:
        return self._table.etag if self._table is not None else None

    def load_file(self) -> bool:
        """Serve the table saved in the file, if there is one; True if a table was loaded."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return False
        try:
            table = RoutingTable.model_validate_json(text)
        except ValidationError as exc:
            logger.error("ignoring the unreadable routing table file %s: %s", self.path, exc)
            return False
        self._install(table)
        return True

    def replace(self, table: RoutingTable) -> bool:
        """Install `table` unless it is older than the current one; save it. True if installed."""
        current = self._table
        if current is not None:
            if table.generated_at < current.generated_at:
                logger.info("ignoring routing table %s: older than the current %s", table.etag, current.etag)
                return False
            if table.etag == current.etag:
                return True
        self._save(table)
        self._install(table)
        logger.info("routing table %s installed (%d adapters)", table.etag, len(table.adapters))
        return True

    def tenant_for_key(self, key: str) -> str | None:
        """The tenant a key `ap_<key id>_<secret>` belongs to; None if unknown or wrong."""
        if not key.startswith(KEY_PREFIX):
            return None
        key_id, _, secret = key[len(KEY_PREFIX) :].partition("_")
        entry = self._keys.get(key_id)
        if entry is None or not secret:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        return entry.tenant if hmac.compare_digest(digest, entry.sha256) else None

    def _install(self, table: RoutingTable) -> None:
        keys = {
            key_id: KeyEntry(tenant=tenant.name, sha256=sha256)
            for tenant in table.tenants.values()
            for key_id, sha256 in tenant.keys.items()
        }
        # Swap whole objects: readers in the event loop never see half a table.
        self._table, self._keys = table, keys

    def _save(self, table: RoutingTable) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".routing-table-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(table.model_dump_json())
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
