"""`adapterplane`: the server-side command (serve, migrate, worker, up)."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import click

from control_plane.cli.worker import worker
from control_plane.settings import SettingsError, get_settings


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
def main() -> None:
    """adapterplane server side: the control plane, its migrations, vLLM workers, the local stack.

    \b
    Examples:
      adapterplane migrate
      adapterplane serve --host 0.0.0.0 --port 8000
      adapterplane worker --control-plane http://cp:8000 --model /models/llama -- --max-loras 4
    """


@main.command()
def migrate() -> None:
    """Upgrade the database to the newest schema (Alembic upgrade head).

    \b
    Example:
      ADAPTERPLANE_DATABASE_URL=postgresql://ap@db/ap adapterplane migrate
    """
    from control_plane.kit.migrate import upgrade

    settings = get_settings()
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.resolved_database_url())
    except Exception as exc:  # the driver's connection errors are many types
        _fail(f"migration failed: {str(exc).splitlines()[0]}")
    click.echo("database is at the newest schema", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
def serve(host: str, port: int) -> None:
    """Run the control plane's HTTP API.

    In local mode (ADAPTERPLANE_LOCAL_MODE=true) the database is migrated on start and missing
    tokens are generated under the data dir; otherwise run 'adapterplane migrate' first.

    \b
    Example:
      ADAPTERPLANE_LOCAL_MODE=true adapterplane serve --port 8000
    """
    import uvicorn

    from control_plane.app import create_app
    from control_plane.kit.migrate import is_current, upgrade

    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    url = settings.resolved_database_url()
    try:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.local_mode:
            upgrade(url)
        elif not is_current(url):
            _fail("the database schema is not current: run 'adapterplane migrate' first")
        app = create_app(settings)
    except SettingsError as exc:
        _fail(str(exc))
    except Exception as exc:
        _fail(f"cannot start: {str(exc).splitlines()[0]}")
    uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".adapterplane"),
              show_default=True, help="Local state: database, store, tokens, logs.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Control plane port.")
@click.option("--worker-port", default=8100, show_default=True, type=click.IntRange(1, 65535), help="vLLM worker port.")
def up(data_dir: Path, port: int, worker_port: int) -> None:
    """Start the local stack and keep it running: control plane (SQLite, file store) and one
    vLLM CPU worker serving the SmolLM2 demo model. Ctrl-C stops it.

    \b
    Example:
      adapterplane up --port 8000 --worker-port 8100
    """
    from control_plane.local.assets import build_all
    from control_plane.local.base_model import SERVED_NAME
    from control_plane.local.stack import StackError, ensure_port_free, running_stack

    say = lambda message: click.echo(message, err=True)  # noqa: E731
    try:
        ensure_port_free(port, "control plane")
        ensure_port_free(worker_port, "vLLM worker")
        assets = build_all(progress=say)
        with running_stack(assets.base_model, data_dir.resolve(), port, worker_port, progress=say) as stack:
            click.echo(UP_BANNER.format(
                cp=stack.control_plane_url, worker=stack.worker_url, token_file=stack.admin_token_file,
                base=SERVED_NAME, pirate=assets.adapters["pirate"], logs=stack.logs,
            ))
            while True:
                time.sleep(3600)
    except StackError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        say("stopped")


UP_BANNER = """
adapterplane is running.
  control plane  {cp}   (API docs: {cp}/docs)
  vLLM worker    {worker}   (OpenAI API: {worker}/v1)
  admin token    {token_file}
  logs           {logs}

Try:
  export ADAPTERCTL_SERVER={cp} ADAPTERCTL_TOKEN=$(cat {token_file})
  adapterctl tenants create acme
  adapterctl keys create acme --name laptop          # prints a tenant key once
  adapterctl publish acme/bot {pirate} --base-model {base}
  curl {worker}/v1/chat/completions -H "Authorization: Bearer <tenant key>" \\
       -H 'Content-Type: application/json' \\
       -d '{{"model": "acme/bot", "messages": [{{"role": "user", "content": "Hi!"}}]}}'
  python -c "from openai import OpenAI; c = OpenAI(base_url='{worker}/v1', api_key='<tenant key>'); \\
print(c.chat.completions.create(model='acme/bot', messages=[{{'role': 'user', 'content': 'Hi!'}}]).choices[0].message.content)"

Ctrl-C stops everything.
"""

main.add_command(worker)


if __name__ == "__main__":
    main()
