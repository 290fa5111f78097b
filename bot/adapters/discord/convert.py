"""Discord events -> what the service takes: where a question was asked, and the question itself."""

from __future__ import annotations

import re

import discord

from bot.questionlog import Where


def where_from_interaction(interaction: discord.Interaction[discord.Client]) -> Where:
    return Where(
        platform="discord",
        workspace=str(interaction.guild_id or ""),
        channel=str(interaction.channel_id or ""),
        user=str(interaction.user.id),
    )


def where_from_message(message: discord.Message) -> Where:
    return Where(
        platform="discord",
        workspace=str(message.guild.id) if message.guild else "",
        channel=str(message.channel.id),
        user=str(message.author.id),
    )


def mentions_user(message: discord.Message, user_id: int) -> bool:
    """True when `user_id` is mentioned by name: an @everyone is not a question for the bot."""
    return any(user.id == user_id for user in message.mentions)


def is_direct(message: discord.Message) -> bool:
    return isinstance(message.channel, discord.DMChannel)


def storable(text: str) -> str:
    """`text` with lone surrogates (valid in JSON escapes, not in UTF-8) replaced, so it can be logged."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def question_text(message: discord.Message, bot_id: int) -> str:
    """The message without the bot's own mention, so "@showbot is there a season 2?" asks the rest."""
    return storable(re.sub(rf"<@!?{bot_id}>", " ", message.content).strip())
