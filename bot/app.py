"""Opening the router for a front end, building the fact base first when it is missing or stale (its
packs changed, or an older showbot built it).

A newcomer's first `showbot ask` must just work, and a curator editing the bundled pack must not have
to remember to rebuild: both cases are handled here, for every adapter alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from bot.router import Router
from bot.settings import Settings
from bot.store import SCHEMA_VERSION, FactBase, StoreError, read_meta


def _rebuild_reason(db_path: Path, knowledge_dir: Path) -> str | None:
    """Why a database built from `knowledge_dir` must be built again: an older showbot built it (after an
    upgrade it would only say "rebuild it"), or a pack file changed since. None for a database built from
    other packs, or one that is not a fact base: those are the operator's to rebuild."""
    try:
        meta = read_meta(db_path) or {}
    except sqlite3.Error:
        return None
    if "knowledge_dir" not in meta or Path(meta["knowledge_dir"]) != knowledge_dir.resolve():
        return None
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        return "The fact base was built by another showbot version"
    if knowledge_mtime(knowledge_dir) > db_path.stat().st_mtime:
        return "The knowledge packs changed"
    return None


def knowledge_mtime(knowledge_dir: Path) -> float:
    """Newest modification time among the pack folders and files."""
    paths = [*knowledge_dir.glob("*/"), *knowledge_dir.glob("*/*.toml")] if knowledge_dir.is_dir() else []
    return max((p.stat().st_mtime for p in paths), default=0.0)


def ensure_database(settings: Settings, db_path: Path, notify: Callable[[str], None]) -> None:
    missing = not db_path.exists()
    why = "No fact base yet" if missing else _rebuild_reason(db_path, settings.knowledge_dir)
    if why is None:
        return
    from bot.build import build
    from bot.packs import PackError

    notify(f"{why}: building {db_path} from {settings.knowledge_dir} ...")
    try:
        report = build(settings.knowledge_dir, db_path)
    except PackError as exc:
        if missing:
            raise StoreError(
                f"no fact base at {db_path}, and none can be built from {settings.knowledge_dir}:\n{exc}\n"
                "fix that (or set SHOWBOT_DB to a built fact base), then run `showbot build`"
            ) from None
        # A curator's half-finished edit must not take a working bot down: keep answering from the last
        # good build and say why the edit is not live (`showbot check` shows the same list).
        notify(f"The packs do not build, so the previous fact base stays in use:\n{exc}")
        return
    notify(f"Built {report.shows} show(s), {report.facts} facts in {report.seconds:.2f}s.")


def open_router(settings: Settings, db_path: Path | None, notify: Callable[[str], None]) -> Router:
    path = db_path or settings.db_path
    ensure_database(settings, path, notify)
    return router_at(settings, path)


def router_at(settings: Settings, path: Path) -> Router:
    """A router over the fact base at `path`, as the settings configure it (decisions, packs kept loaded)."""
    return Router(FactBase(path, settings.pack_memory_mb << 20), settings.router)
