"""The question log: every question asked, its outcome and the votes on it, in a writable SQLite file.

It lives apart from the fact base so the fact base stays read-only and can be swapped by a rebuild at
any time. Several processes may write it at once (WAL, busy timeout). Users are stored only as salted
hashes. It also keeps the per-channel default show moderators set, so that survives restarts.

A log that cannot be written (full disk, read-only file) degrades to "not logged" with one warning:
a fan's answer never fails because of it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.models import Answer
from bot.text import normalize

logger = logging.getLogger(__name__)

SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists questions (
    id integer primary key,
    at text not null,
    platform text not null,
    workspace text not null,
    channel text not null,
    user_hash text not null,
    question text not null,
    norm text not null,
    show text,
    fact_id text,
    confidence real not null,
    status text not null
);
create index if not exists questions_at on questions(at);
create index if not exists questions_norm on questions(norm);
create table if not exists votes (
    question_id integer not null,
    user_hash text not null,
    helpful integer not null,
    at text not null,
    primary key (question_id, user_hash)
);
create table if not exists channel_shows (
    platform text not null,
    workspace text not null,
    channel text not null,
    show text not null,
    at text not null,
    primary key (platform, workspace, channel)
);
"""
SHOW_CACHE_SECONDS = 5.0
MAX_LOGGED_CHARS = 2000  # a 100,000-character paste is logged as its first 2,000


@dataclass(frozen=True)
class Where:
    """Where a question was asked: platform ids, never names."""

    platform: str = "console"
    workspace: str = ""  # Discord guild / Slack team ("" for DMs and the console)
    channel: str = ""
    user: str = ""


@dataclass(frozen=True)
class Unanswered:
    question: str
    asked: int  # how many times (same normalised text)
    unknown: int
    clarify: int
    downvoted: int


@dataclass(frozen=True)
class Stats:
    answered: int
    clarify: int
    unknown: int
    helpful: int
    not_helpful: int
    top_unanswered: tuple[Unanswered, ...]

    @property
    def total(self) -> int:
        return self.answered + self.clarify + self.unknown


def _storable(text: str) -> str:
    """SQLite stores UTF-8: lone surrogates (from a platform's or a file's broken text) become U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class QuestionLog:
    def __init__(self, path: Path, *, enabled: bool = True, retention_days: int = 90, salt: str = "") -> None:
        self.path = path
        self.enabled = enabled
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._warned = False
        self._conn: sqlite3.Connection | None = None
        self._salt = salt
        # Channel default shows, read on every question: cached, and re-read after SHOW_CACHE_SECONDS so
        # a moderator's change in another worker process shows up soon. Also the store when degraded.
        self._shows: dict[tuple[str, str, str], tuple[str | None, float]] = {}
        try:
            self._conn = self._connect()
        except (sqlite3.Error, OSError) as exc:
            self._degrade(exc)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        conn.execute("pragma busy_timeout = 30000")
        conn.execute("pragma journal_mode = wal")
        conn.execute("pragma synchronous = normal")
        conn.executescript(SCHEMA)
        if not self._salt:
            conn.execute("insert or ignore into meta values ('salt', ?)", [secrets.token_hex(16)])
            self._salt = conn.execute("select value from meta where key = 'salt'").fetchone()[0]
        return conn

    def _degrade(self, exc: BaseException) -> None:
        if not self._warned:
            logger.warning("question log %s unavailable (%s): questions are answered but not logged", self.path, exc)
            self._warned = True

    def _write(self, sql: str, params: list[object]) -> int | None:
        if self._conn is None:
            return None
        try:
            with self._lock:
                return self._conn.execute(sql, params).lastrowid
        except sqlite3.Error as exc:
            self._degrade(exc)
            return None

    def _read(self, sql: str, params: list[object]) -> list[tuple[Any, ...]]:
        if self._conn is None:
            return []
        try:
            with self._lock:
                return self._conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self._degrade(exc)
            return []

    def user_hash(self, user: str) -> str:
        if not user:
            return ""
        return hashlib.blake2b(_storable(user).encode(), key=self._salt.encode()[:64], digest_size=12).hexdigest()

    def record(self, question: str, where: Where, answer: Answer) -> int | None:
        """The new row's id (for feedback buttons), or None when not logged."""
        if not self.enabled:
            return None
        text = _storable(question[:MAX_LOGGED_CHARS])
        return self._write(
            "insert into questions (at, platform, workspace, channel, user_hash, question, norm, show, fact_id,"
            " confidence, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                _now(),
                _storable(where.platform),
                _storable(where.workspace),
                _storable(where.channel),
                self.user_hash(where.user),
                text,
                normalize(text)[:MAX_LOGGED_CHARS],
                answer.show,
                answer.fact_id,
                round(answer.confidence, 4),
                answer.status,
            ],
        )

    def vote(self, question_id: int, user: str, helpful: bool) -> bool:
        """Record (or change) one user's vote on a logged answer; False when not recorded."""
        if not self.enabled:
            return False
        exists = self._read("select 1 from questions where id = ?", [question_id])
        if not exists:
            return False
        done = self._write(
            "insert into votes values (?, ?, ?, ?) on conflict (question_id, user_hash)"
            " do update set helpful = excluded.helpful, at = excluded.at",
            [question_id, self.user_hash(user), int(helpful), _now()],
        )
        return done is not None

    def set_channel_show(self, where: Where, show: str | None) -> None:
        key = (_storable(where.platform), _storable(where.workspace), _storable(where.channel))
        self._shows[key] = (show, float("inf") if self._conn is None else time.monotonic())
        if show is None:
            self._write("delete from channel_shows where platform = ? and workspace = ? and channel = ?", [*key])
        else:
            self._write("insert or replace into channel_shows values (?, ?, ?, ?, ?)", [*key, show, _now()])

    def channel_show(self, where: Where) -> str | None:
        key = (_storable(where.platform), _storable(where.workspace), _storable(where.channel))
        cached = self._shows.get(key)
        now = time.monotonic()
        if cached is not None and (self._conn is None or now - cached[1] < SHOW_CACHE_SECONDS):
            return cached[0]
        if self._conn is None:
            return None
        rows = self._read("select show from channel_shows where platform = ? and workspace = ? and channel = ?", [*key])
        show = str(rows[0][0]) if rows else None
        if len(self._shows) > 100_000:
            self._shows.clear()
        self._shows[key] = (show, now)
        return show

    @staticmethod
    def _scope(since: datetime | None, scope: Where | None) -> tuple[str, list[object]]:
        """SQL conditions on `q` for "since then, in this platform's workspace" (None: everywhere)."""
        params: list[object] = [since.astimezone(UTC).isoformat(timespec="seconds") if since else ""]
        sql = "q.at >= ?"
        if scope is not None:
            sql += " and q.platform = ? and q.workspace = ?"
            params += [_storable(scope.platform), _storable(scope.workspace)]
        return sql, params

    def unanswered(
        self, since: datetime | None = None, limit: int = 10, scope: Where | None = None
    ) -> list[Unanswered]:
        """Most frequent questions that got no answer, a "did you mean", or a thumbs down."""
        where, params = self._scope(since, scope)
        rows = self._read(
            f"""
            select min(q.question), count(*),
                   sum(q.status = 'unknown'), sum(q.status = 'clarify'),
                   sum(exists(select 1 from votes v where v.question_id = q.id and v.helpful = 0))
            from questions q
            where {where} and q.norm != '' and (q.status != 'answered'
                or exists(select 1 from votes v where v.question_id = q.id and v.helpful = 0))
            group by q.norm order by count(*) desc, max(q.at) desc limit ?
            """,
            [*params, limit],
        )
        return [Unanswered(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    def stats(self, since: datetime | None = None, scope: Where | None = None) -> Stats:
        """Outcome and vote counts; `scope` limits them to one Discord server or Slack workspace."""
        where, params = self._scope(since, scope)
        counts: dict[str, int] = dict(
            self._read(f"select status, count(*) from questions q where {where} group by status", params)
        )
        votes: dict[int, int] = dict(
            self._read(
                f"select v.helpful, count(*) from votes v join questions q on q.id = v.question_id"
                f" where {where} group by v.helpful",
                params,
            )
        )
        return Stats(
            answered=int(counts.get("answered", 0)),
            clarify=int(counts.get("clarify", 0)),
            unknown=int(counts.get("unknown", 0)),
            helpful=int(votes.get(1, 0)),
            not_helpful=int(votes.get(0, 0)),
            top_unanswered=tuple(self.unanswered(since, limit=5, scope=scope)),
        )

    def prune(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention period; returns how many questions went."""
        if not self.retention_days or self._conn is None:
            return 0
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=self.retention_days)).isoformat(timespec="seconds")
        try:
            with self._lock:
                gone = self._conn.execute("delete from questions where at < ?", [cutoff]).rowcount
                self._conn.execute("delete from votes where question_id not in (select id from questions)")
        except sqlite3.Error as exc:
            self._degrade(exc)
            return 0
        return gone

    def close(self) -> None:
        if self._conn is not None:
            with self._lock:
                self._conn.close()
            self._conn = None
