"""Who runs the reconciler and rollout controller: exactly one control-plane process at a time.

PostgreSQL: a session-level advisory lock held on a dedicated connection; if the holder dies,
its connection closes, the lock is released and another replica takes it on its next try.
SQLite (one host): an exclusive flock on a file beside the database.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger("adapterplane.lease")

#: An arbitrary constant: the advisory lock id adapterplane's reconciler uses.
LOCK_ID = 0x4C6F5241  # "LoRA"


class Lease:
    def held(self) -> bool:
        """Try to hold (or keep) the lease; True while this process holds it. Blocking."""
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class PostgresLease(Lease):
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self.dsn = url.render_as_string(hide_password=False)
        self.connection: psycopg.Connection | None = None

    def held(self) -> bool:
        try:
            if self.connection is not None:
                self.connection.execute("SELECT 1")
                return True
            connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
            got = connection.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_ID,)).fetchone()
            if got and got[0]:
                self.connection = connection
                log.info("took the reconciler lease")
                return True
            connection.close()
        except psycopg.Error as exc:
            log.warning("reconciler lease lost or unavailable: %s", exc)
            self.release()
        return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()  # closing the session releases the advisory lock
            except psycopg.Error:
                pass
            self.connection = None


class FileLease(Lease):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = None

    def held(self) -> bool:
        if self.handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def lease_for(database_url: str) -> Lease:
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresLease(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return FileLease(Path(url.database + ".reconciler.lock"))
    raise ValueError(f"no reconciler lease for database {url.get_backend_name()!r}")
