"""A local stand-in for Slack: a Web API and `response_url` endpoint that records every call, and the
request signing Slack does. The tests and the load benchmark run the real app against it (SLACK_API_URL),
since Slack itself cannot be reached from CI.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

BOT_USER_ID = "UBOTSHOW1"


@dataclass(frozen=True)
class Call:
    method: str  # a Web API method ("chat.postMessage") or "response_url"
    payload: dict[str, Any]
    path: str
    at: float = field(default_factory=time.monotonic)  # when it arrived (for end-to-end latency)


def signed_headers(signing_secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with `body`, signed with the v0 scheme (slack_sdk's own implementation)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature or ""}


def free_port() -> int:
    """A loopback port nothing listens on (for a server started in another process)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_healthy(port: int, server: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    """Wait until `showbot serve slack --http` answers /healthz on `port`; RuntimeError if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"showbot serve slack exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("showbot serve slack never became healthy")


class FakeSlack:
    """Serves on 127.0.0.1 in a thread; `/api/<method>` answers like Slack, `/respond/...` takes replies."""

    def __init__(self, errors: dict[str, str] | None = None) -> None:
        self.calls: list[Call] = []
        self.errors = errors or {}  # Web API method -> the error Slack should answer it with
        self.rate_limited: dict[str, int] = {}  # Web API method -> how many more calls get HTTP 429
        self.socket_url = "ws://127.0.0.1:9/"  # what apps.connections.open hands out (Socket Mode)
        self._changed = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8", "replace")
                try:
                    payload = json.loads(raw) if raw.lstrip().startswith("{") else dict(parse_qsl(raw))
                except ValueError:
                    payload = {"_raw": raw}
                status, headers = 200, {}
                if self.path.startswith("/api/"):
                    method = self.path[len("/api/") :].split("?")[0]
                    if fake.take_rate_limit(method):  # as Slack does: 429, Retry-After, ok false
                        status, headers = 429, {"retry-after": "1"}
                        body = json.dumps({"ok": False, "error": "ratelimited"}).encode()
                    else:
                        body = json.dumps(fake.api_response(method, payload)).encode()
                    content_type = "application/json; charset=utf-8"
                else:
                    method, body, content_type = "response_url", b"ok", "text/plain"
                fake.record(Call(method if status == 200 else f"{method} (429)", payload, self.path))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-slack", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str = "hook") -> str:
        return f"{self.url}/respond/{name}"

    def api_response(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER_ID, "bot_id": "BSHOW1", "team_id": "T0TEST", "user": "showbot"}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url}
        if method.startswith("chat.post"):
            return {"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"}
        return {"ok": True}

    def take_rate_limit(self, method: str) -> bool:
        with self._changed:
            left = self.rate_limited.get(method, 0)
            if left:
                self.rate_limited[method] = left - 1
            return left > 0

    def record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def wait_for(self, done: Callable[[list[Call]], bool], timeout: float = 10.0) -> list[Call]:
        """Wait until `done(calls)` holds (the app answers in worker threads); AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
                self._changed.wait(left)
            return list(self.calls)

    def replies(self) -> list[Call]:
        """Everything but auth.test: the messages the app sent."""
        with self._changed:
            return [c for c in self.calls if c.method != "auth.test"]

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
