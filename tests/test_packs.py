"""Pack validation: every error names the file, the line and the key path, and fails `check` and `build`."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.packs import PackError, load_packs
from bot.settings import BUNDLED_KNOWLEDGE
from bot.text import normalize
from tests.conftest import PACKS, line_of, write_pack, write_synthetic_knowledge


def otto_says(text: str, lines: str) -> str:
    """The synthetic pack's second person (Otto Marsh) with `lines` added to his entry."""
    return in_block(text, 'id = "otto-marsh"', 'role = "recurring"', f'role = "recurring"\n{lines}')


def in_block(text: str, marker: str, old: str, new: str) -> str:
    """Replace `old` by `new` inside the [[table]] whose header line carries `marker` only."""
    start = text.index(marker)
    nxt = text.find("\n[[", start + 1)
    end = len(text) if nxt < 0 else nxt
    block = text[start:end]
    assert old in block, f"{old!r} not in block {marker!r}"
    return text[:start] + block.replace(old, new, 1) + text[end:]


def block_lines(text: str, marker: str) -> range:
    """Line numbers (1-based) of the [[table]] whose header carries `marker`."""
    first = line_of(text, marker)
    lines = text.splitlines()
    last = next((n for n in range(first + 1, len(lines) + 1) if lines[n - 1].lstrip().startswith("[[")), len(lines) + 1)
    return range(first, last)


@dataclass(frozen=True)
class Case:
    file: str
    edit: Callable[[str], str]
    key: str  # regex for the key path; the index may be 0- or 1-based
    words: tuple[str, ...]  # the message says what is wrong: one of these words appears
    needle: str | None = None  # the reported line holds this text ...
    block: str | None = None  # ... or lies within the [[table]] whose header carries this marker
    occurrence: int = 1  # which match of `needle`


def idx(table: str, i: int, key: str = "") -> str:
    path = rf"{table}\[({i}|{i + 1})\]"
    return path + (rf"\.{re.escape(key)}" if key else "")


CASES: dict[str, Case] = {
    "invalid-toml-syntax": Case(
        "facts.toml",
        lambda t: t.replace(
            'answer = "No spin-off has been announced by the network."', 'answer = "No spin-off has been announced'
        ),
        key="",
        words=("toml", "syntax", "invalid"),
        needle='answer = "No spin-off has been announced',
    ),
    "missing-required-field": Case(
        "facts.toml",
        lambda t: in_block(
            t,
            "# premise",
            'answer = "A small crew keeps a failing lunar station alive while Earth forgets about them."\n',
            "",
        ),
        key=idx("facts", 8),
        words=("answer",),
        block="[[facts]]  # premise",
    ),
    "unknown-source-id": Case(
        "facts.toml",
        lambda t: in_block(t, "# premise", '"gazette-2024-01"', '"gazette-2042"'),
        key=idx("facts", 8, "sources"),
        words=("gazette-2042",),
        needle="gazette-2042",
    ),
    "duplicate-id": Case(
        "sources.toml",
        lambda t: t.replace('id = "press-kit"', 'id = "trades-2024-09"'),
        key=idx("sources", 3, "id"),
        words=("duplicate",),
        needle='id = "trades-2024-09"',
        occurrence=2,
    ),
    "non-http-url": Case(
        "sources.toml",
        lambda t: t.replace("http://fanblog.example/moonfall-spinoff", "ftp://fanblog.example/moonfall-spinoff"),
        key=idx("sources", 2, "url"),
        words=("http",),
        needle="ftp://",
    ),
    "javascript-url": Case(
        "sources.toml",
        lambda t: t.replace("https://trades.example/moonfall-cancelled", "javascript:alert(1)"),
        key=idx("sources", 1, "url"),
        words=("http",),
        needle="javascript:",
    ),
    "bad-published-date": Case(
        "sources.toml",
        lambda t: t.replace("published = 2024-12-01", 'published = "2024-13-45"'),
        key=idx("sources", 2, "published"),
        words=("date",),
        needle="2024-13-45",
    ),
    "bad-as-of-date": Case(
        "facts.toml",
        lambda t: in_block(t, "# finale", "as_of = 2024-03-01", 'as_of = "March 2024"'),
        key=idx("facts", 9, "as_of"),
        words=("date",),
        needle="March 2024",
    ),
    "unknown-field": Case(
        "facts.toml",
        lambda t: in_block(t, "# finale", "spoiler = true", "spoiler = true\nspoilers = true"),
        key=idx("facts", 9, "spoilers"),
        words=("unknown", "not allowed", "unexpected"),
        needle="spoilers = true",
    ),
    "no-source-with-url": Case(
        "facts.toml",
        lambda t: in_block(t, "# premise", 'sources = ["gazette-2024-01"]', 'sources = ["press-kit"]'),
        key=idx("facts", 8, "sources"),
        words=("url",),
        needle='sources = ["press-kit"]',
    ),
    "supersedes-unknown-fact": Case(
        "facts.toml",
        lambda t: t.replace('supersedes = ["renewal-renewed"]', 'supersedes = ["renewal-ghost"]'),
        key=idx("facts", 1, "supersedes"),
        words=("renewal-ghost",),
        needle="renewal-ghost",
    ),
    "other-shows-not-a-list": Case(
        "show.toml",
        lambda t: t + 'other_shows = "Harbor Lights"\n',
        key="other_shows",
        words=("list",),
        needle='other_shows = "Harbor Lights"',
    ),
    **{
        f"person-{name}": Case(
            "people.toml",
            lambda t, lines=lines: otto_says(t, lines),
            key=idx("people", 1, key),
            words=(word,),
            needle=needle,
        )
        for name, lines, key, word, needle in (
            ("known-for-not-a-list", 'known_for = "Harbor"', "known_for", "list", 'known_for = "Harbor"'),
            (
                "known-for-unknown-source-id",
                'known_for = ["Harbor Lights"]\nknown_for_sources = ["nowhere-news"]',
                "known_for_sources",
                "nowhere-news",
                "nowhere-news",
            ),
            (
                "known-for-sources-alone",
                'known_for_sources = ["gazette-2024-01"]',
                "known_for_sources",
                "without known_for",
                "known_for_sources =",
            ),
        )
    },
    "person-unknown-source-id": Case(
        "people.toml",
        lambda t: in_block(t, 'id = "otto-marsh"', '"gazette-2024-01"', '"nowhere-news"'),
        key=idx("people", 1, "sources"),
        words=("nowhere-news",),
        needle="nowhere-news",
    ),
}


@pytest.fixture(params=sorted(CASES), ids=sorted(CASES))
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Case, str, list[int]]:
    """A knowledge folder with one problem; returns (folder, case, file text, acceptable lines)."""
    case = CASES[request.param]
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    text = case.edit(PACKS["moonfall"][case.file])
    assert text != PACKS["moonfall"][case.file], "the edit did not apply"
    (knowledge / "moonfall" / case.file).write_text(text, encoding="utf-8")
    lines = [line_of(text, case.needle, case.occurrence)] if case.needle else list(block_lines(text, case.block or ""))
    return knowledge, case, text, lines


def problem_line(report: str, case: Case, lines: list[int]) -> str:
    """The line of `report` that describes this case's problem (asserting it names file, line and key)."""
    where = re.compile(rf"moonfall[/\\]{re.escape(case.file)}:({'|'.join(map(str, lines))})\b")
    for line in report.splitlines():
        if where.search(line) and (not case.key or re.search(case.key, line)):
            return line
    pytest.fail(
        f"no problem names moonfall/{case.file} at line(s) {lines} with key path /{case.key}/; report was:\n{report}"
    )


def test_load_packs_reports_file_line_and_key_path(broken: tuple[Path, Case, str, list[int]]) -> None:
    knowledge, case, _, lines = broken
    with pytest.raises(PackError) as info:
        load_packs(knowledge)
    line = problem_line(str(info.value), case, lines)
    assert any(w in line.lower() for w in case.words), f"message does not say what is wrong: {line!r}"


def test_check_command_fails_with_location(broken: tuple[Path, Case, str, list[int]]) -> None:
    knowledge, case, _, lines = broken
    result = CliRunner().invoke(cli, ["check", "--knowledge", str(knowledge)])
    assert result.exit_code != 0
    problem_line(result.output, case, lines)


def test_build_command_fails_and_writes_nothing(broken: tuple[Path, Case, str, list[int]], tmp_path: Path) -> None:
    knowledge, case, _, lines = broken
    db = tmp_path / "out" / "showbot.db"
    result = CliRunner().invoke(cli, ["build", "--knowledge", str(knowledge), "--db", str(db)])
    assert result.exit_code != 0
    problem_line(result.output, case, lines)
    assert not db.exists()
    assert not db.parent.exists() or not any(db.parent.iterdir()), "a failed build left files behind"


def test_every_problem_in_every_pack_is_reported_in_one_run(tmp_path: Path) -> None:
    """A curator fixes a pack in one pass: problems in several files and packs all come out together."""
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    moon = knowledge / "moonfall"
    (moon / "sources.toml").write_text(
        PACKS["moonfall"]["sources.toml"].replace("http://fanblog", "ftp://fanblog"), encoding="utf-8"
    )
    (moon / "facts.toml").write_text(
        PACKS["moonfall"]["facts.toml"].replace('supersedes = ["renewal-renewed"]', 'supersedes = ["renewal-ghost"]'),
        encoding="utf-8",
    )
    (moon / "people.toml").write_text(
        PACKS["moonfall"]["people.toml"].replace('role = "recurring"', 'role = "recurring"\nnickname = "doc"'),
        encoding="utf-8",
    )
    (knowledge / "harbor-lights" / "sources.toml").write_text(
        PACKS["harbor-lights"]["sources.toml"].replace("published = 2025-02-01", 'published = "1st Feb"'),
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_packs(knowledge)
    report = str(info.value)
    for fragment in (
        "moonfall/sources.toml",
        "ftp://",
        "moonfall/facts.toml",
        "renewal-ghost",
        "moonfall/people.toml",
        "nickname",
        "harbor-lights/sources.toml",
        "1st Feb",
    ):
        assert fragment in report, f"{fragment!r} missing from:\n{report}"
    assert len(info.value.problems) >= 4

    result = CliRunner().invoke(cli, ["check", "--knowledge", str(knowledge)])
    assert result.exit_code != 0
    for fragment in ("ftp://", "renewal-ghost", "nickname", "1st Feb"):
        assert fragment in result.output


def test_unexpected_file_in_a_pack_is_reported(tmp_path: Path) -> None:
    """A misspelt file name (fact.toml) would otherwise be silently ignored."""
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    (knowledge / "moonfall" / "fact.toml").write_text(PACKS["moonfall"]["facts.toml"], encoding="utf-8")
    with pytest.raises(PackError, match=r"fact\.toml"):
        load_packs(knowledge)


def test_pack_without_show_file_is_reported(tmp_path: Path) -> None:
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    write_pack(knowledge, "orphan", {"facts.toml": PACKS["moonfall"]["facts.toml"]})
    with pytest.raises(PackError, match=r"orphan.*show\.toml"):
        load_packs(knowledge)


def test_synthetic_packs_are_valid(knowledge: Path) -> None:
    packs = {p.slug: p for p in load_packs(knowledge)}
    assert set(packs) == {"moonfall", "harbor-lights"}
    assert packs["moonfall"].title == "Moonfall Station"
    assert len(packs["moonfall"].facts) == 12
    assert len(packs["moonfall"].people) == 2


def test_check_command_accepts_valid_packs(knowledge: Path) -> None:
    result = CliRunner().invoke(cli, ["check", "--knowledge", str(knowledge)])
    assert result.exit_code == 0, result.output
    assert "moonfall" in result.output and "harbor-lights" in result.output


def test_bundled_knowledge_is_valid() -> None:
    """The shipped Étoile pack passes its own validation."""
    packs = {p.slug: p for p in load_packs(BUNDLED_KNOWLEDGE)}
    assert "etoile" in packs
    etoile = packs["etoile"]
    assert etoile.facts and etoile.people and etoile.sources
    ids = {s.id for s in etoile.sources}
    for fact in etoile.facts:
        assert set(fact.sources) <= ids


def test_normalized_questions_come_with_the_fact_and_follow_its_questions(knowledge: Path) -> None:
    """The loader's normalised phrasings are the ones `normalize` gives, survive pickling, and never go stale."""
    facts = [f for p in load_packs(knowledge) for f in p.facts]
    for fact in facts:
        assert fact.norms == tuple(normalize(q) for q in fact.questions)
        copy = pickle.loads(pickle.dumps(fact))
        assert copy == fact and copy.norms == fact.norms
    edited = replace(facts[0], questions=("Who is the Mayor?", *facts[0].questions))
    assert edited.norms == (normalize("Who is the Mayor?"), *facts[0].norms)
