"""The Slack payload builders (pure functions): escaping, Block Kit limits, buttons, Slack markup in."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.adapters.slack.blocks import (
    BUTTON_TEXT_LIMIT,
    BUTTON_VALUE_LIMIT,
    CONTEXT_ELEMENTS,
    MAX_BLOCKS,
    SECTION_LIMIT,
    escape,
    parse_choice,
    plain_text,
    reply_message,
    split_escaped,
)
from bot.models import Answer, Source
from bot.router import Router
from bot.service import Reply

from .hostile import HOSTILE_QUESTIONS

PING = re.compile(r"<[!@#]")  # <!channel>, <!here>, <@U...>, <#C...>: what Slack turns into mentions
SOURCE = Source("Renewed!", "https://news.example/a?x=1&y=2", "News", "2025-06-06")


def mrkdwn(message: dict[str, Any]) -> list[str]:
    texts = [message["text"]]
    for block in message["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def assert_within_limits(message: dict[str, Any]) -> None:
    assert 1 <= len(message["blocks"]) <= MAX_BLOCKS
    json.dumps(message).encode("utf-8")  # sendable: no lone surrogates
    for block in message["blocks"]:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= SECTION_LIMIT
        if block["type"] == "context":
            assert len(block["elements"]) <= CONTEXT_ELEMENTS
        if block["type"] == "actions":
            assert len(block["elements"]) <= 5
            for element in block["elements"]:
                assert len(element["text"]["text"]) <= BUTTON_TEXT_LIMIT
                assert len(element["value"]) <= BUTTON_VALUE_LIMIT
    for text in mrkdwn(message):
        assert not PING.search(text), text


def answers_echoing(text: str) -> list[Reply]:
    """Every kind of reply, each carrying the hostile text where user text could end up."""
    return [
        Reply(Answer("answered", text, "etoile", "Étoile", (SOURCE,), "2025-06-06", 0.9), 7),
        Reply(Answer("answered", text, "etoile", text, (Source(text, text, text, None),), None, spoiler=True), None),
        Reply(Answer("clarify", text, "etoile", suggestions=(text, text[:80], "who plays jack?")), 8),
        Reply(Answer("unknown", text), 9),
    ]


@pytest.mark.parametrize("name", list(HOSTILE_QUESTIONS))
def test_hostile_questions_make_safe_messages(name: str, etoile_router: Router) -> None:
    question = plain_text(HOSTILE_QUESTIONS[name])
    real = Reply(etoile_router.ask(question), 1)
    for reply in [real, *answers_echoing(question), *answers_echoing(HOSTILE_QUESTIONS[name])]:
        assert_within_limits(reply_message(reply, question))
        assert_within_limits(reply_message(reply))


def test_escape_neutralises_mentions_and_links() -> None:
    assert (
        escape("<!channel> & <@U1|bob> <https://x|y>") == "&lt;!channel&gt; &amp; &lt;@U1|bob&gt; &lt;https://x|y&gt;"
    )
    assert escape("who plays \ud800 jack") == "who plays ? jack"


def test_long_text_splits_at_spaces_and_never_inside_an_escape() -> None:
    text = ("word & <tag> " * 1000).strip()
    pieces = split_escaped(text)
    assert all(len(p) <= SECTION_LIMIT for p in pieces)
    assert " ".join(pieces) == escape(text)
    assert all(not re.search(r"&[a-z]*$", p) for p in pieces), "an escape is never cut"
    assert {p.split(" ")[-1] for p in pieces} <= {"word", "&amp;", "&lt;tag&gt;"}, "splits fall at spaces"
    assert split_escaped("a" * 7000) == ["a" * 3000, "a" * 3000, "a" * 1000]
    assert split_escaped(" \n ") == []


def test_a_huge_answer_is_cut_to_fifty_blocks() -> None:
    message = reply_message(Reply(Answer("answered", "x " * 200_000, "etoile", sources=(SOURCE,)), 3), "q")
    assert len(message["blocks"]) == MAX_BLOCKS
    assert "too long" in message["blocks"][-3]["text"]["text"]
    assert message["blocks"][-1]["type"] == "actions", "the sources and buttons are kept"


def test_sources_link_with_title_outlet_and_date() -> None:
    message = reply_message(Reply(Answer("answered", "Yes.", "etoile", sources=(SOURCE,), as_of="2025-06-06"), 1))
    context = next(b for b in message["blocks"] if b["type"] == "context")["elements"]
    assert [e["text"] for e in context] == [
        "as of 6 June 2025",
        "<https://news.example/a?x=1&amp;y=2|Renewed!> · News, 6 June 2025",
    ]


def test_many_sources_fit_one_context_block() -> None:
    sources = tuple(Source(f"t{n}", f"https://s.example/{n}", "o", None) for n in range(15))
    message = reply_message(Reply(Answer("answered", "Yes.", "etoile", sources=sources, as_of="2025-01-01"), 1))
    elements = next(b for b in message["blocks"] if b["type"] == "context")["elements"]
    assert len(elements) == CONTEXT_ELEMENTS and elements[-1]["text"] == "and 7 more sources"


def test_spoiler_notification_text_hides_the_answer() -> None:
    message = reply_message(Reply(Answer("answered", "Vera dies.", "x", "Moonfall", spoiler=True), 1))
    assert "dies" not in message["text"] and "Spoiler" in message["blocks"][0]["text"]["text"]


def test_clarify_buttons_carry_question_and_show() -> None:
    message = reply_message(Reply(Answer("clarify", "Which one?", "etoile", suggestions=("a?", "b?", "c?", "d?")), 1))
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [parse_choice(e["value"]) for e in actions["elements"]] == [
        ("a?", "etoile"),
        ("b?", "etoile"),
        ("c?", "etoile"),
    ]
    with pytest.raises(ValueError):
        parse_choice("[1]")


def test_plain_text_reads_slack_markup() -> None:
    raw = "<@UBOT> is &lt;it&gt; Q&amp;A? <!here> <@U1|bob> <#C1|general> <https://x.example|site> <!subteam^S1|@mods>"
    assert plain_text(raw, "UBOT") == "is <it> Q&A? @here @bob #general site @mods"
    assert plain_text("<@UBOT|showbot> hi <@UBOT>") == "hi @UBOT"


def test_a_decline_with_sources_cites_them() -> None:
    """A fact that says what no source reports is an "I don't know" that still shows its sources."""
    declined = Answer("unknown", "I don't know that one. No figure was reported.", "etoile", sources=(SOURCE,))
    message = reply_message(Reply(declined, 1))
    context = next(b for b in message["blocks"] if b["type"] == "context")["elements"]
    assert any("Renewed!" in e["text"] for e in context)
