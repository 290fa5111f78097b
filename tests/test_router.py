"""Router behaviour, observed through Router.ask: what is answered, clarified or declined, and from which show.

These tests encode the requirements of issue 2 section 3; they never look at scores or scorer internals.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.models import Answer, AskContext, Source
from bot.render import render_plain
from bot.router import REFERRING_PACK, Router
from bot.settings import BUNDLED_KNOWLEDGE, RouterSettings
from bot.store import FactBase
from tests.conftest import HARBOR, MOON, folded

CANCELLED = ("cancel", "not proceeding", "no season 2", "no second season")
OVERHEARD = AskContext(platform="slack", addressed=False)


def mentions_cancellation(answer: Answer) -> bool:
    return any(word in folded(answer.text) for word in CANCELLED)


def assert_answered_with(router: Router, question: str, expected: str) -> None:
    answer = router.ask(question)
    assert answer.status == "answered", f"{question!r}: {answer}"
    assert expected in folded(answer.text)


def etoile_people() -> list[dict[str, object]]:
    with (BUNDLED_KNOWLEDGE / "etoile" / "people.toml").open("rb") as f:
        return list(tomllib.load(f).get("people", []))


def assert_not_about_etoile_cast(answer: Answer) -> None:
    """An unknown name must not be answered with someone else: no pack actor or character is named."""
    text = folded(answer.text)
    for person in etoile_people():
        for name in (person["actor"], person["character"]):
            assert folded(str(name)) not in text, f"answered with {name}: {answer.text!r}"


# ------------------------------------------------------------------------------------------- the headline


def test_season_2_of_etoile_is_answered_with_the_cancellation(etoile_router: Router) -> None:
    answer = etoile_router.ask("is there a season 2 of etoile")
    assert answer.status == "answered"
    assert answer.show == "etoile"
    assert mentions_cancellation(answer)
    assert answer.as_of is not None and answer.as_of.startswith("2025-06")
    urls = [s.url for s in answer.sources if s.url]
    assert urls, "the answer cites at least one linkable source"
    assert all(re.match(r"^https?://\S+$", u) for u in urls)
    assert all(s.title and s.outlet for s in answer.sources)
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.spoiler is False
    assert answer.fact_id


def test_plain_rendering_lists_sources_and_as_of(etoile_router: Router) -> None:
    answer = etoile_router.ask("is there a season 2 of etoile")
    rendered = render_plain(answer)
    assert answer.text in rendered
    assert "as of" in folded(rendered) and "2025" in rendered
    for url in (s.url for s in answer.sources if s.url):
        assert url in rendered


# ------------------------------------------------------------------------------------ paraphrases, typos


@pytest.mark.parametrize(
    "question",
    [
        "etoil season 2",
        "has it been renewed",
        "s2 when",
        "Will Étoile get a second season?",
        "ETOILE SEASON TWO??",
        "is etoile canceled",
        "is the ballet show coming back",
        "etoile 2nd season",
        "any news on a second season of étoile 🩰",
        "is there gonna be a season 2",
        "whens season 2",
        "did they renw it",
        "has prime announced season 2",  # news verbs before "season" are not another show's name
        "did they ever announce season 2",
        "did they officially confirm season 2",
        "is the ballet show with charlotte gainsbourg renewed",  # a name does not make it a cast question
        "has the show with luke kirby been renewed",
        "any chance of a season 2?",
    ],
)
def test_renewal_paraphrases_and_typos(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered", f"{question!r}: {answer.status} {answer.suggestions}"
    assert mentions_cancellation(answer), answer.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how many episodes are there", ("8", "eight")),
        ("where can i watch it", ("prime video",)),
        ("who created the show", ("sherman-palladino",)),
        ("what does etoile mean", ("star",)),
        ("why was it cancelled", ("cost", "performance", "viewership")),
        ("where was it filmed", ("paris",)),
        ("whats the rotten tomatoes score", ("85",)),
        ("when did it come out", ("april 24", "24 april")),
    ],
)
def test_other_topics_are_answered(etoile_router: Router, question: str, expected: tuple[str, ...]) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered", f"{question!r}: {answer.status} {answer.suggestions}"
    assert any(e in folded(answer.text) for e in expected), answer.text


def test_genre_answer_says_sources_disagree(etoile_router: Router) -> None:
    answer = etoile_router.ask("is etoile a comedy or a drama")
    assert answer.status == "answered"
    assert "disagree" in folded(answer.text)


# ----------------------------------------------------------------------------------------- entity slots


@pytest.mark.parametrize(
    "question", ["who plays cheyene", "who plays cheyenne", "who plays Cheyenne Toussaint?", "cheyanne actress"]
)
def test_who_plays_character_with_typos(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered", answer
    assert "lou de laage" in folded(answer.text)
    assert answer.sources


@pytest.mark.parametrize(
    "question", ["who does david alvarez play", "what role does David Alvarez play?", "who does alvarez play"]
)
def test_who_does_actor_play(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered", answer
    assert "gael" in folded(answer.text)


@pytest.mark.parametrize(
    "question", ["is charlotte gainsbourg in it", "is charlotte gainsburg in etoile", "is gainsbourg in the cast"]
)
def test_is_actor_in_it(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered", answer
    text = folded(answer.text)
    assert re.match(r"\W*yes\b", text), answer.text
    assert "genevieve" in text


def test_who_plays_who_in_a_pinged_message(etoile_router: Router) -> None:
    answer = etoile_router.ask("<@U024BE7LH> who plays cheyenne?", AskContext(platform="slack"))
    assert answer.status == "answered"
    assert "lou de laage" in folded(answer.text)


@pytest.mark.parametrize(
    "question", ["who plays batman", "who plays superman", "who does tom cruise play", "is meryl streep in it"]
)
def test_unknown_name_is_not_answered_with_someone_else(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", answer
    assert_not_about_etoile_cast(answer)


# -------------------------------------------------------------------------------------- unknown shows


@pytest.mark.parametrize(
    "question",
    [
        "is there a season 2 of severance",
        "who plays eleven in stranger things",
        "is there a season 3 of the white lotus",
        "severance season 2 release date",
        "when does the bear season 4 come out",
        "has stranger things been renewed",
        "has the bear been cancelled",
        "what's the plot of the godfather",  # another work's story, not Étoile's premise
        "spoilers for the ending of breaking bad",
    ],
)
@pytest.mark.parametrize(
    "context", [AskContext(), AskContext(default_show="etoile")], ids=["no-default", "default-etoile"]
)
def test_unknown_show_is_never_answered_with_etoile_facts(
    etoile_router: Router, question: str, context: AskContext
) -> None:
    answer = etoile_router.ask(question, context)
    assert answer.status == "unknown", answer
    assert answer.fact_id is None
    assert not answer.sources
    assert not mentions_cancellation(answer), answer.text
    assert_not_about_etoile_cast(answer)


@pytest.mark.parametrize("question", ["what's the plot of etoile", "what is the premise of the series"])
def test_story_words_about_the_show_itself_are_answered(etoile_router: Router, question: str) -> None:
    assert_answered_with(etoile_router, question, "ballet")


# -------------------------------------------------------------------------------- off-topic, greetings


@pytest.mark.parametrize(
    "question",
    [
        "hello",
        "hi there!",
        "good morning everyone",
        "what's the capital of france",
        "set an alarm for 7am",
        "lol",
        "thanks!",
        "what's the weather like tomorrow",
        "tell me a joke",
        "how do i reset my password",
        "ok",
        "good morning",
        "hey guys",
        "thank you so much",
        "good night all",
        "hi showbot",
        "hellooo",  # drawn out: the pack knows "hello" (HELLO! magazine), and typo correction would find it
        "heyyy guys",
        "thankss",
        "goood morning",
        "who made you",  # "you" is the bot
        "can you tell me a joke",
        "when does the next iphone come out",  # "iphone" in the place of "season" in a phrasing
        "gm ☕ anyone up",  # only chat words, one of which a phrasing uses ("is anyone from Maisel in it")
        "anyone here?",
        "how's it going",  # small talk, not "how is it" (is it good)
        "hey guys how are you",
        "what's up everyone",
    ],
)
def test_off_topic_and_greetings_are_unknown(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", f"{question!r}: {answer}"
    assert answer.fact_id is None


@pytest.mark.parametrize(
    "question",
    [
        "what does schadenfreude mean",
        "where can i buy a tamagotchi",
        "when is the next full moon",
        "what's the weather in paris",
        "how do i become a ballet dancer",
        "recommend a good podcast",
        "best ballet school in paris",
        "how do i get to new york",  # known words, none of them in "where can i watch"'s phrasings
        "translate good morning into french",  # a greeting inside the question is what it asks about
    ],
)
def test_a_question_about_a_word_the_pack_never_saw_is_unknown(etoile_router: Router, question: str) -> None:
    """Neither naming the show nor pointing at it ("it", "season", "the ending"), with a word the pack has
    never seen: it asks about that word, however well its other words ("what does ... mean") fit a phrasing."""
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", f"{question!r}: {answer}"


@pytest.mark.parametrize(
    "question",
    ["when did titanic come out", "who created the simpsons", "what does bonjour mean", "who directed titanic"],
)
def test_a_new_word_where_a_phrasing_names_the_show_names_something_else(etoile_router: Router, question: str) -> None:
    """Without its new word (and article) the question is a phrasing that named the show ("when did <Étoile>
    come out"): it asks the same about something else, however sure the match."""
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", f"{question!r}: {answer}"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what was the reason for the cancellation", "performance"),  # points at the show
        ("how did critics react", "85%"),  # a new word that is no name: no phrasing is what is left
        ("when did it come out", "2025"),
        ("can someone explain the ending", "finale"),
        ("can someone tell me the release date", "2025"),  # "someone" is filler, not a subject
        ("which ballet companies are featured", "metropolitan"),  # a new word, but a sure match
        ("what year did etoile come out", "2025"),  # names the show
    ],
)
def test_new_words_in_a_question_about_the_show_are_no_reason_to_ignore_it(
    etoile_router: Router, question: str, expected: str
) -> None:
    assert_answered_with(etoile_router, question, expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("hey, is there a season 2?", "cancel"),
        ("hello, where can i watch etoile", "prime video"),
        ("thanks, who plays cheyenne?", "lou de laage"),
        ("what did hello magazine say about season 2", "second series"),
        ("ok but is it worth watching", "85%"),
    ],
)
def test_a_greeting_before_a_question_is_no_reason_to_ignore_it(
    etoile_router: Router, question: str, expected: str
) -> None:
    assert_answered_with(etoile_router, question, expected)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # The statement alone would get the finale (a spoiler nobody asked for): the question is answered.
        ("just finished the last ep and im wrecked. pls tell me theres more coming :)", "cancelled"),
        ("Loved the finale. When does season 2 come out?", "no season 2"),
        ("Is it like Mrs. Maisel?", "carbon copy"),  # a title's full stop ends no sentence
        ("is etoile any good? asking for a friend", "85%"),  # a fragment that adds nothing: the whole message
        # Declined as a whole, but one of its questions is answered confidently alone.
        ("simon callow, who does he play? one site said arturo", "crispin shamblee"),
    ],
)
def test_a_message_of_several_sentences_is_answered_from_its_question(
    etoile_router: Router, message: str, expected: str
) -> None:
    answer = etoile_router.ask(message)
    assert answer.status == "answered" and not answer.spoiler, f"{message!r}: {answer}"
    assert expected in folded(answer.text)


def test_a_message_about_another_show_is_not_answered_from_its_question(etoile_router: Router) -> None:
    assert etoile_router.ask("I love Severance. Is there a season 2?").status == "unknown"


@pytest.mark.parametrize(
    ("message", "fact"), [("hey bot, who's in this", "cast"), ("hi! is there a season 2? thx", "renewal-cancelled")]
)
def test_a_greeting_around_a_question_is_not_part_of_it(etoile_router: Router, message: str, fact: str) -> None:
    assert etoile_router.ask(message).fact_id == fact


@pytest.mark.parametrize("message", ["hi bot!! how's it going", "what is etoile rated? ok for my 10 yr old?"])
def test_a_declined_message_is_not_answered_from_an_unsure_question_of_it(etoile_router: Router, message: str) -> None:
    assert etoile_router.ask(message).status == "unknown"


def test_a_pack_that_answers_greetings_keeps_answering_them(tmp_path: Path) -> None:
    """An FAQ sheet may have its own "hello" entry (CLINC150 does): then greetings are its questions."""
    from bot.faq_import import import_faq

    sheet = tmp_path / "faq.csv"
    sheet.write_text(
        "id,question,answer\n"
        "greet,hello,Hi! Ask me about the help desk.\n"
        "greet,hi there,Hi! Ask me about the help desk.\n"
        "greet,good morning,Hi! Ask me about the help desk.\n"
        "reset,how do i reset my password,Use the reset link on the sign-in page.\n"
        "reset,i forgot my password,Use the reset link on the sign-in page.\n"
        "hours,when are you open,Nine to five on weekdays.\n"
        "hours,what are your opening hours,Nine to five on weekdays.\n",
        "utf-8",
    )
    db = tmp_path / "desk.db"
    import_faq(sheet, "desk", "Help Desk", db)
    router = Router(FactBase(db))
    for question in ("hello", "hi there!", "good morning"):
        assert router.ask(question).fact_id == "greet", question
    assert router.ask("i forgot my password").fact_id == "reset"
    assert router.ask("how do i reset my email password").fact_id == "reset"
    # Its questions point at no show, so a new word ("email") never means another subject (CLINC150's
    # banking and travel requests lose 5 points of accuracy without this gate: see `REFERRING_PACK`).
    assert router.base.show("desk").model.points_at_show < REFERRING_PACK
    # Nor are two requests joined by "and" answered apart: in a sheet the second leans on the first.
    assert "\n" not in router.ask("i forgot my password and when are you open").text


def test_a_fan_pack_points_at_its_show(etoile_router: Router) -> None:
    assert etoile_router.base.show("etoile").model.points_at_show >= REFERRING_PACK


@pytest.mark.parametrize(
    "question", ["how old is lou de laage", "how tall is luke kirby", "is luke kirby married", "is gideon glick single"]
)
def test_other_questions_about_an_actor_are_not_answered_with_their_role(etoile_router: Router, question: str) -> None:
    """Only the role is in the pack; "Yes: Luke Kirby plays Jack" does not answer how tall he is."""
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", f"{question!r}: {answer}"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what character does luke kirby play in the ballet show", "jack"),
        ("is luke kirby in season 1", "jack"),
        ("what part does gideon glick play", "tobias"),
        ("does yanic truesdale appear in etoile", "raphael"),
    ],
)
def test_cast_questions_with_more_words_are_still_answered(etoile_router: Router, question: str, expected: str) -> None:
    assert_answered_with(etoile_router, question, expected)


# ------------------------------------------------------------------------------------------- spoilers


def test_ending_is_a_spoiler_and_rendering_marks_it(etoile_router: Router) -> None:
    answer = etoile_router.ask("how does it end")
    assert answer.status == "answered", answer
    assert answer.spoiler is True
    rendered = render_plain(answer)
    marker = rendered.lower().find("spoiler")
    assert marker >= 0, rendered
    assert marker < rendered.find(answer.text.splitlines()[0]), "the spoiler marker comes before the plot"


def test_non_spoiler_answer_is_not_marked(etoile_router: Router) -> None:
    answer = etoile_router.ask("is there a season 2 of etoile")
    assert answer.spoiler is False
    assert "spoiler" not in folded(render_plain(answer))


def test_synthetic_spoiler(synthetic_router: Router) -> None:
    answer = synthetic_router.ask("how does moonfall end", MOON)
    assert answer.status == "answered"
    assert answer.spoiler is True
    assert "spoiler" in folded(render_plain(answer))


# --------------------------------------------------------------------------------- clarify, overheard


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("who did the music", {"theme-song", "score-composer"}),
        ("which channel airs it", {"airing-us", "airing-uk", "airing-au", "airing-ca"}),
    ],
    ids=["two-facts", "four-facts"],
)
def test_near_identical_phrasings_ask_for_clarification(
    synthetic_router: Router, question: str, facts: set[str]
) -> None:
    """Facts sharing a phrasing cannot be told apart: the bot asks which one, with 2 to 3 suggestions."""
    answer = synthetic_router.ask(question, MOON)
    assert answer.status == "clarify", answer
    assert 2 <= len(answer.suggestions) <= 3
    assert len(set(answer.suggestions)) == len(answer.suggestions)
    assert all(s.strip() for s in answer.suggestions)
    assert answer.fact_id is None
    assert all(line in render_plain(answer) for line in answer.suggestions)


def test_clarify_respects_max_suggestions_setting(synthetic_router: Router) -> None:
    router = Router(synthetic_router.base, RouterSettings(max_suggestions=1))
    answer = router.ask("who did the music", MOON)
    assert answer.status == "clarify", answer
    assert len(answer.suggestions) == 1


@pytest.mark.parametrize(
    "question", ["which channel airs it", "season", "is it", "what about the ending", "who", "when"]
)
def test_overheard_chatter_never_gets_clarify(synthetic_router: Router, etoile_router: Router, question: str) -> None:
    overheard = dataclasses.replace(MOON, addressed=False, platform="discord")
    assert synthetic_router.ask(question, overheard).status != "clarify"
    assert etoile_router.ask(question, OVERHEARD).status != "clarify"


def test_overheard_question_can_still_be_answered(synthetic_router: Router) -> None:
    overheard = dataclasses.replace(MOON, addressed=False)
    assert synthetic_router.ask("is moonfall cancelled", overheard).status == "answered"


# -------------------------------------------------------------------------------------- hostile input

HOSTILE = {
    "100kb": "is there a season 2 " + "x" * 100_000,
    "100kb-words": "season 2 " * 12_000,
    "empty": "",
    "whitespace": "   \n\t  \r\n ",
    "binary": (bytes(range(256)) * 8 + b"\x00\xff\xfe season 2").decode("utf-8", errors="replace"),
    "nul-and-control": "is there\x00 a season\x07 2\x1b[2J\x08\x08?",
    "everyone": "@everyone season 2??",
    "channel": "<!channel> season 2??",
    "here-and-mentions": "<!here> <@U123> <@&456> @here is there a season 2",
    "emoji-only": "🩰🩰🩰🔥🔥",
    "rtl-and-zero-width": "\u202eis there a season 2\u200b\u200d",
    "sql-ish": "'; drop table facts; -- season 2",
    "template-ish": "{answer} {0} %s season 2 ${jndi:ldap://x}",
    "lone-surrogates": "season 2 \udcff\udcfe",
}
PINGS = ("@everyone", "@here", "<!channel>", "<!here", "<@")


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_input_returns_an_answer_and_never_raises(etoile_router: Router, text: str) -> None:
    for context in (AskContext(), AskContext(platform="discord", addressed=False), AskContext(default_show="nope")):
        answer = etoile_router.ask(text, context)
        assert isinstance(answer, Answer)
        assert answer.status in ("answered", "clarify", "unknown")
        assert answer.text.strip(), "every answer carries a message"
        assert len(answer.text) < 2_000, "the input is never echoed back at length"
        rendered = render_plain(answer)
        for ping in PINGS:
            assert ping not in answer.text and ping not in rendered
        assert "\x00" not in rendered and "\x1b" not in rendered


@pytest.mark.parametrize("text", ["", "   \n\t "], ids=["empty", "whitespace"])
def test_empty_input_gets_a_helpful_unknown(etoile_router: Router, text: str) -> None:
    answer = etoile_router.ask(text)
    assert answer.status == "unknown"
    assert answer.text.strip()


def test_huge_input_is_declined_clearly(etoile_router: Router) -> None:
    answer = etoile_router.ask("x" * 100_000)
    assert answer.status == "unknown"
    assert "x" * 50 not in answer.text


@pytest.mark.parametrize("key", ["everyone", "channel"])
def test_ping_spam_is_answered_without_echoing_the_ping(etoile_router: Router, key: str) -> None:
    answer = etoile_router.ask(HOSTILE[key])
    assert answer.status == "answered", answer
    assert mentions_cancellation(answer)
    assert "@everyone" not in answer.text and "<!channel>" not in answer.text


# -------------------------------------------------------------------------------------- the Answer type


def test_answer_is_frozen(etoile_router: Router) -> None:
    answer = etoile_router.ask("is there a season 2 of etoile")
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.text = "hijacked"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.sources[0].url = "https://evil.example"  # type: ignore[misc]
    assert isinstance(answer.sources, tuple) and isinstance(answer.suggestions, tuple)
    assert all(isinstance(s, Source) for s in answer.sources)
    hash(answer)  # frozen and built from tuples: usable as a cache key


def test_answer_to_dict_has_the_documented_keys(etoile_router: Router) -> None:
    data: dict[str, Any] = etoile_router.ask("is there a season 2 of etoile").to_dict()
    assert set(data) == {
        "status",
        "show",
        "answer",
        "sources",
        "as_of",
        "confidence",
        "spoiler",
        "suggestions",
        "fact_id",
    }
    assert all(set(s) == {"title", "url", "outlet", "published"} for s in data["sources"])


# ---------------------------------------------------------------------------------------- several shows


def test_named_show_beats_channel_default(synthetic_router: Router) -> None:
    answer = synthetic_router.ask("is there a season 2 of harbor lights", MOON)
    assert answer.status == "answered", answer
    assert answer.show == "harbor-lights"
    assert "renewed for a second season" in folded(answer.text)
    assert answer.as_of == "2025-02-01"


def test_named_show_with_typo_and_alias(synthetic_router: Router) -> None:
    for question in ("is harbour lights renewed", "is harbr lights coming back"):
        answer = synthetic_router.ask(question, MOON)
        assert answer.show == "harbor-lights", (question, answer)
        assert answer.status == "answered"


def test_channel_default_applies_when_no_show_is_named(synthetic_router: Router) -> None:
    moon = synthetic_router.ask("is there a season 2", MOON)
    harbor = synthetic_router.ask("is there a season 2", HARBOR)
    assert (moon.status, moon.show) == ("answered", "moonfall")
    assert (harbor.status, harbor.show) == ("answered", "harbor-lights")
    assert "cancelled" in folded(moon.text)
    assert "renewed" in folded(harbor.text)


def test_people_come_from_the_resolved_show(synthetic_router: Router) -> None:
    """Cast questions are answered from the show in question, never with another show's cast."""
    named = synthetic_router.ask("who plays vera lune in moonfall", HARBOR)
    assert named.status == "answered", named
    assert named.show == "moonfall"
    assert "ada stone" in folded(named.text)
    default = synthetic_router.ask("who plays tom hale", HARBOR)
    assert (default.status, default.show) == ("answered", "harbor-lights")
    assert "jonah reed" in folded(default.text)
    elsewhere = synthetic_router.ask("who plays tom hale", MOON)
    assert "ada stone" not in folded(elsewhere.text) and "otto marsh" not in folded(elsewhere.text)


@pytest.mark.parametrize("question", ["is there a season 2", "whats the plot", "will there be more episodes"])
def test_no_default_and_no_mention_is_not_answered_with_a_random_show(synthetic_router: Router, question: str) -> None:
    answer = synthetic_router.ask(question, AskContext())
    assert answer.status != "answered", answer
    assert answer.fact_id is None


def test_unknown_default_show_is_treated_as_no_default(synthetic_router: Router) -> None:
    answer = synthetic_router.ask("is there a season 2", AskContext(default_show="no-such-show"))
    assert answer.status != "answered"


def test_unknown_show_with_a_default_is_not_answered(synthetic_router: Router) -> None:
    answer = synthetic_router.ask("is there a season 2 of severance", MOON)
    assert answer.status == "unknown", answer
    assert "cancelled" not in folded(answer.text)


def test_single_show_database_needs_no_default(etoile_router: Router) -> None:
    answer = etoile_router.ask("who plays cheyenne", AskContext())
    assert answer.status == "answered"
    assert answer.show == "etoile"


def test_loaded_packs_stay_within_the_memory_budget(synthetic_db: Path) -> None:
    """A long-running bot keeps only the most recently asked shows' packs, up to its memory budget, and
    always the one it is answering from, even when that one alone is over it."""
    base = FactBase(synthetic_db, memory_budget=1)
    router = Router(base)
    router.ask("who plays the captain in moonfall station")
    assert base.loaded == ["moonfall"]
    router.ask("is harbor lights renewed")
    assert base.loaded == ["harbor-lights"]
    assert router.ask("is moonfall station renewed").show == "moonfall"


def test_packs_within_the_budget_stay_loaded_least_recently_asked_first(synthetic_db: Path) -> None:
    base = FactBase(synthetic_db)
    router = Router(base)
    for question in ("is moonfall station renewed", "is harbor lights renewed", "who plays the captain in moonfall"):
        router.ask(question)
    assert base.loaded == ["harbor-lights", "moonfall"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("who plays cheyenne's boyfriend", "david alvarez"),
        ("who plays geneviève's daughter", "vinolo"),
        ("who plays the daughter of genevieve", "vinolo"),
        ("who plays the paris ballet director", "gainsbourg"),
    ],
)
def test_characters_described_through_someone_else(etoile_router: Router, question: str, expected: str) -> None:
    """A relative or a description picks the person it describes, not the one it names."""
    assert_answered_with(etoile_router, question, expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what is cheyenne's last name", "toussaint"),
        ("what's jack's full name", "mcmillan"),
        ("whats tobias's job", "choreographer"),
    ],
)
def test_a_characters_own_name_is_no_relative(etoile_router: Router, question: str, expected: str) -> None:
    """ "Cheyenne's last name" is hers: the question asks who she is, not about someone else."""
    assert_answered_with(etoile_router, question, expected)


def test_a_relative_no_description_names_is_unknown(etoile_router: Router) -> None:
    answer = etoile_router.ask("who plays jack's boss")
    assert answer.status == "unknown", answer
    assert "luke kirby" not in folded(answer.text)


@pytest.mark.parametrize(
    "question",
    [
        "how many seasons does gilmore girls have",
        "is there a season 2 of the marvelous mrs maisel",
        "who plays cheyenne in the marvelous mrs maisel",
        "when did maisel come out",
    ],
)
def test_shows_the_pack_only_mentions_are_not_answered_with_its_facts(etoile_router: Router, question: str) -> None:
    """Étoile's facts mention Maisel and Gilmore Girls (its `other_shows`): questions about them are unknown."""
    answer = etoile_router.ask(question)
    assert answer.status == "unknown", f"{question!r}: {answer}"
    assert not answer.sources and answer.fact_id is None


@pytest.mark.parametrize(
    ("question", "expected"),
    [("is it as good as maisel", "maisel"), ("is this from the gilmore girls creator", "sherman-palladino")],
)
def test_how_the_show_relates_to_the_shows_it_mentions_is_answered(
    etoile_router: Router, question: str, expected: str
) -> None:
    assert_answered_with(etoile_router, question, expected)


def test_phrasings_use_matches_other_forms_of_a_word(etoile_router: Router) -> None:
    model = etoile_router.base.show("etoile").model
    assert model.phrasings_use("where-to-watch", ["streams"])  # "where can i stream"
    assert not model.phrasings_use("where-to-watch", ["new", "york"])


@pytest.mark.parametrize(
    "question",
    [
        "is mishi related to genevieve?",
        "what's the relationship between Geneviève and Mishi",
        "mishi and genevieve family?",
    ],
)
def test_how_two_characters_are_related_comes_from_their_descriptions(etoile_router: Router, question: str) -> None:
    """Each description that names the other character says how ("Geneviève's daughter", "Mishi's mother"),
    and "related" is not taken for a typo of the pack's "created"."""
    answer = etoile_router.ask(question)
    assert answer.status == "answered"
    assert "daughter" in answer.text and "mother" in answer.text
    assert answer.sources and answer.as_of


@pytest.mark.parametrize("question", ["is cheyenne related to jack", "is charlotte gainsbourg related to tais vinolo"])
def test_a_relation_no_description_tells_is_unknown(etoile_router: Router, question: str) -> None:
    """No description of either names the other (or they are actors, whose real lives no pack tells)."""
    answer = etoile_router.ask(question)
    assert answer.status == "unknown"
    assert "related" in answer.text


@pytest.mark.parametrize(
    ("question", "fact"),
    [("good morning, what genre is etoile", "genre"), ("hey everyone what genre is it? thanks!", "genre")],
)
def test_a_greeting_around_a_question_is_no_new_word(etoile_router: Router, question: str, fact: str) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id) == ("answered", fact)


@pytest.mark.parametrize(
    "question",
    [
        "what streaming service is the ballet show from the maisel creator on",
        "where can i stream the gilmore girls team's new show",
    ],
)
def test_another_show_named_for_its_makers_describes_this_one(etoile_router: Router, question: str) -> None:
    """ "the ballet show from the Maisel creator" is Étoile, described by who made it."""
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id) == ("answered", "where-to-watch")


def test_another_show_asked_about_is_still_another_show(etoile_router: Router) -> None:
    assert "maisel" in etoile_router.ask("where can i watch maisel").text.lower()
    assert etoile_router.ask("where can i watch maisel").status == "unknown"


@pytest.mark.parametrize("question", ["does nicholas die in etoile", "what happens to jack", "is nicholas dead?"])
def test_a_characters_fate_is_the_spoiler_fact_that_names_them(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id, answer.spoiler) == ("answered", "finale", True)


def test_a_fate_no_spoiler_fact_tells_is_unknown(etoile_router: Router) -> None:
    assert etoile_router.ask("does genevieve die").status == "unknown"


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("how many episodes are in season 1", "answered"),  # a phrasing counts episodes
        ("how many seasons are there", "answered"),
        ("how many people watched etoile in its first week", "unknown"),  # no phrasing counts viewers
        ("how many days did they shoot in paris", "unknown"),  # nor filming days
        ("how long are the episodes", "unknown"),
    ],
)
def test_a_count_or_measure_is_answered_only_of_what_a_phrasing_counts(
    etoile_router: Router, question: str, status: str
) -> None:
    assert etoile_router.ask(question).status == status


@pytest.mark.parametrize("question", ["what was etoile's budget in dollars", "how much did etoile cost to make"])
def test_a_fact_that_declines_says_why_with_its_sources(etoile_router: Router, question: str) -> None:
    """No source gives a budget figure: the pack's budget fact declines, so the bot says it doesn't know
    (and stays silent where it only overhears), then why, citing the sources that disagree on scale."""
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id) == ("unknown", "budget")
    assert answer.text.startswith("I don't know that one.") and "no budget figure" in folded(answer.text)
    assert answer.sources and answer.as_of
    shown = render_plain(answer)
    assert "Sources:" in shown and "As of" in shown


@pytest.mark.parametrize("question", ["do jack and cheyenne get together", "are jack and cheyenne dating"])
def test_two_characters_no_description_links_are_told_by_the_spoiler_fact_naming_both(
    etoile_router: Router, question: str
) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id, answer.spoiler) == ("answered", "finale", True)


def test_two_characters_nothing_links_are_unknown_not_a_spoiler(etoile_router: Router) -> None:
    answer = etoile_router.ask("did nicholas and mishi have a thing")
    assert answer.status == "unknown" and not answer.spoiler


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("did gael cheat on cheyenne", "gael-and-quinn"),  # Gael's description names Cheyenne: the plot tells more
        ("who does gael leave cheyenne for", "gael-and-quinn"),
        ("what happens between gael and cheyenne", "gael-and-quinn"),  # what happens is the plot's to tell
        ("what is crispin scheming in etoile", "crispin-arc"),  # one character: a word his description lacks
        ("did jack and genevieve have a thing", "jack-genevieve-romance"),
        ("do jack and cheyenne get together", "finale"),  # of the spoiler facts naming both, the one the words fit
    ],
)
def test_a_plot_word_about_two_characters_is_told_by_the_spoiler_fact_it_fits(
    etoile_router: Router, question: str, fact: str
) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id, answer.spoiler) == ("answered", fact, True)


def test_a_cast_question_about_two_characters_answers_both(etoile_router: Router) -> None:
    answer = etoile_router.ask("who plays jack and cheyenne?")
    assert answer.status == "answered"
    assert "Luke Kirby" in answer.text and "Lou de Laâge" in answer.text
    assert len(set(answer.sources)) == len(answer.sources)
    assert etoile_router.ask("who plays jack and jack").text.count("Luke Kirby") == 1


@pytest.mark.parametrize(
    ("question", "actor", "credit"),
    [
        ("what else has gideon glick been in", "Gideon Glick", "Maestro"),
        ("where do i know luke kirby from", "Luke Kirby", "Lenny Bruce"),
        ("what is charlotte gainsbourg known for", "Charlotte Gainsbourg", "The Pale Blue Eye"),
        ("david alvarez looks familiar, what's he from", "David Alvarez", "West Side Story"),
        ("where do i know the actress who plays cheyenne from", "Lou de Laâge", "The Innocents"),
        ("did luke kirby win an emmy", "Luke Kirby", "Emmy"),
        ("isn't simon callow from outlander?", "Simon Callow", "Outlander"),  # one of the actor's works named
        ("was luke kirby in maisel", "Luke Kirby", "Lenny Bruce"),  # by the name the pack gives that show
        ("lou de laage movies?", "Lou de Laâge", "The Innocents"),
        ("gael's actor was in west side story right?", "David Alvarez", "West Side Story"),  # by the character
        ("wait jack is lenny bruce from maisel??", "Luke Kirby", "Lenny Bruce"),
    ],
)
def test_what_else_an_actor_has_been_in_is_their_known_for(
    etoile_router: Router, question: str, actor: str, credit: str
) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id) == ("answered", f"@known-for:{folded(actor).replace(' ', '-')}")
    assert answer.text.startswith(actor) and credit in answer.text
    assert answer.sources and answer.as_of
    # It cites the sources that list the credits, not every source about the person (the cancellation's).
    assert not any(s.outlet == "Business Upturn" for s in answer.sources)


def test_another_show_none_of_an_actors_works_is_that_shows_question(etoile_router: Router) -> None:
    assert etoile_router.ask("is charlotte gainsbourg in maisel").status == "unknown"


@pytest.mark.parametrize(
    ("question", "actor", "character"),
    [
        ("the west side story guy, who does he play", "David Alvarez", "Gael Rodriguez"),
        ("that four weddings and a funeral actor in étoile, what's his role", "David Haig", "Nicholas Leutwylek"),
        ("actress from The Innocents, which character does she play", "Lou de Laâge", "Cheyenne Toussaint"),
        ("is the guy from maestro in this? what part", "Gideon Glick", "Tobias Bell"),
        ("the gilmore girls guy, who does he play", "Yanic Truesdale", "Raphaël Marchand"),
    ],
)
def test_an_actor_named_by_another_of_their_works_is_that_actor(
    etoile_router: Router, question: str, actor: str, character: str
) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered" and answer.text.startswith(actor) and character in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "is etoile by the gilmore girls lady?",  # who made it: the creators
        "is this the gilmore girls lady's show",
    ],
)
def test_a_work_naming_the_makers_is_no_actor(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert "Sherman-Palladino" in answer.text and not (answer.fact_id or "@").startswith("@")


@pytest.mark.parametrize(
    "question",
    [
        "how old is the west side story guy",  # named, but not asked about the role
        "who's the maestro in etoile",  # a word, not beside a word for a person
        "the guy from maisel, who does he play",  # two of the cast are known for it
    ],
)
def test_a_work_that_names_no_one_actor_role_gets_no_cast_answer(etoile_router: Router, question: str) -> None:
    assert not (etoile_router.ask(question).fact_id or "").startswith("@")


@pytest.mark.parametrize(
    "question",
    [
        "charlotte gainsbourg plays cheyenne right?",
        "is cheyenne played by charlotte gainsbourg",
        "does charlotte gainsbourg play cheyenne",
    ],
)
def test_an_actor_paired_with_someone_elses_character_gets_both_right(etoile_router: Router, question: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered"
    assert answer.text == "Cheyenne Toussaint is played by Lou de Laâge; Charlotte Gainsbourg plays Geneviève Lavigne."
    both = [etoile_router.ask(q).sources for q in ("who plays cheyenne", "who does charlotte gainsbourg play")]
    assert set(answer.sources) == set(both[0] + both[1]) and answer.as_of


def test_an_actor_paired_with_their_own_character_is_not_corrected(etoile_router: Router) -> None:
    answer = etoile_router.ask("does lou de laage play cheyenne")
    assert answer.fact_id == "@character-of-actor:lou-de-laage"


def test_an_actor_with_no_known_for_is_unknown_and_says_so(etoile_router: Router) -> None:
    answer = etoile_router.ask("what else has lamay zhang been in")
    assert answer.status == "unknown" and "what else LaMay Zhang has been in" in answer.text


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("who else stars in etoile besides charlotte gainsbourg", "cast"),  # other people, not her work
        ("what else does jack do", "@who-is-character"),  # the character's doings
        ("is luke kirby in it", "@actor-in-show"),
    ],
)
def test_other_questions_naming_a_person_are_not_about_their_other_work(
    etoile_router: Router, question: str, fact: str
) -> None:
    assert (etoile_router.ask(question).fact_id or "").startswith(fact)


def test_words_describing_the_character_named_keep_a_cast_question_one(etoile_router: Router) -> None:
    answer = etoile_router.ask("Who plays Nicholas, the New York company's artistic director?")
    assert (answer.status, answer.fact_id) == ("answered", "@actor-of-character:david-haig")
    assert etoile_router.ask("how old is david haig").status == "unknown"  # not a word of his description


def test_a_cast_name_beside_another_show_said_to_be_in_this_one_is_about_this_one(etoile_router: Router) -> None:
    answer = etoile_router.ask("is yanic truesdale aka michel from gilmore girls in this??")
    assert answer.status == "answered" and "Truesdale" in answer.text
    assert etoile_router.ask("who plays cheyenne in maisel").status == "unknown"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("the billionaire board guy, who is he", "Crispin Shamblee"),
        ("the french director lady, whats her name and who plays her", "Charlotte Gainsbourg"),
        ("the french ice queen ballet director, who plays her?", "Charlotte Gainsbourg"),
        ("who is the spoiled paris ballerina daughter and who plays her", "Taïs Vinolo"),
        ("who plays the rich billionaire board member guy", "Simon Callow"),
        # In fans' words: who runs a company is its director; NY is New York.
        ("whos in charge of the ny ballet company", "Jack McMillan"),
        ("the ny artistic director who ends up in a coma, who plays him", "David Haig"),
        ("whos the star ballerina who gets sent from paris to ny", "Cheyenne Toussaint"),
    ],
)
def test_a_character_described_is_the_one_answered_about(etoile_router: Router, question: str, expected: str) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered" and expected in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what's the song at the end of episode 3",  # "the end" fits the finale; no fact tells a song
        "whats the metacritic score for étoile",
    ],
)
def test_a_kind_of_thing_the_pack_never_mentions_is_unknown(etoile_router: Router, question: str) -> None:
    assert etoile_router.ask(question).status == "unknown"


@pytest.mark.parametrize(
    "question",
    [
        "who directed episode 1",  # the finale's director is another episode's
        "who directed the first episode of etoile",
        "what's the name of the first episode",  # the genre fact tells of no episode
        "what happens in the pilot",  # "pilot" is no typo of "plot"
        "how do i become a pilot",
    ],
)
def test_a_question_about_one_episode_gets_no_fact_about_another(etoile_router: Router, question: str) -> None:
    assert etoile_router.ask(question).status == "unknown"


def test_a_question_about_the_first_episode_gets_a_fact_that_tells_of_it(etoile_router: Router) -> None:
    assert etoile_router.ask("when did episode 1 come out").fact_id == "premiere-date"


@pytest.mark.parametrize(
    "question",
    [
        "what year did etoile come out",
        "what kind of show is etoile",
        "which outlet first reported that etoile wasnt getting a season 2",  # every answer cites its outlets
    ],
)
def test_when_and_what_kind_are_no_things_asked_for(etoile_router: Router, question: str) -> None:
    assert etoile_router.ask(question).status == "answered"


def test_a_description_the_pack_mostly_does_not_know_is_someone_else(etoile_router: Router) -> None:
    assert etoile_router.ask("the superman guy in the new movie, who plays him").status == "unknown"


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("who does mishi flirt with", "mishi-arc"),
        ("who does jack pick to replace nicholas as artistic director", "finale"),
        ("who's cheyenne's mom", "cheyenne-family"),
    ],
)
def test_what_the_plot_tells_of_characters_nothing_else_answered(
    etoile_router: Router, question: str, fact: str
) -> None:
    answer = etoile_router.ask(question)
    assert (answer.status, answer.fact_id, answer.spoiler) == ("answered", fact, True)


@pytest.mark.parametrize("question", ["who plays quinn, jack's sister", "how old is jack"])
def test_the_plot_does_not_answer_who_plays_someone_or_what_it_never_says(etoile_router: Router, question: str) -> None:
    assert etoile_router.ask(question).status == "unknown"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who made it, and where can I watch it?", ("palladino", "prime video")),
        ("how many episodes and when did it come out?", ("eight", "april")),
        ("who plays genevieve and is she coming back for season 2", ("gainsbourg", "cancelled")),
    ],
)
def test_two_questions_joined_by_and_get_both_answers(
    etoile_router: Router, question: str, expected: tuple[str, ...]
) -> None:
    answer = etoile_router.ask(question)
    assert answer.status == "answered" and all(e in folded(answer.text) for e in expected), answer.text
    assert len(set(answer.sources)) == len(answer.sources)


def test_two_questions_about_another_show_stay_unanswered(etoile_router: Router) -> None:
    assert etoile_router.ask("is there a season 2 of severance, and who is in the cast?").status == "unknown"
