"""Where adapterctl talks to and how it prints: flags override ADAPTERCTL_* variables, which
override the defaults. The global options are accepted before the noun and after the verb."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import click

from control_plane.cli.adapterctl.client import DEFAULT_SERVER, ApiClient

OUTPUT_FORMATS = ("table", "json")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Config:
    server: str = DEFAULT_SERVER
    token: str | None = None
    output: str = "table"
    _client: ApiClient | None = field(default=None, repr=False)

    @property
    def json(self) -> bool:
        return self.output == "json"

    def client(self) -> ApiClient:
        if self._client is None:
            self._client = ApiClient(self.server, self.token)
            click.get_current_context().call_on_close(self._client.close)
        return self._client


pass_config = click.make_pass_decorator(Config)

SERVER_HELP = f"Control plane URL [env: ADAPTERCTL_SERVER; default: {DEFAULT_SERVER}]."
TOKEN_HELP = "Admin token or tenant API key [env: ADAPTERCTL_TOKEN]."
OUTPUT_HELP = "Output format: table (for people) or json (one JSON document) [default: table]."


def root_options(command: F) -> F:
    """The global options on the root group, read from the environment when not given."""
    options = [
        click.option("--server", envvar="ADAPTERCTL_SERVER", default=DEFAULT_SERVER, metavar="URL", help=SERVER_HELP),
        click.option("--token", envvar="ADAPTERCTL_TOKEN", metavar="TOKEN", help=TOKEN_HELP),
        click.option("-o", "--output", type=click.Choice(OUTPUT_FORMATS), default="table", help=OUTPUT_HELP),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _override(attribute: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value is not None:
            setattr(ctx.ensure_object(Config), attribute, value)

    return callback


def global_options(command: F) -> F:
    """The same options on every command, so `adapterctl tenants list -o json` works too.
    They read no environment variable: the root group already did, and a flag given there must
    not be overridden by the environment here."""
    options = [
        click.option("--server", metavar="URL", expose_value=False, callback=_override("server"), help=SERVER_HELP),
        click.option("--token", metavar="TOKEN", expose_value=False, callback=_override("token"), help=TOKEN_HELP),
        click.option(
            "-o", "--output", type=click.Choice(OUTPUT_FORMATS), expose_value=False,
            callback=_override("output"), help=OUTPUT_HELP,
        ),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command
