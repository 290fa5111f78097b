"""One settings object, read from the environment and a `.env` file (environment wins).

Modelled on starlette's `Config`: a bad or missing required key is an error that names it, and secrets
are wrapped so they never show up in a log line, a traceback or a repr. showbot's own keys start with
`SHOWBOT_`; the platform keys use the names Discord's and Slack's own docs use (`DISCORD_TOKEN`,
`SLACK_BOT_TOKEN`, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_KNOWLEDGE = PACKAGE_DIR.parent / "knowledge"
SLACK_API_URL = "https://slack.com/api/"
# MiB of show packs a process keeps loaded (a 50-fact pack's stored row is ~0.21 MB, ~0.24 MB loaded). A
# question about a pack not loaded waits for a load that costs about what answering it does, so the default
# keeps every pack of a 1,000-show fact base; a small host lowers it.
DEFAULT_PACK_MEMORY_MB = 256


class SettingsError(ValueError):
    pass


class Secret:
    """A string that refuses to print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def default_db_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "showbot" / "showbot.db"


class _Env:
    """Typed reads from the merged environment; every error names the key."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def text(self, key: str, default: str = "") -> str:
        return self.values.get(key, "").strip() or default

    def secret(self, key: str) -> Secret:
        return Secret(self.values.get(key, "").strip())

    def path(self, key: str) -> Path | None:
        raw = self.text(key)
        return Path(raw).expanduser() if raw else None

    def fraction(self, key: str) -> float | None:
        raw = self.text(key)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not 0.0 <= value <= 1.0:
            raise SettingsError(f"{key} must be a number between 0 and 1, got {raw!r}")
        return value

    def number(self, key: str, default: float, minimum: float = 0.0) -> float:
        raw = self.text(key)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = float("nan")
        if not value >= minimum or value == float("inf"):
            raise SettingsError(f"{key} must be a number >= {minimum:g}, got {raw!r}")
        return value

    def integer(self, key: str, default: int | None, minimum: int = 0) -> int | None:
        raw = self.text(key)
        if not raw:
            return default
        if not raw.isdigit() or int(raw) < minimum:
            raise SettingsError(f"{key} must be a whole number >= {minimum}, got {raw!r}")
        return int(raw)

    def flag(self, key: str, default: bool) -> bool:
        raw = self.text(key).lower()
        if not raw:
            return default
        if raw in {"1", "true", "yes", "on"}:
            return True
        if raw in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{key} must be true or false, got {raw!r}")

    def ids(self, key: str) -> tuple[str, ...]:
        """A comma- or space-separated list of platform ids (channels, users)."""
        return tuple(p for p in self.text(key).replace(",", " ").split() if p)

    def int_ids(self, key: str) -> tuple[int, ...]:
        parts = self.ids(key)
        if not all(p.isdigit() for p in parts):
            raise SettingsError(f"{key} must be a comma-separated list of numeric ids, got {self.text(key)!r}")
        return tuple(int(p) for p in parts)


@dataclass(frozen=True)
class RouterSettings:
    """Decision thresholds; None means "use the value the pack calibrated for itself"."""

    accept: float | None = None  # confidence needed to answer; None: the pack's calibrated threshold
    ambiguity: float = 0.85  # a runner-up within this ratio of the best match makes the bot ask instead
    max_suggestions: int = 3


@dataclass(frozen=True)
class LogSettings:
    """The question log: a separate, writable SQLite file, so the fact base stays read-only."""

    enabled: bool = True
    path: Path | None = None  # None: showbot-log.db next to the fact base
    retention_days: int = 90  # 0 keeps every row
    user_salt: Secret = field(default_factory=lambda: Secret(""))  # empty: a random salt kept in the log db
    json: bool = False  # one JSON object per log line instead of text


@dataclass(frozen=True)
class DiscordSettings:
    token: Secret = field(default_factory=lambda: Secret(""))
    guild_id: int | None = None  # sync commands to this guild only (instant, for development)
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()  # the shards this process runs; empty: all of them
    auto_answer_channels: tuple[int, ...] = ()  # channels where every message is a question (content intent)


@dataclass(frozen=True)
class SlackSettings:
    bot_token: Secret = field(default_factory=lambda: Secret(""))
    signing_secret: Secret = field(default_factory=lambda: Secret(""))
    app_token: Secret = field(default_factory=lambda: Secret(""))
    api_url: str = SLACK_API_URL
    command: str = "/showbot"
    ephemeral: bool = False  # answers only the asker sees
    admin_user_ids: tuple[str, ...] = ()


# The settings a front end needs, by attribute path, and the key to name when one is missing.
REQUIRED_KEYS = {
    "discord.token": "DISCORD_TOKEN",
    "slack.bot_token": "SLACK_BOT_TOKEN",
    "slack.signing_secret": "SLACK_SIGNING_SECRET",
    "slack.app_token": "SLACK_APP_TOKEN",
}


@dataclass(frozen=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    router: RouterSettings = RouterSettings()
    log: LogSettings = LogSettings()
    cooldown_seconds: float = 3.0  # per user, in the chat adapters
    pack_memory_mb: int = DEFAULT_PACK_MEMORY_MB  # the least recently asked packs beyond it load again when asked
    log_level: str = "WARNING"
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", environ: Mapping[str, str] | None = None) -> Settings:
        merged: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            from dotenv import dotenv_values

            merged.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        merged.update(os.environ if environ is None else environ)
        env = _Env(merged)
        level = env.text("SHOWBOT_LOG_LEVEL", "WARNING").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise SettingsError(f"SHOWBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
        return cls(
            db_path=env.path("SHOWBOT_DB") or default_db_path(),
            knowledge_dir=env.path("SHOWBOT_KNOWLEDGE") or BUNDLED_KNOWLEDGE,
            router=RouterSettings(
                accept=env.fraction("SHOWBOT_ACCEPT_THRESHOLD"),
                ambiguity=env.fraction("SHOWBOT_AMBIGUITY") or RouterSettings().ambiguity,
            ),
            log=LogSettings(
                enabled=env.flag("SHOWBOT_QUESTION_LOG", True),
                path=env.path("SHOWBOT_LOG_DB"),
                retention_days=env.integer("SHOWBOT_LOG_RETENTION_DAYS", 90) or 0,
                user_salt=env.secret("SHOWBOT_USER_SALT"),
                json=env.flag("SHOWBOT_LOG_JSON", False),
            ),
            cooldown_seconds=env.number("SHOWBOT_COOLDOWN_SECONDS", 3.0),
            pack_memory_mb=env.integer("SHOWBOT_PACK_MEMORY_MB", DEFAULT_PACK_MEMORY_MB, 1) or DEFAULT_PACK_MEMORY_MB,
            log_level=level,
            discord=DiscordSettings(
                token=env.secret("DISCORD_TOKEN"),
                guild_id=env.integer("DISCORD_GUILD_ID", None, minimum=1),
                shard_count=env.integer("DISCORD_SHARD_COUNT", None, minimum=1),
                shard_ids=env.int_ids("DISCORD_SHARD_IDS"),
                auto_answer_channels=env.int_ids("DISCORD_AUTO_ANSWER_CHANNELS"),
            ),
            slack=SlackSettings(
                bot_token=env.secret("SLACK_BOT_TOKEN"),
                signing_secret=env.secret("SLACK_SIGNING_SECRET"),
                app_token=env.secret("SLACK_APP_TOKEN"),
                api_url=env.text("SLACK_API_URL", SLACK_API_URL),
                command=env.text("SLACK_COMMAND", "/showbot"),
                ephemeral=env.flag("SLACK_EPHEMERAL", False),
                admin_user_ids=env.ids("SLACK_ADMIN_USER_IDS"),
            ),
        )

    @property
    def log_db_path(self) -> Path:
        return self.log.path or self.db_path.with_name("showbot-log.db")

    def require(self, name: str) -> str:
        """The revealed value of a secret setting (e.g. "discord.token"), or an error naming its key."""
        value: object = self
        for part in name.split("."):
            value = getattr(value, part)
        if not isinstance(value, Secret):
            raise TypeError(f"{name} is not a secret setting")
        if not value:
            raise SettingsError(f"{REQUIRED_KEYS[name]} is not set (put it in the environment or .env)")
        return value.reveal()
