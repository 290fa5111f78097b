"""Curating from the question log: `showbot stats`, `unanswered`, `teach`, and structured logs."""

from __future__ import annotations

import getpass
import json
import shutil
from pathlib import Path

import pytest

from bot.packs import PackError, load_packs
from bot.questionlog import Where
from bot.service import Showbot, TeachError
from bot.settings import BUNDLED_KNOWLEDGE, Settings
from tests.conftest import RunCli

TAUGHT = "any chance of more twirling from the paris crew"


@pytest.fixture
def curated(tmp_path: Path, run_cli: RunCli) -> tuple[Path, dict[str, str]]:
    """A writable copy of the Étoile pack, built, and the environment pointing at both."""
    knowledge = tmp_path / "curated-knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE / "etoile", knowledge / "etoile")
    env = {"SHOWBOT_KNOWLEDGE": str(knowledge), "SHOWBOT_DB": str(tmp_path / "kb" / "showbot.db")}
    assert run_cli("build", env=env).returncode == 0
    return knowledge, env


def ask(run_cli: RunCli, env: dict[str, str], question: str) -> dict[str, object]:
    result = run_cli("ask", "--json", question, env=env)
    assert result.returncode == 0, result.stderr
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_console_questions_are_logged_and_counted(run_cli: RunCli, curated: tuple[Path, dict[str, str]]) -> None:
    _, env = curated
    ask(run_cli, env, "who plays cheyenne?")
    ask(run_cli, env, "what's the weather in lyon")
    ask(run_cli, env, "What's the weather in Lyon?")
    result = run_cli("stats", env=env)
    assert result.returncode == 0, result.stderr
    assert "questions: 3" in result.stdout and "answered: 1" in result.stdout and "unknown: 2" in result.stdout
    result = run_cli("unanswered", "--since", "1d", env=env)
    assert result.returncode == 0
    assert "weather in lyon" in result.stdout.lower() and "    2" in result.stdout
    assert "No unanswered" in run_cli("unanswered", "--since", "2999-01-01", env=env).stdout
    bad = run_cli("stats", "--since", "last tuesday", env=env)
    assert bad.returncode != 0 and "--since" in bad.stderr and "Traceback" not in bad.stderr


def test_teach_adds_a_reviewable_phrasing_and_applies_it(run_cli: RunCli, curated: tuple[Path, dict[str, str]]) -> None:
    knowledge, env = curated
    assert ask(run_cli, env, TAUGHT)["fact_id"] != "renewal-cancelled"
    result = run_cli("teach", TAUGHT, "renewal-cancelled", env=env)
    assert result.returncode == 0, result.stderr
    assert "Taught" in result.stdout
    taught = knowledge / "etoile" / "taught.toml"
    assert TAUGHT in taught.read_text(encoding="utf-8"), "stored as a pack change a curator can review"
    answer = ask(run_cli, env, TAUGHT)
    assert (answer["status"], answer["fact_id"]) == ("answered", "renewal-cancelled")
    (pack,) = load_packs(knowledge)
    assert TAUGHT in next(f for f in pack.facts if f.id == "renewal-cancelled").questions
    assert run_cli("build", env=env).returncode == 0 and ask(run_cli, env, TAUGHT)["fact_id"] == "renewal-cancelled"


def test_teach_rejects_unknown_facts_and_changes_nothing(run_cli: RunCli, curated: tuple[Path, dict[str, str]]) -> None:
    knowledge, env = curated
    result = run_cli("teach", "is it good", "no-such-fact", env=env)
    assert result.returncode != 0 and "no-such-fact" in result.stderr and "Traceback" not in result.stderr
    assert not (knowledge / "etoile" / "taught.toml").exists()
    empty = run_cli("teach", "   ", "renewal-cancelled", env=env)
    assert empty.returncode != 0 and "Traceback" not in empty.stderr


def test_a_failed_rebuild_puts_taught_toml_back(curated: tuple[Path, dict[str, str]]) -> None:
    knowledge, env = curated
    settings = Settings.load(env_file=None, environ=env)
    showbot = Showbot.open(settings)
    showbot.teach("first taught question about renewal", "renewal-cancelled")
    taught = knowledge / "etoile" / "taught.toml"
    before = taught.read_bytes()
    people = knowledge / "etoile" / "people.toml"
    people.write_text(people.read_text(encoding="utf-8") + "\n[[people]]\nid = 3\n", encoding="utf-8")
    with pytest.raises(TeachError, match="nothing changed"):
        showbot.teach("second taught question", "renewal-cancelled")
    assert taught.read_bytes() == before
    where = Where(platform="console")
    assert showbot.ask("first taught question about renewal", where).answer.fact_id == "renewal-cancelled"


def test_a_broken_pack_edit_keeps_the_last_good_database(run_cli: RunCli, curated: tuple[Path, dict[str, str]]) -> None:
    knowledge, env = curated
    facts = knowledge / "etoile" / "facts.toml"
    facts.write_text(facts.read_text(encoding="utf-8") + '\n[[facts]]\nid = "half-written"\n', encoding="utf-8")
    result = run_cli("ask", "--json", "who plays cheyenne", env=env)
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "answered"
    assert "previous fact base stays in use" in result.stderr and "facts.toml:" in result.stderr


def test_teach_on_an_imported_sheet_says_to_edit_the_sheet(
    run_cli: RunCli, curated: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _, env = curated
    sheet = tmp_path / "faq.csv"
    sheet.write_text("id,question,answer\nhours,when are you open,Nine to five.\n", encoding="utf-8")
    assert run_cli("import-faq", str(sheet), "--show", "shop", env=env).returncode == 0
    result = run_cli("teach", "what time do you open", "hours", env=env)
    assert result.returncode != 0 and "FAQ sheet" in result.stderr


def test_taught_file_with_an_unknown_fact_names_file_and_line(tmp_path: Path) -> None:
    knowledge = tmp_path / "k"
    shutil.copytree(BUNDLED_KNOWLEDGE / "etoile", knowledge / "etoile")
    (knowledge / "etoile" / "taught.toml").write_text(
        '[[taught]]\nquestion = "ok"\nfact = "renewal-cancelled"\n\n[[taught]]\nquestion = "x"\nfact = "nope"\n',
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_packs(knowledge)
    assert "taught.toml:7: taught[1].fact: unknown fact id 'nope'" in str(info.value)


def test_json_logs_have_one_event_per_line_and_no_user_ids(
    run_cli: RunCli, curated: tuple[Path, dict[str, str]]
) -> None:
    _, env = curated
    result = run_cli(
        "ask",
        "--json",
        "who plays cheyenne",
        env={**env, "SHOWBOT_LOG_JSON": "true", "SHOWBOT_LOG_LEVEL": "INFO", "DISCORD_TOKEN": "secret-token-value"},
    )
    assert result.returncode == 0
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    question = next(e for e in events if e.get("event") == "question")
    assert question["status"] == "answered" and question["platform"] == "console" and "ms" in question
    assert "secret-token-value" not in result.stderr
    assert getpass.getuser() not in result.stderr.replace('"logger"', "")
