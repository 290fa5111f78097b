"""Socket Mode end to end: `showbot serve slack` connects to a local fake of Slack's Socket Mode endpoint
(a WebSocket server, here aiohttp's), acknowledges each envelope and answers through the fake Web API."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.adapters.slack.fake import BOT_USER_ID, FakeSlack

from .conftest import SHOWBOT


class FakeSocketMode:
    """Accepts one Socket Mode connection, says hello, sends envelopes and records what comes back."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.received: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.ws: web.WebSocketResponse | None = None
        app = web.Application()
        app.router.add_get("/link", self.connection)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", 0).start())
        self.url = f"ws://127.0.0.1:{self.runner.addresses[0][1]}/link"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def connection(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SHOW"}})
        self.ws = ws
        self.record({"type": "connected"})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.record(json.loads(message.data))
        return ws

    def record(self, item: dict[str, Any]) -> None:
        with self.changed:
            self.received.append(item)
            self.changed.notify_all()

    def wait_for(self, envelope_id: str, timeout: float = 20.0) -> dict[str, Any]:
        with self.changed:
            assert self.changed.wait_for(
                lambda: any(r.get("envelope_id") == envelope_id for r in self.received), timeout
            ), f"no ack for {envelope_id}: {self.received}"
            return next(r for r in self.received if r.get("envelope_id") == envelope_id)

    def connected(self, timeout: float = 30.0) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.ws is not None, timeout), "showbot never connected"

    def send(self, envelope: dict[str, Any]) -> None:
        assert self.ws is not None
        asyncio.run_coroutine_threadsafe(self.ws.send_json(envelope), self.loop).result(5)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def test_socket_mode_answers_a_slash_command_and_a_mention(
    fake: FakeSlack, cli_env: dict[str, str], etoile_db_copy: Path, isolated_environment: Path
) -> None:
    socket = FakeSocketMode()
    fake.socket_url = socket.url
    env = {**cli_env, "SLACK_BOT_TOKEN": "xoxb-sm", "SLACK_APP_TOKEN": "xapp-sm", "SLACK_API_URL": fake.api_url}
    command = [str(SHOWBOT), "serve", "slack", "--db", str(etoile_db_copy)]
    proc = subprocess.Popen(command, env=env, cwd=isolated_environment, stderr=subprocess.PIPE, text=True)
    try:
        socket.connected()
        socket.send(
            {
                "envelope_id": "env-1",
                "type": "slash_commands",
                "accepts_response_payload": True,
                "payload": {
                    "command": "/showbot",
                    "text": "who plays jack?",
                    "user_id": "UFAN1",
                    "team_id": "T0TEST",
                    "channel_id": "C0SOCK",
                    "response_url": fake.response_url("sm"),
                },
            }
        )
        assert socket.wait_for("env-1")["envelope_id"] == "env-1"
        text = f"<@{BOT_USER_ID}> who plays cheyenne?"
        event = {"type": "app_mention", "user": "UFAN2", "channel": "C0SOCK", "ts": "1.1", "text": text}
        body = {"type": "event_callback", "team_id": "T0TEST", "event_id": "EvSock", "event": event}
        socket.send({"envelope_id": "env-2", "type": "events_api", "payload": body, "retry_attempt": 0})
        socket.wait_for("env-2")
        calls = fake.wait_for(
            lambda calls: {"response_url", "chat.postMessage"} <= {c.method for c in calls}, timeout=20
        )
        sent = {c.method: json.dumps(c.payload, ensure_ascii=False) for c in calls}
        assert "Luke Kirby" in sent["response_url"] and "Lou de Laâge" in sent["chat.postMessage"]
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
        socket.stop()
    assert "Connected to Slack (Socket Mode)" in stderr
    assert "xoxb-sm" not in stderr and "xapp-sm" not in stderr
