"""Shared fixtures: a tiny synthetic two-show pack, the bundled Étoile fact base, and an isolated environment.

Every test runs with SHOWBOT_DB and XDG_DATA_HOME pointing into its own tmp_path (and the working
directory moved there, so a developer's `.env` is never read): the suite never touches a real database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from bot.build import build
from bot.models import AskContext
from bot.questionlog import QuestionLog
from bot.router import Router
from bot.service import Showbot
from bot.settings import BUNDLED_KNOWLEDGE, LogSettings, Settings
from bot.store import FactBase
from bot.text import fold

REPO_ROOT = Path(__file__).resolve().parents[1]
SHOWBOT = Path(sys.executable).parent / "showbot"

# ---------------------------------------------------------------------------------------------------------
# The synthetic pack. "moonfall" holds a superseded renewal fact, a low-reliability rumour that is newer than
# a reliable fact on the same topic, four facts sharing one phrasing (ambiguity), a spoiler and two people.
# "harbor-lights" is a second show, so show resolution has something to choose between.

MOONFALL_SHOW = """\
title = "Moonfall Station"
aliases = ["moonfall", "the space show"]
"""

MOONFALL_SOURCES = """\
[[sources]]
id = "gazette-2024-01"
title = "Moonfall Station renewed for a second season"
outlet = "Space Gazette"
url = "https://gazette.example/moonfall-renewed"
published = 2024-01-10
reliability = "medium"

[[sources]]
id = "trades-2024-09"
title = "Moonfall Station cancelled after one season"
outlet = "Trade Weekly"
url = "https://trades.example/moonfall-cancelled"
published = 2024-09-02
reliability = "high"

[[sources]]
id = "fanblog-2024-12"
title = "Moonfall spin-off is happening, insiders say"
outlet = "Fan Blog"
url = "http://fanblog.example/moonfall-spinoff"
published = 2024-12-01
reliability = "low"

[[sources]]
id = "press-kit"
title = "Moonfall Station press kit"
outlet = "Network Press"
reliability = "high"
"""

MOONFALL_FACTS = """\
[[facts]]  # renewal-renewed
id = "renewal-renewed"
topic = "renewal"
questions = [
  "was moonfall renewed for a second season",
  "did moonfall get a season 2 order",
  "moonfall renewal announcement",
]
answer = "Space Gazette reported that Moonfall Station was renewed for a second season."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # renewal-cancelled
id = "renewal-cancelled"
topic = "renewal"
questions = [
  "is there a season 2",
  "is moonfall cancelled",
  "is moonfall coming back",
  "will there be more episodes",
]
answer = "No. Moonfall Station was cancelled after one season."
as_of = 2024-09-02
sources = ["trades-2024-09", "press-kit"]
supersedes = ["renewal-renewed"]

[[facts]]  # spinoff-none
id = "spinoff-none"
topic = "spinoff"
questions = [
  "is there a moonfall spinoff",
  "any spin off planned",
]
answer = "No spin-off has been announced by the network."
as_of = 2024-09-02
sources = ["trades-2024-09"]

[[facts]]  # spinoff-rumour
id = "spinoff-rumour"
topic = "spinoff"
questions = [
  "is the moonfall spinoff happening in 2025",
  "spinoff rumour from insiders",
]
answer = "A fan blog claims a Moonfall spin-off is happening."
as_of = 2024-12-01
sources = ["fanblog-2024-12"]

[[facts]]  # airing-us
id = "airing-us"
questions = ["when does moonfall air in america", "which channel airs it"]
answer = "In the US, Moonfall Station airs on Orbit TV."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # airing-uk
id = "airing-uk"
questions = ["when does moonfall air in britain", "which channel airs it"]
answer = "In the UK, Moonfall Station airs on Channel Nine."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # airing-au
id = "airing-au"
questions = ["when does moonfall air in australia", "which channel airs it"]
answer = "In Australia, Moonfall Station airs on Southern Cross Orbit."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # airing-ca
id = "airing-ca"
questions = ["when does moonfall air in canada", "which channel airs it"]
answer = "In Canada, Moonfall Station airs on Maple Sky."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # premise
id = "premise"
questions = [
  "what is moonfall about",
  "whats the plot",
  "what is the story",
]
answer = "A small crew keeps a failing lunar station alive while Earth forgets about them."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # finale
id = "finale"
questions = [
  "how does moonfall end",
  "what happens in the finale",
  "who dies at the end",
]
answer = "In the finale Captain Vera Lune stays behind and crashes the station to save the crew."
as_of = 2024-03-01
sources = ["gazette-2024-01"]
spoiler = true

[[facts]]  # theme-song
id = "theme-song"
questions = ["who sings the theme song", "who did the music"]
answer = "The theme song is sung by Nova Reyes."
as_of = 2024-01-10
sources = ["gazette-2024-01"]

[[facts]]  # score-composer
id = "score-composer"
questions = ["who composed the score", "who did the music"]
answer = "The score was composed by Ilan Brook."
as_of = 2024-01-10
sources = ["gazette-2024-01"]
"""

MOONFALL_PEOPLE = """\
[[people]]
id = "ada-stone"
actor = "Ada Stone"
character = "Vera Lune"
character_aliases = ["captain lune"]
description = "the station's stubborn captain"
sources = ["gazette-2024-01"]

[[people]]
id = "otto-marsh"
actor = "Otto Marsh"
character = "Ilo Venn"
description = "the station's doctor"
role = "recurring"
sources = ["gazette-2024-01"]
"""

HARBOR_SHOW = """\
title = "Harbor Lights"
aliases = ["harbour lights"]
"""

HARBOR_SOURCES = """\
[[sources]]
id = "coast-news-2025-02"
title = "Harbor Lights renewed for season 2"
outlet = "Coast News"
url = "https://coastnews.example/harbor-lights-renewed"
published = 2025-02-01
reliability = "high"
"""

HARBOR_FACTS = """\
[[facts]]
id = "renewal"
questions = [
  "is there a season 2",
  "is harbor lights renewed",
  "is harbor lights coming back",
  "will there be more episodes",
]
answer = "Yes. Harbor Lights was renewed for a second season in February 2025."
as_of = 2025-02-01
sources = ["coast-news-2025-02"]

[[facts]]
id = "premise"
questions = ["what is harbor lights about", "whats the plot", "what is the story"]
answer = "A lighthouse keeper solves crimes along a foggy coast."
as_of = 2025-02-01
sources = ["coast-news-2025-02"]
"""

HARBOR_PEOPLE = """\
[[people]]
id = "jonah-reed"
actor = "Jonah Reed"
character = "Tom Hale"
description = "the lighthouse keeper"
sources = ["coast-news-2025-02"]
"""

PACKS: dict[str, dict[str, str]] = {
    "moonfall": {
        "show.toml": MOONFALL_SHOW,
        "sources.toml": MOONFALL_SOURCES,
        "facts.toml": MOONFALL_FACTS,
        "people.toml": MOONFALL_PEOPLE,
    },
    "harbor-lights": {
        "show.toml": HARBOR_SHOW,
        "sources.toml": HARBOR_SOURCES,
        "facts.toml": HARBOR_FACTS,
        "people.toml": HARBOR_PEOPLE,
    },
}

MOON = AskContext(platform="console", default_show="moonfall")
HARBOR = AskContext(platform="console", default_show="harbor-lights")


def write_pack(knowledge: Path, slug: str, files: Mapping[str, str]) -> Path:
    """Write one pack folder (file name -> TOML text) and return it."""
    folder = knowledge / slug
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_synthetic_knowledge(root: Path, only: tuple[str, ...] | None = None) -> Path:
    """The synthetic knowledge folder (both shows unless `only` names some)."""
    root.mkdir(parents=True, exist_ok=True)
    for slug, files in PACKS.items():
        if only is None or slug in only:
            write_pack(root, slug, files)
    return root


def folded(text: str | None) -> str:
    """Case- and accent-insensitive form of a text, for behaviour (not wording) assertions."""
    return fold(text or "")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the `occurrence`-th match of `needle`."""
    seen = 0
    for n, line in enumerate(text.splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return n
    raise AssertionError(f"{needle!r} not found in text")


# ---------------------------------------------------------------------------------------------------------
# Isolation


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: large-scale test (deselect with -m 'not slow' while iterating)")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real database, no developer .env, no stray SHOWBOT_* / platform setting leaks into a test."""
    for key in list(os.environ):
        if key.startswith(("SHOWBOT_", "DISCORD_", "SLACK_")):
            monkeypatch.delenv(key, raising=False)
    home = tmp_path / "_home"
    home.mkdir()
    monkeypatch.setenv("SHOWBOT_DB", str(home / "data" / "showbot.db"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))
    monkeypatch.chdir(home)
    return home


# ---------------------------------------------------------------------------------------------------------
# The synthetic pack


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A fresh, writable copy of the synthetic two-show knowledge folder."""
    return write_synthetic_knowledge(tmp_path / "knowledge")


@pytest.fixture
def synthetic_db(knowledge: Path, tmp_path: Path) -> Path:
    """An on-disk fact base built from `knowledge` (writable: tests may rebuild or import into it)."""
    path = tmp_path / "db" / "synthetic.db"
    build(knowledge, path)
    return path


@pytest.fixture(scope="session")
def synthetic_router(tmp_path_factory: pytest.TempPathFactory) -> Router:
    """A Router over the synthetic fact base, built once (read-only use)."""
    root = tmp_path_factory.mktemp("synthetic")
    knowledge = write_synthetic_knowledge(root / "knowledge")
    path = root / "synthetic.db"
    build(knowledge, path)
    return Router(FactBase(path))


# ---------------------------------------------------------------------------------------------------------
# The bundled Étoile pack


@pytest.fixture(scope="session")
def etoile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled knowledge compiled once per session into a session-scoped tmp dir."""
    path = tmp_path_factory.mktemp("etoile") / "etoile.db"
    build(BUNDLED_KNOWLEDGE, path)
    return path


@pytest.fixture(scope="session")
def etoile_router(etoile_db: Path) -> Router:
    return Router(FactBase(etoile_db))


@pytest.fixture
def etoile_db_copy(etoile_db: Path, tmp_path: Path) -> Path:
    """A private copy of the Étoile database (for subprocesses and tests that write)."""
    path = tmp_path / "copy" / "etoile.db"
    path.parent.mkdir()
    shutil.copyfile(etoile_db, path)  # fresh mtime: never looks stale to the CLI's auto-rebuild
    return path


@pytest.fixture
def etoile_showbot(etoile_db_copy: Path, tmp_path: Path) -> Iterator[Showbot]:
    """The service every adapter talks to, over a private Étoile database and question log."""
    settings = Settings(db_path=etoile_db_copy, log=LogSettings(path=tmp_path / "log" / "questions.db"))
    bot = Showbot(settings, Router(FactBase(etoile_db_copy)), QuestionLog(settings.log_db_path))
    yield bot
    bot.close()


# ---------------------------------------------------------------------------------------------------------
# The real `showbot` console script


@pytest.fixture
def cli_env(isolated_environment: Path) -> dict[str, str]:
    """Environment for `showbot` subprocesses: databases and data dirs inside tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWBOT_", "DISCORD_", "SLACK_"))}
    env["SHOWBOT_DB"] = str(isolated_environment / "data" / "showbot.db")
    env["XDG_DATA_HOME"] = str(isolated_environment / "xdg")
    env["PYTHONIOENCODING"] = "utf-8"
    return env


RunCli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(cli_env: dict[str, str], isolated_environment: Path) -> RunCli:
    """Run the installed `showbot` console script; returns the CompletedProcess (text mode)."""
    assert SHOWBOT.exists(), f"console script not found next to {sys.executable}"

    def run(
        *args: str, input: str | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SHOWBOT), *args],
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**cli_env, **(env or {})},
            cwd=isolated_environment,
            timeout=300,
        )

    return run
