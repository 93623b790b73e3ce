"""The `adapterctl` command: global options and the noun groups."""

from __future__ import annotations

import sys
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from control_plane.cli.adapterctl.adapters import adapters, versions
from control_plane.cli.adapterctl.audit import audit
from control_plane.cli.adapterctl.base_models import base_models
from control_plane.cli.adapterctl.config import Config, root_options
from control_plane.cli.adapterctl.errors import CliError
from control_plane.cli.adapterctl.pins import pin, unpin
from control_plane.cli.adapterctl.publish import publish
from control_plane.cli.adapterctl.rollouts import rollout
from control_plane.cli.adapterctl.routes import history, rollback, routes, split
from control_plane.cli.adapterctl.serving import status, workers
from control_plane.cli.adapterctl.tenants import keys, tenants

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Adapterctl(click.Group):
    """The root group. Every failure, usage errors included, is `error: …` on stderr and exit 1
    (click's own usage errors would print the usage and exit 2)."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:
            # `adapterctl` or `adapterctl tenants` alone: the help is what was asked for.
            click.echo(exc.format_message())
            sys.exit(0)
        except click.UsageError as exc:
            hint = f"see '{exc.ctx.command_path} --help'" if exc.ctx is not None else None
            CliError(exc.format_message(), hint=hint).show()
            sys.exit(1)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=Adapterctl, context_settings=CONTEXT_SETTINGS)
@root_options
@click.version_option(package_name="adapterplane", prog_name="adapterctl")
@click.pass_context
def cli(ctx: click.Context, server: str, token: str | None, output: str) -> None:
    """adapterctl: publish LoRA adapters, split and roll back their traffic, manage tenants.

    Global options go before the command or after it: 'adapterctl -o json tenants list' and
    'adapterctl tenants list -o json' are the same. Data is printed on stdout; messages and
    errors on stderr (an error exits with status 1).

    \b
    Examples:
      export ADAPTERCTL_SERVER=http://127.0.0.1:8000 ADAPTERCTL_TOKEN=...
      adapterctl tenants create acme
      adapterctl base-models add HuggingFaceTB/SmolLM2-135M-Instruct --config ./config.json
      adapterctl publish acme/support-bot ./adapter --base-model HuggingFaceTB/SmolLM2-135M-Instruct
      adapterctl split set acme/support-bot v1=90 v2=10
      adapterctl rollback acme/support-bot
    """
    ctx.obj = Config(server=server, token=token or None, output=output)


for command in (
    tenants, keys, base_models, publish, adapters, versions, split, history, rollback, routes,
    rollout, pin, unpin, status, workers, audit,
):  # fmt: skip
    cli.add_command(command)


def main() -> None:
    cli(prog_name="adapterctl")
