"""`adapterctl`, the client CLI of the control plane (entry point `main`)."""

from control_plane.cli.adapterctl.main import cli, main

__all__ = ["cli", "main"]
