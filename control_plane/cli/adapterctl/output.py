"""Rendering: tables and field lists for people, one JSON document for programs.

Data goes to stdout, messages to stderr. With `-o json` each command prints exactly one JSON
document (the server's answer) and nothing else on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import click

from control_plane.cli.adapterctl.config import Config

Column = tuple[str, Callable[[Any], Any]]


def note(message: str) -> None:
    """A message for the person at the terminal (stderr), never data."""
    click.echo(message, err=True)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def listing(config: Config, rows: Sequence[Any], columns: Sequence[Column], empty: str) -> None:
    """A list: a JSON array, or a table (a note on stderr when there is nothing to show)."""
    if config.json:
        emit_json(list(rows))
    elif not rows:
        note(empty)
    else:
        click.echo(table(rows, columns))


def record(config: Config, data: Any, fields: Sequence[Column]) -> None:
    """One object: the JSON document, or `label: value` lines."""
    if config.json:
        emit_json(data)
    else:
        click.echo(field_list((label, get(data)) for label, get in fields))


def done(config: Config, data: Any, message: str) -> None:
    """A mutation: the server's answer as JSON, or one confirmation line."""
    if config.json:
        emit_json(data)
    else:
        click.echo(message)


def table(rows: Iterable[Any], columns: Sequence[Column]) -> str:
    cells = [[header for header, _ in columns]]
    cells += [[cell(get(row)) for _, get in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(value.ljust(width) for value, width in zip(line, widths, strict=True)).rstrip()
        for line in cells
    )


def field_list(pairs: Iterable[tuple[str, Any]]) -> str:
    pairs = [(label, cell(value)) for label, value in pairs]
    width = max(len(label) for label, _ in pairs) + 1
    return "\n".join(f"{label + ':':<{width}} {value}".rstrip() for label, value in pairs)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(item) for item in value) or "-"
    if isinstance(value, dict):
        return " ".join(f"{key}={_nested(item)}" for key, item in value.items()) or "-"
    return str(value)


def _nested(value: Any) -> str:
    """A value inside a `key=value` cell, bracketed so its own spaces stay readable."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}={_nested(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_nested(item) for item in value) + "]"
    if isinstance(value, str) and (not value or " " in value):
        return repr(value)
    return cell(value)


def when(value: str | None) -> str | None:
    """An ISO 8601 timestamp from the server as `2026-11-24 09:15:02 UTC`."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:  # the server speaks UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    amount = size / 1024
    for unit in ("KiB", "MiB"):
        if amount < 1024:
            return f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"


def weights(arms: Sequence[dict[str, Any]] | None) -> str:
    """A revision's arms as `v3=90 v4=10`."""
    return " ".join(f"v{arm['version']}={arm['weight']}" for arm in arms or []) or "-"

