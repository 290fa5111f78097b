"""Replies -> Slack Block Kit messages: pure functions, so every limit and escape is tested without Slack.

Slack parses `<...>` in mrkdwn (and in a message's fallback `text`) as links and mentions, so anything a
user typed or a pack says is escaped (`&`, `<`, `>`): a question holding `<!channel>` is shown, never
sent as a ping. Block Kit rejects a whole message that breaks a limit, so every text is cut to fit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.models import Answer, Source
from bot.questionlog import Stats, Unanswered
from bot.service import Reply
from bot.text import human_date

Message = dict[str, Any]  # keyword arguments for chat.postMessage / response_url posts: text, blocks
Block = dict[str, Any]

SECTION_LIMIT = 3000  # characters in a section's text
MAX_BLOCKS = 50  # blocks in one message
CONTEXT_ELEMENTS = 10  # elements in one context block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
QUOTE_CHARS = 300  # how much of the question a reply quotes
FALLBACK_CHARS = 300  # the notification text

CLARIFY_ACTION = "showbot_clarify"  # + "_<n>": action ids must be unique within a message
HELPFUL_ACTION = "showbot_helpful"
NOT_HELPFUL_ACTION = "showbot_not_helpful"


def escape(text: str) -> str:
    """Text safe for mrkdwn: `&`, `<`, `>` escaped, lone surrogates (unsendable as UTF-8) replaced."""
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MARKUP = re.compile(r"<([@#!]?)([^|>]*)(?:\|([^>]*))?>")


def plain_text(slack_text: str, bot_user_id: str | None = None) -> str:
    """A message or command text as the user sees it: the question the router gets and a reply quotes.

    Slack sends `&`, `<`, `>` as entities and mentions, channels and links as `<...>` markup; the bot's own
    mention (or, when its id is unknown, a leading mention) is dropped.
    """
    if bot_user_id:
        slack_text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", slack_text)
    else:
        slack_text = re.sub(r"^\s*<@[^>]*>", " ", slack_text)

    def readable(match: re.Match[str]) -> str:
        kind, target, label = match.group(1), match.group(2), match.group(3)
        if kind == "#":
            return "#" + (label or target)
        if kind:  # @user, !channel, !here, !subteam^S1
            return "@" + (label.lstrip("@") if label else target.split("^")[0])
        return label or target

    text = _MARKUP.sub(readable, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a space when one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


_ESCAPED_SIZE = {"&": 5, "<": 4, ">": 4}


def split_escaped(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`text` escaped and split into at most 50 pieces of at most `limit` characters each.

    The limit applies to the escaped text Slack receives, and a split never falls inside an escape like
    `&amp;`; it falls at a line break or a space when there is one in the second half of the piece.
    """
    rest = text.encode("utf-8", errors="replace").decode("utf-8")
    pieces: list[str] = []
    while rest.strip() and len(pieces) < MAX_BLOCKS:
        size = end = 0
        for char in rest:
            size += _ESCAPED_SIZE.get(char, 1)
            if size > limit:
                break
            end += 1
        if end < len(rest):
            for sep in ("\n", " "):
                at = rest.rfind(sep, end // 2, end)
                if at >= 0:
                    end = at + 1
                    break
        if piece := escape(rest[:end]).strip():
            pieces.append(piece)
        rest = rest[end:]
    return pieces


def section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def context(elements: list[str]) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": e} for e in elements[:CONTEXT_ELEMENTS]]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": shorten(text, BUTTON_TEXT_LIMIT) or "?", "emoji": True},
        "action_id": action_id,
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style:
        element["style"] = style
    return element


def quote(question: str) -> Block:
    """The asker's question, so a channel reading the answer knows what was asked."""
    lines = escape(shorten(" ".join(question.split()), QUOTE_CHARS)) or "(empty question)"
    return section(f">{lines}")


def source_text(source: Source) -> str:
    title = escape(shorten(source.title, 200))
    if source.url and re.match(r"https?://", source.url):
        url = escape(source.url).replace("|", "%7C")
        title = f"<{url}|{title.replace('|', '¦')}>"
    when = f", {human_date(source.published)}" if source.published else ""
    return f"{title} · {escape(source.outlet)}{when}"


def provenance(answer: Answer) -> Block | None:
    """The context line: "as of" first, then one element per source (Slack allows 10 in all)."""
    elements = [f"as of {human_date(answer.as_of)}"] if answer.as_of else []
    sources = [source_text(s) for s in answer.sources]
    room = CONTEXT_ELEMENTS - len(elements)
    if len(sources) > room:
        sources = [*sources[: room - 1], f"and {len(sources) - room + 1} more sources"]
    elements += sources
    return context(elements) if elements else None


def feedback_buttons(question_id: int) -> Block:
    return {
        "type": "actions",
        "block_id": "showbot_feedback",
        "elements": [
            button("👍 Helpful", HELPFUL_ACTION, str(question_id)),
            button("👎 Not helpful", NOT_HELPFUL_ACTION, str(question_id)),
        ],
    }


def choice_value(question: str, show: str | None) -> str:
    """What a "did you mean" button carries: enough to answer it after a restart, with no server state."""
    return json.dumps({"q": question[: BUTTON_VALUE_LIMIT - 200], "s": show}, ensure_ascii=False)


def parse_choice(value: str) -> tuple[str, str | None]:
    """(question, show) from a button value; ValueError when it is not one of ours."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("q"), str):
        raise ValueError("not a showbot choice")
    show = data.get("s")
    return data["q"], show if isinstance(show, str) else None


def fit(blocks: list[Block], body: list[str], tail: list[Block]) -> list[Block]:
    """`blocks` + one section per body piece + `tail`, dropping body pieces beyond 50 blocks."""
    room = MAX_BLOCKS - len(blocks) - len(tail)
    if len(body) > room:
        body = [*body[: room - 1], "… _(cut: too long for one Slack message)_"]
    if not blocks and not body:
        body = ["…"]  # Slack refuses a message with nothing in it
    return [*blocks, *(section(p) for p in body), *tail]


def fallback(text: str) -> str:
    """The notification text (also mrkdwn, so escaped); never empty, or Slack refuses the message."""
    return escape(shorten(" ".join(text.split()), FALLBACK_CHARS)) or "…"


def answer_message(reply: Reply, question: str | None = None) -> Message:
    """An answered question: [question quote] [spoiler warning] answer sections, sources, feedback buttons."""
    answer = reply.answer
    head = [quote(question)] if question is not None else []
    if answer.spoiler:
        head.append(section(":warning: *Spoiler:* only you can see this answer, it reveals plot details."))
    tail: list[Block] = []
    if (line := provenance(answer)) is not None:
        tail.append(line)
    if reply.question_id is not None:
        tail.append(feedback_buttons(reply.question_id))
    title = escape(answer.show_title or "the show")
    text = f"Spoiler about {title}" if answer.spoiler else fallback(answer.text)
    return {"text": text, "blocks": fit(head, split_escaped(answer.text), tail)}


def clarify_message(reply: Reply, question: str | None = None) -> Message:
    """ "Did you mean": up to 3 buttons, each carrying the suggested question and the show."""
    answer = reply.answer
    head = [quote(question)] if question is not None else []
    buttons = [
        button(s, f"{CLARIFY_ACTION}_{n}", choice_value(s, answer.show)) for n, s in enumerate(answer.suggestions[:3])
    ]
    tail: list[Block] = [{"type": "actions", "block_id": "showbot_clarify", "elements": buttons}] if buttons else []
    return {"text": fallback(answer.text), "blocks": fit(head, split_escaped(answer.text), tail)}


def reply_message(reply: Reply, question: str | None = None) -> Message:
    """The message for any reply; `question` is quoted when given (slash commands, which Slack hides)."""
    if reply.answer.cited:
        return answer_message(reply, question)
    if reply.answer.status == "clarify":
        return clarify_message(reply, question)
    return notice(reply.answer.text, question)


def notice(text: str, question: str | None = None) -> Message:
    """A plain reply (unknown, refusals, admin results), escaped and split like an answer."""
    head = [quote(question)] if question is not None else []
    return {"text": fallback(text), "blocks": fit(head, split_escaped(text), [])}


def stats_text(stats: Stats) -> str:
    votes = stats.helpful + stats.not_helpful
    helpful = f"{stats.helpful}/{votes} helpful" if votes else "no votes yet"
    lines = [
        f"{stats.total} question{'' if stats.total == 1 else 's'}: {stats.answered} answered, "
        f"{stats.clarify} clarify, {stats.unknown} unknown; "
        f"{helpful}."
    ]
    if stats.top_unanswered:
        lines.append("Top unanswered:")
        lines += [unanswered_line(u) for u in stats.top_unanswered]
    return "\n".join(lines)


def unanswered_line(item: Unanswered) -> str:
    counts = f"{item.asked}x: {item.unknown} unknown, {item.clarify} clarify, {item.downvoted} downvoted"
    return f"• {shorten(item.question, 150)} ({counts})"


def unanswered_text(items: list[Unanswered]) -> str:
    if not items:
        return "No unanswered questions."
    return "\n".join(["Most frequent unanswered questions:", *(unanswered_line(u) for u in items)])
