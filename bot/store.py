"""Read-only access to a built fact base.

Only the alias table is read up front; a show's facts, people and intent model are loaded the first
time a question resolves to it, so the cost of a question depends on that show's pack, not on how many
shows the database holds. Reads use the standard library's sqlite3 to keep `showbot ask` start-up light.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.entities import NameMatcher, Person
from bot.intent import IntentModel
from bot.models import Source
from bot.settings import DEFAULT_LOADED_SHOWS

SCHEMA_VERSION = 4  # bot.build writes it; a fact base of another version is refused (rebuild it)


class StoreError(Exception):
    pass


@dataclass(frozen=True)
class Fact:
    id: str
    topic: str
    answer: str
    as_of: str
    spoiler: bool
    current: str  # id of the fact that answers this topic now
    history: tuple[str, ...]  # for a current fact: older facts on its topic, newest first
    question: str  # a representative phrasing, used for "did you mean" suggestions
    source_ids: tuple[str, ...]


@dataclass
class ShowIndex:
    slug: str
    title: str
    facts: dict[str, Fact]
    sources: dict[str, Source]
    source_reliability: dict[str, str]
    people: dict[str, Person]
    names: NameMatcher
    model: IntentModel
    other_shows: tuple[str, ...] = ()  # normalised names of shows the pack mentions but does not cover


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI for `path`: as_uri() escapes the '#', '?' and '%' that a plain "file:" misreads."""
    return f"{path.resolve().as_uri()}?mode=ro"


class FactBase:
    def __init__(self, path: Path, max_loaded: int = DEFAULT_LOADED_SHOWS) -> None:
        if not path.is_file():
            raise StoreError(f"no fact base at {path}: run `showbot build` first")
        try:
            self._conn = sqlite3.connect(read_only_uri(path), uri=True, check_same_thread=False)
            meta = dict(self._conn.execute("select key, value from meta").fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"{path} is not a showbot fact base ({exc}): rebuild it with `showbot build`") from None
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise StoreError(f"{path} was built by another showbot version: rebuild it with `showbot build`")
        self.path = path
        self.meta = meta
        self._indexes: OrderedDict[str, ShowIndex] = OrderedDict()
        self._max_loaded = max(1, max_loaded)

    def _damaged(self, exc: sqlite3.Error) -> StoreError:
        """A damaged page only shows when it is read: say so, with the fix, instead of a bare sqlite error."""
        return StoreError(f"{self.path} is damaged ({exc}): rebuild it with `showbot build`")

    def _query(self, sql: str, params: list[str] | None = None) -> list[tuple[Any, ...]]:
        try:
            return self._conn.execute(sql, params or []).fetchall()
        except sqlite3.Error as exc:
            raise self._damaged(exc) from None

    @cached_property
    def titles(self) -> dict[str, str]:
        return dict(self._query("select slug, title from shows order by slug"))

    @cached_property
    def aliases(self) -> list[tuple[str, str]]:
        return [(norm, show) for norm, show in self._query("select norm, show from show_aliases")]

    def phrasings(self, slug: str, facts: list[str] | None = None) -> list[str]:
        """The show's phrasings as written in its pack, all or those of `facts` (read on rare paths only)."""
        if facts is None:
            return [row[0] for row in self._query("select text from phrasings where show = ?", [slug])]
        marks = ",".join("?" * len(facts))
        return [
            row[0]
            for row in self._query(f"select text from phrasings where show = ? and fact in ({marks})", [slug, *facts])
        ]

    def shows_with_fact(self, fact_id: str) -> list[str]:
        """Slugs of the shows that have a fact with this id (ids are unique per pack, not globally)."""
        return [row[0] for row in self._query("select show from facts where id = ? order by show", [fact_id])]

    def show(self, slug: str) -> ShowIndex:
        """The show's loaded pack; the least recently asked shows are dropped beyond `max_loaded`."""
        index = self._indexes.get(slug)
        if index is None:
            try:
                index = self._indexes[slug] = self._load(slug)
            except sqlite3.Error as exc:
                raise self._damaged(exc) from None
            if len(self._indexes) > self._max_loaded:
                self._indexes.popitem(last=False)
        else:
            self._indexes.move_to_end(slug)
        return index

    def _load(self, slug: str) -> ShowIndex:
        q = self._conn.execute
        srcs: dict[str, tuple[str, ...]] = {}
        for fact, source in q("select fact, source from fact_sources where show = ? order by fact, position", [slug]):
            srcs[fact] = (*srcs.get(fact, ()), source)
        facts = {
            row[0]: Fact(
                row[0],
                row[1],
                row[2],
                row[3],
                bool(row[4]),
                row[5],
                tuple(json.loads(row[6])),
                row[7],
                srcs.get(row[0], ()),
            )
            for row in q(
                "select id, topic, answer, as_of, spoiler, current, history, question from facts where show = ?", [slug]
            )
        }
        sources, reliability = {}, {}
        for sid, title, url, outlet, published, rel in q(
            "select id, title, url, outlet, published, reliability from sources where show = ?", [slug]
        ):
            sources[sid] = Source(title=title, url=url, outlet=outlet, published=published)
            reliability[sid] = rel
        person_sources: dict[str, tuple[str, ...]] = {}
        for person, source in q(
            "select person, source from person_sources where show = ? order by person, position", [slug]
        ):
            person_sources[person] = (*person_sources.get(person, ()), source)
        people = {
            pid: Person(pid, actor, character, description or "", role, person_sources.get(pid, ()))
            for pid, actor, character, description, role in q(
                "select id, actor, character, description, role from people where show = ?", [slug]
            )
        }
        names = NameMatcher(
            [
                (norm, kind, person)
                for norm, kind, person in q("select norm, kind, person from person_names where show = ?", [slug])
            ]
        )
        row = q("select data from models where show = ?", [slug]).fetchone()
        if row is None:
            raise StoreError(f"show {slug!r} has no intent model: rebuild with `showbot build`")
        model = IntentModel.from_json(json.loads(row[0]))
        others = tuple(norm for (norm,) in q("select norm from other_shows where show = ?", [slug]))
        return ShowIndex(slug, self.titles[slug], facts, sources, reliability, people, names, model, others)
