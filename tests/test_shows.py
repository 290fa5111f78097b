"""Which words name another show: `foreign_show_name` on its own, with a pack that knows a few words."""

from __future__ import annotations

import pytest

from bot.shows import PART_WORDS, ShowMention, ShowResolver, about_a_show, foreign_show_name, refers_to_a_show

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
        ("how many seasons does the crown have", "crown"),  # after an auxiliary, before the main verb
        ("how many episodes does breaking bad have", "breaking bad"),
        ("is rings of paris season 3 out", "rings of paris"),  # "of" inside a name, known words or not
        ("is the lord of paris renewed", "lord of paris"),
        ("they cancelled the bear why", "bear"),  # a participle with a subject of its own takes a show after it
        ("is season 2 of the bear renewed", "bear"),
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
        "is it true there is a season 2",  # "true" qualifies the claim, it names no show
        "showbot season 2 when",  # the bot's own name
        "does the show have a good ending",  # "the show" is a noun, not a verb aimed at a show
        "which season does the ballet happen",  # the main verb after the auxiliary names nothing
        "where can i watch the show online",  # an adverb, not a title
        "is that season 2 trailer on paris legit",
        "can i stream it in canada",  # after the show itself, "in" says where
        "is the series on peacock",
        "both seasons were originally ordered",  # an adverb after the auxiliary names nothing
        "any chance of a season 2 of it",
        "thinking of bingeing it this weekend where is season 1",
        "loved the ending season 2 when",  # an opinion verb names nothing  # "it" is this show; "where" starts a clause
        "is it cancelled or renewed my feed says both",  # said of "it": nothing after the participle is a show
        "season 2 renewed y n",
        "saw an article saying season 2 comes out late 2026",  # reported speech ends a name
        "was not it only ever ordered for 1 season anyway",
        "i binged the whole season in like 2 days no regrets",  # a time ends a name
        "is season 2 still on track",  # how a plan stands, not where it streams
        "my cousin swears season 2 is already filming in london right now",  # where it films; who says so
        "is it available in canada",
        "she would love to go back for season 2 so is she returning",  # "so" starts a clause of its own
    ],
)
def test_no_other_show(question: str) -> None:
    assert foreign_show_name(question.split(), knows) is None


@pytest.mark.parametrize(
    "question", ["is season 2 confirmed lol", "where can i watch it tbh", "any news on season 2 fr"]
)
def test_chat_shorthand_names_no_show(question: str) -> None:
    assert foreign_show_name(question.split(), knows) is None


def test_a_span_holding_the_packs_own_people_names_no_other_show() -> None:
    """A cast name already found (its slot word) makes the span about this show, whatever else it holds."""
    cast = frozenset({"qcharacter"})
    question = "who plays qcharacter exactly".split()
    assert foreign_show_name(question, knows) == "qcharacter exactly"
    assert foreign_show_name(question, knows, cast=cast) is None
    assert foreign_show_name("who plays qcharacter in the bear".split(), knows, cast=cast) == "bear"


@pytest.mark.parametrize(
    ("question", "about_maisel"),
    [
        ("is there a season 2 of the marvelous mrs maisel", True),
        ("when did maisel season 5 come out", True),
        ("which maisel actor is in it", False),
        ("is it the maisel creator s new show", False),
    ],
)
def test_a_mentioned_show_is_the_subject_only_of_questions_about_its_parts(question: str, about_maisel: bool) -> None:
    def knows(word: str) -> bool:
        return word not in {"maisel", "marvelous", "mrs"}

    assert (foreign_show_name(question.split(), knows, PART_WORDS, frozenset()) is not None) == about_maisel


REQUEST_PACK = frozenset("reservation purchases track playlist balance order ballet paris".split())


@pytest.mark.parametrize(
    ("question", "about_tv"),
    [
        # Everyday requests whose TV-looking verb acts on something the pack knows: not about a show.
        ("cancel my reservation for 8 at barney s", False),
        ("i want to cancel my reservation for network", False),
        ("show all purchases of video games", False),
        ("put the currently playing track on my zen playlist", False),
        ("cancel my reservation at osteria for our party", False),  # the object ends at "at"
        # The same verbs about a show, or about nothing the pack knows; the other TV words always count.
        ("did they cancel the bear", True),
        ("where can i watch severance", True),
        ("is the bear renewed", True),
        ("show me the cast of severance", True),
        ("when does the bear season 4 come out", True),
        ("is there a season 2 of the last of us", True),
        ("what is the plot of hamlet", True),
        ("where can i watch the paris cup", True),  # the object holds a word the pack does not know
    ],
)
def test_only_tv_words_about_a_show_make_a_tv_question(question: str, about_tv: bool) -> None:
    """`about_a_show` gates the other-show check: an assistant-style FAQ ("cancel my reservation for 8 at
    Barney's") names no show, while a fan pack's questions about another show still do."""
    assert about_a_show(question.split(), lambda w: w in REQUEST_PACK) == about_tv


@pytest.mark.parametrize(
    ("question", "name"),
    [("did they cancel the bear", "bear"), ("can i watch severance on prime", "severance")],
)
def test_a_show_named_after_a_tv_verb_is_another_show(question: str, name: str) -> None:
    assert foreign_show_name(question.split(), lambda w: w in KNOWN or w == "prime") == name


@pytest.mark.parametrize(
    ("question", "refers"),
    [
        ("is it worth watching", True),
        ("when do they film season 2", True),
        ("can someone explain the ending", True),
        ("what was the reason for the cancellation", True),
        ("who are the writers", False),
        ("what does schadenfreude mean", False),
        ("recommend a good podcast", False),
        ("recommend a good movie", False),  # another kind of work
        ("what s the best ballet film", False),
        ("what else have the creators done before this", True),  # "this" closing it, after a preposition
        ("who is in this", True),
        ("what is this", False),
        ("translate this", False),
    ],
)
def test_a_pronoun_tv_word_or_story_word_points_at_a_show(question: str, refers: bool) -> None:
    assert refers_to_a_show(question.split()) == refers


ALIASES = [("moonfall", "moonfall"), ("moonfall station", "moonfall"), ("harbor lights", "harbor"), ("lights", "x")]
RESOLVER = ShowResolver([*ALIASES, ("the pier", "pier-a"), ("the pier", "pier-b"), ("lighthouse", "lighthouse")])


@pytest.mark.parametrize(
    ("question", "mention"),
    [
        ("is moonfall station renewed", ShowMention(("moonfall",), 1, 3)),  # the longest name
        ("lights or harbor lights", ShowMention(("harbor",), 2, 4)),  # longest before leftmost
        ("moonfall or lights", ShowMention(("moonfall",), 0, 1)),  # then leftmost
        ("is the pier renewed", ShowMention(("pier-a", "pier-b"), 1, 3)),  # a shared name: both shows
        ("is moonfal renewed", ShowMention(("moonfall",), 1, 2)),  # a near-spelling when nothing is exact
        ("is moonfal statio renewed", ShowMention(("moonfall",), 1, 3)),  # the longest near-spelling
        ("is harbor ligh renewed", ShowMention(("harbor",), 1, 3)),  # 11 of 13 letters: OSA 0.85
        ("is harbor lig renewed", None),  # 10 of 13: 0.77
        ("is lighthous open", ShowMention(("lighthouse",), 1, 2)),  # 9 of 10 letters
        ("is lighthouseee open", ShowMention(("lighthouse",), 1, 2)),  # 12: 2 edits in 12, 0.83
        ("is lighthouseeee open", None),  # 13: 0.77
        ("is it renewed", None),
    ],
)
def test_show_names_are_found_longest_then_leftmost(question: str, mention: ShowMention | None) -> None:
    assert RESOLVER.find(question.split()) == mention
