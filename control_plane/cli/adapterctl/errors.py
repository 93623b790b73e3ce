"""The one way adapterctl fails: `error: <detail>` (and maybe `hint: …`) on stderr, exit 1."""

from __future__ import annotations

from typing import IO, Any

import click

from control_plane.kit.errors import AdapterplaneError


class CliError(click.ClickException):
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", file=file, err=True)
        if self.hint:
            click.echo(f"hint: {self.hint}", file=file, err=True)


def local_check(function: Any, *args: Any) -> Any:
    """Run a shared check (names, weights, adapter validation) and turn its refusal into a CliError."""
    try:
        return function(*args)
    except AdapterplaneError as exc:
        raise CliError(exc.detail) from None
