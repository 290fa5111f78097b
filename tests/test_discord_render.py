"""The pure conversions out: `Reply` -> the JSON discord.py would send, for every shape an answer can take.

The JSON is built by discord.py's own `handle_message_parameters` from what the adapter renders, with the
client's `AllowedMentions.none()`, so these are the request bodies Discord would receive.
"""

from __future__ import annotations

import json
import re
from typing import Any

import discord
import pytest
from discord.http import handle_message_parameters

from bot.adapters.discord.convert import storable
from bot.adapters.discord.render import (
    ASK_TEMPLATE,
    CUSTOM_ID,
    DESCRIPTION,
    SPOILER_LABEL,
    ask_custom_id,
    choices,
    echo,
    neutralise,
    reply_message,
    trim,
)
from bot.adapters.discord.views import send_kwargs
from bot.models import Answer, Source
from bot.questionlog import Where
from bot.service import Reply, Showbot
from tests.hostile import HOSTILE_QUESTIONS
from tests.test_discord_bot import assert_safe

WHERE = Where("discord", "2000", "3000", "4001")


def wire(reply: Reply, question: str, echo_question: bool = True) -> dict[str, Any]:
    """The request body discord.py would send for this reply."""
    kwargs = send_kwargs(reply_message(reply, question, echo_question=echo_question))
    view = kwargs.pop("view", None)
    params = handle_message_parameters(
        **kwargs,
        view=view if view is not None else discord.utils.MISSING,
        allowed_mentions=discord.AllowedMentions.none(),
    )
    payload: dict[str, Any] = params.payload or {}
    return payload


# ---------------------------------------------------------------------------------------------------------
# Hostile questions, through the real service and the adapter's builders


@pytest.mark.parametrize("name", sorted(HOSTILE_QUESTIONS))
def test_hostile_questions_render_safely(etoile_showbot: Showbot, name: str) -> None:
    question = HOSTILE_QUESTIONS[name]
    for addressed in (True, False):
        reply = etoile_showbot.ask(storable(question), WHERE, addressed=addressed)
        for echo_question in (True, False):
            assert_safe(wire(reply, question, echo_question))
    # The worst case for the echo: the same text shown back as the title of an answer.
    answered = Reply(Answer("answered", "An answer.", sources=(Source("t", None, "o", None),)), 1)
    assert_safe(wire(answered, question))
    clarify = Reply(Answer("clarify", "Did you mean:", show="etoile", suggestions=(question, question[:50])), None)
    assert_safe(wire(clarify, question))
    shows = Reply(Answer("clarify", "Which show do you mean?", suggestions=("Étoile", question)), None)
    assert_safe(wire(shows, question))


# ---------------------------------------------------------------------------------------------------------
# Limits


def source(n: int, title: str = "A headline") -> Source:
    return Source(f"{title} {n}", f"https://news.example/{n}", f"Outlet {n}", "2025-06-06")


def test_everything_oversized_still_fits_and_keeps_the_sources() -> None:
    answer = Answer(
        "answered",
        "word " * 3000,
        show="etoile",
        show_title="T" * 400,
        sources=tuple(source(n, "headline " * 60) for n in range(40)),
        as_of="2025-06-06",
    )
    payload = wire(Reply(answer, 7), "q" * 5000)
    assert_safe(payload)
    (embed,) = payload["embeds"]
    assert embed["description"].endswith("…") and len(embed["description"]) > 1000  # the text keeps real room
    lines = [line for f in embed["fields"] for line in f["value"].splitlines()]
    assert lines[-1].startswith("…and ") and lines[-1].endswith(" more")
    assert all("](https://news.example/" in line for line in lines[:-1])


def test_neutralising_never_pushes_text_over_a_limit() -> None:
    pings = "@everyone " * 400
    answer = Answer("answered", pings, sources=(Source(pings, None, pings, None),), as_of="2025-06-06")
    assert_safe(wire(Reply(answer, 1), pings))
    assert_safe(wire(Reply(Answer("unknown", pings), None), pings))
    assert_safe(wire(Reply(Answer("clarify", "Did you mean:", show="etoile", suggestions=(pings,)), None), pings))


def test_a_few_normal_sources_are_all_listed_in_one_field() -> None:
    answer = Answer("answered", "Yes.", sources=tuple(source(n) for n in range(3)), as_of="2025-06-06")
    (embed,) = wire(Reply(answer, 1), "q")["embeds"]
    assert [f["name"] for f in embed["fields"]] == ["Sources"]
    assert (
        embed["fields"][0]["value"].splitlines()[0] == "[A headline 0](https://news.example/0) · Outlet 0, 6 June 2025"
    )
    assert embed["footer"]["text"] == "as of 6 June 2025"


def test_source_links_cannot_break_out_of_markdown() -> None:
    tricky = Source("a [fake](https://evil.example) title", "https://ok.example/a_(b) c", "Outlet", None)
    unsafe = Source("no scheme", "javascript:alert(1)", "Outlet", None)
    (embed,) = wire(Reply(Answer("answered", "x", sources=(tricky, unsafe)), 1), "q")["embeds"]
    first, second = embed["fields"][0]["value"].splitlines()
    assert first == "[a (fake)(https://evil.example) title](https://ok.example/a_%28b%29%20c) · Outlet"
    assert second == "no scheme · Outlet"


def test_spoiler_text_and_headlines_are_hidden() -> None:
    answer = Answer("answered", "They kiss || twice.", spoiler=True, sources=(source(1),), as_of="2025-06-06")
    (embed,) = wire(Reply(answer, 1), "q")["embeds"]
    assert embed["description"] == SPOILER_LABEL + "||They kiss | | twice.||"
    assert embed["fields"][0]["value"].startswith("||[A headline 1](https://news.example/1)|| · Outlet 1")


def test_a_long_spoiler_is_trimmed_inside_the_markup() -> None:
    answer = Answer("answered", "secret " * 2000, spoiler=True)
    (embed,) = wire(Reply(answer, 1), "q")["embeds"]
    assert embed["description"].startswith(SPOILER_LABEL + "||") and embed["description"].endswith("…||")
    assert len(embed["description"]) <= DESCRIPTION


def test_no_feedback_buttons_when_the_question_was_not_logged() -> None:
    payload = wire(Reply(Answer("answered", "Yes."), None), "q")
    assert not payload.get("components")


# ---------------------------------------------------------------------------------------------------------
# Custom ids, text helpers, autocomplete


def test_suggestion_custom_ids_fit_and_round_trip() -> None:
    long = "who plays " + "the extremely long character name " * 5
    custom_id = ask_custom_id("etoile", long)
    match = re.fullmatch(ASK_TEMPLATE, custom_id)
    assert match and len(custom_id) <= CUSTOM_ID
    assert match["show"] == "etoile" and long.startswith(match["question"]) and not match["question"].endswith(" ")
    assert ask_custom_id("etoile", "who plays\njack?") == "sb:ask:etoile:who plays jack?"


def test_show_choice_puts_the_title_before_the_question() -> None:
    reply = Reply(Answer("clarify", "Which show do you mean?", suggestions=("Harbor Lights", "Moonfall")), None)
    payload = wire(reply, "who plays " + "x" * 200)
    ids = [c["custom_id"] for row in payload["components"] for c in row["components"]]
    assert ids[0].startswith("sb:ask::Harbor Lights who plays x") and len(ids[0]) <= CUSTOM_ID


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone hi", "@\u200beveryone hi"),
        ("@HERE", "@\u200bHERE"),
        ("<@123> <@!456> <@&789>", "@\u200buser @\u200buser @\u200brole"),
        ("mail@here.example", "mail@\u200bhere.example"),  # even inside a word: cheap, and safe
        ("<#111> channels do not ping", "<#111> channels do not ping"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_trim_cuts_at_a_word_and_marks_it() -> None:
    assert trim("short", 10) == "short"
    assert trim("one two three four", 16) == "one two three…"
    assert trim("x" * 50, 10) == "x" * 9 + "…"


def test_echo_is_one_inert_line() -> None:
    assert echo("**bold**\n@everyone ||x||", 100) == "\\*\\*bold\\*\\* @\u200beveryone \\|\\|x\\|\\|"


def test_choices_match_title_or_slug_prefix_first() -> None:
    shows = {"etoile": "Étoile", "moonfall": "Moonfall Station", "star": "A Star Is Born"}
    assert [c.value for c in choices(shows, "eto")] == ["etoile"]
    assert [c.value for c in choices(shows, "st")] == ["star", "moonfall"]  # by title
    assert [c.value for c in choices({"a": "Lost", "b": "Stargate"}, "st")] == ["b", "a"]  # prefix first
    assert len(choices({str(n): f"Show {n}" for n in range(40)}, "")) == 25


def test_a_decline_with_sources_cites_them() -> None:
    """A fact that says what no source reports is an "I don't know" that still shows its sources."""
    source = Source(title="Budget talk", url="https://news.example/b", outlet="News", published="2025-06-06")
    declined = Answer("unknown", "I don't know that one. No figure was reported.", "etoile", sources=(source,))
    payload = wire(Reply(declined, 1), "what was the budget")
    assert "https://news.example/b" in json.dumps(payload)
