"""The Slack adapter: `showbot serve slack` in Socket Mode (default) or HTTP mode (`--http`, on uvicorn).

`run` only checks the settings, opens the service and starts the transport; the listeners are in
`app.py`, Block Kit in `blocks.py`, the ASGI app in `server.py`. Startup problems (a missing setting, a
token Slack rejects, an invalid pack) end in a one-line error, never a traceback or a secret.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.service import Showbot
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.adapters.slack.app import BotIdentity

logger = logging.getLogger(__name__)


def run(settings: Settings, db_path: Path | None, *, http: bool, host: str, port: int, workers: int) -> None:
    try:
        settings.require("slack.bot_token")
        settings.require("slack.signing_secret" if http else "slack.app_token")
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        from bot.adapters.slack.app import BotIdentity, configure_logging, web_client
    except ImportError:
        raise click.ClickException("Slack support is not installed: pip install 'showbot[slack]'") from None
    configure_logging(settings)
    identity = BotIdentity(web_client(settings))
    _check_token(identity, settings, fatal_if_unreachable=not http)
    if not http:
        _check_app_token(identity, settings)
    showbot = _open(settings, db_path)
    if http:
        showbot.close()  # each worker opens its own; the fact base is built now, once
        _serve_http(showbot.router.base.path, host, port, workers)
    else:
        _serve_socket_mode(showbot, settings, identity)


def _check_token(identity: BotIdentity, settings: Settings, *, fatal_if_unreachable: bool) -> None:
    """A token Slack rejects is fatal; Slack unreachable is fatal only for Socket Mode (it must connect)."""
    from slack_sdk.errors import SlackApiError

    from bot.adapters.slack.app import api_error

    try:
        identity.check()
    except SlackApiError as exc:
        raise click.ClickException(f"Slack rejected SLACK_BOT_TOKEN ({api_error(exc)})") from None
    except OSError as exc:
        where = f"Slack's Web API at {settings.slack.api_url} is unreachable ({api_error(exc)})"
        if fatal_if_unreachable:
            raise click.ClickException(where) from None
        logger.warning("%s; serving anyway, retrying later", where)


def _check_app_token(identity: BotIdentity, settings: Settings) -> None:
    """Socket Mode's token, checked before the fact base is built so a typo fails fast."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    from bot.adapters.slack.app import api_error

    try:
        WebClient(base_url=identity.client.base_url).apps_connections_open(
            app_token=settings.require("slack.app_token")
        )
    except SlackApiError as exc:
        raise click.ClickException(f"Slack rejected SLACK_APP_TOKEN ({api_error(exc)})") from None
    except OSError as exc:
        raise click.ClickException(f"cannot connect to Slack ({api_error(exc)})") from None


def _open(settings: Settings, db_path: Path | None) -> Showbot:
    from bot.packs import PackError
    from bot.store import StoreError

    try:
        return Showbot.open(settings, db_path, lambda msg: click.echo(msg, err=True))
    except PackError as exc:
        raise click.ClickException(f"the knowledge packs are invalid:\n{exc}") from None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


def _serve_http(db_path: Path, host: str, port: int, workers: int) -> None:
    import uvicorn

    os.environ["SHOWBOT_DB"] = str(db_path)  # the workers load their settings from the environment
    processes = f"{workers} workers" if workers > 1 else "1 worker"
    click.echo(f"Serving Slack on http://{host}:{port}/slack/events ({processes}). Press Ctrl-C to stop.", err=True)
    uvicorn.run(
        "bot.adapters.slack.server:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level=logging.getLevelName(logging.getLogger().level).lower(),
    )


def _serve_socket_mode(showbot: Showbot, settings: Settings, identity: BotIdentity) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.adapters.slack.app import api_error, build_app
    from bot.adapters.slack.server import seen_events_for

    client = identity.client
    seen = seen_events_for(showbot)
    app = build_app(showbot, settings, client=client, seen=seen, identity=identity, socket_mode=True)
    handler = SocketModeHandler(app, app_token=settings.require("slack.app_token"))
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        raise click.ClickException(f"Slack rejected SLACK_APP_TOKEN ({api_error(exc)})") from None
    except OSError as exc:
        raise click.ClickException(f"cannot connect to Slack ({api_error(exc)})") from None
    showbot.reload_on_sighup()
    click.echo("Connected to Slack (Socket Mode). Press Ctrl-C to stop.", err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        handler.close()  # type: ignore[no-untyped-call]
        seen.close()
        showbot.close()
