"""The Discord adapter (`showbot serve discord`): discord.py around `Showbot`.

`run` checks everything it can before connecting, and turns every way start-up can fail into one
`StartError` line for the CLI: a token is never echoed, and a fan-facing process never dies with a
traceback a moderator has to decode.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import signal
import sys
from pathlib import Path

import aiohttp
import discord

from bot.logs import configure
from bot.settings import DiscordSettings, Settings, SettingsError

__all__ = ["StartError", "check_shards", "check_token", "run"]

logger = logging.getLogger(__name__)

# A bot token is three base64url parts: the bot's user id, a timestamp and an HMAC.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")


class StartError(RuntimeError):
    """Why the bot could not start, in one line that never contains the token."""


def check_token(token: str) -> None:
    """Reject what cannot be a bot token before connecting: a "Bot " prefix, quotes, the client secret."""
    if token.lower().startswith("bot "):
        raise StartError("DISCORD_TOKEN must be the token alone, without the 'Bot ' prefix")
    first = token.split(".", 1)[0]
    try:
        user_id = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        user_id = ""
    if not _TOKEN.fullmatch(token) or not user_id.isdigit():
        raise StartError(
            "DISCORD_TOKEN is malformed: copy it again from the Developer Portal (Bot > Reset Token); "
            "it has three parts separated by dots"
        )


def check_shards(settings: DiscordSettings) -> None:
    if settings.shard_ids and settings.shard_count is None:
        raise StartError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
    count = settings.shard_count or 0
    if any(i >= count for i in settings.shard_ids):
        raise StartError(f"DISCORD_SHARD_IDS must be between 0 and DISCORD_SHARD_COUNT - 1 ({count - 1})")


def _tell(message: str) -> None:
    """Start-up progress (a first build takes a while) for whoever started the process."""
    print(message, file=sys.stderr, flush=True)


async def serve(settings: Settings, db_path: Path | None, token: str) -> None:
    """Open the service, log in and serve until stopped; start-up failures become `StartError`."""
    from bot.adapters.discord.client import ShowbotClient
    from bot.packs import PackError
    from bot.service import Showbot
    from bot.store import StoreError

    try:
        showbot = await asyncio.to_thread(Showbot.open, settings, db_path, _tell)
    except PackError as exc:
        raise StartError(
            f"the knowledge packs are invalid ({len(exc.problems)} problem(s)): run showbot check"
        ) from None
    except StoreError as exc:
        raise StartError(str(exc)) from None
    hangup = signal.getsignal(signal.SIGHUP)
    showbot.reload_on_sighup()
    try:
        async with ShowbotClient(showbot, settings.discord) as client:
            await client.start(token)
    except discord.LoginFailure:
        raise StartError(
            "Discord rejected DISCORD_TOKEN (authentication failed): reset the token in the Developer Portal "
            "and put the new one in .env"
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartError(
            "DISCORD_AUTO_ANSWER_CHANNELS needs the Message Content intent: enable it in the Developer Portal "
            "(Bot > Privileged Gateway Intents) or clear the setting"
        ) from None
    except (aiohttp.ClientConnectionError, TimeoutError, discord.GatewayNotFound) as exc:
        raise StartError(f"could not connect to Discord ({type(exc).__name__}): check the network") from None
    except discord.HTTPException as exc:
        raise StartError(f"Discord refused to start the bot (HTTP {exc.status})") from None
    finally:
        signal.signal(signal.SIGHUP, hangup)
        showbot.close()


def run(settings: Settings, db_path: Path | None = None) -> None:
    """Run the bot until interrupted. Raises `StartError` when it cannot start."""
    try:
        token = settings.require("discord.token")
    except SettingsError as exc:
        raise StartError(str(exc)) from None
    check_token(token)
    check_shards(settings.discord)
    configure(settings.log_level, settings.log.json)
    # discord.py's DEBUG lines hold whole gateway events: user ids and message text.
    logging.getLogger("discord").setLevel(max(logging.INFO, logging.getLogger().level))
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # a text bot: no voice libraries
    try:
        asyncio.run(serve(settings, db_path, token))
    except KeyboardInterrupt:
        logger.info("stopped")
