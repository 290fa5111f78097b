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
import subprocess
import sys
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

from bot.models import Answer, Status
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


# ------------------------------------------------------------------------- merging the logs of several nodes

MERGE_SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "merge_question_logs.py"


def answer(status: Status, text: str = "") -> Answer:
    return Answer(status=status, text=text or "I don't know that one.", show="etoile")


def snapshot(live: Path, copy: Path, how: str) -> None:
    """What docs/scaling.md says to ship from a running node: an online backup or VACUUM INTO."""
    with sqlite3.connect(live) as source:
        if how == "backup":
            with sqlite3.connect(copy) as target:
                source.backup(target)
            target.close()
        else:
            source.execute("vacuum into ?", [str(copy)])
    source.close()


def run_merge(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MERGE_SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=60
    )


def test_node_logs_merge_into_one_report(tmp_path: Path) -> None:
    fan = Where("discord", "g1", "c1", "fan-1")
    nodes = [QuestionLog(tmp_path / f"node{n}" / "showbot-log.db", salt=SALT) for n in (1, 2)]
    lonely = QuestionLog(tmp_path / "node3" / "showbot-log.db")  # no SHOWBOT_USER_SALT: a random one
    first = nodes[0].record("is there a season 3", fan, answer("unknown"))
    nodes[0].record("who plays cheyenne", fan, answer("answered", "Lou de Laâge."))
    second = nodes[1].record("is there a season 3", fan, answer("unknown"))
    nodes[1].record("who is the director", fan, answer("clarify", "Did you mean ...?"))
    lonely.record("is there a season 3", fan, answer("unknown"))
    assert first is not None and second is not None
    nodes[0].vote(first, "fan-9", helpful=True)
    nodes[1].vote(second, "fan-9", helpful=False)
    copies = []
    for n, (log, how) in enumerate(zip([*nodes, lonely], ["backup", "vacuum", "backup"], strict=True), 1):
        copies.append(tmp_path / f"copy{n}.db")
        snapshot(log.path, copies[-1], how)  # taken while the nodes' logs are still open
    for log in [*nodes, lonely]:
        log.close()

    merged = tmp_path / "report" / "merged.db"
    merged.parent.mkdir()
    for _ in range(2):  # running it again rebuilds the report: nothing is counted twice
        result = run_merge(merged, *copies)
        assert result.returncode == 0, result.stderr
        assert "merged 5 questions and 2 votes from 3 log(s)" in result.stdout
        assert "copy3.db hashes users with its own random salt" in result.stderr
        assert "copy1.db" not in result.stderr and "copy2.db" not in result.stderr

    report = QuestionLog(merged, salt=SALT)
    stats = report.stats()
    assert (stats.answered, stats.clarify, stats.unknown) == (1, 1, 3)
    assert (stats.helpful, stats.not_helpful) == (1, 1)
    top = report.unanswered()[0]
    assert (top.question, top.asked, top.unknown, top.downvoted) == ("is there a season 3", 3, 3, 1)
    with sqlite3.connect(merged) as conn:
        voted = conn.execute(
            "select q.platform, q.question, v.helpful from votes v join questions q on q.id = v.question_id"
            " order by v.helpful"
        ).fetchall()
        hashes = conn.execute("select count(distinct user_hash) from questions").fetchone()[0]
    conn.close()
    report.close()
    assert voted == [("discord", "is there a season 3", 0), ("discord", "is there a season 3", 1)]
    assert hashes == 2, "one user: the same hash on the nodes sharing a salt, another on the lonely node"
    assert sorted(p.name for p in merged.parent.iterdir()) == ["merged.db"]


def test_a_failed_merge_leaves_the_old_report(tmp_path: Path) -> None:
    merged = tmp_path / "merged.db"
    merged.write_bytes(b"the previous report")
    result = run_merge(merged, tmp_path / "missing.db")
    assert result.returncode == 1
    assert "missing.db" in result.stderr and "Traceback" not in result.stderr
    assert merged.read_bytes() == b"the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_home", "merged.db"]
