"""The interactive console session behind `showbot chat`."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.models import AskContext
from bot.render import render_plain
from bot.router import Router
from bot.settings import default_db_path


def _history_file() -> Path:
    return default_db_path().parent / "chat_history"


def run_chat(router: Router, show: str | None) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    history = _history_file()
    if readline is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    titles = ", ".join(router.base.titles.values())
    print(f"showbot: ask me about {titles}. /quit to leave.")
    context = AskContext(platform="console", default_show=show)
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
                print(render_plain(router.ask(line, context)))
    except KeyboardInterrupt:
        print()
    finally:
        if readline is not None:
            try:
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)
            except OSError:
                pass
