"""Read-only access to a built fact base.

Only the alias table is read up front; a show's pack is loaded the first time a question resolves to
it, so the cost of a question depends on that show's pack, not on how many shows the database holds.
Loading reads one row (the names to spot, the other shows it mentions, the facts and people, the intent
model's arrays) and decodes almost nothing; a fact or person is decoded, with the sources it cites, when
an answer first needs it, without another read. Packs stay loaded up to a memory budget: a question about
a show beyond it costs a load (about what a question costs), so the default budget holds a large fact
base's every pack. Reads use the standard library's sqlite3 to keep `showbot ask` start-up light.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from bot.entities import NameMatcher, Person
from bot.intent import MODEL_COLUMNS, IntentModel, stem
from bot.models import Source
from bot.settings import DEFAULT_PACK_MEMORY_MB
from bot.text import normalize

MMAP_BYTES = 1 << 30
SCHEMA_VERSION = 17  # bot.build writes it; a fact base of another version is refused (rebuild it)


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
    sources: tuple[Source, ...]
    declines: bool = False  # the answer tells what no source reports (see `bot.packs.FactEntry`)

    @cached_property
    def answer_stems(self) -> frozenset[str]:
        """Stems of the answer's words: whom and what it tells of (`bot.router._told_by_spoiler` reads every
        spoiler fact's for a question naming characters)."""
        return frozenset(stem(w) for w in normalize(self.answer).split())


V = TypeVar("V")


def records_text(records: Iterable[Sequence[object]]) -> str:
    """The stored form `Records` reads: a JSON list of the ids (each record's first field), then each
    record as a JSON list on its own line (JSON escapes line breaks inside strings)."""
    rows = [list(r) for r in records]
    return "\n".join([json.dumps([r[0] for r in rows]), *(json.dumps(r, separators=(",", ":")) for r in rows)])


class Records(Mapping[str, V]):
    """A show's facts or people by id, from their stored text in the pack's row (`records_text`).

    A question needs one or two of a pack's facts, and most questions about a pack not kept in memory
    are its first: a lookup finds the record's line by searching the text for its id, and decodes only
    that line (splitting the text into a dict of lines took a sixth of a load, and freeing it more).
    Iterating decodes them all, once."""

    def __init__(self, text: str, make: Callable[[list[Any]], V]) -> None:
        self._text = text
        self._make = make
        self._decoded: dict[str, V] = {}

    @cached_property
    def _ids(self) -> list[str]:
        ids: list[str] = json.loads(self._text.partition("\n")[0])
        return ids

    def __getitem__(self, key: str) -> V:
        value = self._decoded.get(key)
        if value is None:
            # A record's line starts with its id as a JSON string, and no other line can: JSON escapes
            # line breaks inside strings, and the closing quote ends the id.
            start = self._text.find("\n[" + json.dumps(key)) if isinstance(key, str) else -1
            if start < 0:
                raise KeyError(key)
            end = self._text.find("\n", start + 1)
            line = self._text[start + 1 : end if end >= 0 else len(self._text)]
            value = self._decoded[key] = self._make(json.loads(line))
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class ShowIndex:
    slug: str
    title: str
    facts: Mapping[str, Fact]
    people: Mapping[str, Person]
    names: NameMatcher
    model: IntentModel
    other_shows: tuple[str, ...] = ()  # normalised names of shows the pack mentions but does not cover

    @cached_property
    def credits(self) -> dict[tuple[str, ...], tuple[str, ...]]:
        """The cast's other works, by the words of their title (`Person.credit_titles`), to the ids of the
        people known for each: read when a question may name an actor by a work ("the West Side Story guy")."""
        out: dict[tuple[str, ...], tuple[str, ...]] = {}
        for person in self.people.values():
            for joined in person.credit_titles:
                title = tuple(joined.split())
                out[title] = (*out.get(title, ()), person.id)
        return out


def read_only_uri(path: Path) -> str:
    """A read-only SQLite URI for `path`: as_uri() escapes the '#', '?' and '%' that a plain "file:" misreads."""
    return f"{path.resolve().as_uri()}?mode=ro"


def read_meta(path: Path) -> dict[str, str] | None:
    """The `meta` table of the SQLite file at `path` (schema_version, knowledge_dir, ...), read without
    opening it as a fact base: {} for a file with other tables but no meta, None for one with no table at
    all. Raises sqlite3.Error for a file that is not SQLite."""
    with closing(sqlite3.connect(read_only_uri(path), uri=True)) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
        if "meta" not in tables:
            return {} if tables else None
        return dict(conn.execute("select key, value from meta").fetchall())


class FactBase:
    def __init__(self, path: Path, memory_budget: int = DEFAULT_PACK_MEMORY_MB << 20) -> None:
        """`memory_budget`: bytes of stored pack rows kept loaded (a loaded pack takes ~1.2x its row)."""
        if not path.is_file():
            raise StoreError(f"no fact base at {path}: run `showbot build` first")
        try:
            # A build never writes to a fact base in place: it renames a new file over it, and the service
            # reopens the file when it changes. So the file is opened immutable, which skips the locks and
            # change checks SQLite makes on every read (7 of a one-row query's 8 system calls), and mapped, so
            # loading a pack reads its row straight from memory instead of through read() calls (a third of a load).
            self._conn = sqlite3.connect(f"{read_only_uri(path)}&immutable=1", uri=True, check_same_thread=False)
            self._conn.execute(f"pragma mmap_size = {MMAP_BYTES}")
            meta = dict(self._conn.execute("select key, value from meta").fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"{path} is not a showbot fact base ({exc}): rebuild it with `showbot build`") from None
        if meta.get("schema_version") != str(SCHEMA_VERSION):
            raise StoreError(f"{path} was built by another showbot version: rebuild it with `showbot build`")
        self.path = path
        self.meta = meta
        self._indexes: OrderedDict[str, ShowIndex] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._loaded_bytes = 0
        self.memory_budget = memory_budget
        columns = ("names", "other_shows", "facts", "people", *MODEL_COLUMNS)
        self._load_sql = f"select {', '.join(f'[{c}]' for c in columns)} from packs where show = ?"

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
        """The show's loaded pack; the least recently asked shows are dropped beyond the memory budget,
        but never the one just asked about."""
        index = self._indexes.get(slug)
        if index is None:
            try:
                index, size = self._load(slug)
            except sqlite3.Error as exc:
                raise self._damaged(exc) from None
            self._indexes[slug] = index
            self._sizes[slug] = size
            self._loaded_bytes += size
            while self._loaded_bytes > self.memory_budget and len(self._indexes) > 1:
                dropped, _ = self._indexes.popitem(last=False)
                self._loaded_bytes -= self._sizes.pop(dropped)
        else:
            self._indexes.move_to_end(slug)
        return index

    @property
    def loaded(self) -> list[str]:
        """Slugs of the packs in memory, least recently asked first."""
        return list(self._indexes)

    @property
    def loaded_bytes(self) -> int:
        """Stored size of the packs in memory, which the budget bounds."""
        return self._loaded_bytes

    def _load(self, slug: str) -> tuple[ShowIndex, int]:
        row = self._conn.execute(self._load_sql, [slug]).fetchone()
        if row is None:
            raise StoreError(f"show {slug!r} has no intent model: rebuild with `showbot build`")
        size = sum(map(len, row))  # text columns are almost all ASCII: characters count as bytes
        return ShowIndex(
            slug,
            self.titles[slug],
            Records(row[2], _fact),
            Records(row[3], _person),
            NameMatcher.from_text(row[0]),
            IntentModel.from_row(row[4:]),
            tuple(json.loads(row[1])),
        ), size


def _fact(r: list[Any]) -> Fact:
    return Fact(r[0], r[1], r[2], r[3], bool(r[4]), r[5], tuple(r[6]), r[7], _sources(r[8]), bool(r[9]))


def _person(r: list[Any]) -> Person:
    return Person(r[0], r[1], r[2], r[3] or "", r[4], _sources(r[5]), tuple(r[6]), _sources(r[7]))


def _sources(cited: list[list[Any]]) -> tuple[Source, ...]:
    return tuple(Source(title=t, url=u, outlet=o, published=p) for t, u, o, p in cited)
