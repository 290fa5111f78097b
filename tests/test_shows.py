"""Which words name another show: `foreign_show_name` on its own, with a pack that knows a few words."""

from __future__ import annotations

import pytest

from bot.shows import foreign_show_name

KNOWN = frozenset("ballet paris cast worth good okay".split())


def knows(word: str) -> bool:
    return word in KNOWN


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("is there a season 2 of severance", "severance"),
        ("has stranger things been renewed", "stranger things"),
        ("the bear season 4 release date", "bear"),
        ("is the bear worth watching", "bear"),
        ("what s the plot of hamlet", "hamlet"),
        ("spoilers for the ending of breaking bad", "breaking bad"),
    ],
)
def test_another_show_is_named(question: str, name: str) -> None:
    assert foreign_show_name(question.split(), knows) == name


@pytest.mark.parametrize(
    "question",
    [
        "is it worth watching",
        "okay but is it worth watching",  # the walk back stops at "it" and "but"
        "can someone explain the ending",  # a story word only looks after of/in/on
        "any chance of a season 2",
        "what s the plot",
        "what is the capital of paris",  # not a TV question
    ],
)
def test_no_other_show(question: str) -> None:
    assert foreign_show_name(question.split(), knows) is None


def test_a_name_before_a_cast_word_can_be_ignored() -> None:
    """ "which gilmore girls actor is in it" asks about this show's cast, when the caller says so."""
    words = "which gilmore girls actor is in it".split()
    assert foreign_show_name(words, knows) == "gilmore girls"
    assert foreign_show_name(words, knows, before_people=False) is None
