"""Importing an FAQ sheet (CSV) exported from another FAQ bot as a show in the fact base.

Columns: `question` and `answer` (required), `id` (rows sharing an id are phrasings of one entry;
without it, rows with the same answer are grouped), `source_url`, `source_title`, `published`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bot.packs import SLUG_RE, FactEntry, Pack, SourceEntry
from bot.store import SCHEMA_VERSION, StoreError, read_meta, read_only_uri


class SheetError(ValueError):
    """The sheet cannot be imported; the message names the file and line."""


@dataclass(frozen=True)
class ImportReport:
    show: str
    entries: int
    phrasings: int
    sources: int


@dataclass
class _Entry:
    key: str
    answer: str
    questions: list[str]
    source_url: str | None
    source_title: str | None
    published: str | None


def read_sheet(path: Path, slug: str, title: str | None) -> Pack:
    if not SLUG_RE.match(slug):
        raise SheetError(f"--show {slug!r}: use lowercase letters, digits and '-'")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise SheetError(f"{path}: cannot read ({exc.strerror})") from None
    entries: dict[str, _Entry] = {}
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = [h.strip().lower() for h in reader.fieldnames or []]
        except UnicodeDecodeError:
            raise SheetError(f"{path}:1: not UTF-8 text") from None
        missing = {"question", "answer"} - set(header)
        if missing:
            raise SheetError(
                f"{path}:1: header must have columns question and answer (missing: {', '.join(sorted(missing))})"
            )
        reader.fieldnames = header
        try:
            for row in reader:
                line = reader.line_num
                _add_row(entries, {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}, path, line)
        except UnicodeDecodeError:
            raise SheetError(f"{path}:{reader.line_num + 1}: not UTF-8 text") from None
        except csv.Error as exc:
            raise SheetError(f"{path}:{reader.line_num}: {exc}") from None
    if not entries:
        raise SheetError(f"{path}: no rows with a question and an answer")
    return _to_pack(entries, slug, title or slug, path)


def _add_row(entries: dict[str, _Entry], row: dict[str, str], path: Path, line: int) -> None:
    question, answer = row.get("question", ""), row.get("answer", "")
    if not question and not answer:
        return
    if not question or (not answer and not row.get("id")):
        raise SheetError(f"{path}:{line}: a row needs both a question and an answer")
    url = row.get("source_url") or None
    if url and urlparse(url).scheme not in ("http", "https"):
        raise SheetError(f"{path}:{line}: source_url must be an http(s) URL, got {url!r}")
    published = row.get("published") or None
    if published:
        try:
            published = dt.date.fromisoformat(published).isoformat()
        except ValueError:
            raise SheetError(f"{path}:{line}: bad date {published!r} in published: write YYYY-MM-DD") from None
    key = row.get("id") or " ".join(answer.split())
    entry = entries.get(key)
    if entry is None:
        if not answer:
            raise SheetError(f"{path}:{line}: the first row of entry {key!r} needs an answer")
        entries[key] = _Entry(key, answer, [question], url, row.get("source_title") or None, published)
    else:
        entry.questions.append(question)
        entry.source_url = entry.source_url or url
        entry.source_title = entry.source_title or row.get("source_title") or None
        entry.published = entry.published or published


def _fact_id(key: str, n: int, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")[:40] or f"faq-{n}"
    ident, k = base, 2
    while ident in used:
        ident, k = f"{base}-{k}", k + 1
    used.add(ident)
    return ident


def _to_pack(entries: dict[str, _Entry], slug: str, title: str, path: Path) -> Pack:
    today = dt.date.today().isoformat()
    sources: dict[str, SourceEntry] = {}
    facts = []
    used: set[str] = set()
    for n, e in enumerate(entries.values(), 1):
        refs: tuple[str, ...] = ()
        if e.source_url:
            if e.source_url not in sources:
                host = urlparse(e.source_url).netloc
                sources[e.source_url] = SourceEntry(
                    id=f"src-{len(sources) + 1}",
                    title=e.source_title or host,
                    outlet=host,
                    url=e.source_url,
                    published=e.published,
                )
            refs = (sources[e.source_url].id,)
        ident = _fact_id(e.key, n, used)
        facts.append(
            FactEntry(
                id=ident,
                topic=ident,
                questions=tuple(dict.fromkeys(e.questions)),
                answer=e.answer,
                as_of=e.published or today,
                sources=refs,
            )
        )
    return Pack(slug, title, (), path, tuple(sources.values()), tuple(facts), ())


def existing_title(db_path: Path, slug: str) -> str | None:
    if not db_path.exists():
        return None
    try:
        with sqlite3.connect(read_only_uri(db_path), uri=True) as conn:
            row = conn.execute("select title from shows where slug = ?", [slug]).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _check_fact_base(db_path: Path) -> None:
    """An import adds to a fact base this version wrote: an older one must be rebuilt first, which keeps
    the shows imported into it (`bot.build`); a file that is not a fact base is left alone."""
    if not db_path.is_file() or db_path.stat().st_size == 0:
        return
    try:
        meta = read_meta(db_path)
    except sqlite3.Error as exc:
        raise StoreError(f"{db_path} is not a showbot fact base ({exc}): choose another --db") from None
    if meta is not None and meta.get("schema_version") != str(SCHEMA_VERSION):
        raise StoreError(
            f"{db_path} was built by another showbot version: run `showbot build` first (it keeps imported shows)"
        )


def import_faq(csv_path: Path, slug: str, title: str | None, db_path: Path) -> ImportReport:
    """Replace (or create) show `slug` in `db_path` with the sheet's entries, atomically."""
    from bot.build import atomic_database, replace_show

    _check_fact_base(db_path)
    pack = read_sheet(csv_path, slug, title or existing_title(db_path, slug))
    with atomic_database(db_path, copy_existing=True) as db:
        replace_show(db, pack, "import")
    return ImportReport(slug, len(pack.facts), sum(len(f.questions) for f in pack.facts), len(pack.sources))
