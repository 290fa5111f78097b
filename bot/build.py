"""Compiling packs into the SQLite fact base.

Every write goes to a temporary file beside the database and is renamed into place only once it is
complete, so a failed or interrupted build or import never damages the database the bot is serving.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import json
import os
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from bot.entities import ACTOR_SLOT, CHARACTER_SLOT, TEMPLATES, NameMatcher, person_names
from bot.intent import ARRAY_COLUMNS, MODEL_COLUMNS, TEXT_COLUMNS, IntentModel
from bot.packs import RELIABILITY, FactEntry, Pack, SourceEntry, load_pack, load_packs, pack_dirs
from bot.shows import alias_pattern, refers_to_a_show, strip_exact_mentions
from bot.store import SCHEMA_VERSION, read_only_uri, records_text
from bot.text import normalize

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PACKS_PER_WORKER = 8  # below this many packs per core, starting worker processes costs more than it saves
SHOW_TABLES = ("show_aliases", "sources", "facts", "phrasings", "people", "packs")


@dataclass(frozen=True)
class BuildReport:
    db_path: Path
    shows: int
    facts: int
    phrasings: int
    people: int
    kept_imports: tuple[str, ...]
    seconds: float


def resolve_topics(facts: tuple[FactEntry, ...], sources: dict[str, SourceEntry]) -> dict[str, tuple[str, list[str]]]:
    """For each fact: the id of the fact that answers its topic now, and (for that one) its history.

    Within a topic, facts no other fact supersedes are candidates; a fact backed by a reliable
    source beats one backed only by low-reliability sources, then the newest `as_of` wins.
    """
    superseded = {old for f in facts for old in f.supersedes}
    by_topic: dict[str, list[FactEntry]] = {}
    for f in facts:
        by_topic.setdefault(f.topic, []).append(f)

    def strength(f: FactEntry) -> tuple[int, str]:
        reliability = max((RELIABILITY[sources[s].reliability] for s in f.sources if s in sources), default=0)
        return (1 if reliability > 0 else 0, f.as_of)

    out: dict[str, tuple[str, list[str]]] = {}
    for group in by_topic.values():
        candidates = [f for f in group if f.id not in superseded] or group
        winner = max(candidates, key=strength)
        history = sorted((f for f in group if f.id != winner.id), key=lambda f: f.as_of, reverse=True)
        for f in group:
            out[f.id] = (winner.id, [h.id for h in history] if f.id == winner.id else [])
    # Facts superseded across topics still point at their replacement.
    for f in facts:
        for old in f.supersedes:
            current = out[f.id][0]
            if out[old][0] == old and old != current:
                out[old] = (current, out[old][1])
                if old not in out[current][1]:
                    out[current][1].append(old)
    return out


def fit_model(pack: Pack) -> IntentModel:
    from bot.train import fit  # numpy is a build-time dependency only

    aliases = show_alias_norms(pack)
    own_names = alias_pattern(aliases)
    names = NameMatcher.from_names(person_names(pack.people))
    # A topic's older facts are answered by its current one, so their phrasings train its class too.
    current = {fact: topic[0] for fact, topic in resolve_topics(pack.facts, {s.id: s for s in pack.sources}).items()}
    examples = [
        (
            " ".join(names.fill_slots(strip_exact_mentions(n, own_names).split(), fuzzy=False)[0]),
            current[f.id],
        )
        for f in pack.facts
        for n in f.norms
    ]
    if pack.people:
        examples += [(text, intent) for intent, texts in TEMPLATES.items() for text in texts]
    known: set[str] = set()
    for f in pack.facts:
        known.update(normalize(f.answer).split())
    for p in pack.people:
        known.update(normalize(f"{p.actor} {p.character} {p.description}").split())
    for a in aliases:
        known.update(a.split())
    model = fit([(t, i) for t, i in examples if t], other_words=known - {ACTOR_SLOT, CHARACTER_SLOT})
    norms = [n for f in pack.facts for n in f.norms]
    pointing = sum(bool(own_names.search(n)) or refers_to_a_show(n.split()) for n in norms)
    return replace(model, points_at_show=round(pointing / len(norms), 4) if norms else 0.0)


def show_alias_norms(pack: Pack) -> list[str]:
    return [
        a for a in dict.fromkeys(normalize(x) for x in (pack.title, pack.slug.replace("-", " "), *pack.aliases)) if a
    ]


def _distinctive_questions(facts: tuple[FactEntry, ...]) -> dict[str, str]:
    """Each fact's first phrasing that no other fact uses: what a "did you mean" list should show."""
    users: dict[str, set[str]] = {}
    for f in facts:
        for n in f.norms:
            users.setdefault(n, set()).add(f.id)
    return {
        f.id: next((q for q, n in zip(f.questions, f.norms, strict=True) if len(users[n]) == 1), f.questions[0])
        for f in facts
    }


def model_data(pack: Pack) -> tuple[object, ...]:
    """The pack's fitted intent model, serialised for the `packs` table (`IntentModel.to_row`)."""
    return fit_model(pack).to_row()


def _insert(
    db: sqlite_utils.Database, table: str, columns: tuple[str, ...], rows: Iterable[tuple[object, ...]]
) -> None:
    """Plain `executemany` into columns `_create_schema` made (sqlite-utils' insert_all costs more than the write)."""
    names = ", ".join(f"[{c}]" for c in columns)
    db.conn.executemany(f"insert into [{table}] ({names}) values ({', '.join('?' * len(columns))})", rows)


def write_pack(db: sqlite_utils.Database, pack: Pack, origin: str, model_row: tuple[object, ...] | None = None) -> None:
    """Insert one show's rows (the show must not be in `db` yet)."""
    slug = pack.slug
    sources = {s.id: s for s in pack.sources}
    topics = resolve_topics(pack.facts, sources)
    suggestions = _distinctive_questions(pack.facts)
    _insert(
        db,
        "shows",
        ("slug", "title", "origin", "path", "facts"),
        [(slug, pack.title, origin, str(pack.path), len(pack.facts))],
    )
    _insert(db, "show_aliases", ("show", "norm"), ((slug, a) for a in show_alias_norms(pack)))
    _insert(
        db,
        "sources",
        ("show", "id", "title", "outlet", "url", "published", "reliability"),
        ((slug, s.id, s.title, s.outlet, s.url, s.published, s.reliability) for s in pack.sources),
    )

    def cited(ids: tuple[str, ...]) -> list[list[str | None]]:
        return [[s.title, s.url, s.outlet, s.published] for s in (sources.get(i) for i in ids) if s]

    facts = [
        (f.id, f.topic, f.answer, f.as_of, int(f.spoiler), *topics[f.id], suggestions[f.id], f.sources, int(f.declines))
        for f in pack.facts
    ]
    _insert(
        db,
        "facts",
        ("show", "id", "topic", "answer", "as_of", "spoiler", "current", "history", "question", "sources", "declines"),
        ((slug, *f[:6], json.dumps(f[6]), f[7], json.dumps(f[8]), f[9]) for f in facts),
    )
    _insert(db, "phrasings", ("show", "fact", "text"), ((slug, f.id, q) for f in pack.facts for q in f.questions))
    _insert(
        db,
        "people",
        ("show", "id", "actor", "character", "description", "role", "sources", "known_for", "known_for_sources"),
        (
            (
                slug,
                p.id,
                p.actor,
                p.character,
                p.description,
                p.role,
                json.dumps(p.sources),
                json.dumps(p.known_for),
                json.dumps(p.known_for_sources),
            )
            for p in pack.people
        ),
    )
    others = dict.fromkeys(n for n in (normalize(o) for o in pack.other_shows) if n)
    _insert(
        db,
        "packs",
        ("show", "names", "other_shows", "facts", "people", *MODEL_COLUMNS),
        [
            (
                slug,
                NameMatcher.from_names(person_names(pack.people)).to_text(),
                json.dumps(list(others), separators=(",", ":")),
                records_text((*f[:8], cited(f[8]), f[9]) for f in facts),
                records_text(
                    (
                        p.id,
                        p.actor,
                        p.character,
                        p.description,
                        p.role,
                        cited(p.sources),
                        p.known_for,
                        cited(p.known_for_sources),
                    )
                    for p in pack.people
                ),
                *(model_row if model_row is not None else model_data(pack)),
            )
        ],
    )


def _create_schema(db: sqlite_utils.Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")
    db.table("shows").create({"slug": str, "title": str, "origin": str, "path": str, "facts": int}, pk="slug")
    db.table("show_aliases").create({"show": str, "norm": str})
    db.table("sources").create(
        {"show": str, "id": str, "title": str, "outlet": str, "url": str, "published": str, "reliability": str},
        pk=("show", "id"),
    )
    db.table("facts").create(
        {
            "show": str,
            "id": str,
            "topic": str,
            "answer": str,
            "as_of": str,
            "spoiler": int,
            "current": str,
            "history": str,  # JSON list of fact ids
            "question": str,
            "sources": str,  # JSON list of source ids
            "declines": int,
        },
        pk=("show", "id"),
    )
    db.table("phrasings").create({"show": str, "fact": str, "text": str})
    db.table("people").create(
        {
            "show": str,
            "id": str,
            "actor": str,
            "character": str,
            "description": str,
            "role": str,
            "sources": str,  # JSON list of source ids
            "known_for": str,  # JSON list
            "known_for_sources": str,  # JSON list of source ids
        },
        pk=("show", "id"),
    )
    # One row per show: all a question about it reads (the names to spot, the other shows it mentions, its
    # facts and people with the sources they cite (`store.Records`), its intent model). The tables above
    # hold the same facts and people for curation tools and rebuilds.
    columns: dict[str, type] = {"show": str, "names": str, "other_shows": str, "facts": str, "people": str}
    columns["model"] = str
    columns |= dict.fromkeys(TEXT_COLUMNS, str) | dict.fromkeys(ARRAY_COLUMNS, bytes)
    db.table("packs").create(columns, pk="show")
    for table in SHOW_TABLES:
        if table != "packs":  # its primary key is the show already
            db.table(table).create_index(["show"])


def _finish(db: sqlite_utils.Database, extra_meta: dict[str, str]) -> None:
    meta = {"schema_version": str(SCHEMA_VERSION), "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    meta.update(extra_meta)
    db.table("meta").upsert_all(({"key": k, "value": v} for k, v in meta.items()), pk="key")


def _remove_abandoned_temporaries(db_path: Path) -> None:
    """Delete the temporary files of builds that were killed midway (kill -9, power loss).

    A build holds an exclusive flock on its temporary file until it ends, and the kernel drops the lock
    when the process (and any process it forked while holding it, which shares the lock) has exited, so a
    file we can lock that already holds data is abandoned. An empty one may belong to a build that has only
    just created it, so it stays (it costs nothing).
    """
    for path in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.tmp"):
        try:
            with path.open("rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.fstat(handle.fileno()).st_size:
                    path.unlink()
        except OSError:
            continue  # a running build holds it, or it is already gone


@contextmanager
def atomic_database(db_path: Path, copy_existing: bool = False) -> Iterator[sqlite_utils.Database]:
    """A database at a temporary path that replaces `db_path` only if the block completes."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temporaries(db_path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent)
    fcntl.flock(fd, fcntl.LOCK_EX)  # until this build ends: tells other builds the file is in use
    # mkstemp's 0600 would hide the new file from a bot running as another user: keep the old file's mode.
    os.fchmod(fd, stat.S_IMODE(db_path.stat().st_mode) if db_path.is_file() else 0o644)
    tmp = Path(tmp_name)
    try:
        if copy_existing and db_path.exists():
            with sqlite3.connect(db_path) as src, sqlite3.connect(tmp) as dst:
                src.backup(dst)
            src.close()
            dst.close()
        conn = sqlite3.connect(tmp)
        # A pack's row (~200 KB for 50 facts) is read whole on every load: in 64 KiB pages that is 4 pages
        # to follow instead of 50 (a load ~20 us faster). A copied file keeps the page size it had.
        conn.execute("pragma page_size = 65536")
        # Durability comes from the final rename, not from per-statement syncs of a file nobody reads yet.
        conn.execute("pragma synchronous = off")
        conn.execute("pragma journal_mode = memory")
        db = sqlite_utils.Database(conn)
        try:
            with conn:
                yield db
        finally:
            conn.close()
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, db_path)
    finally:
        tmp.unlink(missing_ok=True)
        os.close(fd)


def _imported_shows(db_path: Path, exclude: set[str]) -> list[Pack]:
    """The shows `showbot import-faq` added to the fact base at `db_path`, read back as packs so the new
    build fits them again: the same model as a fresh import, whichever showbot version wrote the file."""
    if not db_path.exists():
        return []
    try:
        with sqlite3.connect(read_only_uri(db_path), uri=True) as conn:
            shows = conn.execute("select slug, title, path from shows where origin = 'import' order by slug").fetchall()
            return [_read_import(conn, slug, title, path) for slug, title, path in shows if slug not in exclude]
    except sqlite3.Error:
        return []


def _read_import(conn: sqlite3.Connection, slug: str, title: str, path: str) -> Pack:
    q = conn.execute
    tables = {row[0] for row in q("select name from sqlite_master where type = 'table'")}
    cited: dict[str, tuple[str, ...]] = {}
    if "fact_sources" in tables:  # schema 4 and earlier
        for fact, source in q("select fact, source from fact_sources where show = ? order by fact, position", [slug]):
            cited[fact] = (*cited.get(fact, ()), source)
    else:
        rows = q("select id, sources from facts where show = ?", [slug])
        cited = {fact: tuple(json.loads(ids)) for fact, ids in rows}
    questions: dict[str, list[str]] = {}
    for fact, text in q("select fact, text from phrasings where show = ? order by rowid", [slug]):
        questions.setdefault(fact, []).append(text)
    facts = tuple(
        FactEntry(fid, topic, tuple(questions.get(fid, ())), answer, as_of, cited.get(fid, ()), bool(spoiler))
        for fid, topic, answer, as_of, spoiler in q(
            "select id, topic, answer, as_of, spoiler from facts where show = ? order by rowid", [slug]
        )
    )
    sources = tuple(
        SourceEntry(sid, stitle, outlet, url, published, reliability)
        for sid, stitle, url, outlet, published, reliability in q(
            "select id, title, url, outlet, published, reliability from sources where show = ? order by rowid", [slug]
        )
    )
    return Pack(slug, title, (), Path(path), sources, facts)


def build(knowledge_dir: Path, db_path: Path, progress: Callable[[str], None] | None = None) -> BuildReport:
    """Validate every pack, then compile them (plus shows imported earlier) into `db_path`."""
    started = time.perf_counter()
    with _worker_pool(knowledge_dir) as pool:
        # Raises PackError, listing every problem in folder order, before anything is written.
        packs = load_packs(knowledge_dir, None if pool is None else lambda dirs: pool.map(load_pack, dirs, chunksize=8))
        imported = _imported_shows(db_path, {p.slug for p in packs})
        keep = [p.slug for p in imported]
        with atomic_database(db_path) as db, closing(_fit_all([*packs, *imported], pool)) as models:
            _create_schema(db)
            for pack, model_row in zip([*packs, *imported], models, strict=True):
                if progress:
                    progress(pack.slug)
                write_pack(db, pack, "import" if pack.slug in keep else "pack", model_row)
            _finish(db, {"knowledge_dir": str(knowledge_dir.resolve())})
    return BuildReport(
        db_path=db_path,
        shows=len(packs) + len(keep),
        facts=sum(len(p.facts) for p in packs),
        phrasings=sum(len(f.questions) for p in packs for f in p.facts),
        people=sum(len(p.people) for p in packs),
        kept_imports=tuple(keep),
        seconds=time.perf_counter() - started,
    )


def _usable_cpus() -> int:
    """CPUs this process may run on (an affinity mask can allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@contextmanager
def _worker_pool(knowledge_dir: Path) -> Iterator[ProcessPoolExecutor | None]:
    """Processes to read and fit the packs on every core, when there are enough packs to pay for starting them."""
    count = len(pack_dirs(knowledge_dir)) if knowledge_dir.is_dir() else 0
    workers = min(_usable_cpus(), count // PACKS_PER_WORKER)
    if workers < 2:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        yield pool


def _fit_all(packs: list[Pack], pool: ProcessPoolExecutor | None) -> Generator[tuple[object, ...], None, None]:
    """Each pack's model, in order; fitted on the worker processes if there are any (the packs are independent)."""
    if pool is None:
        yield from map(model_data, packs)
    else:
        yield from pool.map(model_data, packs, chunksize=8)


def replace_show(db: sqlite_utils.Database, pack: Pack, origin: str) -> None:
    """Write `pack`, replacing any show with the same slug (used by import-faq)."""
    if db.table("shows").exists():
        for table in SHOW_TABLES:
            db.execute(f"delete from [{table}] where show = ?", [pack.slug])
        db.execute("delete from shows where slug = ?", [pack.slug])
    else:
        _create_schema(db)
    write_pack(db, pack, origin)
    _finish(db, {})
