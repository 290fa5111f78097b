"""A missing, corrupt or outdated fact base: a clear error naming the fix (`showbot build`), never a traceback.

Each fault is made from the real Étoile database at test time (random bytes, truncated files, a foreign
SQLite file, an older schema, a damaged page), then opened the ways a deployment does: `Router(FactBase)`,
`Showbot.open` (what `serve discord|slack` calls) and the `showbot ask` console script.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.build import build
from bot.faq_import import import_faq
from bot.models import AskContext
from bot.router import Router
from bot.service import Showbot
from bot.settings import BUNDLED_KNOWLEDGE, LogSettings, Settings
from bot.store import FactBase, StoreError
from tests.conftest import RunCli, folded, write_synthetic_knowledge

HINT = "showbot build"
PAGE = 4096  # SQLite's default page size


def other_sqlite(path: Path, good: bytes) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("create table notes (id integer primary key, body text)")
        conn.execute("insert into notes (body) values ('not a fact base')")
    conn.close()


def older_schema(path: Path, good: bytes) -> None:
    """Built by an older showbot from packs this bot does not have, so it cannot rebuild it (one built from
    its own packs is rebuilt: `test_a_fact_base_from_an_older_version_is_rebuilt_from_its_packs`)."""
    path.write_bytes(good)
    with sqlite3.connect(path) as conn:
        conn.execute("update meta set value = '0' where key = 'schema_version'")
        conn.execute("update meta set value = '/elsewhere/knowledge' where key = 'knowledge_dir'")
    conn.close()


def damaged_pages(path: Path, good: bytes, intact: float = 0.0) -> None:
    """The pages after the first few (or after the `intact` fraction of the file) overwritten with noise."""
    head = max(4 * PAGE, int(len(good) * intact) // PAGE * PAGE)
    path.write_bytes(good[:head] + random.Random(6).randbytes(len(good) - head))


# How a fault is made at `path`, from the bytes of a good database.
FAULTS: dict[str, Callable[[Path, bytes], None]] = {
    "random-bytes": lambda path, good: path.write_bytes(random.Random(1).randbytes(len(good))),
    "empty-file": lambda path, good: path.write_bytes(b""),
    "truncated-half": lambda path, good: path.write_bytes(good[: len(good) // 2]),
    "truncated-header": lambda path, good: path.write_bytes(good[:60]),
    "text-file": lambda path, good: path.write_text("title = 'not a database'\n", encoding="utf-8"),
    "other-sqlite": other_sqlite,
    "older-schema": older_schema,
    "damaged-pages": damaged_pages,
    "directory": lambda path, good: path.mkdir(),
}


@pytest.fixture(params=sorted(FAULTS), ids=sorted(FAULTS))
def faulty_db(request: pytest.FixtureRequest, etoile_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "faulty" / "showbot.db"
    path.parent.mkdir()
    FAULTS[request.param](path, etoile_db.read_bytes())
    return path


def settings_for(db: Path, tmp_path: Path, knowledge: Path = BUNDLED_KNOWLEDGE) -> Settings:
    return Settings(db_path=db, knowledge_dir=knowledge, log=LogSettings(path=tmp_path / "log" / "questions.db"))


def test_fact_base_refuses_it_with_the_hint(faulty_db: Path) -> None:
    with pytest.raises(StoreError, match=HINT):
        Router(FactBase(faulty_db))


def test_showbot_open_refuses_it_with_the_hint(faulty_db: Path, tmp_path: Path) -> None:
    """What `showbot serve discord|slack` calls at start-up."""
    with pytest.raises(StoreError, match=HINT):
        Showbot.open(settings_for(faulty_db, tmp_path))


def test_showbot_ask_refuses_it_without_a_traceback(faulty_db: Path, run_cli: RunCli) -> None:
    before = sorted(p.name for p in faulty_db.parent.iterdir())
    for args in (["ask", "who plays cheyenne"], ["ask"]):  # one question; batch mode
        result = run_cli(*args, input="who plays cheyenne\n", env={"SHOWBOT_DB": str(faulty_db)})
        assert result.returncode != 0
        assert HINT in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stdout == ""
    assert sorted(p.name for p in faulty_db.parent.iterdir()) == before, "asking changed the faulty files"


def test_a_damaged_page_is_reported_when_read_with_the_hint(etoile_db: Path, tmp_path: Path) -> None:
    """The first half is intact, so it opens; loading the show's data (its model, near the end) reports it."""
    path = tmp_path / "damaged.db"
    damaged_pages(path, etoile_db.read_bytes(), intact=0.5)
    router = Router(FactBase(path))
    with pytest.raises(StoreError, match=f"damaged.*{HINT}"):
        router.ask("who plays cheyenne", AskContext(default_show="etoile"))


def test_showbot_ask_reports_a_damaged_page_without_a_traceback(
    etoile_db: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    path = tmp_path / "damaged.db"
    damaged_pages(path, etoile_db.read_bytes(), intact=0.5)
    result = run_cli("ask", "--db", str(path), "who plays cheyenne")
    assert result.returncode != 0
    assert HINT in result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_missing_fact_base_is_built_from_the_packs(tmp_path: Path) -> None:
    """A missing database is not an error while the packs are there: the first start builds it."""
    db = tmp_path / "fresh" / "showbot.db"
    bot = Showbot.open(settings_for(db, tmp_path, write_synthetic_knowledge(tmp_path / "knowledge")))
    try:
        assert db.is_file()
        assert set(bot.shows()) == {"moonfall", "harbor-lights"}
    finally:
        bot.close()


def test_a_fact_base_from_an_older_version_is_rebuilt_from_its_packs(tmp_path: Path) -> None:
    """After an upgrade, the first start rebuilds the fact base it built from the packs, instead of
    refusing it with "rebuild it"."""
    db = tmp_path / "showbot.db"
    settings = settings_for(db, tmp_path, write_synthetic_knowledge(tmp_path / "knowledge"))
    Showbot.open(settings).close()
    with sqlite3.connect(db) as conn:
        conn.execute("update meta set value = '0' where key = 'schema_version'")
    conn.close()
    bot = Showbot.open(settings)
    try:
        assert set(bot.shows()) == {"moonfall", "harbor-lights"}
    finally:
        bot.close()


def test_missing_fact_base_without_packs_gives_the_hint(tmp_path: Path, run_cli: RunCli) -> None:
    db = tmp_path / "nowhere" / "showbot.db"
    no_packs = tmp_path / "no-such-knowledge"
    with pytest.raises(StoreError, match=HINT) as info:
        Showbot.open(settings_for(db, tmp_path, no_packs))
    assert str(db) in str(info.value) and str(no_packs) in str(info.value)
    with pytest.raises(StoreError, match=HINT):
        FactBase(db)

    result = run_cli("ask", "--db", str(db), "who plays cheyenne", env={"SHOWBOT_KNOWLEDGE": str(no_packs)})
    assert result.returncode != 0
    assert HINT in result.stderr and str(db) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists()


@pytest.mark.parametrize("folder", ["hash#tag", "question?mark", "percent%20sign", "with space"])
def test_paths_with_uri_characters_open_the_right_file(folder: str, etoile_db: Path, tmp_path: Path) -> None:
    """The read-only connection is a URI: '#', '?' and '%' in a path must not open (or create) another file."""
    db = tmp_path / folder / "showbot.db"
    db.parent.mkdir()
    shutil.copyfile(etoile_db, db)
    answer = Router(FactBase(db)).ask("who plays cheyenne")
    assert answer.status == "answered"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder, "_home"]), "a stray file was created"


def test_rebuild_under_a_uri_character_path_keeps_imported_shows(tmp_path: Path) -> None:
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    db = tmp_path / "ops#1" / "showbot.db"
    build(knowledge, db)
    sheet = tmp_path / "faq.csv"
    sheet.write_text("question,answer\nwhen is the meetup,Every first Saturday.\n", encoding="utf-8")
    import_faq(sheet, "fan-club", "Fan Club", db)
    build(knowledge, db)
    answer = Router(FactBase(db)).ask("when is the meetup", AskContext(default_show="fan-club"))
    assert answer.status == "answered"
    assert "saturday" in folded(answer.text)


def test_a_rebuilt_fact_base_keeps_its_file_mode(tmp_path: Path) -> None:
    """Built by a curator, read by the bot's own user: a new file is world-readable, a rebuild keeps the mode."""
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    db = tmp_path / "data" / "showbot.db"
    build(knowledge, db)
    assert db.stat().st_mode & 0o777 == 0o644
    db.chmod(0o640)
    build(knowledge, db)
    assert db.stat().st_mode & 0o777 == 0o640
