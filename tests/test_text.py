"""Text normalisation: questions and phrasings must meet whatever the spelling, case or chat style."""

from __future__ import annotations

import re

import pytest

from bot.text import normalize, sanitize, sentences


def same(a: str, b: str) -> None:
    assert normalize(a) == normalize(b), f"{a!r} -> {normalize(a)!r} but {b!r} -> {normalize(b)!r}"


@pytest.mark.parametrize("variant", ["Étoile", "ÉTOILE", "étoile", "Etoile", "E\u0301toile"])
def test_accents_and_case_fold_to_plain_ascii(variant: str) -> None:
    """ "Étoile" (composed or decomposed, any case) is the word "etoile"."""
    assert normalize(variant) == "etoile"


def test_case_is_ignored() -> None:
    same("IS THERE A SEASON 2", "is there a season 2")


@pytest.mark.parametrize(
    "text", ["is there a season 2?!?", "is there a season 2...", "is there, a season 2;", "«is there a season 2»"]
)
def test_punctuation_is_ignored(text: str) -> None:
    same(text, "is there a season 2")


@pytest.mark.parametrize("text", ["is there a season 2 🩰✨", "🤔 is there a season 2", "is there a 💃 season 2 ❤️‍🔥"])
def test_emoji_are_ignored(text: str) -> None:
    same(text, "is there a season 2")


def test_repeated_characters_collapse() -> None:
    """ "whyyyyy" and "whyyy" (and any longer run) read the same; doubled letters survive."""
    same("whyyyyyyy was it cancelled", "whyyy was it cancelled")
    same("is it renewed??????", "is it renewed")
    assert "cancelled" in normalize("cancelled")


@pytest.mark.parametrize(
    "variant", ["season two", "s2", "S2", "s02", "season2", "second season", "2nd season", "Season Two", "series 2"]
)
def test_season_spellings_become_season_n(variant: str) -> None:
    assert normalize(variant) == "season 2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("S1E2 recap", "season 1 episode 2 recap"),
        ("s01 e03 was wild", "season 1 episode 3 was wild"),
        ("episode3 of season2", "episode 3 of season 2"),
        ("the first season 2 trailer", "the first season 2 trailer"),  # "first" is not the season here
        ("is series 3 out", "is season 3 out"),
        ("my 2 cents on season 2", "my 2 cents on season 2"),
    ],
)
def test_season_and_episode_numbers_in_any_spelling(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["  is   there\ta season\n2 ", "whats   the vibe", "sooo\t\tgood"])
def test_normalised_text_is_words_separated_by_one_space(text: str) -> None:
    out = normalize(text)
    assert out == " ".join(out.split()) and out


@pytest.mark.parametrize(
    "question",
    ["is there a season two", "is there a s2", "is there a second season", "is there a 2nd season"],
)
def test_season_spellings_inside_questions(question: str) -> None:
    same(question, "is there a season 2")


@pytest.mark.parametrize("variant", ["whats", "what's", "what\u2019s", "what is"])
def test_contractions_and_apostrophe_free_spellings(variant: str) -> None:
    same(f"{variant} the show about", "what is the show about")


@pytest.mark.parametrize(
    ("chat", "plain"),
    [
        ("can u tell me", "can you tell me"),
        ("isnt it over", "is not it over"),
        ("isn't it over", "is not it over"),
        ("wheres it streaming", "where is it streaming"),
        ("who plays her mom", "who plays her mother"),  # a description says "Mishi's mother"
        ("who is his dad", "who is his father"),
        ("wen is s2 out", "when is season 2 out"),
        ("wat happens", "what happens"),
        ("why did they axe it", "why did they cancel it"),  # slang for cancelling a show
        ("was it axed", "was it cancelled"),
        ("when was it greenlit", "when was it ordered"),
        ("étoile saison 2", "etoile season 2"),
    ],
)
def test_chat_spellings(chat: str, plain: str) -> None:
    same(chat, plain)


def test_british_and_american_spellings_meet() -> None:
    same("was it canceled", "was it cancelled")


@pytest.mark.parametrize(
    "html", ["<script>alert('x')</script>", "<style>p {color: red}</style>", "<b>", "<img src=x onerror=alert(1)>"]
)
def test_pasted_html_is_no_part_of_the_question(html: str) -> None:
    same(f"{html} who plays tobias", "who plays tobias")
    same("is 2 < 3", "is 2 3")  # a lone angle bracket is no tag


@pytest.mark.parametrize(
    "ping",
    ["<@U123ABC>", "<@!123456789>", "<@&987>", "<#C01|general>", "<!channel>", "<!here|here>", "@everyone", "@here"],
)
def test_mentions_and_pings_are_stripped(ping: str) -> None:
    same(f"{ping} is there a season 2", "is there a season 2")
    assert "everyone" not in normalize(f"{ping} season 2")
    assert "channel" not in normalize(f"{ping} season 2")


def test_control_characters_are_sanitised() -> None:
    """NUL, escape sequences and other invisible characters never survive into matching."""
    hostile = "is\x00 there\x07 a \x1b[31mseason\u200b 2\x7f\ufeff"
    cleaned = sanitize(hostile)
    assert all(c.isprintable() for c in cleaned)
    assert re.fullmatch(r"[a-z0-9 ]*", normalize(hostile))
    assert "season 2" in normalize(hostile)


def test_binary_garbage_normalises_to_plain_words() -> None:
    garbage = bytes(range(256)).decode("utf-8", errors="replace") * 3
    assert re.fullmatch(r"[a-z0-9 ]*", normalize(garbage))


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "🩰🩰🩰", "?!?", "<@U123>"])
def test_contentless_text_normalises_to_empty(text: str) -> None:
    assert normalize(text) == ""


@pytest.mark.parametrize(
    "text", ["Is there a SEASON TWO of Étoile?!", "whats up w/ s2 🩰", "<@U1> who plays Cheyenne??", "2nd season when"]
)
def test_normalize_is_idempotent(text: str) -> None:
    """Phrasings are stored normalised and questions normalised again: it must be a fixed point."""
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("who plays cheyenne", ["who plays cheyenne"]),
        ("loved it!! is there a s2?", ["loved it!!", "is there a s2?"]),
        ("is it like Mrs. Maisel? J. Smith says so", ["is it like Mrs. Maisel?", "J. Smith says so"]),
        ("first line\nsecond line", ["first line", "second line"]),
        ("version 2.5 is out. ok", ["version 2.5 is out.", "ok"]),
        ("...", ["..."]),
        ("", []),
    ],
)
def test_sentences(message: str, expected: list[str]) -> None:
    assert sentences(message) == expected
