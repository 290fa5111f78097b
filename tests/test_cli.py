"""The `showbot` command through its installed entry point (a subprocess, as users run it)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from bot.cli import cli
from tests.conftest import PACKS, SHOWBOT, RunCli, folded, write_synthetic_knowledge

JSON_KEYS = {"status", "show", "answer", "sources", "as_of", "confidence", "spoiler", "suggestions", "fact_id"}
SOURCE_KEYS = {"title", "url", "outlet", "published"}


def parse_json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_answer_shape(data: dict[str, Any]) -> None:
    assert set(data) == JSON_KEYS
    assert data["status"] in ("answered", "clarify", "unknown")
    assert isinstance(data["answer"], str) and data["answer"].strip()
    assert isinstance(data["sources"], list)
    for source in data["sources"]:
        assert set(source) == SOURCE_KEYS
    assert isinstance(data["confidence"], int | float) and 0 <= data["confidence"] <= 1
    assert isinstance(data["spoiler"], bool)
    assert isinstance(data["suggestions"], list)


# ----------------------------------------------------------------------------------------------- ask


def test_ask_json_has_exactly_the_documented_keys(run_cli: RunCli, etoile_db_copy: Path) -> None:
    result = run_cli("ask", "--db", str(etoile_db_copy), "--json", "is there a season 2 of etoile")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert_answer_shape(data)
    assert data["status"] == "answered"
    assert data["show"] == "etoile"
    assert "cancel" in folded(str(data["answer"]))
    assert str(data["as_of"]).startswith("2025-06")
    assert any(str(s["url"]).startswith(("http://", "https://")) for s in data["sources"])
    assert data["fact_id"]


def test_ask_json_unknown_show(run_cli: RunCli, etoile_db_copy: Path) -> None:
    result = run_cli("ask", "--db", str(etoile_db_copy), "--json", "is", "there", "a", "season", "2", "of", "severance")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert_answer_shape(data)
    assert data["status"] == "unknown"
    assert data["sources"] == [] and data["fact_id"] is None


def test_ask_plain_text_shows_sources(run_cli: RunCli, etoile_db_copy: Path) -> None:
    result = run_cli("ask", "--db", str(etoile_db_copy), "who plays cheyenne?")
    assert result.returncode == 0, result.stderr
    assert "lou de laage" in folded(result.stdout)
    assert "https://" in result.stdout


def test_ask_uses_showbot_db_from_environment(run_cli: RunCli, etoile_db_copy: Path) -> None:
    result = run_cli("ask", "--json", "who plays cheyenne", env={"SHOWBOT_DB": str(etoile_db_copy)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "answered"


def test_batch_mode_answers_one_json_object_per_line_in_order(run_cli: RunCli, etoile_db_copy: Path) -> None:
    questions = [
        "is there a season 2 of etoile",
        "",
        "who plays cheyenne",
        "@everyone <!channel> \x00\x07\x1b[2J lol 🩰 " + "z" * 3000,
        "is there a season 2 of severance",
        "who does david alvarez play",
    ]
    result = run_cli("ask", "--db", str(etoile_db_copy), input="\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(questions), result.stdout
    answers = [json.loads(line) for line in lines]
    for data in answers:
        assert_answer_shape(data)
    assert answers[0]["status"] == "answered" and "cancel" in folded(str(answers[0]["answer"]))
    assert answers[1]["status"] == "unknown"
    assert "lou de laage" in folded(str(answers[2]["answer"]))
    assert "@everyone" not in lines[3] and "<!channel>" not in lines[3]
    assert answers[4]["status"] == "unknown"
    assert "gael" in folded(str(answers[5]["answer"]))


def test_batch_mode_survives_invalid_utf8(run_cli: RunCli, etoile_db_copy: Path, cli_env: dict[str, str]) -> None:
    """Raw bytes that are not UTF-8 (a strict UTF-8 locale, as on most desktops) still get one answer per line."""
    payload = b"who plays cheyenne\n\xff\xfe\xc3(garbage\x00\n" + "is there a season 2 of étoile\n".encode()
    result = subprocess.run(
        [str(SHOWBOT), "ask", "--db", str(etoile_db_copy)],
        input=payload,
        capture_output=True,
        env={**cli_env, "PYTHONIOENCODING": "utf-8:strict"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    answers = parse_json_lines(result.stdout.decode())
    assert len(answers) == 3
    assert answers[0]["status"] == "answered"
    assert answers[2]["status"] == "answered"


def test_first_ask_builds_the_database_automatically(run_cli: RunCli, tmp_path: Path) -> None:
    """A newcomer's very first command works: no database yet, so it is built from the bundled pack."""
    db = tmp_path / "first-run" / "nested" / "showbot.db"
    assert not db.exists()
    result = run_cli("ask", "--json", "is there a season 2 of etoile", env={"SHOWBOT_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    data = json.loads(result.stdout)
    assert data["status"] == "answered" and data["show"] == "etoile"
    assert sorted(p.name for p in db.parent.iterdir()) == ["showbot-log.db", "showbot.db"], (
        "no temporary files left; the question log lives next to the fact base"
    )


def test_chat_session_answers_and_keeps_history_out_of_the_real_home(
    run_cli: RunCli, etoile_db_copy: Path, cli_env: dict[str, str]
) -> None:
    result = run_cli("chat", "--db", str(etoile_db_copy), input="who plays cheyenne\n\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "lou de laage" in folded(result.stdout)
    history = Path(cli_env["XDG_DATA_HOME"]) / "showbot" / "chat_history"
    assert history.is_file(), "readline history is written under XDG_DATA_HOME"


def test_python_dash_m_bot_is_the_same_command(cli_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, env=cli_env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "import-faq" in result.stdout


# ----------------------------------------------------------------------------------------------- eval


def write_jsonl(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


PASSING: list[dict[str, Any]] = [
    {"q": "who plays cheyenne", "status": "answered", "all": [["lou de laage"]]},
    {"q": "is there a season 2 of severance", "status": "unknown"},
    {"q": "is there a season 2 of etoile", "status": "answered", "all": [["cancel"]], "none": ["@everyone"]},
]


def test_eval_passes_at_100_percent(run_cli: RunCli, etoile_db_copy: Path, tmp_path: Path) -> None:
    cases = write_jsonl(tmp_path / "ok.jsonl", PASSING)
    result = run_cli("eval", str(cases), "--db", str(etoile_db_copy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3/3" in result.stdout and "100" in result.stdout


def test_eval_fails_below_min(run_cli: RunCli, etoile_db_copy: Path, tmp_path: Path) -> None:
    failing = {"q": "who plays cheyenne", "status": "unknown"}
    cases = write_jsonl(tmp_path / "mixed.jsonl", [*PASSING, failing])
    result = run_cli("eval", str(cases), "--db", str(etoile_db_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3/4" in result.stdout
    assert "who plays cheyenne" in result.stdout, "the failure table names the failing question"
    lenient = run_cli("eval", str(cases), "--db", str(etoile_db_copy), "--min", "0.7")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr


def test_eval_rejects_a_malformed_file_with_its_line(run_cli: RunCli, etoile_db_copy: Path, tmp_path: Path) -> None:
    cases = tmp_path / "broken.jsonl"
    cases.write_text(json.dumps(PASSING[0]) + "\n{not json\n", encoding="utf-8")
    result = run_cli("eval", str(cases), "--db", str(etoile_db_copy))
    assert result.returncode != 0
    assert "broken.jsonl:2" in result.stderr


# ------------------------------------------------------------------------------------- build / check


def test_build_and_check_happy_path(run_cli: RunCli, tmp_path: Path) -> None:
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    db = tmp_path / "built" / "showbot.db"
    check = run_cli("check", "--knowledge", str(knowledge))
    assert check.returncode == 0, check.stderr
    built = run_cli("build", "--knowledge", str(knowledge), "--db", str(db))
    assert built.returncode == 0, built.stderr
    assert db.is_file()
    asked = run_cli("ask", "--db", str(db), "--show", "moonfall", "--json", "is moonfall cancelled")
    assert json.loads(asked.stdout)["show"] == "moonfall"


def test_build_and_check_fail_on_a_malformed_pack(run_cli: RunCli, tmp_path: Path) -> None:
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    db = tmp_path / "built" / "showbot.db"
    assert run_cli("build", "--knowledge", str(knowledge), "--db", str(db)).returncode == 0
    before = db.read_bytes(), db.stat().st_mtime_ns
    (knowledge / "moonfall" / "sources.toml").write_text(
        PACKS["moonfall"]["sources.toml"].replace("published = 2024-12-01", 'published = "someday"'), encoding="utf-8"
    )
    check = run_cli("check", "--knowledge", str(knowledge))
    assert check.returncode != 0
    assert "sources.toml:" in check.stderr and "someday" in check.stderr
    built = run_cli("build", "--knowledge", str(knowledge), "--db", str(db))
    assert built.returncode != 0
    assert "sources.toml:" in built.stderr
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["showbot.db"]


# ------------------------------------------------------------------------------------------ import-faq


def test_import_faq_happy_and_failing(run_cli: RunCli, tmp_path: Path) -> None:
    db = tmp_path / "faq" / "showbot.db"
    good = tmp_path / "faq.csv"
    good.write_text(
        "question,answer\nwhen do doors open,Doors open at 6pm.\nwhat time do doors open,Doors open at 6pm.\n",
        encoding="utf-8",
    )
    result = run_cli("import-faq", str(good), "--show", "fan-club", "--title", "Fan Club", "--db", str(db))
    assert result.returncode == 0, result.stderr
    asked = run_cli("ask", "--db", str(db), "--show", "fan-club", "--json", "when do doors open")
    data = json.loads(asked.stdout)
    assert (data["status"], data["show"]) == ("answered", "fan-club")
    assert "6pm" in data["answer"]

    before = db.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("question,answer,source_url\nq,A.,ftp://nope.example\n", encoding="utf-8")
    failed = run_cli("import-faq", str(bad), "--show", "fan-club", "--db", str(db))
    assert failed.returncode != 0
    assert "bad.csv:2" in failed.stderr
    assert db.read_bytes() == before


# ------------------------------------------------------------------------------------------------ help

COMMANDS = sorted(cli.list_commands(click.Context(cli)))


def test_top_level_help_lists_every_command(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "Example" in result.stdout
    for name in COMMANDS:
        assert name in result.stdout
    assert {"ask", "build", "check", "chat", "eval", "import-faq"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_has_an_example(run_cli: RunCli, command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Example" in result.stdout, f"`showbot {command} --help` has no example"


def test_unknown_show_option_is_an_error(run_cli: RunCli) -> None:
    """`--show` with a slug the fact base lacks fails loudly instead of being ignored."""
    result = run_cli("ask", "--show", "no-such-show", "is there a season 2")
    assert result.returncode != 0
    assert "no-such-show" in result.stderr and "etoile" in result.stderr
