"""`/showbot ...`: what a server's moderators (Manage Server) can do without editing files."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.convert import where_from_interaction
from bot.adapters.discord.render import choices, notice, stats_message, unanswered_message
from bot.adapters.discord.views import respond_kwargs
from bot.packs import PackError
from bot.questionlog import Where
from bot.service import TeachError, UnknownShowError
from bot.store import StoreError

if TYPE_CHECKING:
    from bot.adapters.discord.client import ShowbotClient

logger = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(commands.GroupCog, group_name="showbot", group_description="Moderator tools for showbot."):
    """Hidden from non-moderators by default permissions, and checked again on every call.

    Server admins can override default permissions per role; the check keeps Manage Server the rule.
    """

    def __init__(self, bot: ShowbotClient) -> None:
        self.showbot = bot.showbot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return interaction.guild_id is not None and interaction.permissions.manage_guild

    @app_commands.command(name="set-show", description="Make a show this channel's default.")
    @app_commands.describe(show="The show questions here are about, or “none” to clear it")
    async def set_show(self, interaction: discord.Interaction[ShowbotClient], show: str) -> None:
        where = where_from_interaction(interaction)
        try:
            title = await asyncio.to_thread(self.showbot.set_channel_show, where, show)
        except UnknownShowError as exc:
            await interaction.response.send_message(**respond_kwargs(notice(str(exc))))
            return
        text = f"Questions in this channel are now about {title}." if title else "This channel has no default show."
        await interaction.response.send_message(**respond_kwargs(notice(text)))

    @set_show.autocomplete("show")
    async def show_autocomplete(
        self, interaction: discord.Interaction[ShowbotClient], current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.showbot.shows(), current)

    @app_commands.command(name="reload", description="Rebuild the knowledge from the packs, without a restart.")
    async def reload(self, interaction: discord.Interaction[ShowbotClient]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # a rebuild can outlast Discord's 3 s
        try:
            text = await asyncio.to_thread(self.showbot.reload)
        except (PackError, StoreError, sqlite3.Error, OSError) as exc:
            logger.warning("reload failed: %s", exc)
            text = f"Reload failed; still answering from the previous knowledge.\n{exc}"
        await interaction.followup.send(**respond_kwargs(notice(text)))

    @app_commands.command(name="stats", description="This server's questions: answered, unknown, top unanswered.")
    async def stats(self, interaction: discord.Interaction[ShowbotClient]) -> None:
        stats = await asyncio.to_thread(self.showbot.stats, scope=where_from_interaction(interaction))
        await interaction.response.send_message(**respond_kwargs(stats_message(stats)))

    @app_commands.command(name="unanswered", description="This server's most asked questions that got no answer.")
    async def unanswered(self, interaction: discord.Interaction[ShowbotClient]) -> None:
        rows = await asyncio.to_thread(self.showbot.unanswered, scope=where_from_interaction(interaction))
        await interaction.response.send_message(**respond_kwargs(unanswered_message(rows)))

    @app_commands.command(name="teach", description="Make a question answer a fact (saved as a pack change).")
    @app_commands.describe(
        question="The question fans ask", fact="The fact's id (from /showbot unanswered or showbot ask --json)"
    )
    async def teach(self, interaction: discord.Interaction[ShowbotClient], question: str, fact: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # it rebuilds the pack
        try:
            text = await asyncio.to_thread(self.showbot.teach, question, fact)
        except TeachError as exc:
            text = str(exc)
        await interaction.followup.send(**respond_kwargs(notice(text)))

    @teach.autocomplete("fact")
    async def fact_autocomplete(
        self, interaction: discord.Interaction[ShowbotClient], current: str
    ) -> list[app_commands.Choice[str]]:
        facts = await asyncio.to_thread(self._facts, where_from_interaction(interaction))
        return choices({fact_id: f"{fact_id}: {question}" for fact_id, question in facts.items()}, current)

    def _facts(self, where: Where) -> dict[str, str]:
        """Current fact id -> its example question, for the channel's show (or the only show)."""
        shows = self.showbot.shows()
        slug = self.showbot.channel_show(where) or (next(iter(shows)) if len(shows) == 1 else None)
        if slug is None:
            return {}
        return self.showbot.facts(slug)
