"""Replies -> what Discord receives: embeds, text and button specs, built by pure functions.

Everything a fan typed or a pack wrote passes through here on its way out, so this is the one place
that enforces Discord's limits (an over-long message is rejected outright, not truncated) and makes
sure no echoed text can ping anyone, whatever `allowed_mentions` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord
from discord import app_commands

from bot.models import Answer, Source
from bot.questionlog import Stats, Unanswered
from bot.service import Reply
from bot.text import fold, human_date, sanitize

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT = 2000
TITLE = 256
AUTHOR = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
EMBED_TOTAL = 6000
LABEL = 80
CUSTOM_ID = 100
CHOICES = 25
CHOICE_TEXT = 100

SOURCES_BUDGET = 3 * FIELD_VALUE  # the answer text always keeps room, whatever the pack cites
SOURCE_TITLE = 200
QUOTE = 300  # an echoed question above a short reply
SPOILER_LABEL = "⚠️ **Spoiler**: click to reveal.\n"

# Custom ids carry everything a click needs, so a button works on a message sent before a restart.
ASK_PREFIX = "sb:ask:"
VOTE_PREFIX = "sb:vote:"
ASK_TEMPLATE = r"sb:ask:(?P<show>[a-z0-9-]{0,63}):(?P<question>.+)"
VOTE_TEMPLATE = r"sb:vote:(?P<question_id>[0-9]{1,18}):(?P<helpful>[01])"

REFUSAL = "Sorry, only moderators (Manage Server permission) can use that command."
FAILURE = "Sorry, something went wrong answering that. Please try again."

_BROADCAST = re.compile(r"@(?=(?:everyone|here)\b)", re.IGNORECASE)
_USER_OR_ROLE = re.compile(r"<@(!?|&)[0-9]{1,25}>")
_ANSWERED_COLOUR = discord.Colour.blurple()
_SPOILER_COLOUR = discord.Colour.orange()


@dataclass(frozen=True)
class Button:
    label: str
    custom_id: str
    style: discord.ButtonStyle = discord.ButtonStyle.secondary


@dataclass(frozen=True)
class Outgoing:
    """One message: the adapter turns it into `send`/`reply`/`edit` keyword arguments."""

    content: str | None = None
    embed: discord.Embed | None = None
    buttons: tuple[Button, ...] = ()
    ephemeral: bool = False


def neutralise(text: str) -> str:
    """Make @everyone/@here and user/role mentions inert text (a zero-width space after the @)."""
    text = _BROADCAST.sub("@\u200b", text)
    return _USER_OR_ROLE.sub(lambda m: "@\u200brole" if m.group(1) == "&" else "@\u200buser", text)


def trim(text: str, limit: int) -> str:
    """`text` cut to `limit` characters at a word boundary when one is near, marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip() + "…"


def echo(text: str, limit: int) -> str:
    """A fan's own words, safe to show back: one line, no markdown, no mentions, within `limit`."""
    line = " ".join(sanitize(text).split())
    return trim(neutralise(discord.utils.escape_markdown(line)), limit)


def _link(source: Source) -> str:
    title = trim(" ".join(source.title.split()), SOURCE_TITLE).replace("[", "(").replace("]", ")")
    url = source.url or ""
    if not url.startswith(("https://", "http://")) or len(url) > 512:
        return title
    return f"[{title}]({url.replace('(', '%28').replace(')', '%29').replace(' ', '%20')})"


def source_line(source: Source, spoiler: bool) -> str:
    """`[title](url) · outlet, date`; a spoiler's headline is hidden too, since headlines spoil."""
    link = _link(source)
    when = f", {human_date(source.published)}" if source.published else ""
    return f"{f'||{link}||' if spoiler else link} · {source.outlet}{when}"


def source_fields(sources: Sequence[Source], spoiler: bool) -> list[tuple[str, str]]:
    """(name, value) fields listing every source, each value within the field limit."""
    lines = [trim(neutralise(source_line(s, spoiler)), FIELD_VALUE) for s in sources]
    while sum(len(line) + 1 for line in lines) > SOURCES_BUDGET:
        lines.pop()
    if len(lines) < len(sources):
        lines.append(f"…and {len(sources) - len(lines)} more")
    fields: list[list[str]] = []
    for line in lines:
        if fields and sum(len(x) + 1 for x in fields[-1]) + len(line) <= FIELD_VALUE:
            fields[-1].append(line)
        else:
            fields.append([line])
    return [("Sources" if i == 0 else "Sources (continued)", "\n".join(f)) for i, f in enumerate(fields)]


def _body(answer: Answer, room: int) -> str:
    text = neutralise(answer.text)
    if not answer.spoiler:
        return trim(text, room)
    inner = trim(text.replace("||", "| |"), room - len(SPOILER_LABEL) - 4)
    return f"{SPOILER_LABEL}||{inner}||"


def answer_embed(answer: Answer, question: str | None = None) -> discord.Embed:
    """The answer, its sources and "as of" date; the text is trimmed last, so sources are always kept."""
    embed = discord.Embed(colour=_SPOILER_COLOUR if answer.spoiler else _ANSWERED_COLOUR)
    if answer.show_title:
        embed.set_author(name=trim(answer.show_title, AUTHOR))
    if question is not None:
        embed.title = echo(question, TITLE) or None
    for name, value in source_fields(answer.sources, answer.spoiler):
        embed.add_field(name=name, value=value, inline=False)
    if answer.as_of:
        embed.set_footer(text=f"as of {human_date(answer.as_of)}")
    embed.description = _body(answer, min(DESCRIPTION, EMBED_TOTAL - len(embed)))
    return embed


def _fits(text: str, limit: int) -> str:
    """`text` cut (no ellipsis: it is asked as a question) so that it fits `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return cut[:space] if space > limit // 2 else cut


def ask_custom_id(show: str | None, question: str) -> str:
    prefix = f"{ASK_PREFIX}{show or ''}:"
    return prefix + _fits(" ".join(sanitize(question).split()), CUSTOM_ID - len(prefix))


def vote_custom_id(question_id: int, helpful: bool) -> str:
    return f"{VOTE_PREFIX}{question_id}:{int(helpful)}"


def suggestion_buttons(answer: Answer, question: str) -> tuple[Button, ...]:
    """Up to 3 "did you mean" buttons.

    A suggestion is either one of the show's own questions, asked as is, or (when the bot could not
    tell which show was meant) a show title, which is put in front of the fan's question.
    """
    buttons = []
    for suggestion in answer.suggestions[:3]:
        label = trim(neutralise(" ".join(sanitize(suggestion).split())), LABEL)
        if label:
            asked = suggestion if answer.show else f"{suggestion} {question}"
            buttons.append(Button(label, ask_custom_id(answer.show, asked), discord.ButtonStyle.primary))
    return tuple(buttons)


def feedback_buttons(question_id: int) -> tuple[Button, ...]:
    return (
        Button("👍 Helpful", vote_custom_id(question_id, True), discord.ButtonStyle.success),
        Button("👎 Not helpful", vote_custom_id(question_id, False)),
    )


def reply_message(reply: Reply, question: str, *, echo_question: bool = True) -> Outgoing:
    """The message for a `Reply` to `question`.

    With `echo_question` (a slash command, whose question the channel does not see) the question is
    shown too: as a quote above a "did you mean" or "I don't know", as the title of an answer.
    """
    answer = reply.answer
    if answer.cited:
        buttons = feedback_buttons(reply.question_id) if reply.question_id is not None else ()
        return Outgoing(embed=answer_embed(answer, question if echo_question else None), buttons=buttons)
    quoted = echo(question, QUOTE) if echo_question else ""
    text = trim((f"> {quoted}\n" if quoted else "") + neutralise(answer.text), CONTENT)
    buttons = suggestion_buttons(answer, question) if answer.status == "clarify" else ()
    return Outgoing(content=text, buttons=buttons)


def cooldown_message(seconds: float) -> Outgoing:
    wait = max(1, round(seconds))
    return Outgoing(
        content=f"You're asking faster than I can keep up: please wait {wait} second{'s' * (wait != 1)} and ask again.",
        ephemeral=True,
    )


def notice(text: str) -> Outgoing:
    """A short message only the person who clicked or typed sees."""
    return Outgoing(content=trim(neutralise(text), CONTENT), ephemeral=True)


def feedback_thanks(recorded: bool) -> Outgoing:
    if recorded:
        return notice("Thanks for the feedback: it helps the moderators improve the answers.")
    return notice("Thanks! (Feedback is not being recorded right now.)")


def _unanswered_lines(rows: Sequence[Unanswered]) -> str:
    lines = [f"{row.asked}× “{echo(row.question, 150)}”" for row in rows]
    return trim("\n".join(lines), FIELD_VALUE) if lines else "None so far."


def stats_message(stats: Stats) -> Outgoing:
    embed = discord.Embed(title="showbot stats", colour=_ANSWERED_COLOUR)
    embed.add_field(name="Answered", value=str(stats.answered))
    embed.add_field(name="Did you mean", value=str(stats.clarify))
    embed.add_field(name="Unknown", value=str(stats.unknown))
    embed.add_field(name="Helpful", value=str(stats.helpful))
    embed.add_field(name="Not helpful", value=str(stats.not_helpful))
    embed.add_field(name="Top unanswered", value=_unanswered_lines(stats.top_unanswered), inline=False)
    return Outgoing(embed=embed, ephemeral=True)


def unanswered_message(rows: Sequence[Unanswered]) -> Outgoing:
    embed = discord.Embed(title="Most asked, not answered", colour=_ANSWERED_COLOUR)
    embed.description = _unanswered_lines(rows)
    return Outgoing(embed=embed, ephemeral=True)


def choices(named: Mapping[str, str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete: the values (value -> shown name) whose name or value contains what was typed so far."""
    typed = fold(current.strip())
    hits = [(value, name) for value, name in named.items() if typed in fold(name) or typed in fold(value)]
    hits.sort(key=lambda vn: (not fold(vn[1]).startswith(typed), fold(vn[1])))
    return [
        app_commands.Choice(name=trim(name, CHOICE_TEXT), value=value)
        for value, name in hits[:CHOICES]
        if len(value) <= CHOICE_TEXT
    ]
