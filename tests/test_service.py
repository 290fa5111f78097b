"""The service adapters share: logging every question, votes, channel default shows, stats, reload."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.build import build
from bot.questionlog import QuestionLog, Where
from bot.router import Router
from bot.service import Cooldown, Showbot, UnknownShowError
from bot.settings import LogSettings, Settings
from bot.store import FactBase

from .conftest import write_synthetic_knowledge

FAN = Where(platform="discord", workspace="g1", channel="c1", user="u-123")


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_every_question_is_logged_with_a_hashed_user(etoile_showbot: Showbot) -> None:
    reply = etoile_showbot.ask("who plays cheyenne?", FAN)
    etoile_showbot.ask("good morning everyone", FAN)
    assert reply.answer.status == "answered" and reply.question_id is not None
    logged = rows(etoile_showbot.log.path, "select platform, workspace, channel, user_hash, status from questions")
    assert [r[4] for r in logged] == ["answered", "unknown"]
    assert logged[0][:3] == ("discord", "g1", "c1")
    assert "u-123" not in str(logged) and logged[0][3], "users are stored as salted hashes only"


def test_votes_count_in_stats_and_a_downvote_lists_the_question(etoile_showbot: Showbot) -> None:
    good = etoile_showbot.ask("is there a season 2?", FAN)
    bad = etoile_showbot.ask("who plays cheyenne?", FAN)
    assert good.question_id and bad.question_id
    assert etoile_showbot.feedback(good.question_id, FAN, helpful=True)
    assert etoile_showbot.feedback(bad.question_id, FAN, helpful=True)
    assert etoile_showbot.feedback(bad.question_id, FAN, helpful=False), "a user may change their vote"
    assert not etoile_showbot.feedback(999_999, FAN, helpful=True), "no such question"
    etoile_showbot.ask("what is the capital of france", FAN)
    etoile_showbot.ask("What is the capital of France?", FAN)
    stats = etoile_showbot.stats()
    assert (stats.answered, stats.unknown, stats.helpful, stats.not_helpful) == (2, 2, 1, 1)
    top = etoile_showbot.unanswered()
    assert top[0].asked == 2 and "capital" in top[0].question.lower()
    assert any(u.downvoted and "cheyenne" in u.question for u in top)


def test_channel_default_show_survives_a_restart(synthetic_db: Path, tmp_path: Path) -> None:
    settings = Settings(db_path=synthetic_db, log=LogSettings(path=tmp_path / "log.db"))
    first = Showbot(settings, Router(FactBase(synthetic_db)), QuestionLog(tmp_path / "log.db"))
    assert first.ask("is there a season 2?", FAN).answer.status == "unknown", "two shows: which one?"
    assert first.set_channel_show(FAN, "the space show") == "Moonfall Station"
    first.close()
    again = Showbot(settings, Router(FactBase(synthetic_db)), QuestionLog(tmp_path / "log.db"))
    assert again.channel_show(FAN) == "moonfall"
    assert again.ask("is there a season 2?", FAN).answer.show == "moonfall"
    assert again.ask("is there a season 2?", Where("discord", "g1", "other")).answer.status == "unknown"
    with pytest.raises(UnknownShowError, match="Moonfall Station"):
        again.set_channel_show(FAN, "severance")
    assert again.set_channel_show(FAN, "none") == ""
    assert again.channel_show(FAN) is None


def test_logging_off_logs_nothing(etoile_db_copy: Path, tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "log.db", enabled=False)
    bot = Showbot(Settings(db_path=etoile_db_copy), Router(FactBase(etoile_db_copy)), log)
    assert bot.ask("who plays cheyenne?", FAN).question_id is None
    assert rows(tmp_path / "log.db", "select count(*) from questions") == [(0,)]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_log_degrades_to_not_logged(
    etoile_db_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ro" / "log.db"
    QuestionLog(path).close()
    path.chmod(stat.S_IRUSR)
    bot = Showbot(Settings(db_path=etoile_db_copy), Router(FactBase(etoile_db_copy)), QuestionLog(path))
    reply = bot.ask("who plays cheyenne?", FAN)
    assert reply.answer.status == "answered" and reply.question_id is None
    assert "not logged" in caplog.text


def test_unwritable_log_location_degrades_to_not_logged(
    etoile_db_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    log = QuestionLog(blocker / "log.db")
    bot = Showbot(Settings(db_path=etoile_db_copy), Router(FactBase(etoile_db_copy)), log)
    reply = bot.ask("who plays cheyenne?", FAN)
    assert reply.answer.status == "answered" and reply.question_id is None
    assert "not logged" in caplog.text
    assert bot.set_channel_show(FAN, "etoile") == "Étoile", "channel settings still work, in memory"
    assert bot.channel_show(FAN) == "etoile"


def test_retention_prunes_old_rows(etoile_showbot: Showbot) -> None:
    reply = etoile_showbot.ask("who plays cheyenne?", FAN)
    assert reply.question_id
    etoile_showbot.feedback(reply.question_id, FAN, helpful=True)
    assert etoile_showbot.log.prune(datetime.now(UTC) + timedelta(days=89)) == 0
    assert etoile_showbot.log.prune(datetime.now(UTC) + timedelta(days=91)) == 1
    assert rows(etoile_showbot.log.path, "select count(*) from votes") == [(0,)]


def test_huge_question_is_logged_truncated(etoile_showbot: Showbot) -> None:
    reply = etoile_showbot.ask("x" * 100_000, FAN)
    assert reply.answer.status == "unknown"
    assert rows(etoile_showbot.log.path, "select length(question) from questions") == [(2000,)]


def test_reload_swaps_in_a_rebuilt_database(tmp_path: Path) -> None:
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge", only=("moonfall",))
    db = tmp_path / "kb.db"
    build(knowledge, db)
    settings = Settings(db_path=db, knowledge_dir=knowledge)
    bot = Showbot(settings, Router(FactBase(db)), QuestionLog(tmp_path / "log.db"))
    assert list(bot.shows()) == ["moonfall"]
    write_synthetic_knowledge(tmp_path / "knowledge")  # a curator adds the second show
    os.utime(knowledge / "harbor-lights", (datetime.now().timestamp() + 5,) * 2)
    message = bot.reload()
    assert "2 show(s)" in message
    assert sorted(bot.shows()) == ["harbor-lights", "moonfall"]


def test_cooldown_is_per_user() -> None:
    cooldown = Cooldown(3.0)
    assert cooldown.wait("a", now=100.0) == 0
    assert cooldown.wait("a", now=101.0) == pytest.approx(2.0)
    assert cooldown.wait("b", now=101.0) == 0
    assert cooldown.wait("a", now=103.5) == 0
    assert Cooldown(0).wait("a") == 0 and Cooldown(0).wait("a") == 0


def test_stats_and_unanswered_can_be_scoped_to_one_workspace(etoile_showbot: Showbot) -> None:
    other = Where(platform="discord", workspace="g2", channel="c9", user="u-9")
    etoile_showbot.ask("who plays cheyenne?", FAN)
    etoile_showbot.ask("what is the airspeed of a swallow", other)
    etoile_showbot.ask("what is the airspeed of a swallow", Where(platform="slack", workspace="g2"))
    mine = etoile_showbot.stats(scope=FAN)
    assert (mine.total, mine.answered, mine.top_unanswered) == (1, 1, ())
    theirs = etoile_showbot.unanswered(scope=other)
    assert [u.asked for u in theirs] == [1], "the same workspace id on another platform is another workspace"
    assert etoile_showbot.stats().total == 3


def test_facts_lists_current_facts_only(etoile_showbot: Showbot) -> None:
    facts = etoile_showbot.facts("etoile")
    assert "renewal-cancelled" in facts and all(facts.values())
    assert not any(f.startswith("renewal-") and f != "renewal-cancelled" for f in facts), "superseded ones are not"
