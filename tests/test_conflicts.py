"""Conflicts and time: the newest reliable fact answers; superseded claims appear only as dated history."""

from __future__ import annotations

import pytest

from bot.build import resolve_topics
from bot.packs import FactEntry, SourceEntry
from bot.render import render_plain
from bot.router import Router
from tests.conftest import MOON, folded

OLD_CLAIM = "renewed for a second season"
OLD_DATE_FORMS = ("10 january 2024", "january 10, 2024", "january 10 2024", "2024-01-10", "jan 10, 2024", "10 jan 2024")


@pytest.mark.parametrize(
    "question",
    [
        "was moonfall renewed for a second season",  # the superseded fact's own phrasing
        "did moonfall get a season 2 order",
        "is moonfall cancelled",  # the current fact's phrasing
        "is there a season 2",
    ],
)
def test_superseded_phrasing_gets_current_answer(synthetic_router: Router, question: str) -> None:
    answer = synthetic_router.ask(question, MOON)
    assert answer.status == "answered", answer
    assert answer.fact_id == "renewal-cancelled"
    assert "cancelled after one season" in folded(answer.text)
    assert answer.as_of == "2024-09-02", "as_of is the current fact's date"
    assert {s.url for s in answer.sources} >= {"https://trades.example/moonfall-cancelled"}


def test_older_claim_is_mentioned_as_history_with_its_date(synthetic_router: Router) -> None:
    answer = synthetic_router.ask("was moonfall renewed for a second season", MOON)
    text = folded(answer.text)
    assert text.index("cancelled after one season") < text.index(OLD_CLAIM), "current answer first, history after"
    assert any(form in text for form in OLD_DATE_FORMS), f"history without its date: {answer.text!r}"


def test_plain_rendering_says_as_of_current_date(synthetic_router: Router) -> None:
    rendered = folded(render_plain(synthetic_router.ask("is moonfall cancelled", MOON)))
    assert "as of" in rendered
    assert any(form in rendered for form in ("2 september 2024", "september 2, 2024", "2024-09-02"))


@pytest.mark.parametrize("question", ["is there a moonfall spinoff", "is the moonfall spinoff happening in 2025"])
def test_low_reliability_newer_fact_does_not_win(synthetic_router: Router, question: str) -> None:
    """A fan blog's newer rumour does not beat a reliable trade report on the same topic."""
    answer = synthetic_router.ask(question, MOON)
    assert answer.status == "answered", answer
    assert answer.fact_id == "spinoff-none"
    assert folded(answer.text).startswith("no spin-off has been announced")
    assert answer.as_of == "2024-09-02"


# resolve_topics is the documented conflict rule (knowledge/README.md), so it is tested directly too.


def _source(ident: str, reliability: str) -> SourceEntry:
    return SourceEntry(ident, ident, ident, f"https://{ident}.example/", None, reliability)


def _fact(ident: str, as_of: str, source: str, supersedes: tuple[str, ...] = (), topic: str = "t") -> FactEntry:
    return FactEntry(ident, topic, (f"question {ident}",), f"answer {ident}", as_of, (source,), False, supersedes)


SOURCES = {s.id: s for s in (_source("reliable", "high"), _source("medium", "medium"), _source("blog", "low"))}


def test_resolve_topics_prefers_reliable_over_newer_low() -> None:
    facts = (_fact("trade", "2024-01-01", "reliable"), _fact("rumour", "2024-06-01", "blog"))
    resolved = resolve_topics(facts, SOURCES)
    assert resolved["trade"][0] == "trade"
    assert resolved["rumour"][0] == "trade"


def test_resolve_topics_prefers_newest_among_reliable() -> None:
    facts = (_fact("old", "2023-01-01", "reliable"), _fact("new", "2024-01-01", "medium"))
    resolved = resolve_topics(facts, SOURCES)
    assert resolved["old"][0] == "new"
    assert resolved["new"][0] == "new"
    assert "old" in resolved["new"][1], "the older claim is kept as history of the current one"


def test_resolve_topics_superseded_fact_never_wins() -> None:
    """Even a newer, more reliable fact loses once another fact explicitly supersedes it."""
    facts = (_fact("newer", "2025-01-01", "reliable"), _fact("correction", "2024-01-01", "medium", ("newer",)))
    resolved = resolve_topics(facts, SOURCES)
    assert resolved["newer"][0] == "correction"
    assert resolved["correction"][0] == "correction"
    assert resolved["correction"][1] == ["newer"]


def test_resolve_topics_supersedes_across_topics() -> None:
    facts = (
        _fact("old", "2023-01-01", "reliable", topic="a"),
        _fact("new", "2024-01-01", "reliable", ("old",), topic="b"),
    )
    resolved = resolve_topics(facts, SOURCES)
    assert resolved["old"][0] == "new"
    assert "old" in resolved["new"][1]


def test_resolve_topics_separate_topics_do_not_interfere() -> None:
    facts = (_fact("x", "2023-01-01", "reliable", topic="a"), _fact("y", "2024-01-01", "reliable", topic="b"))
    resolved = resolve_topics(facts, SOURCES)
    assert resolved["x"] == ("x", [])
    assert resolved["y"] == ("y", [])
