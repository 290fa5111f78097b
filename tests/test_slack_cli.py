"""`showbot serve slack` as a user runs it: clear one-line errors, and a real HTTP-mode server answering a
signed slash command on loopback (against the local fake of Slack's Web API)."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.fake import FakeSlack, free_port, signed_headers, wait_healthy

from .conftest import SHOWBOT, RunCli

SECRET = "cli-signing-secret-0123456789"
TOKEN = "xoxb-dummy-token-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "env", "missing"),
    [
        (["--http"], {"SLACK_BOT_TOKEN": TOKEN}, "SLACK_SIGNING_SECRET"),
        (["--http"], {"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
        ([], {"SLACK_BOT_TOKEN": TOKEN}, "SLACK_APP_TOKEN"),
    ],
    ids=["http-no-signing-secret", "http-no-bot-token", "socket-no-app-token"],
)
def test_a_missing_setting_is_a_one_line_error_naming_it(
    run_cli: RunCli, args: list[str], env: dict[str, str], missing: str
) -> None:
    line = one_line_error(run_cli("serve", "slack", *args, env=env))
    assert missing in line and "is not set" in line
    assert TOKEN not in line and SECRET not in line


@pytest.mark.parametrize(
    ("args", "method", "key"),
    [(["--http"], "auth.test", "SLACK_BOT_TOKEN"), ([], "apps.connections.open", "SLACK_APP_TOKEN")],
    ids=["http-bot-token", "socket-mode-app-token"],
)
def test_a_token_slack_rejects_is_a_one_line_error(run_cli: RunCli, args: list[str], method: str, key: str) -> None:
    fake = FakeSlack(errors={method: "invalid_auth"}).start()
    try:
        env = {"SLACK_API_URL": fake.api_url, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET}
        line = one_line_error(run_cli("serve", "slack", *args, env={**env, "SLACK_APP_TOKEN": "xapp-" + TOKEN}))
    finally:
        fake.stop()
    assert line == f"Error: Slack rejected {key} (invalid_auth)"


@pytest.mark.parametrize("api", ["fake", "unreachable"])
def test_serve_http_answers_a_signed_slash_command(
    api: str, fake: FakeSlack, cli_env: dict[str, str], etoile_db_copy: Path, isolated_environment: Path
) -> None:
    """The issue's "done when": a dummy token and signing secret, a signed slash command on loopback.
    With Slack's API unreachable (no network) the command is still answered through its response_url."""
    port = free_port()
    api_url = fake.api_url if api == "fake" else f"http://127.0.0.1:{free_port()}/api/"
    env = {**cli_env, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url}
    command = [str(SHOWBOT), "serve", "slack", "--http", "--port", str(port), "--db", str(etoile_db_copy)]
    proc = subprocess.Popen(command, env=env, cwd=isolated_environment, stderr=subprocess.PIPE, text=True)
    try:
        wait_healthy(port, proc)
        form = {
            "command": "/showbot",
            "text": "who plays jack?",
            "user_id": "U1",
            "team_id": "T1",
            "channel_id": "C1",
            "response_url": fake.response_url("cli"),
        }
        body = urlencode(form)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(SECRET, body)}
        conn.request("POST", "/slack/events", body=body, headers=headers)
        assert conn.getresponse().status == 200
        (reply,) = [
            c
            for c in fake.wait_for(lambda calls: any(c.method == "response_url" for c in calls))
            if c.method == "response_url"
        ]
        assert "Luke Kirby" in json.dumps(reply.payload, ensure_ascii=False)
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    assert TOKEN not in stderr and SECRET not in stderr
    assert "Traceback" not in stderr, stderr
    assert f"Serving Slack on http://127.0.0.1:{port}/slack/events (1 worker)" in stderr
    if api == "unreachable":
        assert "unreachable" in stderr
