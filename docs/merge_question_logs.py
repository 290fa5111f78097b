"""Merge the question logs of several nodes into one file, for reports over the whole installation.

Usage (with the Python that has showbot installed):

    python docs/merge_question_logs.py merged-log.db node1-log.db node2-log.db ...
    SHOWBOT_LOG_DB=merged-log.db showbot stats --since 7d
    SHOWBOT_LOG_DB=merged-log.db showbot unanswered --since 7d

Each input is a copy of a node's question log, taken while the bot runs with
`sqlite3 showbot-log.db ".backup node1-log.db"` (or `VACUUM INTO`); the script only reads them. The output
is rebuilt from scratch on every run (written beside it and renamed into place), so running it again
never counts a question twice. Question ids are renumbered (every node counts from 1) and votes follow
their question. A user has the same hash on every node only if every node has the same
SHOWBOT_USER_SALT; a node without one hashes with a random salt of its own, and the script says so.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

from bot.questionlog import SCHEMA
from bot.store import read_only_uri

QUESTION_COLUMNS = "at, platform, workspace, channel, user_hash, question, norm, show, fact_id, confidence, status"


def merge(output: Path, inputs: list[Path]) -> tuple[int, int, list[str]]:
    """Write `output` from `inputs`; returns (questions, votes, warnings)."""
    warnings = []
    tmp = output.with_name(f".{output.name}.merging")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, uri=True, isolation_level=None)
    try:
        conn.executescript(SCHEMA)
        for path in inputs:
            if not path.is_file():
                raise FileNotFoundError(f"{path}: no such question log")
            conn.execute("attach database ? as node", [read_only_uri(path)])
            conn.execute("begin")
            offset = conn.execute("select coalesce(max(id), 0) from main.questions").fetchone()[0]
            conn.execute(
                f"insert into main.questions (id, {QUESTION_COLUMNS})"
                f" select id + ?, {QUESTION_COLUMNS} from node.questions order by id",
                [offset],
            )
            conn.execute(
                "insert or ignore into main.votes (question_id, user_hash, helpful, at)"
                " select question_id + ?, user_hash, helpful, at from node.votes",
                [offset],
            )
            # The newest choice of a channel's default show wins (nodes may share channels).
            conn.execute(
                "insert into main.channel_shows (platform, workspace, channel, show, at)"
                " select platform, workspace, channel, show, at from node.channel_shows where true"
                " on conflict (platform, workspace, channel) do update set show = excluded.show, at = excluded.at"
                " where excluded.at > channel_shows.at"
            )
            if conn.execute("select 1 from node.meta where key = 'salt'").fetchone():
                warnings.append(
                    f"{path} hashes users with its own random salt (SHOWBOT_USER_SALT was not set on that node):"
                    " its users are counted apart from other nodes' users"
                )
            conn.execute("commit")
            conn.execute("detach database node")
        questions, votes = conn.execute(
            "select (select count(*) from questions), (select count(*) from votes)"
        ).fetchone()
    except BaseException:
        conn.close()
        tmp.unlink(missing_ok=True)  # a failed merge leaves nothing behind, and the old output as it was
        raise
    conn.close()
    os.replace(tmp, output)
    return questions, votes, warnings


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    output, *inputs = (Path(a) for a in argv)
    if output in inputs:
        print("the output must not be one of the inputs", file=sys.stderr)
        return 2
    try:
        questions, votes, warnings = merge(output, inputs)
    except (OSError, sqlite3.Error) as exc:
        print(f"merge failed, {output} unchanged: {exc}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"merged {questions} questions and {votes} votes from {len(inputs)} log(s) into {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
