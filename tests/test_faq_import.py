"""Importing an FAQ sheet (CSV) as a show: grouping, sources, errors with file:line, re-import, scale."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.faq_import import ImportReport, SheetError, import_faq
from bot.models import Answer, AskContext
from bot.router import Router
from bot.store import FactBase
from tests.conftest import folded

FAN = AskContext(default_show="fan-club")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def ask(db: Path, question: str, context: AskContext = FAN) -> Answer:
    return Router(FactBase(db)).ask(question, context)


SHEET_WITH_IDS = [
    ["id", "question", "answer", "source_url", "source_title", "published"],
    [
        "meetup",
        "when is the fan meetup",
        "The fan meetup is on the first Saturday of every month.",
        "https://fanclub.example/meetups",
        "Meetup calendar",
        "2025-03-01",
    ],
    ["meetup", "meetup date", "", "", "", ""],
    ["meetup", "what day do fans meet up", "", "", "", ""],
    ["merch", "where can i buy merch", "Official merchandise is sold at shop.fanclub.example.", "", "", ""],
    ["merch", "is there an official shop", "", "", "", ""],
]


def test_rows_sharing_an_id_are_one_entry(tmp_path: Path) -> None:
    db = tmp_path / "faq.db"
    report = import_faq(write_csv(tmp_path / "faq.csv", SHEET_WITH_IDS), "fan-club", "Fan Club", db)
    assert (report.show, report.entries, report.phrasings) == ("fan-club", 2, 5)
    assert FactBase(db).titles == {"fan-club": "Fan Club"}
    for question in ("meetup date", "what day do fans meet up", "when is the fan meetup"):
        answer = ask(db, question)
        assert answer.status == "answered", (question, answer)
        assert "first saturday" in folded(answer.text)
    assert "official merchandise" in folded(ask(db, "is there an official shop").text)


def test_source_and_published_columns_back_the_answer(tmp_path: Path) -> None:
    db = tmp_path / "faq.db"
    report = import_faq(write_csv(tmp_path / "faq.csv", SHEET_WITH_IDS), "fan-club", None, db)
    assert report.sources == 1
    answer = ask(db, "when is the fan meetup")
    assert [s.url for s in answer.sources] == ["https://fanclub.example/meetups"]
    assert answer.sources[0].title == "Meetup calendar"
    assert answer.sources[0].published == "2025-03-01"
    assert answer.as_of == "2025-03-01"


def test_without_id_column_rows_with_the_same_answer_are_grouped(tmp_path: Path) -> None:
    rows = [
        ["question", "answer"],
        ["where do i park", "Parking is free in the north lot."],
        ["is there parking", "Parking is free in the north lot."],
        ["parking info", "Parking is free in the  north lot. "],  # whitespace differences do not split entries
        ["when do doors open", "Doors open at 6pm."],
        ["what time do doors open", "Doors open at 6pm."],
    ]
    db = tmp_path / "faq.db"
    report = import_faq(write_csv(tmp_path / "faq.csv", rows), "fan-club", None, db)
    assert (report.entries, report.phrasings) == (2, 5)
    assert "north lot" in folded(ask(db, "is there parking").text)


def test_header_is_case_insensitive_and_bom_tolerant(tmp_path: Path) -> None:
    sheet = tmp_path / "excel.csv"
    sheet.write_bytes("\ufeffQuestion,Answer\r\nwhen do doors open,Doors open at 6pm.\r\n".encode())
    report = import_faq(sheet, "fan-club", None, tmp_path / "faq.db")
    assert report.entries == 1


def test_imported_show_lives_beside_pack_shows(synthetic_db: Path, tmp_path: Path) -> None:
    import_faq(write_csv(tmp_path / "faq.csv", SHEET_WITH_IDS), "fan-club", "Fan Club", synthetic_db)
    base = FactBase(synthetic_db)
    assert set(base.titles) == {"moonfall", "harbor-lights", "fan-club"}
    moon = Router(base).ask("is moonfall cancelled", AskContext(default_show="moonfall"))
    assert moon.status == "answered" and moon.show == "moonfall"


@pytest.mark.parametrize(
    ("rows", "line", "words"),
    [
        (
            [
                ["question", "answer", "source_url"],
                ["ok", "Fine.", "https://ok.example"],
                ["q", "A.", "ftp://files.example/x"],
            ],
            3,
            ("url", "http"),
        ),
        ([["question", "answer", "source_url"], ["q", "A.", "javascript:alert(1)"]], 2, ("url", "http")),
        (
            [
                ["question", "answer", "published"],
                ["q1", "A1.", "2025-01-01"],
                ["q2", "A2.", ""],
                ["q3", "A3.", "31/12/2025"],
            ],
            4,
            ("date",),
        ),
        ([["q", "a"], ["when", "Now."]], 1, ("question", "answer", "header")),
        ([["id", "answer"], ["x", "Now."]], 1, ("question",)),
        ([["question", "answer"], ["good", "Fine."], ["", "An answer without a question."]], 3, ("question",)),
    ],
    ids=["ftp-url", "javascript-url", "bad-date", "missing-header", "missing-question-column", "row-without-question"],
)
def test_bad_sheets_fail_with_file_and_line(
    tmp_path: Path, rows: list[list[str]], line: int, words: tuple[str, ...]
) -> None:
    sheet = write_csv(tmp_path / "bad.csv", rows)
    db = tmp_path / "faq.db"
    with pytest.raises(SheetError) as info:
        import_faq(sheet, "fan-club", None, db)
    message = str(info.value)
    assert re.search(rf"bad\.csv:{line}\b", message), message
    assert any(w in message.lower() for w in words), message
    assert not db.exists(), "a rejected sheet writes nothing"

    result = CliRunner().invoke(cli, ["import-faq", str(sheet), "--show", "fan-club", "--db", str(db)])
    assert result.exit_code != 0
    assert f"bad.csv:{line}" in result.output
    assert not db.exists()


def test_bad_sheet_leaves_existing_database_untouched(synthetic_db: Path, tmp_path: Path) -> None:
    before = synthetic_db.read_bytes()
    sheet = write_csv(tmp_path / "bad.csv", [["question", "answer", "published"], ["q", "A.", "yesterday"]])
    with pytest.raises(SheetError):
        import_faq(sheet, "fan-club", None, synthetic_db)
    assert synthetic_db.read_bytes() == before


def test_invalid_show_slug_is_rejected(tmp_path: Path) -> None:
    sheet = write_csv(tmp_path / "faq.csv", [["question", "answer"], ["q", "A."]])
    with pytest.raises(SheetError, match="show"):
        import_faq(sheet, "Not A Slug!", None, tmp_path / "faq.db")


def test_reimport_replaces_the_show(tmp_path: Path) -> None:
    db = tmp_path / "faq.db"
    import_faq(
        write_csv(tmp_path / "v1.csv", [["question", "answer"], ["where do i park", "Parking is in the north lot."]]),
        "fan-club",
        "Fan Club",
        db,
    )
    import_faq(
        write_csv(tmp_path / "v2.csv", [["question", "answer"], ["when do doors open", "Doors open at 6pm."]]),
        "fan-club",
        None,
        db,
    )
    base = FactBase(db)
    assert base.titles == {"fan-club": "Fan Club"}, "re-import keeps the title when none is given"
    router = Router(base)
    assert "6pm" in folded(router.ask("when do doors open", FAN).text)
    old = router.ask("where do i park", FAN)
    assert "north lot" not in folded(old.text), "entries of the previous import are gone"
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from shows where slug = 'fan-club'").fetchone()[0] == 1
    conn.close()


def test_paraphrase_of_imported_entry_is_answered(tmp_path: Path) -> None:
    rows = [
        ["id", "question", "answer"],
        ["parking", "where can i park", "Parking is free in the north lot."],
        ["parking", "is there parking at the venue", ""],
        ["parking", "parking information", ""],
        ["doors", "when do doors open", "Doors open at 6pm, the show starts at 7pm."],
        ["doors", "what time does the event start", ""],
        ["tickets", "how much are tickets", "Tickets cost 20 euros at the door."],
        ["tickets", "ticket prices", ""],
        ["tickets", "how do i buy a ticket", ""],
    ]
    db = tmp_path / "faq.db"
    import_faq(write_csv(tmp_path / "faq.csv", rows), "fan-club", None, db)
    router = Router(FactBase(db))
    for question, expected in [
        ("where do i park my car", "north lot"),
        ("whats the ticket price", "20 euros"),
        ("what time do the doors open??", "6pm"),
    ]:
        answer = router.ask(question, FAN)
        assert answer.status == "answered", (question, answer)
        assert expected in folded(answer.text)


# -------------------------------------------------------------------------------------------- scale

SUBJECTS_A = (
    "red",
    "blue",
    "green",
    "amber",
    "violet",
    "silver",
    "golden",
    "coral",
    "ivory",
    "jade",
    "ruby",
    "onyx",
    "pearl",
    "cobalt",
    "scarlet",
    "olive",
    "teal",
    "maroon",
    "indigo",
    "copper",
    "crimson",
    "azure",
    "bronze",
    "emerald",
    "saffron",
)
SUBJECTS_B = (
    "lantern",
    "harbor",
    "meadow",
    "castle",
    "garden",
    "tower",
    "bridge",
    "forest",
    "island",
    "valley",
    "canyon",
    "river",
    "orchard",
    "temple",
    "market",
    "library",
    "station",
    "lighthouse",
    "glacier",
    "desert",
    "summit",
    "village",
    "quarry",
    "theater",
    "palace",
    "museum",
    "stadium",
    "chapel",
    "harvest",
    "festival",
    "parade",
    "carnival",
    "circus",
    "gallery",
    "academy",
    "workshop",
    "courtyard",
    "pavilion",
    "arcade",
    "plaza",
    "boulevard",
    "terrace",
    "fountain",
    "observatory",
    "aquarium",
    "greenhouse",
    "vineyard",
    "windmill",
    "monastery",
    "citadel",
    "bazaar",
    "pier",
    "harbourfront",
    "marina",
    "lagoon",
    "oasis",
    "prairie",
    "tundra",
    "volcano",
    "waterfall",
    "grotto",
    "ravine",
    "plateau",
    "peninsula",
    "archipelago",
    "fjord",
    "savanna",
    "steppe",
    "delta",
    "estuary",
    "atoll",
    "reef",
    "dune",
    "mesa",
    "butte",
    "gorge",
    "cavern",
    "crater",
    "geyser",
    "glade",
    "thicket",
    "spinney",
    "copse",
    "heath",
    "moor",
    "fen",
    "marsh",
    "bog",
    "brook",
    "creek",
    "stream",
    "pond",
    "lake",
    "loch",
    "tarn",
    "sound",
    "strait",
    "bay",
    "cove",
    "inlet",
    "gulf",
    "headland",
    "cape",
    "point",
    "bluff",
    "cliff",
    "crag",
    "ridge",
    "knoll",
    "hill",
    "mound",
    "barrow",
    "cairn",
    "dolmen",
    "henge",
    "fort",
    "keep",
    "manor",
    "hall",
    "lodge",
    "cottage",
    "cabin",
    "chalet",
    "villa",
    "mansion",
    "abbey",
    "priory",
    "friary",
    "minster",
    "cathedral",
    "basilica",
    "shrine",
)
TEMPLATES = (
    "where is the {s}",
    "how do i get to the {s}",
    "when does the {s} open",
    "what time does the {s} close",
    "is the {s} open today",
    "how much is the {s}",
    "{s} opening hours",
    "{s} tickets",
    "can i visit the {s}",
    "is the {s} accessible",
    "{s} directions",
    "where can i find the {s}",
    "is the {s} free",
    "{s} location",
    "tell me about the {s}",
    "what is the {s}",
    "{s} info",
    "is there parking at the {s}",
    "can kids go to the {s}",
    "is the {s} busy",
    "best time to visit the {s}",
    "{s} entry fee",
    "are dogs allowed at the {s}",
    "does the {s} have food",
    "how long to see the {s}",
    "is the {s} worth it",
    "{s} address",
    "who runs the {s}",
    "history of the {s}",
    "photos of the {s}",
)
ENTRIES = 3_000
PHRASINGS = 30
assert len(TEMPLATES) == PHRASINGS and len(SUBJECTS_A) * len(SUBJECTS_B) >= ENTRIES


def subject(n: int) -> str:
    return f"{SUBJECTS_A[n % len(SUBJECTS_A)]} {SUBJECTS_B[n // len(SUBJECTS_A)]}"


@pytest.fixture(scope="module")
def big_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    """A generated sheet of 3,000 entries x 30 phrasings, imported once for this module."""
    root = tmp_path_factory.mktemp("big-faq")
    sheet = root / "big.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "question", "answer"])
        for n in range(ENTRIES):
            s = subject(n)
            for k, template in enumerate(TEMPLATES):
                writer.writerow(
                    [f"entry-{n}", template.format(s=s), f"All about the {s} (entry {n})." if k == 0 else ""]
                )
    db = root / "big.db"
    report = import_faq(sheet, "big-faq", "Big FAQ", db)
    return db, report


@pytest.mark.slow
def test_large_sheet_imports_every_entry_and_phrasing(big_import: tuple[Path, ImportReport]) -> None:
    db, report = big_import
    assert report.entries == ENTRIES
    assert report.phrasings == ENTRIES * PHRASINGS
    assert FactBase(db).titles == {"big-faq": "Big FAQ"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from facts where show = 'big-faq'").fetchone()[0] == ENTRIES
    conn.close()


@pytest.mark.slow
def test_large_sheet_answers_a_paraphrase(big_import: tuple[Path, ImportReport]) -> None:
    db, _ = big_import
    router = Router(FactBase(db))
    n = 1234
    answer = router.ask(f"what are the opening times of the {subject(n)}?", AskContext(default_show="big-faq"))
    assert answer.status == "answered", answer
    assert f"(entry {n})" in answer.text
