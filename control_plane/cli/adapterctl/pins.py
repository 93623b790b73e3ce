"""`adapterctl pin` and `unpin`: keep a version loaded whatever the routes say."""

from __future__ import annotations

import click

from control_plane.cli.adapterctl import output
from control_plane.cli.adapterctl.arguments import version_argument
from control_plane.cli.adapterctl.client import adapter_path
from control_plane.cli.adapterctl.config import Config, global_options, pass_config
from control_plane.kit.names import AdapterRef


def _pin_command(name: str, pinned: bool) -> click.Command:
    doc = (
        "Pin a version: its workers keep it loaded whatever the routes say."
        if pinned
        else "Unpin a version: it is loaded only while a route (or a warm revision) needs it."
    )

    @click.command(name, help=f"""{doc}

    \b
    Examples:
      adapterctl {name} acme/support-bot:v3
    """)
    @version_argument()
    @global_options
    @pass_config
    def command(config: Config, version: AdapterRef) -> None:
        result = config.client().post(adapter_path(version.tenant, version.adapter, "versions", version.version or 0, name))
        output.done(config, result, f"{version} {'pinned' if pinned else 'unpinned'}")

    return command


pin = _pin_command("pin", True)
unpin = _pin_command("unpin", False)
