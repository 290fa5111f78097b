"""`showbot serve discord` start-up: every failure is one line naming what to fix, never a traceback or the token.

Discord cannot be reached from the test machines, so the login is answered the way Discord answers a bad
token (HTTP 401 on GET /users/@me) by replacing `HTTPClient.request`; the library turns that into
`discord.LoginFailure` exactly as it would against the real API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import pytest
from click.testing import CliRunner
from discord.http import HTTPClient, Route

from bot.adapters.discord import StartError, check_shards, check_token
from bot.cli import cli
from bot.settings import DiscordSettings
from tests.conftest import RunCli

# Well-formed (three base64url parts, the first an id) but fake.
FAKE_TOKEN = "MTAwMDAwMDAwMDAwMDAwMDAw.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`run` configures logging for the process; put pytest's back afterwards."""
    root, library = logging.getLogger(), logging.getLogger("discord")
    handlers, level, library_level = root.handlers[:], root.level, library.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    library.setLevel(library_level)


def serve(db: Path, token: str, **env: str) -> Any:
    return CliRunner().invoke(cli, ["serve", "discord", "--db", str(db)], env={"DISCORD_TOKEN": token, **env})


async def unauthorized(self: HTTPClient, route: Route, **kwargs: Any) -> Any:
    """Discord's answer to a bad token."""
    assert (route.method, route.path) == ("GET", "/users/@me")  # nothing else before logging in
    response = SimpleNamespace(status=401, reason="Unauthorized")
    raise discord.HTTPException(response, {"message": "401: Unauthorized", "code": 0})


def one_line_error(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_missing_token_is_one_line_naming_the_variable(run_cli: RunCli) -> None:
    result = run_cli("serve", "discord")
    assert result.returncode != 0
    line = one_line_error(result.stderr)
    assert line.startswith("Error: DISCORD_TOKEN is not set")


@pytest.mark.parametrize("token", ["not-a-token", "Bot " + FAKE_TOKEN, "abc.def.ghi", '"' + FAKE_TOKEN + '"'])
def test_malformed_token_is_one_line_and_never_echoed(run_cli: RunCli, token: str) -> None:
    result = run_cli("serve", "discord", env={"DISCORD_TOKEN": token})
    assert result.returncode != 0
    line = one_line_error(result.stderr)
    assert "DISCORD_TOKEN" in line
    assert FAKE_TOKEN not in result.stderr + result.stdout and token not in result.stderr + result.stdout


def test_a_well_formed_token_passes_the_local_check() -> None:
    check_token(FAKE_TOKEN)


def test_a_rejected_token_is_a_clear_authentication_error(
    etoile_db_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HTTPClient, "request", unauthorized)
    result = serve(etoile_db_copy, FAKE_TOKEN)
    assert result.exit_code == 1
    line = one_line_error(result.output)
    assert line.startswith("Error: Discord rejected DISCORD_TOKEN (authentication failed)")


def test_the_token_is_not_logged_even_at_debug_level(etoile_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(HTTPClient, "request", unauthorized)
    result = serve(etoile_db_copy, FAKE_TOKEN, SHOWBOT_LOG_LEVEL="DEBUG")
    assert result.exit_code == 1
    assert " DEBUG " in result.output or " INFO " in result.output  # the logs did reach the output
    assert FAKE_TOKEN not in result.output
    for part in FAKE_TOKEN.split("."):
        assert part not in result.output
    assert "Traceback" not in result.output


def test_no_network_is_a_clear_connection_error(etoile_db_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unreachable(self: HTTPClient, route: Route, **kwargs: Any) -> Any:
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    monkeypatch.setattr(HTTPClient, "request", unreachable)
    result = serve(etoile_db_copy, FAKE_TOKEN)
    assert result.exit_code == 1
    assert one_line_error(result.output).startswith("Error: could not connect to Discord")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (DiscordSettings(shard_ids=(0,)), "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT"),
        (DiscordSettings(shard_count=2, shard_ids=(1, 2)), "between 0 and DISCORD_SHARD_COUNT - 1 (1)"),
    ],
)
def test_inconsistent_shard_settings_are_refused(settings: DiscordSettings, message: str) -> None:
    with pytest.raises(StartError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_shards(settings)
    check_shards(DiscordSettings(shard_count=2, shard_ids=(0, 1)))
