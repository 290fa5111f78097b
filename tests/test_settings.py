"""Settings: environment beats .env, bad values name their key, secrets never print themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.settings import Secret, Settings, SettingsError, default_db_path

TOKEN = "xoxb-0000-super-secret-value"


def dotenv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_beats_dotenv(tmp_path: Path) -> None:
    env_file = dotenv(tmp_path, "SHOWBOT_DB=/from/dotenv.db\nSHOWBOT_LOG_LEVEL=debug\nSHOWBOT_ACCEPT_THRESHOLD=0.4\n")
    settings = Settings.load(
        env_file=env_file, environ={"SHOWBOT_DB": "/from/environment.db", "SHOWBOT_ACCEPT_THRESHOLD": "0.8"}
    )
    assert settings.db_path == Path("/from/environment.db")
    assert settings.router.accept == 0.8
    assert settings.log_level == "DEBUG", "keys only in .env are still read"


def test_process_environment_beats_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = dotenv(tmp_path, "SHOWBOT_DB=/from/dotenv.db\n")
    monkeypatch.setenv("SHOWBOT_DB", str(tmp_path / "env.db"))
    assert Settings.load(env_file=env_file).db_path == tmp_path / "env.db"


def test_dotenv_is_used_when_environment_is_silent(tmp_path: Path) -> None:
    env_file = dotenv(tmp_path, f"SHOWBOT_DB={tmp_path / 'dotenv.db'}\nSHOWBOT_ACCEPT_THRESHOLD=0.25\n")
    settings = Settings.load(env_file=env_file, environ={})
    assert settings.db_path == tmp_path / "dotenv.db"
    assert settings.router.accept == 0.25


@pytest.mark.parametrize("key", ["SHOWBOT_ACCEPT_THRESHOLD", "SHOWBOT_AMBIGUITY"])
@pytest.mark.parametrize("value", ["high", "1.5", "-0.1", "0,5", "nan"])
def test_bad_threshold_names_the_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        Settings.load(env_file=None, environ={key: value})
    assert key in str(info.value)


def test_bad_threshold_fails_the_cli_with_the_key_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOWBOT_ACCEPT_THRESHOLD", "lots")
    result = CliRunner().invoke(cli, ["ask", "--json", "hello"])
    assert result.exit_code != 0
    assert "SHOWBOT_ACCEPT_THRESHOLD" in result.output
    assert "Traceback" not in result.output


def test_secrets_never_appear_in_repr_or_str() -> None:
    settings = Settings.load(
        env_file=None,
        environ={
            "DISCORD_TOKEN": TOKEN,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": TOKEN,
            "SLACK_APP_TOKEN": TOKEN,
            "SHOWBOT_USER_SALT": TOKEN,
        },
    )
    for shown in (
        repr(settings),
        str(settings),
        f"{settings}",
        repr(settings.discord),
        repr(settings.slack),
        repr(settings.log),
        repr(settings.discord.token),
        str(settings.slack.bot_token),
        f"{settings.slack.signing_secret}",
        "%s" % settings.discord.token,  # noqa: UP031 - old-style formatting must not leak either
        repr([settings.slack.app_token]),
    ):
        assert TOKEN not in shown
    assert settings.require("discord.token") == TOKEN
    assert settings.require("slack.app_token") == TOKEN


def test_secret_is_not_leaked_by_an_error_message() -> None:
    secret = Secret(TOKEN)
    try:
        raise ValueError(f"could not connect with {secret!r} / {secret}")
    except ValueError as exc:
        assert TOKEN not in str(exc)


def test_require_names_the_missing_key() -> None:
    settings = Settings.load(env_file=None, environ={})
    for name, key in [
        ("discord.token", "DISCORD_TOKEN"),
        ("slack.bot_token", "SLACK_BOT_TOKEN"),
        ("slack.signing_secret", "SLACK_SIGNING_SECRET"),
        ("slack.app_token", "SLACK_APP_TOKEN"),
    ]:
        with pytest.raises(SettingsError, match=key):
            settings.require(name)


def test_default_database_lives_under_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path().is_relative_to(tmp_path / "xdg")
    monkeypatch.delenv("SHOWBOT_DB")
    assert Settings.load(env_file=None).db_path.is_relative_to(tmp_path / "xdg")


def test_env_example_lists_every_setting() -> None:
    """.env.example documents every key the settings read."""
    import re

    import bot.settings

    source = Path(bot.settings.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'"((?:SHOWBOT|DISCORD|SLACK)_[A-Z_]+)"', source))
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    assert keys, "no settings keys found"
    missing = sorted(k for k in keys if k not in example)
    assert not missing, f".env.example lacks {missing}"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DISCORD_GUILD_ID", "my-guild"),
        ("DISCORD_SHARD_COUNT", "0"),
        ("DISCORD_SHARD_IDS", "0,one"),
        ("DISCORD_AUTO_ANSWER_CHANNELS", "#general"),
        ("SHOWBOT_COOLDOWN_SECONDS", "-1"),
        ("SHOWBOT_PACK_MEMORY_MB", "0"),
        ("SHOWBOT_PACK_MEMORY_MB", "1.5"),
        ("SHOWBOT_QUESTION_LOG", "maybe"),
        ("SHOWBOT_LOG_RETENTION_DAYS", "a week"),
        ("SLACK_EPHEMERAL", "sometimes"),
        ("SHOWBOT_LOG_LEVEL", "chatty"),
    ],
)
def test_bad_values_name_their_key(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=key):
        Settings.load(env_file=None, environ={key: value})


def test_pack_memory_budget_reaches_the_fact_base(synthetic_db: Path) -> None:
    from bot.app import open_router

    assert Settings.load(env_file=None, environ={}).pack_memory_mb == 256
    settings = Settings.load(env_file=None, environ={"SHOWBOT_PACK_MEMORY_MB": "1"})
    assert settings.pack_memory_mb == 1
    router = open_router(settings, synthetic_db, lambda _: None)
    assert router.base.memory_budget == 1 << 20


def test_platform_settings_are_parsed() -> None:
    settings = Settings.load(
        env_file=None,
        environ={
            "DISCORD_GUILD_ID": "123",
            "DISCORD_SHARD_COUNT": "4",
            "DISCORD_SHARD_IDS": "0, 1",
            "DISCORD_AUTO_ANSWER_CHANNELS": "55 66",
            "SLACK_ADMIN_USER_IDS": "U1,U2",
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "SLACK_EPHEMERAL": "yes",
            "SHOWBOT_DB": "/data/kb.db",
        },
    )
    assert settings.discord.guild_id == 123
    assert settings.discord.shard_count == 4 and settings.discord.shard_ids == (0, 1)
    assert settings.discord.auto_answer_channels == (55, 66)
    assert settings.slack.admin_user_ids == ("U1", "U2")
    assert settings.slack.api_url == "http://127.0.0.1:9/api/" and settings.slack.ephemeral
    assert settings.log_db_path == Path("/data/showbot-log.db"), "the log lives next to the fact base by default"
