"""Cast and character slots: "who plays cheyene" names a character, not an intent.

Names found in a question are replaced by a slot word before intent matching, so one set of built-in
phrasings ("who plays <character>") serves every person in every pack, and a name the pack does not
know ("who plays batman") leaves the slot empty instead of matching someone else.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cached_property

from rapidfuzz import fuzz, process

from bot.intent import STOPWORDS, stem
from bot.models import Source
from bot.packs import PersonEntry
from bot.shows import STORY_WORDS, TV_WORDS, longest_from
from bot.text import normalize

# Single words never taken for a name, however close ("cast" is not "cass").
_NOT_NAMES = STOPWORDS | TV_WORDS | STORY_WORDS
# Words for a person that say nothing a description does: "the billionaire board guy" is "the billionaire board".
_ARTICLES = frozenset({"the", "a", "an"})
PERSON_WORDS = frozenset("guy guys lady woman man girl boy dude gal person one character".split())


def _nothing(word: str) -> bool:
    return False


CHARACTER_SLOT = "qcharacter"
ACTOR_SLOT = "qactor"

# Built-in intents answered from people.toml. Keys start with "@" so they never clash with fact ids.
_CLAUSE_BREAK = re.compile(r",|;|\(| who | whose | which ")
CLOSE_DESCRIPTION = 0.9  # a described character is clear when no one else scores within 10% of them

TEMPLATES: dict[str, tuple[str, ...]] = {
    "@actor-of-character": (
        "who plays qcharacter",
        "who is playing qcharacter",
        "who portrays qcharacter",
        "who plays the role of qcharacter",
        "which actor plays qcharacter",
        "which actress plays qcharacter",
        "who is the actor for qcharacter",
        "qcharacter actor",
        "qcharacter actress",
        "who is qcharacter played by",
        "who played qcharacter",
        "actor who plays qcharacter",
        "who acts as qcharacter",
        "who is cast as qcharacter",
        "who is the actress that plays qcharacter",
    ),
    "@character-of-actor": (
        "who does qactor play",
        "what role does qactor play",
        "qactor character",
        "who is qactor playing",
        "what character does qactor play",
        "what part does qactor play",
        "qactor role",
        "who did qactor play",
        "what is qactor role",
        "which character is qactor",
        "who is qactor in the show",
        "what does qactor play",
    ),
    "@actor-in-show": (
        "is qactor in it",
        "is qactor in the show",
        "does qactor appear in it",
        "is qactor in the cast",
        "was qactor in it",
        "does qactor star in it",
        "is qactor part of the cast",
        "qactor in the show",
        "did qactor appear",
        "is qactor starring",
    ),
    "@who-is-character": (
        "who is qcharacter",
        "tell me about qcharacter",
        "what is qcharacter like",
        "who is qcharacter in the show",
        "what is the character qcharacter",
        "what does qcharacter do",
        "what is qcharacter role",
        "what is qcharacter story",
    ),
}
REQUIRED_SLOT = {
    "@actor-of-character": CHARACTER_SLOT,
    "@who-is-character": CHARACTER_SLOT,
    "@character-of-actor": ACTOR_SLOT,
    "@actor-in-show": ACTOR_SLOT,
    "@known-for": ACTOR_SLOT,  # no phrasings of its own: asked in words no fact uses (`bot.router._known_for`)
}


@dataclass(frozen=True)
class Person:
    id: str
    actor: str
    character: str
    description: str
    role: str
    sources: tuple[Source, ...]
    known_for: tuple[str, ...] = ()  # the actor's other work (see `bot.packs.PersonEntry`)
    known_for_sources: tuple[Source, ...] = ()  # the sources that list it (none: `sources`)

    @cached_property
    def name_stems(self) -> frozenset[str]:
        """Stems of the character's name: how a description or an answer names them ("Geneviève's")."""
        return frozenset(stem(w) for w in normalize(self.character).split())

    @cached_property
    def credit_titles(self) -> tuple[str, ...]:
        """The titles of the actor's other works as a question holds them (`credit_title`), joined."""
        return tuple(" ".join(credit_title(c)) for c in self.known_for)

    @cached_property
    def about(self) -> frozenset[str]:
        """Stems of the character's name and description, for questions that describe them."""
        return frozenset(stem(w) for w in normalize(f"{self.character} {self.description}").split())

    @cached_property
    def about_first(self) -> frozenset[str]:
        """Stems of the name and the description's first clause: what the character *is* ("director of
        Le Ballet National in Paris"), not what the rest of the sentence mentions ("... with the Paris company")."""
        head = _CLAUSE_BREAK.split(self.description, maxsplit=1)[0]
        return frozenset(stem(w) for w in normalize(f"{self.character} {head}").split())


def credit_title(credit: str) -> tuple[str, ...]:
    """A credit's title as a question holds it, articles left out: "The Marvelous Mrs. Maisel (as Lenny
    Bruce)" is ("marvelous", "mrs", "maisel")."""
    return tuple(w for w in normalize(credit.partition(" (")[0]).split() if w not in _ARTICLES)


@dataclass(frozen=True)
class Mention:
    person_ids: tuple[str, ...]  # several when a name is ambiguous ("david")
    kind: str  # CHARACTER_SLOT or ACTOR_SLOT
    start: int  # word span in the question
    end: int


class NameMatcher:
    """Finds actor and character names in a normalised question, tolerating typos."""

    def __init__(self, entries: dict[str, str]) -> None:
        """`entries` maps each normalised name, longest first, to the person ids it names by slot kind, as
        JSON text: loading a pack's names builds one flat dict (`from_text`), and a name's people are
        decoded only when a question mentions it."""
        self.entries = entries
        self._max_words = next(iter(entries)).count(" ") + 1 if entries else 0

    @classmethod
    def from_names(cls, names: Iterable[tuple[str, str, str]]) -> NameMatcher:
        """From (normalised name, slot kind, person id) triples (`person_names`)."""
        people: dict[str, dict[str, list[str]]] = {}
        for name, kind, person in names:
            ids = people.setdefault(name, {}).setdefault(kind, [])
            if person not in ids:
                ids.append(person)
        longest_first = sorted(people, key=lambda name: -name.count(" "))
        return cls({n: json.dumps(people[n], separators=(",", ":")) for n in longest_first})

    def to_text(self) -> str:
        """The stored form: names and their people's JSON, tab-separated (neither holds a raw tab)."""
        return "\t".join(itertools.chain.from_iterable(self.entries.items()))

    @classmethod
    def from_text(cls, text: str) -> NameMatcher:
        parts = iter(text.split("\t") if text else ())
        return cls(dict(zip(parts, parts, strict=True)))

    @cached_property
    def _choices(self) -> list[str]:
        """The names, for fuzzy matching: only a question with a word that could be a misspelt name needs them."""
        return list(self.entries)

    def _people(self, name: str) -> dict[str, list[str]]:
        """Person ids by slot kind for one of the names."""
        people: dict[str, list[str]] = json.loads(self.entries[name])
        return people

    def fill_slots(
        self, words: list[str], ordinary: Callable[[str], bool] = _nothing, fuzzy: bool = True
    ) -> tuple[list[str], list[Mention]]:
        """The words with each name replaced by its slot word, and the names found.

        `ordinary` tells words known not to be names (the pack's phrasing vocabulary): they are only
        taken as a name when spelled exactly, which keeps fuzzy matching cheap and avoids false hits.
        """
        mentions = self.find(words, ordinary, fuzzy)
        out: list[str] = []
        i = 0
        for m in mentions:
            out += words[i : m.start]
            out.append(m.kind)
            i = m.end
        return out + words[i:], mentions

    @cached_property
    def _starts(self) -> dict[str, int]:
        return longest_from(self.entries)

    def find(self, words: list[str], ordinary: Callable[[str], bool] = _nothing, fuzzy: bool = True) -> list[Mention]:
        """Longest, best-scoring non-overlapping name mentions, left to right."""
        found: list[Mention] = []
        plain = [w in _NOT_NAMES or ordinary(w) for w in words] if fuzzy else []  # once, not once per window
        # Exact matching alone (the build, over every phrasing of a pack) looks only where a name starts; a
        # question, often a pack's only one before it is dropped, would pay more for the map than it saves.
        starts = None if fuzzy else self._starts
        i = 0
        while i < len(words):
            best: tuple[float, int, list[str]] | None = None
            longest = self._max_words if starts is None else starts.get(words[i], 0)
            widths = range(min(longest, len(words) - i), 0, -1)
            for n in widths:
                window = " ".join(words[i : i + n]) if n > 1 else words[i]
                if window in self.entries:
                    best = (100.0, n, [window])
                    break
            # A misspelt name is looked for in windows that start and end on a word that could be part of
            # one: "is cheyene" would match "cheyenne" too, and take the "is" with it.
            if best is None and fuzzy and not plain[i]:
                for n in widths:
                    if plain[i + n - 1]:
                        continue
                    window = " ".join(words[i : i + n]) if n > 1 else words[i]
                    if len(window) < 5:
                        continue
                    hits = process.extract(window, self._choices, scorer=fuzz.ratio, score_cutoff=84, limit=8)
                    if hits:
                        top = hits[0][1]
                        names = [h[0] for h in hits if h[1] >= top - 0.01]
                        if best is None or top > best[0] + 3:
                            best = (top, n, names)
            if best is None:
                i += 1
                continue
            _, n, names = best
            kinds = [self._people(name) for name in names]
            kind = CHARACTER_SLOT if any(CHARACTER_SLOT in k for k in kinds) else ACTOR_SLOT
            people = sorted({p for k in kinds for p in k.get(kind, ())})
            last = found[-1] if found else None
            if last is not None and last.end == i and last.person_ids == tuple(people) and last.kind == kind:
                # One name in two pieces ("jack mcmilan": "jack" exactly, then the misspelt surname).
                found[-1] = replace(last, end=i + n)
            else:
                found.append(Mention(tuple(people), kind, i, i + n))
            i += n
        return found


def person_names(people: Iterable[PersonEntry]) -> Iterator[tuple[str, str, str]]:
    """(normalised name, slot kind, person id) for every way a pack's people may be mentioned."""
    for p in people:
        for kind, full, aliases, parts in (
            (CHARACTER_SLOT, p.character, p.character_aliases, (0, -1)),
            (ACTOR_SLOT, p.actor, p.actor_aliases, (-1,)),
        ):
            for name in name_variants(full, aliases, parts):
                yield name, kind, p.id


def name_variants(full: str, aliases: tuple[str, ...], parts: tuple[int, ...]) -> list[str]:
    """The normalised forms under which a person may be mentioned.

    `parts` picks single words of the full name that fans use alone: characters go by first or last
    name ("cheyenne"), actors by surname ("gainsbourg"). Ambiguous ones are resolved at question time.
    """
    full_norm = normalize(full)
    words = full_norm.split()
    out = [full_norm] + [normalize(a) for a in aliases]
    if len(words) > 1:
        out += [words[p] for p in parts if len(words[p]) >= 4]
    return [v for v in dict.fromkeys(out) if v]


# "who plays the choreographer": a role question that describes the character instead of naming them.
ROLE_QUESTION = re.compile(
    r"^(?:who (?:plays|played|is playing|portrays|portrayed|acts as|stars as|is cast as)"
    r"|(?:which|what) (?:actor|actress)(?: (?:plays|played|is playing))?"
    r"|who is the (?:actor|actress)(?: (?:that|who))?(?: (?:plays|played|playing|is playing))?)(?= |$)"
)


# How fans say what a description says: who "runs" a company is its director; "ny" is New York.
_DESCRIPTION_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        "run runs running ran lead leads leading head heads heading directs directing manage manages managing "
        "charge boss".split(),
        ("director",),
    ),
    "ny": ("new", "york"),
    "nyc": ("new", "york"),
}


def _described_as(word: str) -> tuple[str, ...]:
    return _DESCRIPTION_WORDS.get(word, (word,))


def described_people(people: Iterable[Person], words: list[str]) -> tuple[list[str], float]:
    """The people whose character or description shares the most words with `words`, and the share
    of those words they match. Several people come back when none clearly stands out (the caller
    asks which one); none when nothing matches.
    """
    wanted = {stem(v) for w in words if w not in _NOT_NAMES and w not in PERSON_WORDS for v in _described_as(w)}
    if not wanted:
        return [], 0.0
    # A word of the description's first clause counts fully, one further on half.
    scores = sorted(
        ((len(wanted & p.about_first) + 0.5 * len(wanted & (p.about - p.about_first)), p.id) for p in people),
        key=lambda s: -s[0],
    )
    best = scores[0][0] if scores else 0
    if best == 0:
        return [], 0.0
    # A runner-up (nearly) as good makes the description ambiguous: the caller asks which one.
    close = [pid for n, pid in scores if n >= CLOSE_DESCRIPTION * best]
    return close, best / len(wanted)
