"""`Showbot`: what every front end talks to. The router plus what a running bot needs around it.

Adapters (console, Discord, Slack) translate a platform event into `Showbot.ask(question, where)` and
the `Reply` back into the platform's format; everything else a moderator can do (default show per
channel, reload, stats, unanswered questions, feedback) is here too, so each platform exposes the same
behaviour. Thread-safe: adapters call it from worker threads, off their event loops.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.app import ensure_database, open_router, router_at
from bot.models import Answer, AskContext
from bot.questionlog import QuestionLog, Stats, Unanswered, Where
from bot.router import Router
from bot.settings import Settings
from bot.store import StoreError
from bot.text import MAX_QUESTION_CHARS, normalize, sanitize

TAUGHT_HEADER = (
    "# Phrasings moderators taught the bot in chat (`showbot teach`, `/showbot teach`).\n"
    "# Review them like any pack change and commit; each becomes an example question of its fact.\n"
)

logger = logging.getLogger(__name__)


class UnknownShowError(ValueError):
    pass


class TeachError(ValueError):
    pass


@dataclass(frozen=True)
class Reply:
    answer: Answer
    question_id: int | None  # the question log row, for feedback buttons; None when not logged


class Cooldown:
    """Per-user rate limit: one question per `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, user: str, now: float | None = None) -> float:
        """0 when `user` may ask now (and starts their cooldown), else the seconds left to wait."""
        if self.seconds <= 0 or not user:
            return 0.0
        now = time.monotonic() if now is None else now
        with self._lock:
            last = self._last.get(user)
            if last is not None and now - last < self.seconds:
                return self.seconds - (now - last)
            self._last[user] = now
            if len(self._last) > 10_000:  # forget users whose cooldown is long over
                self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0


FOLLOW_SECONDS = 1.0  # how often a question checks whether the fact base file was replaced


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


class Showbot:
    def __init__(self, settings: Settings, router: Router, log: QuestionLog) -> None:
        self.settings = settings
        self.log = log
        self.cooldown = Cooldown(settings.cooldown_seconds)
        self._router = router
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._identity = _file_identity(router.base.path)
        self._checked = time.monotonic()

    @classmethod
    def open(
        cls, settings: Settings, db_path: Path | None = None, notify: Callable[[str], None] = logger.info
    ) -> Showbot:
        """Build the fact base if it is missing or stale, then open it and the question log."""
        router = open_router(settings, db_path, notify)
        log = QuestionLog(
            settings.log.path or router.base.path.with_name("showbot-log.db"),
            enabled=settings.log.enabled,
            retention_days=settings.log.retention_days,
            salt=settings.log.user_salt.reveal(),
        )
        log.prune()
        return cls(settings, router, log)

    @property
    def router(self) -> Router:
        return self._router

    def shows(self) -> dict[str, str]:
        """slug -> title of every show the fact base knows."""
        return dict(self._router.base.titles)

    def find_show(self, text: str) -> str | None:
        """The slug for a slug, title or alias a moderator typed."""
        titles = self._router.base.titles
        if text in titles:
            return text
        norm = normalize(text)
        for slug, title in titles.items():
            if normalize(title) == norm or normalize(slug) == norm:
                return slug
        hits = {show for alias, show in self._router.base.aliases if alias == norm}
        return hits.pop() if len(hits) == 1 else None

    def ask(self, question: str, where: Where, *, addressed: bool = True, show: str | None = None) -> Reply:
        """Answer and log one question. `show` (e.g. a slash command's option) beats the channel default."""
        self._follow_rebuilds()
        default = show or self.log.channel_show(where)
        context = AskContext(platform=where.platform, default_show=default, addressed=addressed)  # type: ignore[arg-type]
        started = time.perf_counter()
        with self._lock:
            router = self._router
            answer = router.ask(question, context)
        elapsed_ms = (time.perf_counter() - started) * 1000
        question_id = self.log.record(question, where, answer)
        logger.info(
            "question answered",
            extra={
                "event": "question",
                "platform": where.platform,
                "status": answer.status,
                "show": answer.show,
                "fact": answer.fact_id,
                "confidence": round(answer.confidence, 3),
                "ms": round(elapsed_ms, 3),
                "question_id": question_id,
            },
        )
        return Reply(answer, question_id)

    def _follow_rebuilds(self) -> None:
        """Swap in a fact base another process rebuilt (`showbot build`, a teach in another worker, a deploy).

        Builds rename a complete new file into place, so a changed inode means a whole new build: every
        worker and node picks it up within a second, without a signal.
        """
        now = time.monotonic()
        if now - self._checked < FOLLOW_SECONDS:
            return
        self._checked = now
        path = self._router.base.path
        identity = _file_identity(path)
        if identity is None or identity == self._identity or not self._reload_lock.acquire(blocking=False):
            return
        try:
            self._identity = identity  # also when opening fails: one error per new file, not per question
            router = router_at(self.settings, path)
            with self._lock:
                self._router = router
            logger.info("the fact base was rebuilt: now answering from it", extra={"event": "reload"})
        except StoreError as exc:
            logger.error("the new fact base cannot be used, still answering from the previous one: %s", exc)
        finally:
            self._reload_lock.release()

    def _swap(self, router: Router) -> None:
        with self._lock:
            self._router = router
            self._identity = _file_identity(router.base.path)

    def feedback(self, question_id: int, where: Where, helpful: bool) -> bool:
        return self.log.vote(question_id, where.user, helpful)

    def set_channel_show(self, where: Where, text: str) -> str:
        """Make `text`'s show the channel default; returns its title. "none" clears it."""
        if normalize(text) in {"none", "off", "clear", ""}:
            self.log.set_channel_show(where, None)
            return ""
        slug = self.find_show(text)
        if slug is None:
            known = ", ".join(self.shows().values())
            raise UnknownShowError(f"I don't know a show called {text!r}. I know: {known}.")
        self.log.set_channel_show(where, slug)
        return self.shows()[slug]

    def channel_show(self, where: Where) -> str | None:
        return self.log.channel_show(where)

    def reload(self) -> str:
        """Rebuild the fact base from the packs when they changed, and swap it in without a restart.

        The build writes a new file and renames it over the old one, and the router is swapped in one
        assignment, so a question in flight finishes on the old data and no question sees half a build.
        A failed build leaves the running router (and the database) as they were.
        """
        with self._reload_lock:
            path = self._router.base.path
            ensure_database(self.settings, path, logger.info)
            router = router_at(self.settings, path)
            self._swap(router)
        titles = router.base.titles
        return f"Reloaded: {len(titles)} show(s) ({', '.join(titles.values())})."

    def teach(self, question: str, fact_id: str, show: str | None = None) -> str:
        """Add `question` as a phrasing of a fact and apply it now; returns a confirmation.

        The phrasing goes into the pack's `taught.toml`, a plain file a curator reviews and commits like
        any other pack change; the pack is rebuilt and swapped in at once. If the rebuild fails, the
        file is put back as it was.
        """
        from bot.build import build
        from bot.packs import TAUGHT_FILE, PackError

        text = " ".join(sanitize(question).split())
        if not normalize(text):
            raise TeachError('give the question to teach, e.g. showbot teach "is it coming back" renewal-cancelled')
        if len(text) > MAX_QUESTION_CHARS:
            raise TeachError(f"that question is too long to teach (over {MAX_QUESTION_CHARS} characters)")
        base = self._router.base
        slugs = [s for s in base.shows_with_fact(fact_id) if show is None or s == show]
        if not slugs:
            raise TeachError(f"no fact {fact_id!r}{f' in {show!r}' if show else ''}: see `showbot ask --json` for ids")
        if len(slugs) > 1:
            raise TeachError(f"several shows have a fact {fact_id!r} ({', '.join(slugs)}): name the show")
        pack_dir = self.settings.knowledge_dir / slugs[0]
        if not (pack_dir / "show.toml").is_file():
            raise TeachError(
                f"{base.titles[slugs[0]]} was imported from an FAQ sheet, not a pack: add the phrasing to the "
                "sheet and import it again"
            )
        path = pack_dir / TAUGHT_FILE
        with self._reload_lock:
            before = path.read_bytes() if path.exists() else None
            entry = f"\n[[taught]]\nquestion = {json.dumps(text, ensure_ascii=False)}\nfact = {json.dumps(fact_id)}\n"
            header = "" if before else TAUGHT_HEADER
            with path.open("a", encoding="utf-8") as out:
                out.write(header + entry)
            try:
                build(self.settings.knowledge_dir, base.path)
            except (PackError, OSError) as exc:
                if before is None:
                    path.unlink()
                else:
                    path.write_bytes(before)
                raise TeachError(f"the pack did not build with that phrasing, nothing changed: {exc}") from None
            router = router_at(self.settings, base.path)
            self._swap(router)
        logger.info("taught a phrasing", extra={"event": "teach", "show": slugs[0], "fact": fact_id})
        return f'Taught: "{text}" now answers with {fact_id} ({router.base.titles[slugs[0]]}); saved in {path}.'

    def reload_on_sighup(self) -> None:
        """`kill -HUP <pid>` reloads the fact base (after a `showbot build` or a pack edit), no restart."""

        def reload_in_background(signum: int, frame: object) -> None:
            threading.Thread(target=self._reload_logged, name="showbot-reload", daemon=True).start()

        signal.signal(signal.SIGHUP, reload_in_background)

    def _reload_logged(self) -> None:
        try:
            logger.warning(self.reload(), extra={"event": "reload"})
        except Exception as exc:  # a bad pack or a missing file must not kill the serving process
            logger.error("reload failed, still serving the previous fact base: %s", exc, extra={"event": "reload"})

    def stats(self, since: datetime | None = None, scope: Where | None = None) -> Stats:
        """`scope`: only questions from that Where's platform and workspace (one server's moderators)."""
        return self.log.stats(since, scope)

    def unanswered(
        self, since: datetime | None = None, limit: int = 10, scope: Where | None = None
    ) -> list[Unanswered]:
        return self.log.unanswered(since, limit, scope)

    def facts(self, show: str) -> dict[str, str]:
        """Current fact id -> its representative question, for a moderator picking what to teach."""
        index = self._router.base.show(show)
        return {f.id: f.question for f in index.facts.values() if f.current == f.id}

    def close(self) -> None:
        self.log.close()
