"""The Discord bot: a thin shell that routes events to the cogs, which call the injected `Showbot`."""

from __future__ import annotations

import logging
import sys
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.ask import Ask
from bot.adapters.discord.moderation import Moderation
from bot.adapters.discord.render import FAILURE, REFUSAL, Outgoing, notice
from bot.adapters.discord.views import FeedbackButton, SuggestionButton, respond_kwargs
from bot.service import Showbot
from bot.settings import DiscordSettings

logger = logging.getLogger(__name__)


def intents(settings: DiscordSettings) -> discord.Intents:
    """No privileged intent unless auto-answer channels need to read every message."""
    chosen = discord.Intents.default()
    chosen.message_content = bool(settings.auto_answer_channels)
    return chosen


class Tree(app_commands.CommandTree["ShowbotClient"]):
    """Turns command errors into a reply the user sees, instead of a silent "interaction failed"."""

    async def on_error(
        self, interaction: discord.Interaction[ShowbotClient], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            out: Outgoing = notice(REFUSAL)
        else:
            logger.error(
                "command %s failed", interaction.command and interaction.command.qualified_name, exc_info=error
            )
            out = notice(FAILURE)
        if interaction.response.is_done():
            await interaction.followup.send(**respond_kwargs(out))
        else:
            await interaction.response.send_message(**respond_kwargs(out))


class ShowbotClient(commands.AutoShardedBot):
    def __init__(self, showbot: Showbot, settings: DiscordSettings) -> None:
        shards: dict[str, Any] = {"shard_count": settings.shard_count}
        if settings.shard_ids:  # this process runs only these shards; other processes run the rest
            shards["shard_ids"] = list(settings.shard_ids)
        super().__init__(
            command_prefix=(),  # slash commands only; questions in messages are handled by the Ask cog
            help_command=None,
            intents=intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=Tree,
            **shards,
        )
        self.showbot = showbot
        self.discord_settings = settings

    async def setup_hook(self) -> None:
        await self.add_cog(Ask(self))
        await self.add_cog(Moderation(self))
        self.add_dynamic_items(SuggestionButton, FeedbackButton)
        guild = discord.Object(self.discord_settings.guild_id) if self.discord_settings.guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)  # a guild's commands update instantly: for development
        await self.tree.sync(guild=guild)

    async def on_ready(self) -> None:
        servers = len(self.guilds)
        print(f"Connected to Discord as {self.user} in {servers} server(s). Press Ctrl-C to stop.", file=sys.stderr)

    async def on_message(self, message: discord.Message, /) -> None:
        """No prefix commands to process: the Ask cog's listener reads the messages it should."""
