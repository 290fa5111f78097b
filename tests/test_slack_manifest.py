"""The committed Slack app manifests declare what the app handles (read as text: no YAML dependency)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.slack.server import EVENTS_PATH
from bot.settings import SlackSettings

SLACK_DIR = Path(__file__).resolve().parents[1] / "slack"
SCOPES = ("commands", "chat:write", "app_mentions:read", "im:history", "im:read", "im:write")


@pytest.mark.parametrize(("name", "socket_mode"), [("manifest.yml", True), ("manifest-http.yml", False)])
def test_manifest_matches_the_app(name: str, socket_mode: bool) -> None:
    text = (SLACK_DIR / name).read_text(encoding="utf-8")
    lines = [line.split(" #")[0].strip() for line in text.splitlines()]
    assert f"- command: {SlackSettings().command}" in lines
    assert {"- app_mention", "- message.im"} <= set(lines), "the events the app listens to"
    assert {f"- {scope}" for scope in SCOPES} <= set(lines)
    assert "is_enabled: true" in lines, "interactivity: the buttons"
    assert f"socket_mode_enabled: {str(socket_mode).lower()}" in lines
    urls = [line for line in lines if line.startswith(("url:", "request_url:"))]
    assert len(urls) == (0 if socket_mode else 3)
    assert all(url.endswith(EVENTS_PATH) for url in urls)
