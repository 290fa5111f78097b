"""One settings object, read from the environment and a `.env` file (environment wins).

Modelled on starlette's `Config`: a missing required key is an error that names it, and secrets are
wrapped so they never show up in a log line, a traceback or a repr.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLED_KNOWLEDGE = PACKAGE_DIR.parent / "knowledge"


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


def default_db_path() -> Path:
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "showbot" / "showbot.db"


def _float(env: Mapping[str, str], key: str) -> float | None:
    raw = env.get(key, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number between 0 and 1, got {raw!r}") from None
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"{key} must be a number between 0 and 1, got {raw!r}")
    return value


@dataclass(frozen=True)
class RouterSettings:
    """Decision thresholds; None means "use the value the pack calibrated for itself"."""

    accept: float | None = None  # confidence needed to answer; None: the pack's calibrated threshold
    ambiguity: float = 0.8  # a runner-up within this ratio of the best match makes the bot ask instead
    max_suggestions: int = 3


@dataclass(frozen=True)
class Settings:
    db_path: Path = field(default_factory=default_db_path)
    knowledge_dir: Path = BUNDLED_KNOWLEDGE
    router: RouterSettings = RouterSettings()
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    slack_bot_token: Secret = field(default_factory=lambda: Secret(""))
    slack_signing_secret: Secret = field(default_factory=lambda: Secret(""))
    log_level: str = "WARNING"

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", environ: Mapping[str, str] | None = None) -> Settings:
        env: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            from dotenv import dotenv_values

            env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        return cls(
            db_path=Path(env["SHOWBOT_DB"]).expanduser() if env.get("SHOWBOT_DB") else default_db_path(),
            knowledge_dir=Path(env["SHOWBOT_KNOWLEDGE"]).expanduser()
            if env.get("SHOWBOT_KNOWLEDGE")
            else BUNDLED_KNOWLEDGE,
            router=RouterSettings(
                accept=_float(env, "SHOWBOT_ACCEPT_THRESHOLD"),
                ambiguity=_float(env, "SHOWBOT_AMBIGUITY") or RouterSettings().ambiguity,
            ),
            discord_token=Secret(env.get("SHOWBOT_DISCORD_TOKEN", "")),
            slack_bot_token=Secret(env.get("SHOWBOT_SLACK_BOT_TOKEN", "")),
            slack_signing_secret=Secret(env.get("SHOWBOT_SLACK_SIGNING_SECRET", "")),
            log_level=env.get("SHOWBOT_LOG_LEVEL", "WARNING").upper(),
        )

    def require(self, name: str) -> str:
        """The revealed value of a secret setting, or an error naming the environment key to set."""
        secret = getattr(self, name)
        if not secret:
            raise SettingsError(f"SHOWBOT_{name.upper()} is not set (put it in the environment or .env)")
        return str(secret.reveal())
