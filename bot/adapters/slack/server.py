"""HTTP mode: an ASGI app serving Slack's `/slack/events` (bolt's own handler) and `/healthz`.

uvicorn runs it; with several workers each process calls `create_app`, which reads its settings from the
environment like the parent did, so workers behind a load balancer are interchangeable.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.asgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.adapters.slack.app import SeenEvents, build_app, configure_logging, web_client
from bot.service import Showbot
from bot.settings import Settings

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

EVENTS_PATH = "/slack/events"


class Server:
    """Routes `/healthz` itself and everything else to bolt; closes the service when the server stops."""

    def __init__(self, app: App, showbot: Showbot, seen: SeenEvents) -> None:
        self.showbot = showbot
        self.seen = seen
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
        elif scope["type"] == "http" and scope["path"] == "/healthz":
            await self.health(send)
        else:
            await self.slack(scope, receive, send)

    async def health(self, send: Send) -> None:
        """200 with the number of shows loaded: a load balancer's check that the fact base is readable."""
        body = json.dumps({"status": "ok", "shows": len(self.showbot.shows())}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.seen.close()
                self.showbot.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def seen_events_for(showbot: Showbot) -> SeenEvents:
    """The de-duplication file every worker shares, beside the question log."""
    return SeenEvents(showbot.log.path.with_name("showbot-slack-seen.db"))


def server_for(showbot: Showbot, settings: Settings, client: WebClient | None = None) -> Server:
    seen = seen_events_for(showbot)
    app = build_app(showbot, settings, client=client or web_client(settings), seen=seen)
    return Server(app, showbot, seen)


def create_app() -> Server:
    """uvicorn's factory, run in each worker process (in its main thread, so it may take SIGHUP)."""
    settings = Settings.load()
    configure_logging(settings)
    showbot = Showbot.open(settings)
    showbot.reload_on_sighup()
    return server_for(showbot, settings)
