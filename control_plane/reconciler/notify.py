"""Cross-replica nudges on PostgreSQL: a commit that changed anything NOTIFYs a channel, and
every replica LISTENs and nudges its reconciler, so the lease holder acts at once on changes
made through any replica (the periodic pass would catch them later anyway)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger("adapterplane.notify")

CHANNEL = "adapterplane_changes"


def is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


def notify_change(session: Session) -> None:
    """Queue a notification in the session's transaction; PostgreSQL delivers it on commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))


class ChangeListener:
    """A daemon thread that calls `on_change` for every notification, reconnecting on errors."""

    def __init__(self, database_url: str, on_change: Callable[[], None]) -> None:
        self.dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.on_change = on_change
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="adapterplane-listen", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    while not self.stopped.is_set():
                        for _ in connection.notifies(timeout=1.0):
                            self.on_change()
            except psycopg.Error as exc:
                log.warning("change listener reconnecting: %s", exc)
                self.stopped.wait(2.0)
