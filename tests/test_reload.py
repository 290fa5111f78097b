"""Hot reload: rebuilding the knowledge while the bot answers never fails a question or shows half a build."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from bot.build import build
from bot.questionlog import QuestionLog, Where
from bot.router import Router
from bot.service import Showbot
from bot.settings import BUNDLED_KNOWLEDGE, LogSettings, Settings
from bot.store import FactBase

QUESTIONS = ["is there a season 2?", "who plays cheyenne?", "where can I watch it?", "good morning", "who is jack"]
NEW_FACT = """
[[facts]]
id = "reload-marker"
questions = ["what is the secret reload marker", "tell me the reload marker"]
answer = "The reload marker is live."
as_of = 2025-06-06
sources = ["{source}"]
"""


def make_showbot(tmp_path: Path) -> tuple[Showbot, Path]:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE / "etoile", knowledge / "etoile")
    db = tmp_path / "kb.db"
    build(knowledge, db)
    settings = Settings(db_path=db, knowledge_dir=knowledge, log=LogSettings(enabled=False))
    return Showbot(settings, Router(FactBase(db)), QuestionLog(tmp_path / "log.db", enabled=False)), knowledge


def edit_pack(knowledge: Path, add_marker: bool) -> None:
    facts = knowledge / "etoile" / "facts.toml"
    text = facts.read_text(encoding="utf-8").split("\n# RELOAD-MARKER\n")[0]
    if add_marker:
        source = (BUNDLED_KNOWLEDGE / "etoile" / "sources.toml").read_text(encoding="utf-8")
        first_id = source.split('id = "', 1)[1].split('"', 1)[0]
        text += "\n# RELOAD-MARKER\n" + NEW_FACT.format(source=first_id)
    facts.write_text(text, encoding="utf-8")
    future = time.time() + 10  # newer than the database, whatever the filesystem's timestamp granularity
    os.utime(facts, (future, future))


def test_questions_never_fail_while_the_knowledge_is_rebuilt(tmp_path: Path) -> None:
    showbot, knowledge = make_showbot(tmp_path)
    errors: list[BaseException] = []
    statuses: dict[str, int] = {}
    stop = threading.Event()

    def asker(n: int) -> None:
        where = Where(platform="console", user=f"user-{n}")
        i = 0
        while not stop.is_set():
            try:
                answer = showbot.ask(QUESTIONS[i % len(QUESTIONS)], where).answer
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
                assert answer.status in {"answered", "clarify", "unknown"}
            except BaseException as exc:
                errors.append(exc)
            i += 1

    threads = [threading.Thread(target=asker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    marker_answers = []
    for round_ in range(6):
        edit_pack(knowledge, add_marker=round_ % 2 == 0)
        showbot.reload()
        marker_answers.append(showbot.ask("what is the secret reload marker", Where()).answer.fact_id)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert statuses.get("answered", 0) > 50, statuses
    assert marker_answers == ["reload-marker", None] * 3, "every reload is the whole new build"


def test_sighup_reloads_a_database_rebuilt_by_another_process(tmp_path: Path) -> None:
    showbot, knowledge = make_showbot(tmp_path)
    previous = signal.getsignal(signal.SIGHUP)
    try:
        showbot.reload_on_sighup()
        edit_pack(knowledge, add_marker=True)
        build(knowledge, showbot.router.base.path)  # `showbot build` run by a curator or a deploy
        assert showbot.ask("tell me the reload marker", Where()).answer.fact_id is None, "not before the signal"
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 10
        while showbot.ask("tell me the reload marker", Where()).answer.fact_id is None:
            assert time.monotonic() < deadline, "SIGHUP did not reload"
            time.sleep(0.02)
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_fact_base_rebuilt_elsewhere_is_followed_without_a_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several workers or nodes: a teach in one, or a deploy's new file, reaches the others by itself."""
    monkeypatch.setattr("bot.service.FOLLOW_SECONDS", 0.0)
    showbot, knowledge = make_showbot(tmp_path)
    assert showbot.ask("tell me the reload marker", Where()).answer.fact_id is None
    edit_pack(knowledge, add_marker=True)
    build(knowledge, showbot.router.base.path)
    assert showbot.ask("tell me the reload marker", Where()).answer.fact_id == "reload-marker"
    (tmp_path / "kb.db").write_bytes(b"not a database at all")  # a botched copy onto the node
    assert showbot.ask("tell me the reload marker", Where()).answer.fact_id == "reload-marker", "keeps serving"
