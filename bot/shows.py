"""Which show a question is about.

A title or alias in the question wins (typos tolerated), then the channel's default show, then the only
show in the database. A question that names some other show ("season 2 of severance") is recognised as
foreign so it is never answered with the wrong show's facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.intent import STOPWORDS

# Words that make a question about "a show": only then is an unknown name after "of"/"in" a show title.
TV_WORDS = frozenset(
    "season seasons series show shows episode episodes cast renewed renew renewal cancelled canceled "
    "cancel cancellation cancelation trailer premiere finale actor actress character characters stream "
    "streaming watch sequel spinoff plays played playing portrays starring watching watched".split()
)
# TV words about a show's seasons and news, not its people or the word "show": a show the pack mentions, named
# around one of these, is what the question asks about ("is there a season 2 of Maisel"), while "which
# Maisel actor is in it" or "is it the Maisel creator's new show" ask how this show relates to it.
PART_WORDS = (
    TV_WORDS
    - frozenset(
        "show shows series cast actor actress character characters plays played playing portrays starring "
        "watch watching watched stream streaming".split()
    )
) | frozenset("return returns returning comeback back".split())  # "when is gilmore girls coming back"
# Words about a story: "what's the plot of hamlet" asks about another work, as "season 2 of severance" does
# (only the name after of/in/on counts: before them, "explain the ending" holds a verb, not a title).
STORY_WORDS = frozenset(
    "plot plots story storyline premise ending spoiler spoilers prequel remake reboot adaptation novel movie "
    "film".split()
)
# TV words that are also everyday requests to an assistant ("cancel my order", "show my balance").
REQUEST_VERBS = frozenset(
    "cancel cancelled canceled show shows watch watched watching stream streaming playing plays played "
    "renew renewed renewal".split()
)
_SPAN_START = frozenset({"of", "in", "on", "from", "for"})
# Auxiliaries that, right after a TV word, put the show as the subject that follows: "how many seasons does
# the crown have", "how many episodes does breaking bad have".
_AUXILIARIES = frozenset("does do did has is are was were".split())
# Words after which a request verb is a noun ("does the show have a proper ending"), not aimed at a show.
_DETERMINERS = frozenset("the a an this that my your its their our".split())
# A conjunction, or a question word that starts a new clause ("thinking of bingeing it, how many episodes").
# Reported speech ends one too ("saw an article saying | season 2", "in stranger things | says my friend"), and
# so does a time ("binged it in like two | days").
_SPAN_STOP = frozenset(
    "and or but because if when with to how what where who why so says said saying swears swore claims "
    "claimed thinks heard told tells "
    "day days week weeks weekend month months year years hour hours minute minutes".split()
)
# After the show itself ("can i stream it in canada", "is the series on peacock") these say where, not which show.
_PLACES = frozenset({"in", "on"})
# After these too "in"/"on" says where: "s2 is already filming in london", "is it available in canada".
_LOCATING = frozenset(
    "filming filmed shot shooting set based located available streaming airing aired released".split()
)
# Other prepositions that end a verb's object ("cancel my reservation | at osteria").
_PREPOSITIONS = frozenset("at by about into onto near via through".split())
# Words that qualify a season or episode rather than name a show ("the next season"), the verbs and
# adverbs that come before one in news questions ("has prime officially announced season 2"), and the
# bot's own name ("@showbot season 2 when").
_GENERIC = frozenset(
    "next new another last first final whole entire full latest upcoming good best favorite favourite worth "
    "more other same hey hi yo guys anyone someone everyone know tell "
    "ever still really actually finally officially already yet even true real sure possible likely official "
    "originally initially eventually ultimately currently recently apparently supposedly probably definitely "
    "seriously honestly literally basically anyway anyways "
    "love loved loving like liked hate hated enjoy enjoyed adore adored binge binged bingeing rewatch rewatched "
    "announce announced confirm confirmed order ordered greenlight greenlit pick picked release released "
    "drop dropped get got getting make making made film filmed filming start started finish finished "
    "need want wait waiting hope hoping expect expecting plan planned planning news update updates info "
    "online offline anywhere somewhere everywhere legally legit bot showbot "
    # Chat shorthand pads a question and never names its subject ("who plays cheyenne lol").
    "lol lmao lmfao rofl haha hahaha xd ngl tbh tho fr pls plz bro bruh fam dude rn imo imho btw idk omg "
    "smh ty thx thanks yall ya".split()
)
_PRONOUNS = frozenset("it this that they them i you we he she".split())
# Words by which a question refers to the show it asks about without naming it ("is it renewed", "when do
# they film season 2", "explain the ending"); see `refers_to_a_show`.
SHOW_PRONOUNS = frozenset("it its they them their".split())
# Story words that name another kind of work: they point at no show ("recommend a good movie", "what's the best
# ballet movie"; as a verb, "did they film in paris" asks about filming with words the pack knows).
OTHER_WORKS = frozenset("movie film novel".split())
_REFERENCES = TV_WORDS | (STORY_WORDS - OTHER_WORKS) | SHOW_PRONOUNS
# Words that qualify or pad a question whatever it asks ("can someone tell me the best ..."): never its subject.
FILLER = _GENERIC
# Idioms after "on" that say how a plan stands, not where to watch: "is season 2 still on track / on hold".
_PLAN_STATES = frozenset("track hold schedule course pause ice".split())
_NOT_A_NAME = STOPWORDS | TV_WORDS | STORY_WORDS | _GENERIC | _PLAN_STATES


# How close a misspelt show name must come to an alias (OSA similarity: one edit in five letters).
FUZZY_SHOW = 0.8


@dataclass(frozen=True)
class ShowMention:
    slugs: tuple[str, ...]  # more than one when an alias is shared
    start: int
    end: int


class ShowResolver:
    def __init__(self, aliases: list[tuple[str, str]]) -> None:
        """`aliases` holds (normalised alias, show slug) pairs."""
        self._exact: dict[str, set[str]] = {}
        for alias, slug in aliases:
            self._exact.setdefault(alias, set()).add(slug)
        self._longest_from = longest_from(self._exact)  # exact names are only looked for where one starts
        # Fuzzy candidates are bucketed by word count and first letter: typos rarely hit the first
        # letter, and the bucket keeps the cost flat as the number of shows grows.
        buckets: dict[tuple[int, str], list[str]] = {}
        for alias in self._exact:
            buckets.setdefault((alias.count(" ") + 1, alias[0]), []).append(alias)
        # By first letter: each bucket's word count, aliases, and the window lengths that could come within
        # FUZZY_SHOW of one of them (an edit distance is at least the difference in length).
        self._fuzzy: dict[str, list[tuple[int, list[str], float, float]]] = {}
        for (n, letter), bucket in sorted(buckets.items()):
            lengths = [len(a) for a in bucket]
            shortest, longest = min(lengths) * FUZZY_SHOW - 1e-9, max(lengths) / FUZZY_SHOW + 1e-9
            self._fuzzy.setdefault(letter, []).append((n, bucket, shortest, longest))

    def find(self, words: list[str]) -> ShowMention | None:
        """The longest (then leftmost) name spelled exactly, else the closest near-spelling ("etiole").

        Every window is tried exactly before any is matched fuzzily: the fuzzy buckets grow with the
        number of shows, and a correctly spelled name should cost the same whatever that number is."""
        exact: tuple[int, int, str] | None = None  # (-words, start, name): the longest, then leftmost
        for i, w in enumerate(words):
            if w not in self._longest_from:
                continue
            for n in range(min(self._longest_from[w], len(words) - i), 0, -1):
                window = " ".join(words[i : i + n])
                if window in self._exact:
                    exact = min(exact, (-n, i, window)) if exact else (-n, i, window)
                    break
        if exact is not None:
            n, i, window = -exact[0], exact[1], exact[2]
            return ShowMention(tuple(sorted(self._exact[window])), i, i + n)
        # (similarity, words, -start, name): ties go to the longest, then the leftmost window.
        best: tuple[float, int, int, str] | None = None
        for i, w in enumerate(words):
            for n, bucket, shortest, longest in self._fuzzy.get(w[0], ()):
                if i + n > len(words):
                    continue
                window = " ".join(words[i : i + n]) if n > 1 else w
                if not shortest <= len(window) <= longest or len(window) < 5:
                    continue
                if n == 1 and window in STOPWORDS:
                    continue
                # OSA counts a swap of two letters ("etiole") as one edit.
                hit = process.extractOne(window, bucket, scorer=OSA.normalized_similarity, score_cutoff=FUZZY_SHOW)
                if hit and (best is None or (hit[1], n, -i) > best[:3]):
                    best = (hit[1], n, -i, hit[0])
        if best is None:
            return None
        return ShowMention(tuple(sorted(self._exact[best[3]])), -best[2], -best[2] + best[1])


def longest_from(names: Iterable[str]) -> dict[str, int]:
    """The most words of a name starting with each word: where a window can be one of `names`, and how wide."""
    longest: dict[str, int] = {}
    for name in names:
        first, n = name.split(" ", 1)[0], name.count(" ") + 1
        longest[first] = max(longest.get(first, 0), n)
    return longest


def alias_pattern(aliases: list[str]) -> re.Pattern[str]:
    """One regex matching any of a show's own names as whole words, longest first."""
    alternatives = "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True))
    return re.compile(rf"(?:^| )(?:{alternatives})(?= |$)")


def strip_exact_mentions(text: str, pattern: re.Pattern[str]) -> str:
    """Remove a show's own names from a normalised phrasing: they carry no intent."""
    return " ".join(pattern.sub(" ", text).split())


def foreign_show_name(
    words: list[str],
    knows: Callable[[str], bool],
    tv_words: frozenset[str] = TV_WORDS,
    story_words: frozenset[str] = STORY_WORDS,
    cast: frozenset[str] = frozenset(),
) -> str | None:
    """The name of a show the pack does not know, if the question is about one.

    Only TV questions count ("season 2 of severance", "who plays eleven in stranger things"): the name
    sits after "of"/"in"/"on", after a verb such as "cancel" or "watch", or before "season", and at least
    half of its words are unknown to the pack. A span holding one of `cast` (the slot words that stand for
    the pack's own people) is about this show ("who plays <cheyenne> exactly"), whatever else it holds.
    """
    if tv_words.isdisjoint(words) and story_words.isdisjoint(words):
        return None
    spans: list[list[str]] = []
    for i, w in enumerate(words):
        # After "of"/"in"/..., or after a verb aimed at a show ("did they cancel the bear", "watch severance").
        after_aux = w in _AUXILIARIES and i > 0 and words[i - 1] in tv_words and not _after_determiner(words, i - 1)
        where = w in _PLACES and (_after_this_show(words, i) or (i > 0 and words[i - 1] in _LOCATING))
        if (
            (w in _SPAN_START and not where)
            or (w in REQUEST_VERBS and w in tv_words and not _after_determiner(words, i) and not _said_of_it(words, i))
            or after_aux
        ):
            span = []
            for x in words[i + 1 :]:
                if x in _SPAN_START or x in _SPAN_STOP:
                    break
                span.append(x)
            # After an auxiliary the span ends with the main verb ("how many seasons does the crown have",
            # "which season does the kiss happen"): the name is what comes before it.
            spans.append(span[:-1] if after_aux else span)
    first_tv = next((i for i, w in enumerate(words) if w in tv_words), None)
    if first_tv is not None:
        spans.append(_name_before(words[:first_tv]))  # "severance season 2", "has stranger things been renewed"
    for span in spans:
        # A span holding one of the pack's people or a pronoun for the show ("thinking of bingeing it this
        # weekend") is about this show.
        if not cast.isdisjoint(span) or not SHOW_PRONOUNS.isdisjoint(span):
            continue
        content = [w for w in span if w not in _NOT_A_NAME and not w.isdigit()]
        if content and 2 * sum(not knows(w) for w in content) >= len(content):
            first, last = span.index(content[0]), len(span) - span[::-1].index(content[-1])
            return " ".join(span[first:last])  # "rings of power": the words between stay
    return None


def about_a_show(words: list[str], knows: Callable[[str], bool]) -> bool:
    """Whether the question's TV or story words are about a show, not part of a request about something
    the pack knows ("cancel my reservation for 8 at Barney's", "show all purchases", "the track playing
    on my playlist"). Only everyday verbs (`REQUEST_VERBS`) can be such a request: one counts when the
    first content word after it is one the pack does not know, another TV word, or nothing ("is the bear
    renewed"), or when its object holds a word the pack does not know ("watch the world cup": the pack
    may know "world"); "season", "episode" and the other TV words always count."""
    for i, w in enumerate(words):
        if w in REQUEST_VERBS:
            after = next((x for x in words[i + 1 :] if x not in STOPWORDS and not x.isdigit()), None)
            if after is None or after in TV_WORDS or after in STORY_WORDS or not knows(after):
                return True
            if not all(map(knows, _object(words[i + 1 :]))):
                return True
        elif w in TV_WORDS or w in STORY_WORDS:
            return True
    return False


def _object(words: list[str]) -> list[str]:
    """The content words of a verb's object: up to the first preposition or conjunction."""
    out = []
    for w in words:
        if w in _SPAN_START or w in _SPAN_STOP or w in _PREPOSITIONS:
            break
        if w not in STOPWORDS and not w.isdigit():
            out.append(w)
    return out


def refers_to_a_show(words: list[str]) -> bool:
    """Whether the question points at a show without naming it: a pronoun, a TV word or a story word, or
    "this" ending it after a preposition ("who's in this", "what did the creators do before this")."""
    return not _REFERENCES.isdisjoint(words) or (
        len(words) > 1 and words[-1] == "this" and words[-2] in _SPAN_START | _PREPOSITIONS | {"before"}
    )


def _after_determiner(words: list[str], i: int) -> bool:
    """Whether words[i] follows a determiner: a noun ("the show", "the show has"), not a verb aimed at a
    show ("watch severance") nor a count of one ("how many seasons does the crown have")."""
    return i > 0 and words[i - 1] in _DETERMINERS


# What a participle may be said of ("it", "season 2") or how ("been", "got"); not "they" ("they cancelled the bear").
_PARTICIPLE_SUBJECTS = frozenset(
    "it season seasons series show episode episodes be been being get got gets getting".split()
)


def _said_of_it(words: list[str], i: int) -> bool:
    """Whether words[i] is a participle said of the show just before it ("is it cancelled or renewed, my feed
    says both", "season 2 renewed y/n"), which takes no show after it, unlike "they cancelled the bear"."""
    before = words[max(0, i - 3) : i]
    return words[i].endswith("ed") and not _PARTICIPLE_SUBJECTS.isdisjoint(before)


def _after_this_show(words: list[str], i: int) -> bool:
    """Whether words[i] follows a reference to the show asked about: "it", or "the series", "the episodes"."""
    prev = words[i - 1] if i > 0 else ""
    return prev in SHOW_PRONOUNS or (prev in TV_WORDS and _after_determiner(words, i - 1))


def _name_before(words: list[str], most: int = 3) -> list[str]:
    """The words that may name a show just before a TV word: walking back over stopwords and generic
    words ("been", "ever announced") until a stopword ends the name ("has | stranger things been renewed")."""
    name: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        # "of" between two words of a name ("rings of power season 3") is part of it.
        if w == "of" and name and i > 0 and words[i - 1] not in _NOT_A_NAME and words[i - 1] not in _PRONOUNS:
            name.insert(0, w)
            continue
        # "any chance of | a season 2": what follows "of" is its own span; "ok but | is it worth watching" and
        # "is it | renewed" have no name before the TV word.
        if w in _SPAN_START or w in _SPAN_STOP or (w in _PRONOUNS and not name):
            break
        if w in STOPWORDS or w in _GENERIC:
            if name:
                break
            continue
        name.insert(0, w)
        if len(name) == most:
            break
    return name
