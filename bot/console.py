"""The interactive console session behind `showbot chat`."""

from __future__ import annotations

import contextlib
import getpass
from pathlib import Path

from bot.questionlog import Where
from bot.render import render_plain
from bot.service import Showbot
from bot.settings import default_db_path


def _history_file() -> Path:
    return default_db_path().parent / "chat_history"


def console_where() -> Where:
    """The console's "user" is the login name (hashed in the question log like any other user id)."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = ""
    return Where(platform="console", user=user)


def run_chat(showbot: Showbot, show: str | None) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    history = _history_file()
    if readline is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    titles = ", ".join(showbot.shows().values())
    print(f"showbot: ask me about {titles}. /quit to leave.")
    where = console_where()
    try:
        while True:
            try:
                line = input("you> ").strip()
            except EOFError:
                print()
                break
            if line in ("/quit", "/exit"):
                break
            if line:
                print(render_plain(showbot.ask(line, where, show=show).answer))
    except KeyboardInterrupt:
        print()
    finally:
        if readline is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
            except OSError:
                pass
