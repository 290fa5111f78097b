"""The buttons: "did you mean" suggestions and helpful / not helpful votes.

They are `DynamicItem`s: the bot registers their custom-id templates at start-up and rebuilds a button
from the id of whatever was clicked, so buttons on messages sent by an earlier process (before a
restart, or by another shard's process) keep working without any view stored in memory.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.adapters.discord.convert import where_from_interaction
from bot.adapters.discord.render import (
    ASK_PREFIX,
    ASK_TEMPLATE,
    FAILURE,
    VOTE_TEMPLATE,
    Button,
    Outgoing,
    feedback_thanks,
    notice,
    reply_message,
)

if TYPE_CHECKING:
    from bot.adapters.discord.client import ShowbotClient
    from bot.service import Showbot

logger = logging.getLogger(__name__)
UIButton = discord.ui.Button[discord.ui.View]


class _ClickedButton(discord.ui.DynamicItem[UIButton], template=r"(?!)"):
    """What both buttons share: rebuilt from the clicked id, whose parts are all the state there is."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    def parts(self) -> re.Match[str]:
        match = self.template.fullmatch(self.custom_id)
        assert match is not None  # the dispatcher only hands over ids the template matches
        return match

    @staticmethod
    def showbot(interaction: discord.Interaction[Any]) -> Showbot:
        client: ShowbotClient = interaction.client
        return client.showbot

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """A failed click gets an apology (logged once), not Discord's bare "This interaction failed"."""
        try:
            await self.clicked(interaction)
        except Exception:
            logger.exception("%s button failed", type(self).__name__)
            if not interaction.response.is_done():
                await interaction.response.send_message(**respond_kwargs(notice(FAILURE)))

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError


class SuggestionButton(_ClickedButton, template=ASK_TEMPLATE):
    """A "did you mean" choice: clicking it asks that question and turns the message into the answer."""

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        question, show = self.parts()["question"], self.parts()["show"] or None
        where = where_from_interaction(interaction)
        reply = await asyncio.to_thread(self.showbot(interaction).ask, question, where, show=show)
        await interaction.response.edit_message(**edit_kwargs(reply_message(reply, question)))


class FeedbackButton(_ClickedButton, template=VOTE_TEMPLATE):
    """Helpful / not helpful: recorded against the logged question, acknowledged only to the voter."""

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        question_id, helpful = int(self.parts()["question_id"]), self.parts()["helpful"] == "1"
        where = where_from_interaction(interaction)
        recorded = await asyncio.to_thread(self.showbot(interaction).feedback, question_id, where, helpful)
        await interaction.response.send_message(**respond_kwargs(feedback_thanks(recorded)))


def to_view(buttons: tuple[Button, ...]) -> discord.ui.View | None:
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for spec in buttons:
        item = UIButton(label=spec.label, custom_id=spec.custom_id, style=spec.style)
        view.add_item(SuggestionButton(item) if spec.custom_id.startswith(ASK_PREFIX) else FeedbackButton(item))
    return view


def send_kwargs(out: Outgoing) -> dict[str, Any]:
    """Keyword arguments for `Messageable.send` / `Message.reply` (unset parts left out)."""
    kwargs: dict[str, Any] = {}
    if out.content is not None:
        kwargs["content"] = out.content
    if out.embed is not None:
        kwargs["embed"] = out.embed
    view = to_view(out.buttons)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def respond_kwargs(out: Outgoing) -> dict[str, Any]:
    """Keyword arguments for `InteractionResponse.send_message` and followups."""
    return {**send_kwargs(out), "ephemeral": out.ephemeral}


def edit_kwargs(out: Outgoing) -> dict[str, Any]:
    """Keyword arguments for an edit: unset parts are cleared, so no stale text or buttons remain."""
    return {"content": out.content, "embed": out.embed, "view": to_view(out.buttons)}
