"""The Slack app in HTTP mode, through real HTTP: uvicorn on a loopback port, requests signed with Slack's
v0 scheme, and a local fake of Slack's Web API and response_url endpoints recording what the app sends.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import uvicorn

from bot.adapters.slack.blocks import CLARIFY_ACTION, HELPFUL_ACTION, MAX_BLOCKS, SECTION_LIMIT
from bot.adapters.slack.fake import BOT_USER_ID, Call, FakeSlack, signed_headers
from bot.adapters.slack.server import server_for
from bot.questionlog import QuestionLog, Where
from bot.router import Router
from bot.service import Showbot
from bot.settings import Secret, Settings, SlackSettings
from bot.store import FactBase

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "UADMIN01"
TEAM = "T0TEST"
CHANNEL = "C0CHAN01"


class SlackHarness:
    """The app on a free loopback port, and what Slack would send it."""

    def __init__(self, app: Any, fake: FakeSlack) -> None:
        self.fake = fake
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        self.port: int = self.server.servers[0].sockets[0].getsockname()[1]
        self.users = count(1)
        self.hooks = count(1)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        started = time.perf_counter()
        conn.request(method, path, body=body.encode(), headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, data, time.perf_counter() - started

    def post(self, body: str, content_type: str, *, extra: dict[str, str] | None = None, **sign: Any) -> int:
        headers = {"Content-Type": content_type, **signed_headers(SECRET, body, **sign), **(extra or {})}
        status, _, elapsed = self.request("POST", "/slack/events", body, headers)
        assert elapsed < 1.5, f"Slack needs its ack within 3 s; took {elapsed:.2f} s"
        return status

    def new_user(self) -> str:
        return f"UFAN{next(self.users):04d}"  # a fresh fan per request: the per-user cooldown never bites

    def command(self, text: str, user: str | None = None, channel: str = CHANNEL) -> tuple[int, str]:
        """A signed `/showbot text`; returns the status and the response_url the answer must go to."""
        hook = self.fake.response_url(f"cmd{next(self.hooks)}")
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "fans",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user or self.new_user(),
            "user_name": "fan",
            "command": "/showbot",
            "text": text,
            "api_app_id": "A0SHOW",
            "response_url": hook,
            "trigger_id": "1.2.3",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded"), hook

    def event(self, event: dict[str, Any], event_id: str, retry: int | None = None) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0SHOW",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        extra = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(body, "application/json", extra=extra)

    def click(self, action_id: str, value: str, user: str | None = None) -> tuple[int, str]:
        hook = self.fake.response_url(f"click{next(self.hooks)}")
        payload = {
            "type": "block_actions",
            "user": {"id": user or self.new_user(), "team_id": TEAM},
            "team": {"id": TEAM},
            "channel": {"id": CHANNEL},
            "api_app_id": "A0SHOW",
            "response_url": hook,
            "trigger_id": "1.2.4",
            "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1.0"},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded"), hook

    def reply_to(self, hook: str) -> dict[str, Any]:
        calls = self.fake.wait_for(lambda calls: any(c.path.endswith(hook_path(hook)) for c in calls))
        return next(c.payload for c in calls if c.path.endswith(hook_path(hook)))


def hook_path(url: str) -> str:
    return url[url.index("/respond/") :]


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """Every text Slack would parse as mrkdwn: the fallback, sections, context elements."""
    texts = [str(message.get("text", ""))]
    for block in message.get("blocks", []):
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def messages_to(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.replies() if c.method.startswith("chat.post") and c.payload.get("channel") == channel]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def serve(showbot: Showbot, fake: FakeSlack, ephemeral: bool = False) -> SlackHarness:
    settings = Settings(
        slack=SlackSettings(
            bot_token=Secret("xoxb-test-token"),
            signing_secret=Secret(SECRET),
            api_url=fake.api_url,
            admin_user_ids=(ADMIN,),
            ephemeral=ephemeral,
        )
    )
    return SlackHarness(server_for(showbot, settings), fake)


@pytest.fixture
def slack(etoile_showbot: Showbot, fake: FakeSlack) -> Iterator[SlackHarness]:
    harness = serve(etoile_showbot, fake)
    yield harness
    harness.stop()


# ------------------------------------------------------------------------------------------- slash command


def test_slash_command_is_acked_at_once_and_answered_in_channel_with_sources(slack: SlackHarness) -> None:
    status, hook = slack.command("who plays cheyenne?")
    assert status == 200
    reply = slack.reply_to(hook)
    assert reply["response_type"] == "in_channel"
    texts = mrkdwn_texts(reply)
    assert texts[1] == ">who plays cheyenne?", "the question is quoted first"
    assert any("Lou de Laâge" in t for t in texts)
    context = " ".join(e["text"] for b in reply["blocks"] if b["type"] == "context" for e in b["elements"])
    assert "as of " in context and "<https://" in context and "|" in context, context
    assert [b["action_id"] for b in buttons(reply)] == [HELPFUL_ACTION, "showbot_not_helpful"]


def test_unknown_question_says_so(slack: SlackHarness) -> None:
    _, hook = slack.command("what is the capital of france")
    reply = slack.reply_to(hook)
    assert "don't know" in reply["text"] and not buttons(reply)


def test_clarify_offers_buttons_and_a_click_answers_in_place(slack: SlackHarness) -> None:
    _, hook = slack.command("who plays the dancer")
    choice = slack.reply_to(hook)
    offered = buttons(choice)
    assert 2 <= len(offered) <= 3 and all(b["action_id"].startswith(CLARIFY_ACTION) for b in offered)
    picked = offered[0]
    status, click_hook = slack.click(picked["action_id"], picked["value"])
    assert status == 200
    answer = slack.reply_to(click_hook)
    assert answer["replace_original"] is True
    assert " is played by " in " ".join(mrkdwn_texts(answer))
    assert picked["text"]["text"].rstrip("?") in mrkdwn_texts(answer)[1], "the chosen question is quoted"


def test_feedback_buttons_record_a_vote(slack: SlackHarness, etoile_showbot: Showbot) -> None:
    _, hook = slack.command("is there a season 2?")
    helpful = next(b for b in buttons(slack.reply_to(hook)) if b["action_id"] == HELPFUL_ACTION)
    _, click_hook = slack.click(HELPFUL_ACTION, helpful["value"])
    thanks = slack.reply_to(click_hook)
    assert thanks["response_type"] == "ephemeral" and "Thanks" in thanks["text"]
    assert etoile_showbot.stats().helpful == 1


def test_spoiler_answer_goes_only_to_the_asker_with_a_warning(slack: SlackHarness) -> None:
    _, hook = slack.command("how does it end")
    reply = slack.reply_to(hook)
    assert reply["response_type"] == "ephemeral"
    assert "Spoiler" in mrkdwn_texts(reply)[2]
    assert "kiss" not in reply["text"], "the notification text never holds the spoiler"


def test_channel_mention_in_a_question_never_pings(slack: SlackHarness) -> None:
    _, raw = slack.command("<!channel> <@U999> is there a season 2?")
    _, typed = slack.command("&lt;!here&gt; is there a season 2?")  # what Slack sends for a typed "<!here>"
    for hook in (raw, typed):
        sent = json.dumps(slack.reply_to(hook), ensure_ascii=False)
        assert "<!channel>" not in sent and "<!here>" not in sent and "<@U999>" not in sent, sent
    assert "&lt;!here&gt;" in mrkdwn_texts(slack.reply_to(typed))[1]


def test_a_5000_character_question_is_answered_within_block_kit_limits(slack: SlackHarness) -> None:
    _, hook = slack.command("is there a season 2 & " * 227 + "?" * 6)
    reply = slack.reply_to(hook)
    assert len(reply["blocks"]) <= MAX_BLOCKS
    assert all(len(t) <= SECTION_LIMIT for t in mrkdwn_texts(reply))


def test_empty_command_shows_usage_to_the_asker_only(slack: SlackHarness) -> None:
    _, hook = slack.command("")
    reply = slack.reply_to(hook)
    assert reply["response_type"] == "ephemeral" and "set-show" in reply["text"] + str(reply["blocks"])


def test_a_fan_asking_too_fast_gets_a_note_only_they_see(slack: SlackHarness) -> None:
    first, second = slack.command("who plays jack?", user="UQUICK"), slack.command("who plays cheyenne?", user="UQUICK")
    assert "Luke Kirby" in slack_text(slack.reply_to(first[1]))
    note = slack.reply_to(second[1])
    assert note["response_type"] == "ephemeral" and "try again in 3 s" in note["text"]


def test_ephemeral_setting_shows_answers_only_to_the_asker(etoile_showbot: Showbot, fake: FakeSlack) -> None:
    harness = serve(etoile_showbot, fake, ephemeral=True)
    try:
        _, hook = harness.command("who plays jack?")
        assert harness.reply_to(hook)["response_type"] == "ephemeral"
        harness.event(mention(f"<@{BOT_USER_ID}> who plays jack?", "600.1", channel="C0EPH", user="UEPH"), "Ev600")
        fake.wait_for(lambda _: bool(messages_to(fake, "C0EPH")))
        (call,) = messages_to(fake, "C0EPH")
        assert call.method == "chat.postEphemeral" and call.payload["user"] == "UEPH"
    finally:
        harness.stop()


# ------------------------------------------------------------------------------------------- admin commands


@pytest.mark.parametrize("subcommand", ["stats", "reload", "set-show etoile", "unanswered", "teach is it good premise"])
def test_admin_subcommands_are_refused_to_others(slack: SlackHarness, subcommand: str) -> None:
    _, hook = slack.command(subcommand)
    reply = slack.reply_to(hook)
    assert reply["response_type"] == "ephemeral"
    assert "Only showbot admins" in reply["text"]


def test_admin_sets_the_channel_show_and_reads_stats(slack: SlackHarness, etoile_showbot: Showbot) -> None:
    _, hook = slack.command("set-show Étoile", user=ADMIN)
    assert "now about Étoile" in slack.reply_to(hook)["text"]
    assert etoile_showbot.channel_show(Where("slack", TEAM, CHANNEL, ADMIN)) == "etoile"
    slack.reply_to(slack.command("what is the capital of france")[1])
    etoile_showbot.ask("what is the capital of spain", Where("slack", "T0OTHER", "C1", "U1"))  # another workspace
    _, hook = slack.command("stats", user=ADMIN)
    stats = slack.reply_to(hook)
    assert stats["response_type"] == "ephemeral" and "1 question: 0 answered, 0 clarify, 1 unknown" in stats["text"]
    _, hook = slack.command("unanswered", user=ADMIN)
    assert "capital of france" in slack_text(slack.reply_to(hook)) and "spain" not in slack_text(slack.reply_to(hook))
    _, hook = slack.command("set-show severance", user=ADMIN)
    assert "don't know a show" in slack.reply_to(hook)["text"]


def test_admin_teaches_a_phrasing(fake: FakeSlack, knowledge: Path, synthetic_db: Path, tmp_path: Path) -> None:
    """On a private copy of the synthetic pack: teach writes the pack's taught.toml."""
    settings = Settings(db_path=synthetic_db, knowledge_dir=knowledge)
    showbot = Showbot(settings, Router(FactBase(synthetic_db)), QuestionLog(tmp_path / "log.db"))
    harness = serve(showbot, fake)
    try:
        _, hook = harness.command("teach “does the moon crew survive the winter” finale", user=ADMIN)
        assert slack_text(harness.reply_to(hook)).startswith("Taught")
        assert "does the moon crew survive the winter" in (knowledge / "moonfall" / "taught.toml").read_text()
        _, hook = harness.command("teach something no-such-fact", user=ADMIN)
        assert "Not taught" in slack_text(harness.reply_to(hook))
    finally:
        harness.stop()


def slack_text(message: dict[str, Any]) -> str:
    return " ".join(mrkdwn_texts(message))


# ------------------------------------------------------------------------------------------- events


def mention(text: str, ts: str, channel: str = CHANNEL, user: str = "UFANMENTION") -> dict[str, Any]:
    return {"type": "app_mention", "user": user, "text": text, "ts": ts, "channel": channel, "event_ts": ts}


def test_a_rate_limited_post_is_retried_after_slacks_delay(slack: SlackHarness, fake: FakeSlack) -> None:
    """Slack answers 429 with Retry-After when an app posts too fast: the answer still arrives, once."""
    fake.rate_limited["chat.postMessage"] = 1
    assert slack.event(mention(f"<@{BOT_USER_ID}> who plays cheyenne?", "150.1", channel="C0LIMIT"), "EvLimit") == 200
    fake.wait_for(
        lambda calls: any(c.method == "chat.postMessage" and c.payload.get("channel") == "C0LIMIT" for c in calls),
        timeout=15,
    )
    assert [c.method for c in fake.calls if c.payload.get("channel") == "C0LIMIT"] == [
        "chat.postMessage (429)",
        "chat.postMessage",
    ]


def test_a_failed_post_is_logged_and_the_next_question_is_answered(
    slack: SlackHarness, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake.errors["chat.postMessage"] = "channel_not_found"
    assert slack.event(mention(f"<@{BOT_USER_ID}> who plays jack?", "160.1", channel="C0GONE"), "EvGone") == 200
    fake.wait_for(lambda calls: any(c.payload.get("channel") == "C0GONE" for c in calls))
    deadline = time.monotonic() + 10
    while "channel_not_found" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "channel_not_found" in caplog.text
    assert "xoxb-test-token" not in caplog.text
    del fake.errors["chat.postMessage"]
    slack.event(mention(f"<@{BOT_USER_ID}> who plays jack?", "160.2", channel="C0BACK"), "EvBack")
    fake.wait_for(lambda _: len(messages_to(fake, "C0BACK")) == 1)


def test_app_mention_is_answered_once_even_when_also_delivered_as_a_message(
    slack: SlackHarness, fake: FakeSlack
) -> None:
    text = f"<@{BOT_USER_ID}> who plays cheyenne?"
    assert slack.event(mention(text, "100.1"), "Ev001") == 200
    message = {"type": "message", "channel_type": "channel", "user": "UFANMENTION", "text": text, "ts": "100.1"}
    assert slack.event({**message, "channel": CHANNEL}, "Ev002") == 200
    slack.event(mention(f"<@{BOT_USER_ID}> is there a season 2?", "100.2"), "Ev003")  # a later question
    fake.wait_for(lambda _: len(messages_to(fake, CHANNEL)) == 2)
    answers = [" ".join(mrkdwn_texts(c.payload)) for c in messages_to(fake, CHANNEL)]
    assert sum("Lou de Laâge" in a for a in answers) == 1, answers
    assert all(BOT_USER_ID not in a for a in answers)


def test_a_mention_inside_a_thread_is_answered_in_the_thread(slack: SlackHarness, fake: FakeSlack) -> None:
    event = {**mention(f"<@{BOT_USER_ID}> who plays jack?", "800.2", channel="C0THREAD"), "thread_ts": "800.1"}
    slack.event(event, "Ev800")
    fake.wait_for(lambda _: bool(messages_to(fake, "C0THREAD")))
    (call,) = messages_to(fake, "C0THREAD")
    assert call.payload["thread_ts"] == "800.1"


def test_direct_message_is_answered(slack: SlackHarness, fake: FakeSlack) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "D0DM01", "user": "UFANDM", "ts": "200.1"}
    assert slack.event({**event, "text": "is there a season 2?"}, "Ev100") == 200
    fake.wait_for(lambda _: bool(messages_to(fake, "D0DM01")))
    (call,) = messages_to(fake, "D0DM01")
    assert call.method == "chat.postMessage" and "season" in " ".join(mrkdwn_texts(call.payload)).lower()


def test_bots_and_message_edits_are_ignored(slack: SlackHarness, fake: FakeSlack) -> None:
    base = {"type": "message", "channel_type": "im", "channel": "D0DM02", "text": "is there a season 2?"}
    slack.event({**base, "user": BOT_USER_ID, "ts": "300.1", "bot_id": "BSHOW1"}, "Ev200")
    slack.event({**base, "user": "UFANDM2", "ts": "300.2", "subtype": "message_changed"}, "Ev201")
    slack.event({**base, "user": "UFANDM2", "ts": "300.3", "text": "who plays jack"}, "Ev202")
    fake.wait_for(lambda _: bool(messages_to(fake, "D0DM02")))
    (only,) = messages_to(fake, "D0DM02")
    assert "Luke Kirby" in " ".join(mrkdwn_texts(only.payload))


def test_a_retried_event_is_answered_once(slack: SlackHarness, fake: FakeSlack) -> None:
    event = mention(f"<@{BOT_USER_ID}> who plays jack?", "400.1", channel="C0RETRY")
    assert slack.event(event, "EvRetry") == 200
    fake.wait_for(lambda _: len(messages_to(fake, "C0RETRY")) == 1)
    assert slack.event(event, "EvRetry", retry=1) == 200
    assert slack.event(event, "EvRetry", retry=2) == 200
    slack.event(mention(f"<@{BOT_USER_ID}> who plays cheyenne?", "400.2", channel="C0RETRY"), "EvAfter")
    fake.wait_for(lambda _: len(messages_to(fake, "C0RETRY")) >= 2)
    time.sleep(0.2)  # a duplicate, had there been one, would have been started before the later event
    answers = [" ".join(mrkdwn_texts(c.payload)) for c in messages_to(fake, "C0RETRY")]
    assert sum("Luke Kirby" in a for a in answers) == 1, answers


def test_a_spoiler_asked_by_mention_is_posted_ephemerally(slack: SlackHarness, fake: FakeSlack) -> None:
    slack.event(mention(f"<@{BOT_USER_ID}> how does it end?", "500.1", channel="C0SPOIL", user="UASKER"), "Ev500")
    fake.wait_for(lambda _: bool(messages_to(fake, "C0SPOIL")))
    (call,) = messages_to(fake, "C0SPOIL")
    assert call.method == "chat.postEphemeral" and call.payload["user"] == "UASKER"


def test_a_post_slack_refuses_is_one_log_line(
    slack: SlackHarness, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake.errors["chat.postMessage"] = "not_in_channel"
    slack.event(mention(f"<@{BOT_USER_ID}> who plays jack?", "700.1", channel="C0NOTIN"), "Ev700")
    deadline = time.monotonic() + 10
    while not any("not_in_channel" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, "the refusal was never logged"
        time.sleep(0.02)
    (record,) = [r for r in caplog.records if "not_in_channel" in r.getMessage()]
    assert record.getMessage() == "Slack chat.postMessage failed: not_in_channel" and record.exc_info is None


# ------------------------------------------------------------------------------------------- HTTP


def test_bad_signature_and_stale_timestamp_are_rejected(slack: SlackHarness, fake: FakeSlack) -> None:
    body = urlencode({"command": "/showbot", "text": "is there a season 2", "user_id": "U1", "team_id": TEAM})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    forged = {**signed_headers("not-the-secret", body), **form}
    assert slack.request("POST", "/slack/events", body, forged)[0] == 401
    stale = {**signed_headers(SECRET, body, timestamp=int(time.time()) - 600), **form}
    assert slack.request("POST", "/slack/events", body, stale)[0] == 401
    assert slack.request("POST", "/slack/events", body, form)[0] == 401
    assert not fake.replies()


def test_url_verification_echoes_the_challenge(slack: SlackHarness) -> None:
    """What Slack sends when an admin saves the Request URL in the app's settings."""
    body = json.dumps(
        {
            "token": "legacy",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    headers = {"Content-Type": "application/json", **signed_headers(SECRET, body)}
    status, data, _ = slack.request("POST", "/slack/events", body, headers)
    assert status == 200 and b"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in data


def test_healthz(slack: SlackHarness) -> None:
    status, body, _ = slack.request("GET", "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "shows": 1}
    assert slack.request("GET", "/nowhere")[0] == 404
