"""The malformed-pack corpus: each case names the file, line and reason, and never touches the working database.

Every folder under tests/fixtures/bad_packs/ is a real pack with one problem (a `.gz` file stands for the
file without the suffix, so a huge file costs little in git); its expected.json gives the file, line
(0: the file itself is missing), key path and a fragment of the reason that `showbot check` must report.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.build
from bot.build import build
from bot.cli import cli
from bot.packs import PackError, PackProblem, load_packs
from bot.router import Router
from bot.store import FactBase
from tests.conftest import MOON, SHOWBOT, RunCli, folded, write_synthetic_knowledge

BAD_PACKS = Path(__file__).parent / "fixtures" / "bad_packs"
CASES = sorted(p.name for p in BAD_PACKS.iterdir() if p.is_dir())
# What the issue asks the corpus to cover, by case name.
REQUIRED = {
    "toml-unterminated-string",
    "toml-yaml-syntax",
    "wrong-type-questions",
    "missing-answer",
    "unknown-source-id",
    "missing-sources-file",
    "duplicate-fact-id",
    "duplicate-source-id",
    "supersedes-cycle",
    "supersedes-self",
    "supersedes-missing-fact",
    "bad-date-month-13",
    "bad-date-word",
    "bad-url-ftp",
    "bad-url-javascript",
    "bad-url-no-scheme",
    "wrong-type-reliability-list",
    "empty-show-file",
    "binary-garbage",
    "bom-and-unknown-source",
    "huge-file",
}


def expected(case: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((BAD_PACKS / case / "expected.json").read_text(encoding="utf-8"))
    return data


def install(case: str, knowledge: Path) -> Path:
    """Copy the case's pack files into `knowledge/<case>/` (decompressing `.gz` ones); returns the folder."""
    folder = knowledge / case
    folder.mkdir(parents=True)
    for path in (BAD_PACKS / case).iterdir():
        if path.suffix == ".gz":
            (folder / path.stem).write_bytes(gzip.decompress(path.read_bytes()))
        elif path.name != "expected.json":
            shutil.copyfile(path, folder / path.name)
    return folder


def location(case: str) -> str:
    """How the report starts for this case: `<case>/<file>:<line>:` (no line when the file is missing)."""
    exp = expected(case)
    return f"{case}/{exp['file']}:{exp['line']}:" if exp["line"] else f"{case}/{exp['file']}:"


def matches(problem: PackProblem, case: str) -> bool:
    exp = expected(case)
    return (
        problem.file.name == exp["file"]
        and problem.file.parent.name == case
        and problem.line == exp["line"]
        and problem.key == exp["key"]
        and exp["reason"] in problem.message
    )


def fingerprint(directory: Path) -> dict[str, tuple[str, int, int]]:
    """Every file in `directory`: content hash, mtime and inode (unchanged: nobody wrote or replaced it)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns, p.stat().st_ino)
        for p in directory.iterdir()
    }


def assert_serves_the_old_data(db: Path) -> None:
    answer = Router(FactBase(db)).ask("is moonfall cancelled", MOON)
    assert answer.status == "answered", answer
    assert "cancelled" in folded(answer.text)


@pytest.fixture(scope="module")
def working_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("working")
    db = root / "showbot.db"
    build(write_synthetic_knowledge(root / "knowledge"), db)
    return db


@pytest.fixture
def working_db(working_db_template: Path, tmp_path: Path) -> Path:
    """A private copy of a working fact base, alone in its folder."""
    db = tmp_path / "live" / "showbot.db"
    db.parent.mkdir()
    shutil.copyfile(working_db_template, db)
    return db


def test_the_corpus_covers_what_the_issue_lists() -> None:
    assert set(CASES) >= REQUIRED, sorted(REQUIRED - set(CASES))
    for case in CASES:
        assert {"file", "line", "key", "reason", "why"} <= set(expected(case)), case


@pytest.mark.timeout(30)  # the huge case: locating 10,001 problems once took two minutes (a rescan per problem)
@pytest.mark.parametrize("case", CASES)
def test_load_packs_reports_file_line_and_reason(case: str, tmp_path: Path) -> None:
    install(case, tmp_path / "knowledge")
    with pytest.raises(PackError) as info:
        load_packs(tmp_path / "knowledge")
    problems = info.value.problems
    assert any(matches(p, case) for p in problems), f"expected {expected(case)}, got:\n{info.value}"
    if "count" in expected(case):
        assert len(problems) == expected(case)["count"]
    assert location(case) in str(info.value)


@pytest.mark.parametrize("case", CASES)
def test_check_and_build_report_it_and_leave_the_database_alone(case: str, tmp_path: Path, working_db: Path) -> None:
    """`showbot check` and `showbot build` fail with the location; the working database stays byte-identical."""
    knowledge = tmp_path / "knowledge"
    install(case, knowledge)
    exp = expected(case)
    check = CliRunner().invoke(cli, ["check", "--knowledge", str(knowledge)])
    assert check.exit_code != 0
    assert location(case) in check.output and exp["reason"] in check.output, check.output

    before = fingerprint(working_db.parent)
    result = CliRunner().invoke(cli, ["build", "--knowledge", str(knowledge), "--db", str(working_db)])
    assert result.exit_code != 0
    assert location(case) in result.output and "database was not changed" in result.output, result.output
    assert fingerprint(working_db.parent) == before, "the build wrote, replaced or left a file"
    assert_serves_the_old_data(working_db)


def test_the_whole_corpus_is_reported_in_one_run_of_the_real_command(
    run_cli: RunCli, tmp_path: Path, working_db: Path
) -> None:
    """All cases in one knowledge folder: one `showbot check` names every one; `showbot build` changes nothing."""
    knowledge = tmp_path / "knowledge"
    for case in CASES:
        install(case, knowledge)
    check = run_cli("check", "--knowledge", str(knowledge))
    assert check.returncode != 0
    assert "Traceback" not in check.stderr
    for case in CASES:
        assert location(case) in check.stderr, case

    before = fingerprint(working_db.parent)
    result = run_cli("build", "--knowledge", str(knowledge), "--db", str(working_db))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert fingerprint(working_db.parent) == before
    assert_serves_the_old_data(working_db)


def test_a_leading_bom_is_accepted(knowledge: Path, tmp_path: Path) -> None:
    """Windows editors save UTF-8 with a byte-order mark; the pack must still load and build."""
    for path in (knowledge / "moonfall").iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert {p.slug for p in load_packs(knowledge)} == {"moonfall", "harbor-lights"}
    build(knowledge, tmp_path / "bom.db")
    assert_serves_the_old_data(tmp_path / "bom.db")


# ------------------------------------------------------------------------------- any TOML a curator could write


def toml_value(value: object) -> str:
    """Just enough of a TOML writer for the generated values (the standard library only reads TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | dt.date):
        return str(value) if isinstance(value, int) else value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


FIELDS = {
    "show": ("title", "aliases", "extra"),
    "sources": ("id", "title", "outlet", "url", "published", "reliability", "note", "extra"),
    "facts": ("id", "topic", "questions", "answer", "as_of", "sources", "spoiler", "supersedes", "extra"),
    "people": (
        "id",
        "actor",
        "character",
        "actor_aliases",
        "character_aliases",
        "role",
        "sources",
        "known_for",
        "known_for_sources",
        "extra",
    ),
}
scalars = st.one_of(
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
    st.dates(),
    st.sampled_from(["s1", "f1", "f2", "high", "guest", "https://x.example/a", "ftp://x", "2025-13-01", "🤔"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["id", "a"]), inner),
    max_leaves=6,
)


def entries(table: str) -> st.SearchStrategy[str]:
    entry = st.dictionaries(st.sampled_from(FIELDS[table]), values, max_size=len(FIELDS[table]))
    lines = entry.map(lambda e: "".join(f"{k} = {toml_value(v)}\n" for k, v in e.items()))
    if table == "show":
        return lines
    return st.lists(lines, max_size=4).map(lambda blocks: "".join(f"[[{table}]]\n{b}\n" for b in blocks))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(show=entries("show"), sources=entries("sources"), facts=entries("facts"), people=entries("people"))
def test_any_pack_loads_or_reports_problems(tmp_path: Path, show: str, sources: str, facts: str, people: str) -> None:
    """Wrong types anywhere (lists for words, tables for lists, numbers for dates): PackError, never a crash."""
    knowledge = tmp_path / "fuzz"
    shutil.rmtree(knowledge, ignore_errors=True)
    texts = {"show.toml": show, "sources.toml": sources, "facts.toml": facts, "people.toml": people}
    for name, text in texts.items():
        (knowledge / "pack").mkdir(parents=True, exist_ok=True)
        (knowledge / "pack" / name).write_text(text, encoding="utf-8")
    try:
        load_packs(knowledge)
    except PackError as exc:
        assert all(p.line >= 0 and p.message for p in exc.problems)


# ----------------------------------------------------------------------------------------- kill -9 mid-build


def write_large_knowledge(root: Path, shows: int = 48, facts: int = 40) -> Path:
    """Enough generated packs that a build takes seconds, so it can be killed while writing."""
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike".split()
    for s in range(shows):
        pack = root / f"generated-{s}"
        pack.mkdir(parents=True)
        (pack / "show.toml").write_text(f'title = "Generated Show {s}"\n', encoding="utf-8")
        (pack / "sources.toml").write_text(
            f'[[sources]]\nid = "wire"\ntitle = "Wire"\noutlet = "Wire"\nurl = "https://wire.example/{s}"\n',
            encoding="utf-8",
        )
        entries = []
        for i in range(facts):
            questions = ", ".join(f'"{words[i % 13]} {words[(i * 5 + k) % 13]} question {i} {k}"' for k in range(5))
            entries.append(
                f'[[facts]]\nid = "f{i}"\nquestions = [{questions}]\nanswer = "Answer {i}."\n'
                'as_of = 2025-01-01\nsources = ["wire"]\n'
            )
        (pack / "facts.toml").write_text("\n".join(entries), encoding="utf-8")
    return root


def temporaries(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f".{db.name}.*.tmp"))


def wait_until_unlocked(paths: list[Path]) -> None:
    """Until the killed build's lock is gone: its forked fitting workers share it until they have exited."""
    deadline = time.monotonic() + 30
    for path in paths:
        with path.open("rb") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    assert time.monotonic() < deadline, "the killed build's processes never exited"
                    time.sleep(0.01)


def test_kill_9_mid_build_keeps_the_old_database_and_the_next_build_cleans_up(
    working_db: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    knowledge = write_large_knowledge(tmp_path / "large")
    before = fingerprint(working_db.parent)
    build_process = subprocess.Popen(
        [str(SHOWBOT), "build", "--knowledge", str(knowledge), "--db", str(working_db)],
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill reaches the fitting workers too
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in temporaries(working_db) if p.exists()):
            assert build_process.poll() is None, "the build ended before it could be killed"
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.01)
        time.sleep(0.3)  # well into writing shows
    finally:
        os.killpg(build_process.pid, signal.SIGKILL)
    assert build_process.wait(timeout=30) == -signal.SIGKILL

    leftovers = temporaries(working_db)
    assert leftovers, "kill -9 leaves the half-written file (nothing runs to remove it)"
    wait_until_unlocked(leftovers)
    assert {n: v for n, v in fingerprint(working_db.parent).items() if n in before} == before
    assert_serves_the_old_data(working_db)

    report = build(write_synthetic_knowledge(tmp_path / "next"), working_db)
    assert report.shows == 2
    assert temporaries(working_db) == [], "the next build removes what the killed one abandoned"
    assert_serves_the_old_data(working_db)


def test_packs_read_on_worker_processes_are_reported_exactly_as_when_read_one_by_one(
    tmp_path: Path, working_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large build reads the packs in parallel: the same problems, in the same order, and nothing written."""
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    for case in CASES:
        install(case, knowledge)
    with pytest.raises(PackError) as serial:
        load_packs(knowledge)
    monkeypatch.setattr(bot.build, "_usable_cpus", lambda: 2)
    with bot.build._worker_pool(knowledge) as pool:
        assert pool is not None, "enough packs for the build to start worker processes"
    before = fingerprint(working_db.parent)
    with pytest.raises(PackError) as parallel:
        build(knowledge, working_db)
    assert str(parallel.value) == str(serial.value)
    assert parallel.value.problems == serial.value.problems
    assert fingerprint(working_db.parent) == before
    assert_serves_the_old_data(working_db)
