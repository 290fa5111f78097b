"""The one entry point every adapter calls: `Router.ask(question, context) -> Answer`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.entities import CHARACTER_SLOT, REQUIRED_SLOT, Mention
from bot.models import Answer, AskContext
from bot.settings import RouterSettings
from bot.shows import ShowResolver, foreign_show_name
from bot.store import Fact, FactBase, ShowIndex
from bot.text import MAX_QUESTION_CHARS, human_date, normalize, sanitize

UNKNOWN_TEXT = "I don't know that one."
DEFAULT_ACCEPT = 0.5
DEFAULT_CLARIFY = 0.3


@dataclass(frozen=True)
class _Candidate:
    target: str  # current fact id, or a template id
    score: float


class Router:
    def __init__(self, base: FactBase, settings: RouterSettings | None = None) -> None:
        self.base = base
        self.settings = settings or RouterSettings()
        self.resolver = ShowResolver(base.aliases)

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
        words = normalize(text).split()
        if not words:
            return Answer(status="unknown", text='Ask me a question about a show, e.g. "is there a season 2?"')

        mention = self.resolver.find(words)
        if mention is not None:
            if len(mention.slugs) > 1:
                titles = tuple(self.base.titles[s] for s in mention.slugs[: self.settings.max_suggestions])
                return Answer(status="clarify", text="Which show do you mean?", suggestions=titles, confidence=0.5)
            slug: str | None = mention.slugs[0]
            words = words[: mention.start] + words[mention.end :]
        elif context.default_show in self.base.titles:
            slug = context.default_show
        elif len(self.base.titles) == 1:
            slug = next(iter(self.base.titles))
        else:
            return Answer(status="unknown", text=f"{UNKNOWN_TEXT} Name the show in your question.")
        assert slug is not None
        index = self.base.show(slug)

        words, names = index.names.fill_slots(words, index.model.phrasing_words)
        words = index.model.correct(words)
        if mention is None and (foreign := foreign_show_name(words, index.model.knows)):
            return Answer(
                status="unknown",
                text=f'{UNKNOWN_TEXT} I don\'t have facts about "{foreign}"; I know about {index.title}.',
                show=None,
            )
        return self._decide(index, " ".join(words), names)

    def _decide(self, index: ShowIndex, text: str, names: list[Mention]) -> Answer:
        accept = self.settings.accept if self.settings.accept is not None else DEFAULT_ACCEPT
        clarify = self.settings.clarify if self.settings.clarify is not None else DEFAULT_CLARIFY
        candidates: dict[str, float] = {}
        for intent, score in index.model.rank(text, limit=8):
            target = index.facts[intent].current if intent in index.facts else intent
            candidates[target] = max(score, candidates.get(target, 0.0))
        ranked = sorted((_Candidate(t, s) for t, s in candidates.items()), key=lambda c: -c.score)
        base = {"show": index.slug, "show_title": index.title}
        if not ranked or ranked[0].score < clarify:
            return Answer(status="unknown", text=UNKNOWN_TEXT, **base)
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        confidence = min(1.0, best.score)
        if best.score >= accept and best.score - runner_up >= 0.05:
            if best.target in REQUIRED_SLOT:
                return self._person_answer(index, best.target, names, confidence)
            return self._fact_answer(index, index.facts[best.target], confidence)
        suggestions = tuple(
            self._suggestion(index, c.target, names)
            for c in ranked[: self.settings.max_suggestions]
            if c.score >= clarify
        )
        suggestions = tuple(s for s in dict.fromkeys(suggestions) if s)
        if not suggestions:
            return Answer(status="unknown", text=UNKNOWN_TEXT, **base)
        return Answer(status="clarify", text="Did you mean:", suggestions=suggestions, confidence=confidence, **base)

    def _suggestion(self, index: ShowIndex, target: str, names: list[Mention]) -> str:
        if target in index.facts:
            return index.facts[target].question
        people = [index.people[p] for m in names for p in m.person_ids]
        if not people:
            return ""
        p = people[0]
        return {
            "@actor-of-character": f"who plays {p.character}?",
            "@who-is-character": f"who is {p.character}?",
            "@character-of-actor": f"who does {p.actor} play?",
            "@actor-in-show": f"is {p.actor} in it?",
        }[target]

    def _fact_answer(self, index: ShowIndex, fact: Fact, confidence: float) -> Answer:
        text = fact.answer
        for old_id in fact.history[:2]:
            old = index.facts[old_id]
            outlets = ", ".join(dict.fromkeys(index.sources[s].outlet for s in old.source_ids if s in index.sources))
            text += f"\nEarlier ({human_date(old.as_of)}, {outlets}, now outdated): {old.answer}"
        return Answer(
            status="answered",
            text=text,
            show=index.slug,
            show_title=index.title,
            sources=tuple(index.sources[s] for s in fact.source_ids if s in index.sources),
            as_of=fact.as_of,
            confidence=confidence,
            spoiler=fact.spoiler,
            fact_id=fact.id,
        )

    def _person_answer(self, index: ShowIndex, template: str, names: list[Mention], confidence: float) -> Answer:
        wanted = REQUIRED_SLOT[template]
        ordered = sorted(names, key=lambda m: m.kind != wanted)
        base = {"show": index.slug, "show_title": index.title}
        if not ordered:
            return Answer(status="unknown", text=f"{UNKNOWN_TEXT} I don't know that name in {index.title}.", **base)
        people = [index.people[p] for p in ordered[0].person_ids if p in index.people]
        if len(people) > 1:
            return Answer(
                status="clarify",
                text="Which one do you mean?",
                suggestions=tuple(
                    f"who plays {p.character}?" if wanted == CHARACTER_SLOT else f"who does {p.actor} play?"
                    for p in people[: self.settings.max_suggestions]
                ),
                confidence=confidence,
                **base,
            )
        p = people[0]
        role = "" if p.role == "main" else f" ({p.role})"
        about = f", {p.description}" if p.description else ""
        if template == "@actor-of-character":
            text = f"{p.character} is played by {p.actor}{role}."
        elif template == "@character-of-actor":
            text = f"{p.actor} plays {p.character}{role}{about}."
        elif template == "@actor-in-show":
            text = f"Yes: {p.actor} plays {p.character}{role} in {index.title}."
        else:
            text = (
                f"{p.character}{about.replace(', ', ': ', 1)}. Played by {p.actor}{role}."
                if about
                else f"{p.character} is played by {p.actor}{role}."
            )
        sources = tuple(index.sources[s] for s in p.source_ids if s in index.sources)
        dates = [s.published for s in sources if s.published]
        return Answer(
            status="answered",
            text=text,
            sources=sources,
            as_of=max(dates) if dates else None,
            confidence=confidence,
            fact_id=f"{template}:{p.id}",
            **base,
        )
