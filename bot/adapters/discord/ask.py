"""Fans' questions: `/ask`, mentions, DMs and (optionally) auto-answer channels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.convert import (
    is_direct,
    mentions_user,
    question_text,
    storable,
    where_from_interaction,
    where_from_message,
)
from bot.adapters.discord.render import choices, cooldown_message, notice, reply_message
from bot.adapters.discord.views import respond_kwargs, send_kwargs

if TYPE_CHECKING:
    from bot.adapters.discord.client import ShowbotClient

logger = logging.getLogger(__name__)
COOLDOWN_REACTION = "⏳"


class Ask(commands.Cog):
    def __init__(self, bot: ShowbotClient) -> None:
        self.bot = bot
        self.showbot = bot.showbot
        self.auto_answer_channels = frozenset(bot.discord_settings.auto_answer_channels)

    @app_commands.command(name="ask", description="Ask a question about a TV show.")
    @app_commands.describe(question="What you want to know, e.g. is there a season 2?", show="Which show")
    async def ask(
        self, interaction: discord.Interaction[ShowbotClient], question: str, show: str | None = None
    ) -> None:
        slug = None
        if show:
            slug = self.showbot.find_show(show)
            if slug is None:
                known = ", ".join(self.showbot.shows().values())
                await interaction.response.send_message(
                    **respond_kwargs(notice(f"I don't know a show called “{show}”. I know: {known}."))
                )
                return
        where = where_from_interaction(interaction)
        wait = self.showbot.cooldown.wait(where.user)
        if wait:
            await interaction.response.send_message(**respond_kwargs(cooldown_message(wait)))
            return
        reply = await asyncio.to_thread(self.showbot.ask, storable(question), where, show=slug)
        await interaction.response.send_message(**respond_kwargs(reply_message(reply, question)))

    @ask.autocomplete("show")
    async def show_autocomplete(
        self, interaction: discord.Interaction[ShowbotClient], current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.showbot.shows(), current)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Mentions and DMs are questions; in an auto-answer channel, every message may be one.

        Discord sends the text of mentions and DMs without the privileged message content intent.
        Overheard questions are answered only when the bot is sure, so a busy channel sees no
        "did you mean" or "I don't know" it never asked for. A fan asking too fast gets a reaction
        (there are no ephemeral messages outside interactions), and overheard ones get nothing.
        """
        me = self.bot.user
        if message.author.bot or me is None:
            return
        addressed = is_direct(message) or mentions_user(message, me.id)
        if not addressed and message.channel.id not in self.auto_answer_channels:
            return
        where = where_from_message(message)
        wait = self.showbot.cooldown.wait(where.user)
        if wait:
            if addressed:  # a reaction, not a message: a spammer gets nothing to fill the channel with
                await self._answer(message.add_reaction(COOLDOWN_REACTION), message)
            return
        question = question_text(message, me.id)
        reply = await asyncio.to_thread(self.showbot.ask, question, where, addressed=addressed)
        if not addressed and reply.answer.status != "answered":
            return
        await self._answer(message.reply(**send_kwargs(reply_message(reply, question, echo_question=False))), message)

    @staticmethod
    async def _answer(request: Awaitable[object], message: discord.Message) -> None:
        """Send, logging a refusal in one line: a channel where the bot lacks a permission is not a crash.

        discord.py itself retries rate limits and Discord's server errors.
        """
        try:
            await request
        except discord.HTTPException as exc:
            logger.warning(
                "could not answer in channel %s: HTTP %s %s",
                message.channel.id,
                exc.status,
                exc.text,
                extra={"event": "discord_error"},
            )
