"""The bolt App: Slack requests in, `Showbot` calls, Block Kit replies out.

Every listener acknowledges at once and answers in a lazy listener (a worker thread) with
`process_before_response=True`, so Slack gets its 200 well inside 3 s and no request thread ever polls
for an ack. The `Showbot` and the Web API client are passed in, so tests run the real App against a
local fake of Slack's API.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.adapters.slack import blocks
from bot.adapters.slack.blocks import Message
from bot.logs import configure
from bot.packs import PackError
from bot.questionlog import Where
from bot.service import Showbot, TeachError, UnknownShowError
from bot.settings import Settings
from bot.store import StoreError

logger = logging.getLogger(__name__)

ADMIN_COMMANDS = ("set-show", "stats", "unanswered", "teach", "reload")
Send = Callable[[Message, bool], None]  # (message, ephemeral)


class SeenEvents:
    """Which Slack deliveries were already handled, so a retried event is answered once.

    Slack retries an event it thinks timed out (`X-Slack-Retry-Num`), and behind a load balancer the retry
    may reach another worker, so the keys live in a small SQLite file every worker shares. Without a file
    (or when it cannot be written) they are kept in memory, which still covers a single process.
    """

    def __init__(self, path: Path | None, ttl_seconds: float = 3600.0) -> None:
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._conn: sqlite3.Connection | None = None
        self._inserts = 0
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._conn = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
                self._conn.execute("pragma journal_mode = wal")
                self._conn.execute("create table if not exists seen (key text primary key, at real not null)")
            except (sqlite3.Error, OSError) as exc:
                self._fall_back(exc)

    def _fall_back(self, exc: BaseException) -> None:
        logger.warning("Slack event de-duplication keeps to this process (%s)", exc)
        self._conn = None

    def first(self, key: str, now: float | None = None) -> bool:
        """True the first time `key` is seen (or once its time-to-live is over), False for every repeat."""
        now = time.time() if now is None else now
        with self._lock:
            if self._conn is not None:
                try:
                    return self._first_in_file(key, now)
                except sqlite3.Error as exc:
                    self._fall_back(exc)
            while self._memory and next(iter(self._memory.values())) < now - self.ttl:
                self._memory.popitem(last=False)
            if key in self._memory:
                return False
            self._memory[key] = now
            return True

    def _first_in_file(self, key: str, now: float) -> bool:
        assert self._conn is not None
        self._inserts += 1
        if self._inserts % 1000 == 0:
            self._conn.execute("delete from seen where at < ?", [now - self.ttl])
        cursor = self._conn.execute(
            "insert into seen values (?, ?) on conflict (key) do update set at = excluded.at where seen.at < ?",
            [key, now, now - self.ttl],
        )
        return cursor.rowcount == 1

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class BotIdentity:
    """The bot's own user id (from `auth.test`), fetched in the background and again a minute after a failure.

    Answering a slash command does not need it, so no request ever waits for Slack's API: while it is
    unknown, only what needs it degrades (a mention is recognised as the message's leading one).
    """

    def __init__(self, client: WebClient, retry_seconds: float = 60.0) -> None:
        self._client = client
        self._retry_seconds = retry_seconds
        self._result: AuthorizeResult | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def client(self) -> WebClient:
        return self._client

    def check(self) -> None:
        """Call auth.test now; raises SlackApiError when Slack rejects the token, OSError when unreachable."""
        response = self._client.auth_test()
        self._result = AuthorizeResult.from_auth_test_response(
            bot_token=self._client.token, auth_test_response=response
        )

    def _check_logged(self) -> None:
        try:
            self.check()
        except (SlackApiError, OSError) as exc:
            logger.warning("Slack auth.test failed (%s); retrying in %.0f s", api_error(exc), self._retry_seconds)

    def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        """bolt's `authorize` hook: never blocks on the network."""
        with self._lock:
            if self._result is None and time.monotonic() >= self._retry_at:
                self._retry_at = time.monotonic() + self._retry_seconds
                threading.Thread(target=self._check_logged, name="slack-auth-test", daemon=True).start()
        return self._result or AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=self._client.token
        )


def api_error(exc: BaseException) -> str:
    """A Slack error code or the network error, never the request (it carries the token)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error", "error"))
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")


class Listeners:
    """The App's listeners: `ack` and `deduplicate` run in the request, the others in worker threads."""

    def __init__(self, showbot: Showbot, settings: Settings, seen: SeenEvents) -> None:
        self.showbot = showbot
        self.settings = settings.slack
        self.seen = seen

    # ------------------------------------------------------------------ in the request

    def ack(self, ack: Ack) -> None:
        ack()

    def deduplicate(self, body: dict[str, Any], request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        """Global middleware: a delivery of an event already handled gets its 200 and nothing else."""
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not self.seen.first(f"event:{event_id}"):
            retry = request.headers.get("x-slack-retry-num", ["0"])[0]
            logger.info("ignoring a repeated Slack event", extra={"event": "slack_retry", "retry": retry})
            return BoltResponse(status=200, body="")
        return next()

    # ------------------------------------------------------------------ in worker threads

    def answer_command(self, command: dict[str, Any], respond: Respond) -> None:
        """`/showbot <question>`, or an admin subcommand; the answer quotes the question (Slack hides it)."""
        where = Where("slack", command.get("team_id", ""), command.get("channel_id", ""), command.get("user_id", ""))
        text = blocks.plain_text(command.get("text", "")).strip()
        name, _, argument = text.partition(" ")
        if name.lower() in ADMIN_COMMANDS:
            message = self.admin(name.lower(), argument.strip(), where)
            _post("response_url", lambda: respond(**message, response_type="ephemeral"))
            return
        if not text:
            _post("response_url", lambda: respond(**blocks.notice(self.usage()), response_type="ephemeral"))
            return

        def send(message: Message, ephemeral: bool) -> None:
            visibility = "ephemeral" if ephemeral else "in_channel"
            _post("response_url", lambda: respond(**message, response_type=visibility))

        self.reply(text, where, send, quote=True)

    def answer_mention(
        self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        """`@showbot <question>` in a channel (DMs are answered from their `message` event instead)."""
        channel = str(event.get("channel", ""))
        if event.get("bot_id") or event.get("channel_type") == "im" or channel.startswith("D"):
            return
        self.answer_message(event, body, client, context.bot_user_id)

    def answer_dm(self, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """A direct message: every plain message from a person is a question."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if context.bot_user_id and event.get("user") == context.bot_user_id:
            return
        self.answer_message(event, body, client, context.bot_user_id)

    def answer_message(self, event: dict[str, Any], body: dict[str, Any], client: WebClient, bot: str | None) -> None:
        channel, user, ts = str(event.get("channel", "")), str(event.get("user", "")), str(event.get("ts", ""))
        if not self.seen.first(f"message:{channel}:{ts}"):  # one message, two event types
            return
        where = Where("slack", str(body.get("team_id") or event.get("team") or ""), channel, user)
        thread = event.get("thread_ts")
        is_dm = channel.startswith("D") or event.get("channel_type") == "im"

        def send(message: Message, ephemeral: bool) -> None:
            if ephemeral and not is_dm:
                _post(
                    "chat.postEphemeral",
                    lambda: client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread, **message),
                )
            else:
                _post("chat.postMessage", lambda: client.chat_postMessage(channel=channel, thread_ts=thread, **message))

        self.reply(blocks.plain_text(str(event.get("text", "")), bot), where, send, quote=False)

    def reply(self, question: str, where: Where, send: Send, *, quote: bool) -> None:
        wait = self.showbot.cooldown.wait(where.user)
        if wait:
            send(blocks.notice(f"One question every few seconds, please: try again in {math.ceil(wait)} s."), True)
            return
        reply = self.showbot.ask(question, where)
        send(blocks.reply_message(reply, question if quote else None), self.settings.ephemeral or reply.answer.spoiler)

    def answer_choice(self, action: dict[str, Any], body: dict[str, Any], respond: Respond) -> None:
        """A "did you mean" button: answer the chosen question in place of the choice."""
        try:
            question, show = blocks.parse_choice(str(action.get("value", "")))
        except ValueError:
            return
        reply = self.showbot.ask(question, _where(body), show=show)
        message = blocks.reply_message(reply, question)
        if reply.answer.spoiler or self.settings.ephemeral:
            _post("response_url", lambda: respond(**message, response_type="ephemeral", replace_original=False))
        else:
            _post("response_url", lambda: respond(**message, replace_original=True))

    def record_feedback(self, action: dict[str, Any], body: dict[str, Any], respond: Respond) -> None:
        value = str(action.get("value", ""))
        helpful = action.get("action_id") == blocks.HELPFUL_ACTION
        recorded = value.isdigit() and self.showbot.feedback(int(value), _where(body), helpful)
        text = "Thanks for the feedback!" if recorded else "Thanks! (Your vote could not be recorded.)"
        _post("response_url", lambda: respond(**blocks.notice(text), response_type="ephemeral", replace_original=False))

    # ------------------------------------------------------------------ admin subcommands

    def usage(self) -> str:
        command = self.settings.command
        return (
            f"Ask me about a show: `{command} is there a season 2?`\n"
            f"Admins: `{command} set-show <show>` (this channel's default show, `none` to clear), "
            f"`{command} stats`, `{command} unanswered`, `{command} teach <question> <fact-id>`, `{command} reload`."
        )

    def admin(self, name: str, argument: str, where: Where) -> Message:
        if where.user not in self.settings.admin_user_ids:
            return blocks.notice(f"Only showbot admins can use `{name}` (their Slack ids are in SLACK_ADMIN_USER_IDS).")
        if name == "set-show":
            return blocks.notice(self.set_show(argument, where))
        if name == "stats":
            return blocks.notice(blocks.stats_text(self.showbot.stats(scope=where)))
        if name == "unanswered":
            return blocks.notice(blocks.unanswered_text(self.showbot.unanswered(scope=where)))
        if name == "teach":
            return blocks.notice(self.teach(argument))
        try:
            return blocks.notice(self.showbot.reload())
        except (PackError, StoreError, OSError) as exc:
            logger.error("reload failed: %s", exc)
            return blocks.notice(f"Reload failed, still serving the previous knowledge: {exc}")

    def teach(self, argument: str) -> str:
        """`teach <question> <fact-id>`, like `showbot teach`: the question becomes a phrasing of the fact."""
        question, _, fact_id = argument.rpartition(" ")
        question = question.strip().strip("\"'“”‘’")
        if not question or not fact_id:
            return f"Usage: `{self.settings.command} teach <question> <fact-id>` (fact ids: `showbot ask --json`)."
        try:
            return self.showbot.teach(question, fact_id)
        except TeachError as exc:
            return f"Not taught: {exc}"

    def set_show(self, argument: str, where: Where) -> str:
        if not argument:
            current = self.showbot.channel_show(where)
            title = self.showbot.shows().get(current, current) if current else "none"
            return f"This channel's default show: {title}. Change it with `{self.settings.command} set-show <show>`."
        try:
            title = self.showbot.set_channel_show(where, argument)
        except UnknownShowError as exc:
            return str(exc)
        return f"Questions here are now about {title} unless they name another show." if title else "Cleared."


def _where(body: dict[str, Any]) -> Where:
    """Where an interaction (button click) happened."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    return Where("slack", str(team), str((body.get("channel") or {}).get("id", "")), str(user.get("id", "")))


def _post(what: str, send: Callable[[], Any]) -> None:
    """Send one reply. A failure is one log line with Slack's error or the HTTP status, never a traceback,
    the token or the response_url (itself a credential); response_url posts report failure by status."""
    try:
        response = send()
    except (SlackApiError, OSError) as exc:
        logger.warning("Slack %s failed: %s", what, api_error(exc), extra={"event": "slack_error"})
        return
    status = getattr(response, "status_code", 200)
    if status != 200:
        body = str(getattr(response, "body", ""))[:200]
        logger.warning("Slack %s failed: HTTP %s %s", what, status, body, extra={"event": "slack_error"})


def configure_logging(settings: Settings) -> None:
    """showbot's log format, with bolt's and the SDK's DEBUG lines (user ids, socket URLs) kept out."""
    configure(settings.log_level, settings.log.json)
    for name in ("slack_bolt", "slack_sdk"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger().level))


def web_client(settings: Settings) -> WebClient:
    """The Web API client, at SLACK_API_URL, retrying when Slack rate-limits it."""
    client = WebClient(token=settings.require("slack.bot_token"), base_url=settings.slack.api_url)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return client


class _QuietTokenWarning(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself and warns that `authorize` supersedes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    showbot: Showbot,
    settings: Settings,
    *,
    client: WebClient,
    seen: SeenEvents,
    identity: BotIdentity | None = None,
    socket_mode: bool = False,
) -> App:
    """The bolt App. HTTP mode verifies every request's signature (SLACK_SIGNING_SECRET, required);
    Socket Mode requests come over the app's own authenticated connection and carry none."""
    known = identity or BotIdentity(client)
    bolt_logger = logging.getLogger("slack_bolt.showbot")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())

    def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return known.authorize(enterprise_id, team_id)

    app = App(
        # no token here: `authorize` supplies it per request
        client=WebClient(base_url=client.base_url, timeout=client.timeout, retry_handlers=client.retry_handlers),
        signing_secret=None if socket_mode else settings.require("slack.signing_secret"),
        request_verification_enabled=not socket_mode,
        authorize=authorize,
        process_before_response=True,
        logger=bolt_logger,
    )
    listeners = Listeners(showbot, settings, seen)
    app.use(listeners.deduplicate)
    app.command(settings.slack.command)(ack=listeners.ack, lazy=[listeners.answer_command])
    app.event("app_mention")(ack=listeners.ack, lazy=[listeners.answer_mention])
    app.event("message")(ack=listeners.ack, lazy=[listeners.answer_dm])
    app.action(re.compile(rf"^{blocks.CLARIFY_ACTION}_\d+$"))(ack=listeners.ack, lazy=[listeners.answer_choice])
    for action_id in (blocks.HELPFUL_ACTION, blocks.NOT_HELPFUL_ACTION):
        app.action(action_id)(ack=listeners.ack, lazy=[listeners.record_feedback])
    return app
