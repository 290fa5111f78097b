"""8 processes asking 1,000 questions each, all logging to one question log: every row is there, none locked out.

This is what Slack HTTP mode with several workers, or Discord shards split over processes on one host, do
to the log. QuestionLog degrades to "not logged" on a write error rather than failing the answer, so the
test checks both that every `record` returned a row id and that no worker logged a warning.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import sqlite3
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from bot.questionlog import QuestionLog, Where
from bot.router import Router
from bot.service import Showbot
from bot.settings import LogSettings, Settings
from bot.store import FactBase

PROCESSES = 8
QUESTIONS = 1_000
SALT = "shared-salt-on-every-node"
ASKED = ("who plays cheyenne", "is there a season 2", "where can i watch it", "what's 2+2", "hello", "who plays")


def worker(n: int, db: str, log: str, barrier: Barrier) -> tuple[int, list[str], float]:
    """Ask QUESTIONS questions as one process; returns (rows logged, warnings, seconds spent)."""
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warnings.append(record.getMessage())

    logging.getLogger("bot").addHandler(Collect(logging.WARNING))
    settings = Settings(db_path=Path(db), log=LogSettings(path=Path(log)))
    bot = Showbot(settings, Router(FactBase(Path(db))), QuestionLog(Path(log), salt=SALT))
    where = Where("slack", "T1", f"C{n}", f"U{n}")
    barrier.wait()
    started = time.perf_counter()
    logged = sum(bot.ask(ASKED[i % len(ASKED)], where).question_id is not None for i in range(QUESTIONS))
    elapsed = time.perf_counter() - started
    bot.close()
    return logged, warnings, elapsed


def test_eight_processes_log_every_question(etoile_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "etoile.db"
    shutil.copyfile(etoile_db, db)
    log = tmp_path / "log" / "questions.db"
    QuestionLog(log, salt=SALT).close()  # created once, as the first process of a deployment would

    context = multiprocessing.get_context("spawn")  # no state forked from the test process
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        barrier = manager.Barrier(PROCESSES)
        started = time.perf_counter()
        results = pool.starmap(worker, [(n, str(db), str(log), barrier) for n in range(PROCESSES)])
        wall = time.perf_counter() - started

    assert [logged for logged, _, _ in results] == [QUESTIONS] * PROCESSES
    assert [w for _, warnings, _ in results for w in warnings] == []
    with sqlite3.connect(log) as conn:
        total, distinct = conn.execute("select count(*), count(distinct id) from questions").fetchone()
        per_channel = dict(conn.execute("select channel, count(*) from questions group by channel").fetchall())
        users = conn.execute("select count(distinct user_hash) from questions").fetchone()[0]
    conn.close()
    assert total == distinct == PROCESSES * QUESTIONS
    assert per_channel == {f"C{n}": QUESTIONS for n in range(PROCESSES)}
    assert users == PROCESSES
    print(f"\n{PROCESSES}x{QUESTIONS} logged questions: {total} rows in {wall:.1f}s wall ", end="")
    print(f"(asking, slowest process: {max(s for _, _, s in results):.1f}s)")
