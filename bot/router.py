"""The one entry point every adapter calls: `Router.ask(question, context) -> Answer`."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.entities import (
    ACTOR_SLOT,
    CHARACTER_SLOT,
    PERSON_WORDS,
    REQUIRED_SLOT,
    ROLE_QUESTION,
    TEMPLATES,
    Mention,
    Person,
    described_people,
)
from bot.intent import STOPWORDS, stem
from bot.models import Answer, AskContext
from bot.settings import RouterSettings
from bot.shows import (
    FILLER,
    PART_WORDS,
    TV_WORDS,
    ShowResolver,
    about_a_show,
    foreign_show_name,
    refers_to_a_show,
)
from bot.store import Fact, FactBase, ShowIndex
from bot.text import MAX_QUESTION_CHARS, human_date, normalize, sanitize, sentences

UNKNOWN_TEXT = "I don't know that one."
SLOT_WORDS = frozenset({ACTOR_SLOT, CHARACTER_SLOT})
# How much stricter the confidence bar gets when the question's content words are unfamiliar to the
# pack: the threshold t becomes t ** (1 / (1 + UNFAMILIAR * share of unfamiliar words)), so a question
# made only of unfamiliar words needs t ** (1 / 3.5) (0.08 -> 0.49). Powers keep the bar below 1 however
# strict. Chit-chat and other topics ("capital of france", "set an alarm") are made of such words.
# (Tuned with CLINC150 val/oos_val and the Étoile sets, with the nearest-phrasing re-rank of `bot.intent`
# and an ambiguity ratio of 0.85: 2.5 answers most CLINC queries that name something new, like a city,
# and keeps every Étoile chit-chat question of the eval sets under its bar; 2 answers "capital of france".)
UNFAMILIAR = 2.5
# A question with no content word at all ("what's 2+2") is no evidence either way: t ** (1 / CONTENT_FREE).
CONTENT_FREE = 3.0
# Words about a character's own name or work: "what's Cheyenne's last name", "what's Tobias's job" ask who
# they are, not about a relative.
OWN_NAME = frozenset(stem(w) for w in "name surname last first full middle job occupation profession career".split())
# A cast question holds names and the cast templates' own words (and where in the show); any other word
# asks something else about the person ("how old is Lou de Laage", "is Luke Kirby married"), which no
# pack answers, so those words raise the bar twice as steeply as unfamiliar words do.
CAST_WORDS = (
    frozenset(stem(w) for texts in TEMPLATES.values() for text in texts for w in text.split())
    | frozenset(stem(w) for w in ("season", "episode", "series", "show", "tv", "cast", "finale"))
    | OWN_NAME
)
OFF_CAST = 6.0
NO_ONE = ""  # see _relative
# "who plays the choreographer": at least this share of the description's words must fit someone's, and
# the pack must know its first word, or it describes someone else ("who plays superman in the new movie"
# shares "new" with "New York").
DESCRIBED_SHARE = 0.5
# In a question that neither names nor points at the show, "you" is the bot ("who made you").
SECOND_PERSON = frozenset("you your yours yourself".split())
# Greetings and thanks, with the words that go with them: a message made only of these is chatter, even
# when a pack happens to know the word ("hello" from HELLO! magazine), unless the pack has an entry for them.
GREETINGS = frozenset(
    "hello hi hey hiya howdy yo sup greetings thanks thank thx ty cheers bye goodbye morning afternoon evening "
    "night gm gn lol lmao haha ok okay".split()
)
_GREETING_COMPANY = (
    GREETINGS | frozenset("good everyone everybody guys folks yall much bot showbot".split()) | STOPWORDS
)
# What a greeting or thanks around a question is made of ("hey bot, ...", "... thx"); not "good" ("is it good").
_GREETING_EDGE = frozenset(
    "hello hi hey hiya howdy yo sup greetings thanks thank thx ty cheers bye goodbye gm gn lol lmao haha ok okay "
    "bot showbot everyone everybody guys folks yall".split()
)
# A pack whose phrasings mostly point at the show (name it, say "it", "season", "the ending": see
# `refers_to_a_show`) was written by fans asking about a show. A question to such a pack that does not, and
# holds a word the pack has never seen, asks about that word ("what does schadenfreude mean", "recommend a
# good podcast"), however well its other words fit a phrasing. (Étoile: 89% of its phrasings; CLINC150's
# banking and travel requests: 8%, where "book a flight to Reykjavik" names new words and no show: without
# this gate its val accuracy falls from 90.2% to 85.1%.)
REFERRING_PACK = 0.5
# The bar such a question must clear: accept ** (1 / ELSEWHERE) (0.07 -> 0.85), above the 0.5-0.82 that
# chit-chat reaches on its familiar words ("recommend a good ..." fits "would you recommend", "who directed
# black swan" fits "who directed the finale" once "black" is read as a typo of "back"), below the 0.91+ of a
# fan question with one new word ("who created this masterpiece", "how did critics react").
ELSEWHERE = 16.0
ARTICLES = frozenset({"the", "a", "an"})  # see `_in_the_shows_place`


class Router:
    def __init__(self, base: FactBase, settings: RouterSettings | None = None) -> None:
        self.base = base
        self.settings = settings or RouterSettings()
        self.resolver = ShowResolver(base.aliases)
        self._greeting_packs: dict[str, bool] = {}

    def ask(self, question: str, context: AskContext | None = None) -> Answer:
        context = context or AskContext()
        answer = self._ask(question, context)
        if answer.status == "clarify" and not context.addressed:
            # Overheard chatter gets silence, not a "did you mean" the speaker never asked for.
            return Answer(status="unknown", text=UNKNOWN_TEXT, show=answer.show, show_title=answer.show_title)
        return answer

    def _ask(self, question: str, context: AskContext) -> Answer:
        text = sanitize(question)
        if len(text) > MAX_QUESTION_CHARS:
            return Answer(
                status="unknown",
                text=f"That message is too long for me ({len(text)} characters). Ask one short question "
                f"(under {MAX_QUESTION_CHARS} characters).",
            )
        whole = self._answer(text, context)
        parts = sentences(text)
        another = _about_another_show(whole)
        two = _TWO_QUESTIONS.search(text) is not None and not another
        if not two and (len(parts) < 2 or another):
            return whole  # one sentence, or declined as about another show: no sentence of it is answered either
        context = self._about_the_show_named(text, context)
        if whole.status == "unknown" and not two:
            # "simon callow, who does he play? one site said arturo": the one question of it answered confidently
            # alone (as confidently as a question with no content word must be: not "how's it going").
            answers = [self._answer(part, context) for part in parts if _is_question(part)]
            sure = [a for a in answers if a.status == "answered" and a.confidence >= self._sure(a)]
            return sure[0] if len(sure) == 1 else whole
        # "who made it, and where can I watch it?": each question answered, in one answer.
        if two and (both := self._two_questions(parts, context)) is not None:
            return both
        if whole.status == "unknown" or len(parts) < 2:
            return whole
        # A message whose answer is what one of its statements says alone answered the statement, not the
        # question ("just finished the last ep. is there more coming?" got the finale): answer a question
        # of it instead.
        questions: list[str] = []
        statements: list[str] = []
        for part in parts:
            (questions if _is_question(part) else statements).append(part)
        if questions and any(self._answer(part, context).text == whole.text for part in statements):
            for part in questions:
                answer = self._answer(part, context)
                if answer.status == "answered":
                    return answer
        return whole

    def _sure(self, answer: Answer) -> float:
        """The confidence of an answer sure enough to stand for a whole message it is only part of."""
        accept = self.settings.accept
        if accept is None:
            accept = self.base.show(str(answer.show)).model.threshold if answer.show else 1.0
        return float(accept ** (1 / CONTENT_FREE))

    def _about_the_show_named(self, text: str, context: AskContext) -> AskContext:
        """A show named anywhere in a message is the one each of its parts asks about."""
        named = self.resolver.find(normalize(text).split())
        if named is not None and len(named.slugs) == 1:
            return replace(context, default_show=named.slugs[0])
        return context

    def _two_questions(self, parts: list[str], context: AskContext) -> Answer | None:
        """Both answers of a sentence that joins two questions with "and", when each half is answered, by
        different facts of a fan pack. (In an FAQ sheet the second half leans on the first: "what is my card's
        apr and is it good" asks if the APR is good, not a question of its own.)"""
        for part in parts:
            halves = _TWO_QUESTIONS.split(part)
            if len(halves) != 2:
                continue
            answers = [self._answer(half, context) for half in halves]
            if (
                all(a.status == "answered" and a.show for a in answers)
                and answers[0].fact_id != answers[1].fact_id
                and all(self.base.show(str(a.show)).model.points_at_show >= REFERRING_PACK for a in answers)
            ):
                return _joined(answers)
        return None

    def _answer(self, text: str, context: AskContext) -> Answer:
        words = normalize(text).split()
        if not words:
            return Answer(status="unknown", text='Ask me a question about a show, e.g. "is there a season 2?"')

        mention = self.resolver.find(words)
        if mention is not None:
            if len(mention.slugs) > 1:
                titles = tuple(self.base.titles[s] for s in mention.slugs[: self.settings.max_suggestions])
                return Answer(status="clarify", text="Which show do you mean?", suggestions=titles, confidence=0.5)
            slug = mention.slugs[0]
            words = words[: mention.start] + words[mention.end :]
        elif context.default_show is not None and context.default_show in self.base.titles:
            slug = context.default_show
        elif len(self.base.titles) == 1:
            slug = next(iter(self.base.titles))
        else:
            return Answer(status="unknown", text=f"{UNKNOWN_TEXT} Name the show in your question.")
        index = self.base.show(slug)
        if not words:  # just the show's name
            return _unknown(index, f'What would you like to know about {index.title}? e.g. "is there a season 2?"')
        if not self._answers_greetings(slug):
            if _is_greeting(words):
                return _unknown(index)
            # "hey bot, who's in this": the question, without the greeting around it.
            words = _without_greeting(words) or words
        other = _named(index.other_shows, words)
        if other is not None and _names_the_makers(words, other):
            other = None  # "the ballet show from the Maisel creator": this show, by who made that one
        other_is_subject = other is not None and _is_subject(words, other)

        words, names = index.names.fill_slots(words, index.model.in_phrasings)
        if not names and (credited := _credited(index, words)) is not None:
            words, names = credited[0], [credited[1]]
            other = None  # the other show it names is the actor's ("the Gilmore Girls guy, who is he")
            other_is_subject = False
        if (pair := _related_pair(index, words, names)) is not None:  # before "related" is read as a typo
            characters = all(m.kind == CHARACTER_SLOT for m in names)
            return self._pair_answer(index, pair, words, characters, any(stem(w) in KIN_WORDS for w in words))
        if (fate := _fate(index, words, names)) is not None:
            return self._fact_answer(index, fate, 1.0)
        if _known_for(index, words, names):
            return self._person_answer(index, "@known-for", names, 1.0)
        words = index.model.correct(words, keep=_NOT_TYPOS)
        if (
            mention is None
            and about_a_show(words, lambda w: w not in SLOT_WORDS and index.model.knows(w))
            and (foreign := foreign_show_name(words, index.model.knows, cast=SLOT_WORDS))
        ):
            return _another_show(index, foreign)
        unpointed = (
            mention is None
            and not names
            and not refers_to_a_show(words)
            and index.model.points_at_show >= REFERRING_PACK
        )
        if unpointed and not SECOND_PERSON.isdisjoint(words):
            return _unknown(index)  # "who made you", "can you tell me a joke": talk to the bot, not about the show
        answer = self._decide(index, words, names, unpointed)
        if answer.status == "unknown" and (told := _told_of(index, words, names)) is not None:
            answer = self._fact_answer(index, told, 1.0)  # what the plot tells of the characters it names
        elif (answer.fact_id or "").startswith("@who-is-character:") and (
            told := _told_of(index, words, names, index.people[str(answer.fact_id).partition(":")[2]].about)
        ):
            answer = self._fact_answer(index, told, 1.0)  # "what is Crispin scheming": more than who he is
        # A cast name beside another show's ("who plays Cheyenne in Maisel") asks about that show's cast,
        # unless the question names this show too, or says "in it" ("is Yanic Truesdale from Gilmore Girls in
        # Étoile", "... in this").
        cast_here = bool(names) and (mention is not None or _IN_THIS_SHOW.search(" ".join(words)) is not None)
        if (
            other is not None
            and not cast_here
            and (names or other_is_subject or not self._about_other_shows(index, answer))
        ):
            return _another_show(index, other)
        return answer

    def _about_other_shows(self, index: ShowIndex, answer: Answer) -> bool:
        """Whether `answer` is a fact about how the show relates to the others its pack mentions ("is it as
        good as Maisel"): its topic's phrasings name one. Otherwise a question naming another show ("how
        many seasons does Gilmore Girls have") is about that show, and this pack cannot answer it."""
        if answer.status == "answered":
            targets = {answer.fact_id}
        elif answer.status == "clarify":  # "did you mean" between facts: their suggestions are their questions
            targets = {f.current for f in index.facts.values() if f.question in answer.suggestions}
        else:
            return False
        topic = [f.id for f in index.facts.values() if f.current in targets]
        return any(_named(index.other_shows, normalize(p).split()) for p in self.base.phrasings(index.slug, topic))

    def _answers_greetings(self, slug: str) -> bool:
        """Whether the pack itself has an entry for greetings (an FAQ sheet may): then it answers them."""
        if slug not in self._greeting_packs:
            self._greeting_packs[slug] = any(_is_greeting(normalize(p).split()) for p in self.base.phrasings(slug))
        return self._greeting_packs[slug]

    def _decide(self, index: ShowIndex, words: list[str], names: list[Mention], unpointed: bool = False) -> Answer:
        # The model's intents are the facts that answer their topics now (a topic's older facts train its
        # current one: `bot.build.fit_model`) and the cast templates, so they need no lookup here.
        targets = index.model.shared.get(" ".join(words), [])
        if len(targets) > 1:  # the pack itself uses this exact question for several facts
            return self._clarify(index, targets, names, 1.0 / len(targets))
        ranking = index.model.rank(words, limit=6)
        accept = self.settings.accept if self.settings.accept is not None else ranking.threshold
        ranked = list(ranking.intents)
        if not ranked:
            return _unknown(index, UNKNOWN_TEXT)
        best, confidence = ranked[0]
        # Name questions ("who is X" / "who plays X") about the same person are one answer, not a dilemma.
        rivals = [(t, p) for t, p in ranked[1:] if not (t in REQUIRED_SLOT and best in REQUIRED_SLOT)]
        if not names and (role := ROLE_QUESTION.match(" ".join(words))):
            described = words[len(role.group(0).split()) :]
            if any(w not in STOPWORDS for w in described):
                return self._described_person_answer(index, described)
        if not names and (described_first := _described_then_asked(words)) is not None:
            # "the french director lady, who plays her?": the description first, then the question about it.
            described, template = described_first
            if template == "@actor-of-character":
                return self._described_person_answer(index, described)
            if person := _one_described(index, described):
                return self._person_answer(index, template, [_mention_of(person, CHARACTER_SLOT)], 1.0)
        if (
            not names
            and words[0] == "who"
            and (runs := _WHO_RUNS.match(" ".join(words))) is not None
            and (person := _one_described(index, ["director", *words[len(runs.group(0).split()) :]]))
        ):
            # "who runs the Paris company", "who is in charge of the NY ballet company": its director.
            return self._person_answer(index, "@who-is-character", [_mention_of(person, CHARACTER_SLOT)], 1.0)
        if not names and words[:3] == ["who", "is", "the"] and (person := _one_described(index, words[3:])):
            # "who is the billionaire": a character by description, when exactly one fits it well.
            return self._person_answer(index, "@who-is-character", [_mention_of(person, CHARACTER_SLOT)], 1.0)
        if not names and _asks_about_unknown_name(index, words, ranked, accept):
            return _unknown(index, f"{UNKNOWN_TEXT} I don't know that name in {index.title}.")
        relative = _relative(index, words, names) if REQUIRED_SLOT.get(best) == CHARACTER_SLOT else None
        if relative is not None:
            if relative == NO_ONE:
                return _unknown(index, f"{UNKNOWN_TEXT} I don't know who that is in {index.title}.", confidence)
            return self._person_answer(index, best, [_mention_of(relative, CHARACTER_SLOT)], confidence)
        if names and best in REQUIRED_SLOT and confidence < _needed_for_cast_question(index, words, names, accept):
            # Not about the person's role ("is the show with Charlotte Gainsbourg renewed", "how old is Lou
            # de Laage"): the facts compete without the cast templates, and answer only on their own merit.
            ranked = [(t, p) for t, p in ranked if t not in REQUIRED_SLOT]
            if not ranked:
                return _unknown(index, confidence=confidence)
            best, confidence = ranked[0]
            rivals = ranked[1:]
        elif names and best not in REQUIRED_SLOT:
            # Likewise a cast answer is no rival to a fact unless it would have answered on its own merit.
            bar = _needed_for_cast_question(index, words, names, accept)
            rivals = [(t, p) for t, p in rivals if t not in REQUIRED_SLOT or p >= bar]
        strangers = _strangers(index, words) if unpointed else []
        if unpointed and _in_the_shows_place(index, words, best, strangers):
            return _unknown(index, confidence=confidence)
        if _off_frame(index, words, best) or _asks_for_a_stranger(index, words) or _another_episode(index, words, best):
            return _unknown(index, confidence=confidence)
        needed = _needed_confidence(index, words, accept)
        if unpointed and _elsewhere(index, words, best, strangers):
            needed = max(needed, accept ** (1 / ELSEWHERE))
        if unpointed and all(w in FILLER or w in GREETINGS for w in _content_words(words)):
            # Nothing but chat words ("gm anyone up", "any news"), and not about the show: the bar of a question
            # with no content word, however strongly a phrasing of the pack uses one of them.
            needed = max(needed, accept ** (1 / CONTENT_FREE))
        if confidence < needed:
            return _unknown(index, confidence=confidence)
        # Close calls are judged on calibrated probabilities, so the ambiguity ratio means the same in every pack.
        close = [
            t for t, p in rivals if p >= accept and (p / confidence) ** ranking.sharpness >= self.settings.ambiguity
        ]
        if close and (asked := _asked_the_same_way(index, words, [best, *close])) is not None:
            best, close = asked, []
        if not close:
            if best in REQUIRED_SLOT:
                return self._person_answer(index, best, names, confidence)
            return self._fact_answer(index, index.facts[best], confidence)
        return self._clarify(index, [best, *close], names, confidence)

    def _clarify(self, index: ShowIndex, targets: list[str], names: list[Mention], confidence: float) -> Answer:
        targets = targets[: self.settings.max_suggestions]
        suggestions = tuple(s for s in dict.fromkeys(self._suggestion(index, t, names) for t in targets) if s)
        return Answer(
            status="clarify",
            text="Did you mean:",
            suggestions=suggestions,
            confidence=confidence,
            show=index.slug,
            show_title=index.title,
        )

    def _suggestion(self, index: ShowIndex, target: str, names: list[Mention]) -> str:
        if target in index.facts:
            return index.facts[target].question
        people = [index.people[p] for m in names for p in m.person_ids]
        return _person_question(target, people[0]) if people else ""

    def _fact_answer(self, index: ShowIndex, fact: Fact, confidence: float) -> Answer:
        text = fact.answer
        for old_id in fact.history[:2]:
            old = index.facts[old_id]
            cited = old.sources
            # Name who reported it then, not outlets that mentioned it later.
            then = [c for c in cited if c.published and c.published <= old.as_of] or cited
            outlets = ", ".join(dict.fromkeys(c.outlet for c in then))
            text += f"\nEarlier ({human_date(old.as_of)}, {outlets}, now outdated): {old.answer}"
        if fact.declines:  # what no source reports: not an answer, but the sources say why
            declined = _unknown(index, f"{UNKNOWN_TEXT} {text}", confidence)
            return replace(declined, sources=fact.sources, as_of=fact.as_of, fact_id=fact.id)
        return Answer(
            status="answered",
            text=text,
            show=index.slug,
            show_title=index.title,
            sources=fact.sources,
            as_of=fact.as_of,
            confidence=confidence,
            spoiler=fact.spoiler,
            fact_id=fact.id,
        )

    def _described_person_answer(self, index: ShowIndex, described: list[str]) -> Answer:
        people, share = _described(index, described)
        if not people or share < DESCRIBED_SHARE:
            return _unknown(index, f"{UNKNOWN_TEXT} I don't know that character in {index.title}.")
        mention = Mention(tuple(people), CHARACTER_SLOT, 0, 0)
        return self._person_answer(index, "@actor-of-character", [mention], share)

    def _pair_answer(
        self, index: ShowIndex, pair: tuple[Person, Person], words: list[str], characters: bool, kin: bool
    ) -> Answer:
        """How two characters are related: what the description of each that names the other says, or the plot
        (a spoiler fact naming both: "do Jack and Cheyenne get together"), first when a word of the plot's is
        asked ("did Gael cheat on Cheyenne"), never when kinship is."""
        telling = [p for p, other in (pair, pair[::-1]) if characters and other.name_stems & p.about]
        plot = any(stem(w) in PLOT_RELATION_WORDS for w in words)
        if characters and not kin and (plot or not telling) and (told := _told_by_spoiler(index, pair, words)):
            return self._fact_answer(index, told, 1.0)
        if not telling:
            first, second = (p.character.split()[0] if characters else p.actor for p in pair)
            return _unknown(index, f"{UNKNOWN_TEXT} I don't know how {first} and {second} are related.")
        return _joined(
            [self._person_answer(index, "@who-is-character", [_mention_of(p.id, CHARACTER_SLOT)], 1.0) for p in telling]
        )

    def _person_answer(self, index: ShowIndex, template: str, names: list[Mention], confidence: float) -> Answer:
        if template in _WHO_PLAYS_WHOM and (mismatch := _mismatched_pair(index, names)) is not None:
            # "Charlotte Gainsbourg plays Cheyenne, right?": who plays that character, and whom that actor plays
            # (no "No:", which would misread "who does Luke Kirby play, who plays Cheyenne").
            character, actor = mismatch
            both = [
                self._person_answer(index, "@actor-of-character", [_mention_of(character.id, CHARACTER_SLOT)], 1.0),
                self._person_answer(index, "@character-of-actor", [_mention_of(actor.id, ACTOR_SLOT)], 1.0),
            ]
            role = "" if actor.role == "main" else f" ({actor.role})"
            text = f"{character.character} is played by {character.actor}; {actor.actor} plays {actor.character}{role}."
            return replace(_joined(both), text=text, confidence=confidence)
        wanted = REQUIRED_SLOT[template]
        ordered = sorted(names, key=lambda m: m.kind != wanted)
        if not ordered:
            return _unknown(index, f"{UNKNOWN_TEXT} I don't know that name in {index.title}.")
        each = list(dict.fromkeys(m.person_ids[0] for m in ordered if m.kind == wanted and len(m.person_ids) == 1))
        if len(each) > 1 and all(m.kind == wanted for m in ordered):  # "who plays Jack and Cheyenne": both
            return _joined([self._person_answer(index, template, [_mention_of(p, wanted)], confidence) for p in each])
        people = [index.people[p] for p in ordered[0].person_ids if p in index.people]
        if len(people) > 1:
            return Answer(
                status="clarify",
                text="Which one do you mean?",
                suggestions=tuple(_person_question(template, p) for p in people[: self.settings.max_suggestions]),
                confidence=confidence,
                show=index.slug,
                show_title=index.title,
            )
        p = people[0]
        if template == "@known-for" and not p.known_for:
            return _unknown(index, f"{UNKNOWN_TEXT} I don't know what else {p.actor} has been in.", confidence)
        role = "" if p.role == "main" else f" ({p.role})"
        about = f", {p.description}" if p.description else ""
        if template == "@actor-of-character":
            text = f"{p.character} is played by {p.actor}{role}."
        elif template == "@character-of-actor":
            text = f"{p.actor} plays {p.character}{role}{about}."
        elif template == "@actor-in-show":
            text = f"Yes: {p.actor} plays {p.character}{role} in {index.title}."
        elif template == "@known-for":
            text = f"{p.actor} plays {p.character}{role} in {index.title}, and is known for {_listed(p.known_for)}."
        else:
            text = (
                f"{p.character}{about.replace(', ', ': ', 1)}. Played by {p.actor}{role}."
                if about
                else f"{p.character} is played by {p.actor}{role}."
            )
        sources = (p.known_for_sources or p.sources) if template == "@known-for" else p.sources
        dates = [s.published for s in sources if s.published]
        return Answer(
            status="answered",
            text=text,
            sources=sources,
            as_of=max(dates) if dates else None,
            confidence=confidence,
            fact_id=f"{template}:{p.id}",
            show=index.slug,
            show_title=index.title,
        )


_WHO_PLAYS_WHOM = frozenset({"@actor-of-character", "@character-of-actor", "@actor-in-show"})


def _made_by(words: list[str], start: int, end: int) -> bool:
    """Whether the person words[start:end] describes made the show ("is it by the Gilmore Girls lady", "the
    Gilmore Girls lady's show"): a maker, not one of the cast."""
    after = words[end : end + 3]
    return (start > 0 and words[start - 1] == "by") or (after[:1] == ["is"] and not TV_WORDS.isdisjoint(after))


def _mismatched_pair(index: ShowIndex, names: list[Mention]) -> tuple[Person, Person] | None:
    """The character and the actor a question pairs when the actor plays someone else: one of each named."""
    characters = {m.person_ids[0] for m in names if m.kind == CHARACTER_SLOT and len(m.person_ids) == 1}
    actors = {m.person_ids[0] for m in names if m.kind == ACTOR_SLOT and len(m.person_ids) == 1}
    if len(characters) != 1 or len(actors) != 1 or characters == actors or len(names) != 2:
        return None
    character, actor = index.people.get(characters.pop()), index.people.get(actors.pop())
    return (character, actor) if character is not None and actor is not None else None


def _mention_of(person_id: str, kind: str) -> Mention:
    """A mention of one person that no words of the question hold (found by description, relation, ...)."""
    return Mention((person_id,), kind, 0, 0)


def _joined(answers: list[Answer]) -> Answer:
    """Several answers as one: their texts in turn, every source once, the latest date, a spoiler if one is."""
    dates = [a.as_of for a in answers if a.as_of]
    return replace(
        answers[0],
        text="\n".join(a.text for a in answers),
        sources=tuple(dict.fromkeys(s for a in answers for s in a.sources)),
        as_of=max(dates) if dates else None,
        spoiler=any(a.spoiler for a in answers),
    )


def _listed(items: tuple[str, ...]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _person_question(template: str, p: Person) -> str:
    """How a fan would ask `template` about `p`: the wording of a "did you mean" suggestion."""
    return {
        "@actor-of-character": f"who plays {p.character}?",
        "@who-is-character": f"who is {p.character}?",
        "@character-of-actor": f"who does {p.actor} play?",
        "@actor-in-show": f"is {p.actor} in it?",
        "@known-for": f"what else has {p.actor} been in?",
    }[template]


def _unknown(index: ShowIndex, text: str = UNKNOWN_TEXT, confidence: float = 0.0) -> Answer:
    """No answer; `confidence` is how strongly the best (rejected) match scored, for diagnostics."""
    return Answer(status="unknown", text=text, show=index.slug, show_title=index.title, confidence=confidence)


def _asks_about_unknown_name(
    index: ShowIndex, words: list[str], ranked: list[tuple[str, float]], accept: float
) -> bool:
    """ "who plays batman": a cast question naming someone the pack does not know.

    Such a question still resembles cast facts ("who plays in it"), so it is caught here: a name
    template is among the likely intents and the question holds a word the pack has never seen.
    """
    likely_template = any(t in REQUIRED_SLOT and p >= accept for t, p in ranked[:3])
    return likely_template and any(w not in STOPWORDS and not w.isdigit() and not index.model.knows(w) for w in words)


_ANOTHER_SHOW = f"{UNKNOWN_TEXT} I don't have facts about "
# "..., and where can I watch it": "and" before a second question's first word.
_TWO_QUESTIONS = re.compile(
    r"(?:,\s*|\s+)and\s+(?=(?:who|whom|what|when|where|why|how|which|is|are|was|were|does|do|did|can|will)\b)",
    re.IGNORECASE,
)


def _another_show(index: ShowIndex, name: str) -> Answer:
    """A question about a show this fact base does not cover: say which, and what it knows instead."""
    return Answer(status="unknown", text=f'{_ANOTHER_SHOW}"{name}"; I know about {index.title}.')


def _about_another_show(answer: Answer) -> bool:
    return answer.text.startswith(_ANOTHER_SHOW)


def _content_words(words: list[str]) -> list[str]:
    """The words that carry meaning: not stopwords, numbers or name slots."""
    return [w for w in words if w not in STOPWORDS and not w.isdigit() and w not in SLOT_WORDS]


def _strangers(index: ShowIndex, words: list[str]) -> list[str]:
    """The question's content words the pack has never seen, in phrasings, answers or names (not filler
    such as "someone" or "best", nor a greeting or thanks opening or closing the message: "translate good
    morning into french" asks about the words, "good morning, what genre is it" does not)."""
    return [w for w in _content_words(_without_greeting(words)) if not index.model.recognises(w) and w not in FILLER]


def _without_greeting(words: list[str], edge: frozenset[str] = _GREETING_EDGE) -> list[str]:
    """The words between a greeting or thanks opening or closing the message ("hey bot, who's in this"):
    words of `edge` at either end."""
    if not words or (words[0] not in edge and words[-1] not in edge):
        return words  # most questions: no greeting to cut (saves two scans)
    start = next((i for i, w in enumerate(words) if w not in edge), len(words))
    end = next((i for i in range(len(words), start, -1) if words[i - 1] not in edge), start)
    return words[start:end]


# A TV word is no typo of a pack's word ("the pilot" is not "the plot").
_NOT_TYPOS = TV_WORDS | frozenset("pilot prequel reboot teaser showrunner".split())
_EPISODE_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
# How an answer tells of the first episode ("premiered ... with all eight episodes"), or of episodes at all.
_FIRST_EPISODE = re.compile(r"\b(?:first episode|episode 1|pilot|premiered|premieres)\b")
_EPISODE_WORDS = frozenset(stem(w) for w in "episode episodes finale".split())


def _episode_asked(words: list[str]) -> int | None:
    """The episode a question names by number ("episode 3", "the first episode", "the pilot"), if any."""
    if "episode" not in words and "pilot" not in words:
        return None
    for i, w in enumerate(words):
        if w == "pilot":
            return 1
        if w == "episode":
            if i + 1 < len(words) and words[i + 1].isdigit():
                return int(words[i + 1])
            if i > 0 and words[i - 1] in _EPISODE_ORDINALS:
                return _EPISODE_ORDINALS[words[i - 1]]
    return None


def _another_episode(index: ShowIndex, words: list[str], best: str) -> bool:
    """Whether a fan's question about one episode ("who directed episode 1", "what's the name of the first
    episode") would get a fact that tells of no such episode: the finale's director, the genre."""
    if index.model.points_at_show < REFERRING_PACK or (asked := _episode_asked(words)) is None:
        return False
    fact = index.facts.get(best)
    if fact is None:
        return False
    if asked == 1:
        return _FIRST_EPISODE.search(normalize(fact.answer)) is None
    return fact.answer_stems.isdisjoint(_EPISODE_WORDS)


# "what <thing> ..." / "what is the <thing> ...", with more of the question after the thing.
_WHAT_THING = re.compile(r"^(?:what|which) (?:is |are |was |were )?(?:the |a |an )?(?P<thing>[a-z]+) \w")
# Things a question asks when, how or why by ("what year did it come out", "what kind of show is it"), or
# who told it, which every answer's sources say ("which outlet first reported it").
_FRAME_THINGS = frozenset(
    "year yr years month day date time week kind sort type way reason "
    "outlet outlets source sources site website publication paper article articles report reports".split()
)


def _asks_for_a_stranger(index: ShowIndex, words: list[str]) -> bool:
    """Whether a fan's question asks for a kind of thing the pack never mentions ("what's the song at the end of
    episode 3", "what budget did it have"): the rest of the question may fit a fact ("the end"), but the pack
    cannot tell that thing. An FAQ sheet's requests are not judged so ("what is the routing number")."""
    if len(words) < 3 or words[0] not in ("what", "which") or index.model.points_at_show < REFERRING_PACK:
        return False
    match = _WHAT_THING.match(" ".join(words))
    if match is None:
        return False
    thing = match.group("thing")
    return thing not in STOPWORDS | FILLER | _FRAME_THINGS and not index.model.recognises(thing)


def _elsewhere(index: ShowIndex, words: list[str], best: str, strangers: list[str]) -> bool:
    """Whether a question that does not point at the show asks about something else: it holds a word the
    pack has never seen (`strangers`), or most of its content words are ones the best intent's phrasings
    never use ("how do i get to new york" matching "where can i watch" on "how do i", "am i too old to start
    ballet" matching where the show is set on "ballet")."""
    if strangers:
        return True
    content = _content_words(words)
    used = sum(index.model.phrasings_use(best, [w]) for w in content)
    return 2 * used < len(content)


def _in_the_shows_place(index: ShowIndex, words: list[str], best: str, strangers: list[str]) -> bool:
    """Whether the question's new words stand where a phrasing of `best` names the show, or has another
    word: without them (and an article just before them) the question is that phrasing, whose name was
    taken out ("when did titanic come out" is "when did <Étoile> come out", "who created the simpsons" is
    "who created <it>"), or one new word takes a phrasing word's place ("when does the next iphone come
    out" is "when does the next <season> come out"). Either way they name something else the pack knows
    nothing about (`strangers`: the words the pack has never seen)."""
    if not strangers:
        return False
    new = set(strangers)
    kept = [
        w for w, nxt in zip(words, [*words[1:], ""], strict=True) if w not in new and not (w in ARTICLES and nxt in new)
    ]
    if index.model.has_phrasing(best, " ".join(kept)):
        return True
    return len(new) == 1 and any(index.model.has_phrasing_but(best, words, i) for i, w in enumerate(words) if w in new)


_WH_WORDS = frozenset("why when where who".split())


def _asked_the_same_way(index: ShowIndex, words: list[str], candidates: list[str]) -> str | None:
    """The one candidate whose phrasings open with the question's "why"/"when"/"where"/"who", if only one
    does: "why is there no season 2" is the cancellation's reason, not the renewal news it also matches."""
    if not words or words[0] not in _WH_WORDS:
        return None
    same = [t for t in candidates if any(line.startswith(words[0] + " ") for line in index.model.phrasings(t))]
    return same[0] if len(same) == 1 else None


# Questions that ask for a measure or a count ("how long are the episodes", "how old is Lou de Laâge", "how
# many people watched it"): a fact answers one only if a phrasing asks it about the same thing ("how long is
# season 1" is its episode count; "how many episodes" is, "how many days did they shoot" is not its filming).
# Not "how much": what it measures is often the verb ("how much did the production cost").
FRAMES = frozenset({("how", "long"), ("how", "old"), ("how", "tall"), ("how", "many")})


def _off_frame(index: ShowIndex, words: list[str], best: str) -> bool:
    """Whether, in a fan pack, the question asks a measure of something no phrasing of `best` asks it of.
    (Not in an FAQ sheet, whose requests word one measure many ways: "how long do i have to pay that bill"
    is its bill due date; CLINC150 val loses an answer for each it gains.)"""
    at = next((i for i in range(len(words) - 1) if (words[i], words[i + 1]) in FRAMES), None)
    if at is None or index.model.points_at_show < REFERRING_PACK:
        return False
    frame, subject = words[at : at + 2], _first_content(words[at + 2 :])
    for line in index.model.phrasings(best):
        other = line.split()
        for j in range(len(other) - 1):
            # No subject is the show itself ("how long is etoile"): any phrasing asking the measure fits.
            if other[j : j + 2] == frame and subject in (None, _first_content(other[j + 2 :])):
                return False
    return True


def _first_content(words: list[str]) -> str | None:
    return next((stem(w) for w in words if w not in STOPWORDS), None)


def _described(index: ShowIndex, described: list[str]) -> tuple[list[str], float]:
    """`described_people`, or no one when the pack knows less than half of the description's words: it
    describes someone else ("who plays superman in the new movie"), not the "rich billionaire board member"."""
    content = [w for w in described if w not in STOPWORDS and w not in PERSON_WORDS]
    if 2 * sum(map(index.model.knows, content)) < len(content) or not content:
        return [], 0.0
    return described_people(index.people.values(), described)


# "the billionaire board guy, who is he", "the french director lady whats her name and who plays her", "who is
# the spoiled ballerina and who plays her": a description, then a question about the person it describes.
_DESCRIBED_THEN_ASKED = re.compile(
    r"^(?:who is )?(?P<described>the .+?)(?: and)? (?P<asked>who (?:plays|played) (?:her|him|them)"
    r"|who is (?:he|she|that|it)|what is (?:her|his) name)(?: and who (?:plays|played) (?:her|him))?$"
)


_WHO_RUNS = re.compile(
    r"^who (?:runs|leads|heads|directs|manages|is in charge of|is the (?:head|boss|director) of)(?= )"
)


def _described_then_asked(words: list[str]) -> tuple[list[str], str] | None:
    """The description and the cast template asked of it, for a question that describes someone first."""
    match = _DESCRIBED_THEN_ASKED.match(" ".join(words))
    if match is None:
        return None
    plays = match.group("asked").startswith("who play")
    return match.group("described").split()[1:], "@actor-of-character" if plays else "@who-is-character"


def _one_described(index: ShowIndex, described: list[str]) -> str | None:
    """The one person whose description holds most of `described`, if any (not half: "who is the french
    girl" is not every French character)."""
    people, share = _described(index, described)
    return people[0] if len(people) == 1 and share > DESCRIBED_SHARE else None


def _needed_confidence(index: ShowIndex, words: list[str], accept: float) -> float:
    """The confidence a match needs: the threshold, raised by the share of unfamiliar content words (not
    counting a greeting around the question)."""
    content = _content_words(_without_greeting(words))
    if not content:
        return float(accept ** (1 / CONTENT_FREE))
    unfamiliar = sum(not index.model.familiar(w) for w in content) / len(content)
    return float(accept ** (1 / (1 + UNFAMILIAR * unfamiliar)))


def _needed_for_cast_question(index: ShowIndex, words: list[str], names: list[Mention], accept: float) -> float:
    """The bar for a cast answer: raised by the share of words no cast question uses (see `CAST_WORDS`), and
    that do not describe the people named ("who plays Nicholas, the New York company's artistic director")."""
    content = _content_words(words)
    if not content:
        return accept
    described = frozenset().union(*(index.people[p].about for m in names for p in m.person_ids if p in index.people))
    off_cast = sum(stem(w) not in CAST_WORDS and stem(w) not in described for w in content) / len(content)
    return float(accept ** (1 / (1 + OFF_CAST * off_cast)))


# How a sentence that asks something starts, after any filler ("pls tell me", "so when is ...").
_QUESTION_STARTS = frozenset(
    "who whom whose what when where why how which is are was were do does did can could will would should has "
    "have any tell".split()
)
_LEAD_IN = frozenset("please pls plz so ok okay and but also hey like then".split())


def _is_question(sentence: str) -> bool:
    if sentence.endswith("?"):
        return True
    words = normalize(sentence).split()
    first = next((w for w in words if w not in _LEAD_IN), "")
    return first in _QUESTION_STARTS


# Letters drawn out for effect ("hellooo", "heyyy": `normalize` leaves two of a run) are said once.
_DOUBLED = re.compile(r"([a-z])\1+")
_GREETINGS_ONCE = frozenset(_DOUBLED.sub(r"\1", w) for w in GREETINGS)
_COMPANY_ONCE = frozenset(_DOUBLED.sub(r"\1", w) for w in _GREETING_COMPANY)


# Small talk that asks nothing of the show, said alone or around a greeting ("hi bot!! how's it going").
_SMALL_TALK = re.compile(
    r"^(?:how (?:is it going|are (?:you|ya|things)(?: doing)?|is (?:everyone|everybody|your day)|have you been"
    r"|was your day)|what is up)$"
)
_AROUND_SMALL_TALK = GREETINGS | frozenset("bot showbot everyone everybody guys folks yall all".split())


def _is_small_talk(words: list[str]) -> bool:
    return _SMALL_TALK.match(" ".join(_without_greeting(words, _AROUND_SMALL_TALK))) is not None


def _is_greeting(words: list[str]) -> bool:
    if ("how" in words or "up" in words) and _is_small_talk(words):  # the gate: small talk holds one of them
        return True
    core = _without_greeting(words)
    if len(core) >= 3 and core[0] in _QUESTION_STARTS:
        return False  # a question after the greeting, if only of stopwords: "hey bot, who's in this"
    if _GREETING_COMPANY.issuperset(words):
        return not GREETINGS.isdisjoint(words)
    # Most questions hold a word that no squeezing makes company ("plays"): no need to squeeze them all.
    if any(w not in _COMPANY_ONCE and _DOUBLED.search(w) is None for w in words if w not in _GREETING_COMPANY):
        return False
    once = _DOUBLED.sub(r"\1", " ".join(words)).split()
    return not _GREETINGS_ONCE.isdisjoint(once) and _COMPANY_ONCE.issuperset(once)


def _relative(index: ShowIndex, words: list[str], names: list[Mention]) -> str | None:
    """ "who plays Geneviève's daughter": the one other person whose description names the character
    together with the question's other words (Mishi is "Geneviève's daughter"). `NO_ONE` for a relative
    no description names ("who plays Jack's boss"); None otherwise (the question is answered as usual).
    """
    named = [m.person_ids[0] for m in names if m.kind == CHARACTER_SLOT and len(m.person_ids) == 1]
    relation = {stem(w) for w in _content_words(words)} - CAST_WORDS
    if len(named) != 1 or not relation:
        return None
    person = index.people[named[0]]
    name = person.name_stems
    others = [p.id for p in index.people.values() if p.id != person.id and relation <= p.about and name & p.about]
    if len(others) == 1:
        return others[0]
    if not others and not relation <= person.about and _possessive(words):
        return NO_ONE
    return None


# "is Mishi related to Geneviève", "how are Jack and Geneviève connected": two characters and one of these.
# Kinship words ask what the descriptions say; the others may also be told by the plot ("are Jack and
# Cheyenne dating": the finale), never "is Cheyenne related to Jack".
KIN_WORDS = frozenset(stem(w) for w in "related relation relative relatives connected connection family".split())
PLOT_RELATION_WORDS = frozenset(
    stem(w)
    for w in "together dating date romance romantic involved love affair fling thing cheat cheated cheating kiss "
    "kissed hook hooked breakup split leave leaves left happen happens happened".split()
)
RELATION_WORDS = KIN_WORDS | PLOT_RELATION_WORDS | frozenset(stem(w) for w in "relationship between married".split())


def _related_pair(index: ShowIndex, words: list[str], names: list[Mention]) -> tuple[Person, Person] | None:
    """The two characters a question asks how they are related, if it names exactly two people and asks that.
    An actor among them asks about real life, which no pack tells: then no one's description is read."""
    named = list(dict.fromkeys(m.person_ids[0] for m in names if len(m.person_ids) == 1))
    if len(named) != 2 or len(names) != 2 or not any(stem(w) in RELATION_WORDS for w in words):
        return None
    return index.people[named[0]], index.people[named[1]]


# "does Nicholas die", "what happens to Jack": what becomes of a character is told by a spoiler fact.
FATE_WORDS = frozenset(
    stem(w)
    for w in "die dies died dying dead death killed survive survives survived happen happens happened fate".split()
)


def _fate(index: ShowIndex, words: list[str], names: list[Mention]) -> Fact | None:
    """The one current spoiler fact that names the one character a question asks the fate of, if any."""
    if len(names) != 1 or names[0].kind != CHARACTER_SLOT or len(names[0].person_ids) != 1:
        return None
    if not any(stem(w) in FATE_WORDS for w in words):
        return None
    return _told_by_spoiler(index, (index.people[names[0].person_ids[0]],), words)


# "what else has Gideon Glick been in", "where do I know the guy who plays Jack from": the actor's other work,
# which no fact of a pack is about (the cast templates answer from `Person.known_for`). "what else" asks it only
# of an actor: "what else does Jack do" is about the character.
_KNOWN_FOR = re.compile(
    r"\b(?:known for|filmography|familiar|in before|emmys?|(?:other|previous) (?:roles?|shows|movies|films|work)"
    r"|(?:know|recogni[sz]e) .*\bfrom$|seen .*\b(?:before|from)|where (?:have|do|did) i (?:seen?|know))\b"
)
_IN_THIS_SHOW = re.compile(r"\bin (?:this|it|this show|the show)$")
_WORKS = re.compile(r"\b(?:movies|films|shows|roles)$")  # "lou de laage movies?"
_ELSE = re.compile(r"\b(?:what|where|anything|something) else\b")  # not "who else stars in it besides X"
_PLAYER_WORDS = frozenset("actor actress plays played playing guy girl woman man lady dude".split())


def _known_for(index: ShowIndex, words: list[str], names: list[Mention]) -> bool:
    """Whether the question asks what else the one person it names (an actor, or a character with a word for
    who plays them) has been in, or names one of the actor's other works, by the actor's name or the
    character's ("isn't Simon Callow from Outlander", "gael's actor was in west side story right?", "wait, Jack
    is Lenny Bruce from Maisel??")."""
    people = {m.person_ids for m in names}
    if len(people) != 1 or len(names[0].person_ids) != 1:
        return False
    text = " ".join(words)
    person = index.people.get(names[0].person_ids[0])
    titles = person.credit_titles if person is not None else ()
    # A title in full, or by a name the pack gives a show it mentions ("Maisel").
    other = _named(index.other_shows, words) if titles else None
    named_work = any(f" {t} " in f" {text} " or (other is not None and other in t) for t in titles)
    if all(m.kind == ACTOR_SLOT for m in names):
        return bool(named_work or _KNOWN_FOR.search(text) or _ELSE.search(text) or _WORKS.search(text))
    return named_work or (bool(_PLAYER_WORDS.intersection(words)) and bool(_KNOWN_FOR.search(text)))


# Words for a person right beside one of their works: "the West Side Story guy", "the actress from The Innocents".
_CREDITED = frozenset("actor actress guy girl woman man lady dude star".split())
_NOUN_DETERMINERS = frozenset({"the", "that", "this", "a", "an"})


def _credited(index: ShowIndex, words: list[str]) -> tuple[list[str], Mention] | None:
    """An actor named by another of their works instead of by name: the words with that phrase as the actor's
    slot, and its mention. Only a work exactly one of the cast is known for counts, right beside a word for
    a person ("the West Side Story guy", "the actress from The Innocents"): "the maestro" is no credit."""
    if _CREDITED.isdisjoint(words) or not index.credits:
        return None
    kept = [i for i, w in enumerate(words) if w not in ARTICLES]
    plain = [words[i] for i in kept]
    found: list[tuple[int, int, tuple[str, ...]]] = []
    for title, people in index.credits.items():
        n = len(title)
        for k in range(len(plain) - n + 1):
            if tuple(plain[k : k + n]) != title:
                continue
            start, end = kept[k], kept[k + n - 1] + 1
            before = start - 1
            while before >= 0 and words[before] in ARTICLES:
                before -= 1
            if end < len(words) and words[end] in _CREDITED:  # "the west side story guy"
                end += 1
            elif before >= 1 and words[before] == "from" and words[before - 1] in _CREDITED:  # "the guy from ..."
                start = before - 1
            else:
                continue
            if start > 0 and words[start - 1] in _NOUN_DETERMINERS:
                start -= 1
            if _made_by(words, start, end):
                continue
            found.append((start, end, people))
    if len(found) != 1 or len(found[0][2]) != 1:
        return None
    start, end, (person,) = found[0]
    return [*words[:start], ACTOR_SLOT, *words[end:]], Mention((person,), ACTOR_SLOT, start, start + 1)


_CAST_VERBS = frozenset("plays played playing portrays portrayed actor actress actors".split())


def _told_of(
    index: ShowIndex, words: list[str], names: list[Mention], told: frozenset[str] = frozenset()
) -> Fact | None:
    """For a question about the one or two characters it names that nothing else answered: the spoiler fact
    naming them all that uses a word of the question besides the cast words ("who does Mishi flirt with", "who
    does Jack pick to replace Nicholas"), and besides the `told` stems (what an answer found already says);
    of several, the one the model ranks first."""
    people = list(dict.fromkeys(m.person_ids[0] for m in names if len(m.person_ids) == 1))
    if not 1 <= len(people) <= 2 or any(m.kind != CHARACTER_SLOT or len(m.person_ids) != 1 for m in names):
        return None
    if not _CAST_VERBS.isdisjoint(words):
        return None  # who plays them: no plot tells
    asked = frozenset(stem(w) for w in _content_words(words)) - CAST_WORDS - told
    if not asked:
        return None
    return _told_by_spoiler(index, tuple(index.people[p] for p in people), words, asked)


def _told_by_spoiler(
    index: ShowIndex, people: tuple[Person, ...], words: list[str], asked: frozenset[str] | None = None
) -> Fact | None:
    """The current spoiler fact whose answer names every one of `people` (by a word of their character's
    name), and uses one of the `asked` stems if given: of several, the one the pack's model ranks first for
    the question's words."""
    told = {}
    for f in index.facts.values():
        if f.spoiler and f.current == f.id:
            said = f.answer_stems
            if all(p.name_stems & said for p in people) and (asked is None or not asked.isdisjoint(said)):
                told[f.id] = f
    if len(told) < 2:
        return next(iter(told.values()), None)
    ranked = index.model.rank(words, limit=len(index.model.intents)).intents
    return next((told[t] for t, _ in ranked if t in told), None)


def _possessive(words: list[str]) -> bool:
    """ "cheyenne's boyfriend" (normalised to "qcharacter is boyfriend"): the question is about a relative."""
    return any(
        w == CHARACTER_SLOT and nxt in ("is", "s") and after not in STOPWORDS
        for w, nxt, after in zip(words, words[1:], words[2:], strict=False)
    )


def _is_subject(words: list[str], show: str) -> bool:
    """Whether the question asks about `show` itself: it is named around a season or news word ("is there a
    season 2 of Maisel"; see `PART_WORDS`), not just beside this show ("is it the Maisel creator's new show")."""
    name = frozenset(show.split())
    return foreign_show_name(words, lambda w: w not in name, PART_WORDS, frozenset()) is not None


# Words for the people who made a show: "the Maisel creator('s)", "the Gilmore Girls team".
MAKERS = frozenset(
    "creator creators maker makers team people writer writers showrunner showrunners folks guys duo".split()
)


def _names_the_makers(words: list[str], show: str) -> bool:
    """Whether `show` is named only to say who made the show asked about: right before a word for its makers."""
    text = f" {' '.join(words)} "
    at = text.find(f" {show} ")
    after = text[at + len(show) + 2 :].split()[:2] if at >= 0 else []
    if after[:1] == ["is"]:  # "the maisel creator's" normalises to "the maisel creator is"; "maisel's team" too
        after = after[1:]
    return bool(after) and after[0] in MAKERS


def _named(names: tuple[str, ...], words: list[str]) -> str | None:
    """The longest of `names` (normalised) that the words contain, whole words only."""
    text = f" {' '.join(words)} "
    return max((n for n in names if f" {n} " in text), key=len, default=None)
