"""Reading and validating knowledge packs (`knowledge/<slug>/*.toml`).

Validation collects every problem in every pack before failing, and each message names the file, the
line and the key path, so a curator can fix a pack in one pass.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.shows import alias_pattern, strip_exact_mentions
from bot.text import normalize

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RELIABILITY = {"high": 2, "medium": 1, "low": 0}
ROLES = ("main", "recurring", "guest")
PACK_FILES = ("show.toml", "sources.toml", "facts.toml", "people.toml", "taught.toml")
TAUGHT_FILE = "taught.toml"  # phrasings moderators taught in chat (`showbot teach`), for curators to review


@dataclass(frozen=True)
class PackProblem:
    file: Path
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class PackError(Exception):
    """One or more packs are invalid; `problems` lists every one of them."""

    def __init__(self, problems: list[PackProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class SourceEntry:
    id: str
    title: str
    outlet: str
    url: str | None
    published: str | None
    reliability: str = "medium"


@dataclass(frozen=True)
class FactEntry:
    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str
    as_of: str
    sources: tuple[str, ...]
    spoiler: bool = False
    supersedes: tuple[str, ...] = ()
    declines: bool = False  # the answer tells what no source reports: the bot says it doesn't know, and why

    @cached_property
    def norms(self) -> tuple[str, ...]:
        """`normalize` of each question, in order: computed once (the loader fills it in while validating).

        Not a field, so `replace(fact, questions=...)` gives a fact that computes its own.
        """
        return tuple(normalize(q) for q in self.questions)


@dataclass(frozen=True)
class PersonEntry:
    id: str
    actor: str
    character: str
    actor_aliases: tuple[str, ...] = ()
    character_aliases: tuple[str, ...] = ()
    description: str = ""
    role: str = "main"
    sources: tuple[str, ...] = ()
    known_for: tuple[str, ...] = ()  # the actor's other work, as sources name it ("The Marvelous Mrs. Maisel")
    known_for_sources: tuple[str, ...] = ()  # the sources that list it (default: `sources`)


@dataclass(frozen=True)
class Pack:
    slug: str
    title: str
    aliases: tuple[str, ...]
    path: Path
    sources: tuple[SourceEntry, ...] = ()
    facts: tuple[FactEntry, ...] = ()
    people: tuple[PersonEntry, ...] = ()
    other_shows: tuple[str, ...] = ()  # shows the pack mentions but does not cover ("Gilmore Girls")


@dataclass
class _Locator:
    """Maps a key path such as facts[3].sources to a line of the TOML text it came from.

    Header lines are indexed once per table, so a file with thousands of problems is located in
    linear time rather than rescanned for each one.
    """

    lines: list[str]
    _headers: dict[str, list[int]] = field(default_factory=dict)

    def _table_starts(self, table: str) -> list[int]:
        starts = self._headers.get(table)
        if starts is None:
            header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
            starts = self._headers[table] = [n for n, text in enumerate(self.lines) if header.match(text)]
        return starts

    def line_of(self, table: str | None, index: int | None, key: str | None) -> int:
        """1-based line; the block's header (or line 1, for the file) when the key is not written."""
        start, end = 0, len(self.lines)
        if table is not None and index is not None:
            starts = self._table_starts(table)
            if index >= len(starts):
                return 0
            start = starts[index]
            end = starts[index + 1] if index + 1 < len(starts) else end
        if key is not None:
            # `key = ...`, a dotted `key.sub = ...`, or a sub-table header such as `[facts.key]`.
            name = r"\"?" + re.escape(key) + r"\"?"
            key_re = re.compile(rf"^\s*(?:{name}\s*[=.]|\[\[?\s*(?:[\w\"-]+\s*\.\s*)*{name}\s*\]\]?)")
            for n in range(start, end):
                if key_re.match(self.lines[n]):
                    return n + 1
        return start + 1


@dataclass
class _Checker:
    file: Path
    locator: _Locator
    problems: list[PackProblem] = field(default_factory=list)

    def report(self, message: str, table: str | None = None, index: int | None = None, key: str | None = None) -> None:
        path = ""
        if table is not None:
            path = f"{table}[{index}]" if index is not None else table
        if key is not None:
            path = f"{path}.{key}" if path else key
        self.problems.append(PackProblem(self.file, self.locator.line_of(table, index, key), path, message))

    def string(
        self, data: dict[str, Any], key: str, table: str | None, index: int | None, required: bool = True
    ) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.report(f"missing required field '{key}'", table, index, None)
            return ""
        if not isinstance(value, str) or not value.strip():
            self.report(f"'{key}' must be a non-empty string", table, index, key)
            return ""
        return value.strip()

    def strings(
        self, data: dict[str, Any], key: str, table: str | None, index: int | None, required: bool = False
    ) -> tuple[str, ...]:
        value = data.get(key)
        if value is None:
            if required:
                self.report(f"missing required field '{key}'", table, index, None)
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.report(f"'{key}' must be a list of non-empty strings", table, index, key)
            return ()
        if required and not value:
            self.report(f"'{key}' must not be empty", table, index, key)
        return tuple(v.strip() for v in value)

    def date(self, data: dict[str, Any], key: str, table: str | None, index: int | None, required: bool) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.report(f"missing required field '{key}'", table, index, None)
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        self.report(f"bad date {value!r}: write it as YYYY-MM-DD", table, index, key)
        return None

    def known_keys(self, data: dict[str, Any], allowed: Iterable[str], table: str | None, index: int | None) -> None:
        allowed = set(allowed)
        for key in data:
            if key not in allowed:
                self.report(f"unknown field '{key}' (allowed: {', '.join(sorted(allowed))})", table, index, key)

    def ids(self, items: list[Any], table: str) -> list[tuple[int, dict[str, Any], str]]:
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                self.report("must be a table", table, i, None)
                continue
            ident = self.string(item, "id", table, i)
            if ident and ident in seen:
                self.report(f"duplicate id '{ident}' (first used by {table}[{seen[ident]}])", table, i, "id")
            elif ident:
                seen[ident] = i
            out.append((i, item, ident))
        return out


def _read_toml(path: Path, problems: list[PackProblem]) -> tuple[dict[str, Any], _Locator] | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(PackProblem(path, 0, "", f"cannot read: {exc.strerror}"))
        return None
    raw = raw.removeprefix(codecs.BOM_UTF8)  # Windows editors start UTF-8 files with one; TOML readers differ
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(PackProblem(path, line, "", "not UTF-8 text"))
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        problems.append(PackProblem(path, int(match.group(1)) if match else 0, "", f"invalid TOML: {message}"))
        return None
    return data, _Locator(text.splitlines())


def _table_list(checker: _Checker, data: dict[str, Any], name: str) -> list[Any]:
    checker.known_keys(data, [name], None, None)
    items = data.get(name, [])
    if not isinstance(items, list):
        checker.report(f"'{name}' must be an array of tables: write each entry under [[{name}]]", None, None, name)
        return []
    return items


def _check_supersedes_cycles(
    c: _Checker, entries: list[tuple[int, dict[str, Any], str]], facts: list[FactEntry]
) -> None:
    """Report each supersedes cycle once, at its first fact in the file: in a cycle no fact would be current."""
    edges = {f.id: [old for old in f.supersedes if old != f.id] for f in facts}
    index = {ident: i for i, _, ident in entries if ident}
    done: set[str] = set()
    for start in edges:
        if start in done:
            continue
        path = [start]  # depth-first, with an explicit stack: a long chain must not hit the recursion limit
        on_path = {start: 0}
        stack = [iter(edges[start])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                node = path.pop()
                del on_path[node]
                done.add(node)
            elif child in on_path:
                cycle = path[on_path[child] :]
                turn = min(range(len(cycle)), key=lambda n: index[cycle[n]])
                loop = [*cycle[turn:], *cycle[:turn], cycle[turn]]
                where = index[cycle[turn]]
                c.report(
                    f"supersedes cycle: {' -> '.join(loop)} (no fact would be current)", "facts", where, "supersedes"
                )
            elif child in edges and child not in done:
                on_path[child] = len(path)
                path.append(child)
                stack.append(iter(edges[child]))


def load_pack(directory: Path) -> tuple[Pack | None, list[PackProblem]]:
    """Read one pack folder; returns the pack (None if unusable) and every problem found."""
    problems: list[PackProblem] = []
    slug = directory.name
    show_file = directory / "show.toml"
    if not SLUG_RE.match(slug):
        problems.append(PackProblem(directory, 0, "", "folder name must be a slug: lowercase letters, digits and '-'"))
    if not show_file.is_file():
        problems.append(PackProblem(show_file, 0, "", "missing: every pack needs a show.toml with a title"))
        return None, problems
    for extra in sorted(directory.glob("*.toml")):
        if extra.name not in PACK_FILES:
            problems.append(PackProblem(extra, 0, "", f"unexpected file (a pack holds {', '.join(PACK_FILES)})"))

    title: str = ""
    aliases: tuple[str, ...] = ()
    other_shows: tuple[str, ...] = ()
    read = _read_toml(show_file, problems)
    if read:
        data, loc = read
        c = _Checker(show_file, loc, problems)
        c.known_keys(data, ["title", "aliases", "other_shows"], None, None)
        title = c.string(data, "title", None, None)
        aliases = c.strings(data, "aliases", None, None)
        other_shows = c.strings(data, "other_shows", None, None)

    sources: list[SourceEntry] = []
    source_has_url: dict[str, bool] = {}
    path = directory / "sources.toml"
    if path.is_file() and (read := _read_toml(path, problems)):
        data, loc = read
        c = _Checker(path, loc, problems)
        for i, item, ident in c.ids(_table_list(c, data, "sources"), "sources"):
            c.known_keys(item, ["id", "title", "outlet", "url", "published", "reliability", "note"], "sources", i)
            url = c.string(item, "url", "sources", i, required=False) or None
            if url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
                c.report(
                    f"url must start with http:// or https:// and contain no spaces, got {url!r}", "sources", i, "url"
                )
                url = None
            reliability = item.get("reliability", "medium")
            if not isinstance(reliability, str) or reliability not in RELIABILITY:
                c.report(
                    f"reliability must be one of {', '.join(RELIABILITY)}, got {reliability!r}",
                    "sources",
                    i,
                    "reliability",
                )
                reliability = "medium"
            entry = SourceEntry(
                id=ident,
                title=c.string(item, "title", "sources", i),
                outlet=c.string(item, "outlet", "sources", i),
                url=url,
                published=c.date(item, "published", "sources", i, required=False),
                reliability=reliability,
            )
            if ident:
                source_has_url[ident] = url is not None
                sources.append(entry)

    def check_refs(c: _Checker, refs: tuple[str, ...], table: str, i: int, key: str = "sources") -> None:
        for ref in refs:
            if ref not in source_has_url:
                c.report(f"unknown source id '{ref}' (not in sources.toml)", table, i, key)

    facts: list[FactEntry] = []
    names = [n for n in (normalize(x) for x in (title, slug.replace("-", " "), *aliases)) if n]
    own_names = alias_pattern(names or [slug])
    path = directory / "facts.toml"
    if path.is_file() and (read := _read_toml(path, problems)):
        data, loc = read
        c = _Checker(path, loc, problems)
        entries = c.ids(_table_list(c, data, "facts"), "facts")
        fact_ids = {ident for _, _, ident in entries if ident}
        for i, item, ident in entries:
            c.known_keys(
                item,
                ["id", "topic", "questions", "answer", "as_of", "sources", "spoiler", "declines", "supersedes"],
                "facts",
                i,
            )
            refs = c.strings(item, "sources", "facts", i, required=True)
            check_refs(c, refs, "facts", i)
            if refs and all(r in source_has_url for r in refs) and not any(source_has_url[r] for r in refs):
                c.report("cite at least one source that has a url", "facts", i, "sources")
            supersedes = c.strings(item, "supersedes", "facts", i)
            for old in supersedes:
                if old == ident:
                    c.report("a fact cannot supersede itself", "facts", i, "supersedes")
                elif old not in fact_ids:
                    c.report(f"unknown fact id '{old}'", "facts", i, "supersedes")
            spoiler, declines = item.get("spoiler", False), item.get("declines", False)
            if not isinstance(spoiler, bool):
                c.report("spoiler must be true or false", "facts", i, "spoiler")
                spoiler = False
            if not isinstance(declines, bool):
                c.report("declines must be true or false", "facts", i, "declines")
                declines = False
            topic = item.get("topic", ident)
            if not isinstance(topic, str) or not topic.strip():
                c.report("'topic' must be a non-empty string", "facts", i, "topic")
                topic = ident
            questions = c.strings(item, "questions", "facts", i, required=True)
            norms = tuple(normalize(q) for q in questions)
            for question, norm in zip(questions, norms, strict=True):
                if not norm:
                    c.report(
                        f"{question!r} has no words to match (emoji and punctuation are ignored)",
                        "facts",
                        i,
                        "questions",
                    )
                elif not strip_exact_mentions(norm, own_names):
                    c.report(
                        f"{question!r} is only the show's name, which is removed before matching: "
                        "write what fans would ask about it",
                        "facts",
                        i,
                        "questions",
                    )
            fact = FactEntry(
                id=ident,
                topic=topic.strip(),
                questions=questions,
                answer=c.string(item, "answer", "facts", i),
                as_of=c.date(item, "as_of", "facts", i, required=True) or "",
                sources=refs,
                spoiler=spoiler,
                supersedes=supersedes,
                declines=declines,
            )
            vars(fact)["norms"] = norms  # what the cached property would compute: already done above
            if ident:
                facts.append(fact)
        _check_supersedes_cycles(c, entries, facts)
        taught = _taught_questions(directory / TAUGHT_FILE, fact_ids, problems)
        facts = [replace(f, questions=f.questions + taught[f.id]) if f.id in taught else f for f in facts]

    people: list[PersonEntry] = []
    path = directory / "people.toml"
    if path.is_file() and (read := _read_toml(path, problems)):
        data, loc = read
        c = _Checker(path, loc, problems)
        for i, item, ident in c.ids(_table_list(c, data, "people"), "people"):
            c.known_keys(
                item,
                [
                    "id",
                    "actor",
                    "character",
                    "actor_aliases",
                    "character_aliases",
                    "description",
                    "role",
                    "sources",
                    "known_for",
                    "known_for_sources",
                ],
                "people",
                i,
            )
            role = item.get("role", "main")
            if not isinstance(role, str) or role not in ROLES:
                c.report(f"role must be one of {', '.join(ROLES)}, got {role!r}", "people", i, "role")
                role = "main"
            refs = c.strings(item, "sources", "people", i, required=True)
            check_refs(c, refs, "people", i)
            known_for = c.strings(item, "known_for", "people", i)
            known_for_refs = c.strings(item, "known_for_sources", "people", i)
            check_refs(c, known_for_refs, "people", i, "known_for_sources")
            if known_for_refs and not known_for:
                c.report("known_for_sources without known_for", "people", i, "known_for_sources")
            person = PersonEntry(
                id=ident,
                actor=c.string(item, "actor", "people", i),
                character=c.string(item, "character", "people", i),
                actor_aliases=c.strings(item, "actor_aliases", "people", i),
                character_aliases=c.strings(item, "character_aliases", "people", i),
                description=c.string(item, "description", "people", i, required=False),
                role=role,
                sources=refs,
                known_for=known_for,
                known_for_sources=known_for_refs,
            )
            if ident:
                people.append(person)

    if problems:
        return None, problems
    pack = Pack(slug, title, aliases, directory, tuple(sources), tuple(facts), tuple(people), other_shows)
    return pack, problems


def _taught_questions(path: Path, fact_ids: set[str], problems: list[PackProblem]) -> dict[str, tuple[str, ...]]:
    """fact id -> the extra phrasings `taught.toml` gives it."""
    taught: dict[str, tuple[str, ...]] = {}
    if not path.is_file() or not (read := _read_toml(path, problems)):
        return taught
    data, loc = read
    c = _Checker(path, loc, problems)
    for i, item in enumerate(_table_list(c, data, "taught")):
        if not isinstance(item, dict):
            c.report("each entry must be a table with question and fact", "taught", i)
            continue
        c.known_keys(item, ["question", "fact", "taught"], "taught", i)
        question, fact = c.string(item, "question", "taught", i), c.string(item, "fact", "taught", i)
        if fact and fact not in fact_ids:
            c.report(f"unknown fact id '{fact}' (not in facts.toml)", "taught", i, "fact")
        elif question and fact:
            taught[fact] = (*taught.get(fact, ()), question)
    return taught


def pack_dirs(knowledge_dir: Path) -> list[Path]:
    return sorted(p for p in knowledge_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def _load_each(directories: list[Path]) -> Iterable[tuple[Pack | None, list[PackProblem]]]:
    return map(load_pack, directories)


def load_packs(
    knowledge_dir: Path, load_all: Callable[[list[Path]], Iterable[tuple[Pack | None, list[PackProblem]]]] | None = None
) -> list[Pack]:
    """Every valid pack under `knowledge_dir`, or a PackError listing all problems in all packs.

    `load_all` maps `load_pack` over the pack folders, in order (the build runs it on worker processes);
    by default they are read here, one after another.
    """
    if not knowledge_dir.is_dir():
        raise PackError(
            [
                PackProblem(
                    knowledge_dir, 0, "", "knowledge folder not found (set SHOWBOT_KNOWLEDGE or pass --knowledge)"
                )
            ]
        )
    packs, problems = [], []
    for pack, found in (load_all or _load_each)(pack_dirs(knowledge_dir)):
        problems.extend(found)
        if pack:
            packs.append(pack)
    if not packs and not problems:
        problems.append(PackProblem(knowledge_dir, 0, "", "no packs found: add a folder with a show.toml"))
    if problems:
        raise PackError(problems)
    return packs
