"""The Discord adapter at the level of what Discord sends and receives.

Gateway events are real payload dicts fed to the bot's real `ConnectionState` (as discord.py's own tests
build interactions), and every HTTP request the library makes is recorded instead of sent, by replacing
`HTTPClient.request` (REST calls) and the webhook adapter's `request` (interaction responses and
followups). Assertions are on the JSON Discord would receive. Nothing touches the network.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter

from bot.adapters.discord.client import ShowbotClient
from bot.adapters.discord.render import (
    ASK_TEMPLATE,
    CUSTOM_ID,
    DESCRIPTION,
    EMBED_TOTAL,
    FAILURE,
    FIELD_VALUE,
    LABEL,
    REFUSAL,
    SPOILER_LABEL,
    VOTE_TEMPLATE,
)
from bot.build import build
from bot.questionlog import QuestionLog, Where
from bot.router import Router
from bot.service import Showbot
from bot.settings import BUNDLED_KNOWLEDGE, DiscordSettings, LogSettings, Settings
from bot.store import FactBase
from tests.conftest import write_synthetic_knowledge
from tests.hostile import HOSTILE_QUESTIONS

TOKEN = "MTAwMA.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB"  # well-formed, fake: user id "1000"
BOT_ID = 1000
GUILD_ID = 2000
CHANNEL_ID = 3000
AUTO_CHANNEL_ID = 3001
DM_CHANNEL_ID = 3002
FAN_ID = 4001
MODERATOR_ID = 4002
MANAGE_GUILD = 1 << 5

_ids = itertools.count(900_000)


def user(user_id: int, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": f"user{user_id}",
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


def member(user_id: int, permissions: int = 0) -> dict[str, Any]:
    return {
        "user": user(user_id),
        "roles": [],
        "joined_at": "2025-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": str(permissions),
    }


def message_payload(
    content: str,
    *,
    channel_id: int = CHANNEL_ID,
    author: int = FAN_ID,
    mentions: tuple[int, ...] = (),
    guild: bool = True,
    bot: bool = False,
    components: list[dict[str, Any]] | None = None,
    embeds: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(next(_ids)),
        "channel_id": str(channel_id),
        "author": user(author, bot=bot),
        "content": content,
        "timestamp": "2025-06-01T12:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": "@everyone" in content,
        "mentions": [user(m, bot=m == BOT_ID) for m in mentions],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "type": 0,
    }
    if guild:
        data["guild_id"] = str(GUILD_ID)
    return data


def interaction_payload(
    kind: int, data: dict[str, Any], *, user_id: int = FAN_ID, permissions: int = 0, guild: bool = True
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": str(next(_ids)),
        "application_id": str(BOT_ID),
        "type": kind,
        "token": f"interaction-token-{next(_ids)}",
        "version": 1,
        "data": data,
        "attachment_size_limit": 8 * 1024 * 1024,
        "locale": "en-US",
        "app_permissions": "0",
        "entitlements": [],
        "authorizing_integration_owners": {},
    }
    if guild:
        payload |= {
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": {"id": str(CHANNEL_ID), "type": 0},
            "member": member(user_id, permissions),
            "guild_locale": "en-US",
            "context": 0,
        }
    else:
        payload |= {
            "channel_id": str(DM_CHANNEL_ID),
            "channel": {"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [user(user_id)]},
            "user": user(user_id),
            "context": 1,
        }
    return payload


def option(name: str, value: Any, kind: int = 3) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


def slash(name: str, *options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return interaction_payload(2, {"id": "1", "name": name, "type": 1, "options": list(options)}, **kwargs)


def subcommand(group: str, name: str, *options: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    sub = {"name": name, "type": 1, "options": list(options)}
    return interaction_payload(2, {"id": "2", "name": group, "type": 1, "options": [sub]}, **kwargs)


def click(custom_id: str, message: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    """A button click, on a message holding that button (as Discord sends it)."""
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": custom_id}]}
    message = message or message_payload("", author=BOT_ID, bot=True, components=[row])
    payload = interaction_payload(3, {"custom_id": custom_id, "component_type": 2}, **kwargs)
    payload["message"] = message
    return payload


@dataclass
class Call:
    method: str
    path: str  # the route template, e.g. /channels/{channel_id}/messages
    url: str
    json: Any


@dataclass
class FakeDiscord:
    """Stands in for Discord's HTTP API: records each request and answers with what Discord would return."""

    calls: list[Call] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)  # "METHOD /route/template"s refused as Discord would

    def answer(self, route: Route, payload: Any) -> Any:
        self.calls.append(Call(route.method, route.path, route.url, payload))
        key = f"{route.method} {route.path}"
        if key in self.forbidden:
            response = SimpleNamespace(status=403, reason="Forbidden")
            raise discord.Forbidden(response, {"message": "Missing Permissions", "code": 50013})
        if key == "GET /users/@me":
            return user(BOT_ID, bot=True)
        if key == "GET /oauth2/applications/@me":
            return {
                "id": str(BOT_ID),
                "name": "showbot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(1),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        if route.path.endswith("/commands"):
            return [
                {**c, "id": str(i + 1), "application_id": str(BOT_ID), "version": "1"} for i, c in enumerate(payload)
            ]
        if route.path.endswith("/callback"):
            return {"interaction": {"id": str(route.webhook_id), "type": 2}, "resource": {"type": payload["type"]}}
        if route.method == "POST" and route.path in (
            "/channels/{channel_id}/messages",
            "/webhooks/{webhook_id}/{webhook_token}",
        ):
            channel = str(route.channel_id or CHANNEL_ID)
            return {**message_payload("", channel_id=int(channel), author=BOT_ID, bot=True), **payload}
        return None

    # Interaction callbacks and followups go through the webhook adapter, everything else through HTTPClient.
    def sent(self, *paths: str) -> list[Call]:
        return [c for c in self.calls if not paths or c.path in paths]

    def responses(self) -> list[Call]:
        return [c for c in self.calls if c.path.endswith("/callback")]

    def messages(self) -> list[Call]:
        return self.sent("/channels/{channel_id}/messages")

    def followups(self) -> list[Call]:
        return self.sent("/webhooks/{webhook_id}/{webhook_token}")


@pytest.fixture
def fake_discord(monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    fake = FakeDiscord()

    async def http_request(self: HTTPClient, route: Route, **kwargs: Any) -> Any:
        return fake.answer(route, kwargs.get("json"))

    async def webhook_request(self: AsyncWebhookAdapter, route: Route, session: Any, **kwargs: Any) -> Any:
        return fake.answer(route, kwargs.get("payload"))

    monkeypatch.setattr(HTTPClient, "request", http_request)
    monkeypatch.setattr(AsyncWebhookAdapter, "request", webhook_request)
    return fake


async def settle() -> None:
    """Wait until every task the event started (handlers, worker-thread questions) has finished."""
    while tasks := [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]:
        await asyncio.wait(tasks, timeout=10)


def guild_payload() -> dict[str, Any]:
    channels = [
        {"id": str(cid), "type": 0, "name": name, "position": i, "permission_overwrites": []}
        for i, (cid, name) in enumerate([(CHANNEL_ID, "general"), (AUTO_CHANNEL_ID, "ask-here")])
    ]
    return {
        "id": str(GUILD_ID),
        "name": "Étoile fans",
        "owner_id": str(MODERATOR_ID),
        "roles": [],
        "emojis": [],
        "stickers": [],
        "features": [],
        "channels": channels,
        "threads": [],
        "members": [],
        "member_count": 2,
        "large": False,
    }


@dataclass
class Harness:
    bot: ShowbotClient
    fake: FakeDiscord

    async def event(self, kind: str, payload: dict[str, Any]) -> list[Call]:
        """Deliver one gateway event; returns the HTTP calls it caused."""
        before = len(self.fake.calls)
        getattr(self.bot._connection, f"parse_{kind}")(payload)
        await settle()
        return self.fake.calls[before:]

    async def interact(self, payload: dict[str, Any]) -> list[Call]:
        return await self.event("interaction_create", payload)

    async def message(self, payload: dict[str, Any]) -> list[Call]:
        return await self.event("message_create", payload)


@asynccontextmanager
async def running(
    showbot: Showbot, fake: FakeDiscord, settings: DiscordSettings | None = None
) -> AsyncIterator[Harness]:
    """A bot logged in (through the fake API) with the test guild cached, as after READY."""
    async with ShowbotClient(showbot, settings or DiscordSettings()) as bot:
        await bot.login(TOKEN)
        bot._connection._add_guild_from_data(guild_payload())  # type: ignore[arg-type]
        yield Harness(bot, fake)


def play(
    showbot: Showbot,
    fake: FakeDiscord,
    scenario: Callable[[Harness], Awaitable[None]],
    settings: DiscordSettings | None = None,
) -> None:
    async def main() -> None:
        async with running(showbot, fake, settings) as harness:
            await scenario(harness)

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------------------
# Assertions on what Discord would receive

MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)


def texts(message: dict[str, Any]) -> list[str]:
    """Every piece of text a message shows: content, embed parts, button labels."""
    out = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [embed.get("author", {}).get("name", ""), embed.get("footer", {}).get("text", "")]
        for f in embed.get("fields", []):
            out += [f["name"], f["value"]]
    for row in message.get("components") or []:
        out += [c.get("label") or "" for c in row["components"]]
    return out


def embed_size(embed: dict[str, Any]) -> int:
    parts = [embed.get("title"), embed.get("description"), embed.get("footer", {}).get("text")]
    parts += [embed.get("author", {}).get("name")]
    parts += [x for f in embed.get("fields", []) for x in (f["name"], f["value"])]
    return sum(len(p or "") for p in parts)


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


def assert_safe(message: dict[str, Any]) -> None:
    """No ping possible, and within every limit Discord enforces."""
    assert message["allowed_mentions"]["parse"] == []
    assert not message["allowed_mentions"].get("replied_user")
    for text in texts(message):
        assert not MENTION.search(text), text
    assert len(message.get("content") or "") <= 2000
    for embed in message.get("embeds") or []:
        assert len(embed.get("description") or "") <= DESCRIPTION
        assert len(embed.get("title") or "") <= 256
        assert all(len(f["value"]) <= FIELD_VALUE and len(f["name"]) <= 256 for f in embed.get("fields", []))
        assert embed_size(embed) <= EMBED_TOTAL
    for row in message.get("components") or []:
        for button in row["components"]:
            assert len(button["custom_id"]) <= CUSTOM_ID and len(button["label"]) <= LABEL
            assert any(re.fullmatch(t, button["custom_id"]) for t in (ASK_TEMPLATE, VOTE_TEMPLATE))


def response_data(call: Call, kind: int = 4) -> dict[str, Any]:
    assert call.json["type"] == kind, call.json
    data: dict[str, Any] = call.json["data"]
    assert_safe(data)
    return data


def only_response(calls: list[Call], kind: int = 4) -> dict[str, Any]:
    responses = [c for c in calls if c.path.endswith("/callback")]
    assert len(responses) == 1, calls
    return response_data(responses[0], kind)


EPHEMERAL = 64


# ---------------------------------------------------------------------------------------------------------
# Start-up


def test_setup_hook_syncs_commands_globally(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        pass

    play(etoile_showbot, fake_discord, scenario)
    (sync,) = fake_discord.sent("/applications/{application_id}/commands")
    assert sync.method == "PUT"
    commands = {c["name"]: c for c in sync.json}
    assert set(commands) == {"ask", "showbot"}
    ask_options = {o["name"]: o for o in commands["ask"]["options"]}
    assert ask_options["question"]["required"] and ask_options["show"]["autocomplete"]
    moderation = commands["showbot"]
    assert int(moderation["default_member_permissions"]) == MANAGE_GUILD
    assert {o["name"] for o in moderation["options"]} == {"set-show", "reload", "stats", "unanswered", "teach"}


def test_setup_hook_syncs_to_the_development_guild(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        pass

    play(etoile_showbot, fake_discord, scenario, DiscordSettings(guild_id=GUILD_ID))
    (sync,) = fake_discord.sent("/applications/{application_id}/guilds/{guild_id}/commands")
    assert sync.url.endswith(f"/guilds/{GUILD_ID}/commands")
    assert {c["name"] for c in sync.json} == {"ask", "showbot"}
    assert not fake_discord.sent("/applications/{application_id}/commands")


def test_no_privileged_intent_unless_auto_answer_channels(etoile_showbot: Showbot) -> None:
    assert not ShowbotClient(etoile_showbot, DiscordSettings()).intents.message_content
    assert ShowbotClient(etoile_showbot, DiscordSettings(auto_answer_channels=(1,))).intents.message_content


def test_sharding_settings_reach_the_client(etoile_showbot: Showbot) -> None:
    bot = ShowbotClient(etoile_showbot, DiscordSettings(shard_count=4, shard_ids=(2, 3)))
    assert bot.shard_count == 4 and bot.shard_ids == [2, 3]


# ---------------------------------------------------------------------------------------------------------
# /ask


def test_ask_answers_with_an_embed_sources_and_feedback_buttons(
    etoile_showbot: Showbot, fake_discord: FakeDiscord
) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "is there a season 2 of etoile?"))))
        assert not data.get("flags", 0) & EPHEMERAL  # the answer is for the whole channel
        (embed,) = data["embeds"]
        assert "cancelled" in embed["description"]
        assert embed["title"] == "is there a season 2 of etoile?"
        assert embed["author"]["name"] == "Étoile"
        assert re.fullmatch(r"as of \d{1,2} \w+ \d{4}", embed["footer"]["text"])
        sources = embed["fields"][0]
        assert sources["name"] == "Sources"
        lines = sources["value"].splitlines()
        assert len(lines) == len(etoile_showbot.router.ask("is there a season 2").sources)
        assert all(re.fullmatch(r"(\[[^\]]+\]\(https?://[^)\s]+\)|[^\[].*) · .+", line) for line in lines)
        assert any(line.startswith("[") for line in lines) and any(re.search(r", \d{1,2} \w+ \d{4}$", x) for x in lines)
        assert etoile_showbot.stats().answered == 1
        ids = custom_ids(data)
        assert len(ids) == 2 and re.fullmatch(r"sb:vote:\d+:1", ids[0]) and ids[1].endswith(":0")

    play(etoile_showbot, fake_discord, scenario)


def test_ask_with_the_show_option_and_autocomplete(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        focused = {"name": "show", "type": 3, "value": "eto", "focused": True}
        typing = interaction_payload(4, {"id": "1", "name": "ask", "type": 1, "options": [focused]})
        (completion,) = [c for c in await h.interact(typing) if c.path.endswith("/callback")]
        assert completion.json == {"type": 8, "data": {"choices": [{"name": "Étoile", "value": "etoile"}]}}

        data = only_response(
            await h.interact(slash("ask", option("question", "who plays cheyenne"), option("show", "etoile")))
        )
        assert "Lou de Laâge" in data["embeds"][0]["description"]

        data = only_response(
            await h.interact(slash("ask", option("question", "who plays rachel"), option("show", "friends")))
        )
        assert data["flags"] & EPHEMERAL and "friends" in data["content"] and "Étoile" in data["content"]

    play(etoile_showbot, fake_discord, scenario)


def test_clarify_offers_buttons_and_a_click_answers_in_place(
    etoile_showbot: Showbot, fake_discord: FakeDiscord
) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "who plays the ballerina"))))
        assert data["content"] == "> who plays the ballerina\nWhich one do you mean?" and not data.get("embeds")
        labels = [c["label"] for row in data["components"] for c in row["components"]]
        ids = custom_ids(data)
        assert 2 <= len(ids) <= 3 and "who plays Cheyenne Toussaint?" in labels
        chosen = ids[labels.index("who plays Cheyenne Toussaint?")]
        assert chosen == "sb:ask:etoile:who plays Cheyenne Toussaint?"

        shown = message_payload(data["content"], author=BOT_ID, bot=True, components=data["components"])
        answer = only_response(await h.interact(click(chosen, shown)), kind=7)  # UPDATE_MESSAGE: edited in place
        assert answer["content"] is None  # the "which one" text is replaced, not kept above the answer
        assert "Lou de Laâge" in answer["embeds"][0]["description"]
        assert all(cid.startswith("sb:vote:") for cid in custom_ids(answer))

    play(etoile_showbot, fake_discord, scenario)


def test_unknown_is_a_short_text_without_buttons(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "good morning everyone"))))
        assert data["content"].startswith("> good morning everyone\nI don't know that one")
        assert not data.get("embeds") and not data.get("components")

    play(etoile_showbot, fake_discord, scenario)


def test_spoilers_are_hidden_and_labelled(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "how does season 1 end"))))
        (embed,) = data["embeds"]
        assert embed["description"].startswith(SPOILER_LABEL + "||") and embed["description"].endswith("||")
        assert "kiss" in embed["description"]
        assert all(line.startswith("||[") for line in embed["fields"][0]["value"].splitlines())

    play(etoile_showbot, fake_discord, scenario)


def test_everyone_and_mentions_in_a_question_ping_no_one(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        question = "@everyone @here <@&55555> <@4001> is there a season 2?"
        data = only_response(await h.interact(slash("ask", option("question", question))))
        title = data["embeds"][0]["title"]
        assert "everyone" in title and "@\u200beveryone" in title and "@\u200bhere" in title  # shown, inert

    play(etoile_showbot, fake_discord, scenario)  # only_response -> assert_safe checks every text part


def test_cooldown_gets_a_polite_ephemeral_reply(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        only_response(await h.interact(slash("ask", option("question", "who plays jack"))))
        data = only_response(await h.interact(slash("ask", option("question", "who plays cheyenne"))))
        assert data["flags"] & EPHEMERAL and "please wait 3 seconds" in data["content"]
        other = only_response(await h.interact(slash("ask", option("question", "who plays cheyenne"), user_id=4999)))
        assert "Lou de Laâge" in other["embeds"][0]["description"]  # the cooldown is per user

    play(etoile_showbot, fake_discord, scenario)
    assert etoile_showbot.stats().total == 2  # the refused question was not asked


def test_a_5000_character_question_stays_within_limits(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        question = ("is there a season 2 of etoile? " * 200)[:5000]
        data = only_response(await h.interact(slash("ask", option("question", question))))
        quote, text = data["content"].split("\n", 1)
        assert quote.startswith("> is there a season 2") and quote.endswith("…") and "too long" in text

    play(etoile_showbot, fake_discord, scenario)


def test_an_answer_wider_than_discord_is_trimmed_keeping_sources(
    etoile_showbot: Showbot, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Showbot.ask

    def long_ask(self: Showbot, *args: Any, **kwargs: Any) -> Any:
        reply = original(self, *args, **kwargs)
        long = dataclasses.replace(reply.answer, text="A very long answer. " * 600)  # 12,000 characters
        return dataclasses.replace(reply, answer=long)

    monkeypatch.setattr(Showbot, "ask", long_ask)

    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "x" * 300 + " season 2 etoile"))))
        (embed,) = data["embeds"]
        assert (
            embed["description"].endswith("very long…") and DESCRIPTION - 50 < len(embed["description"]) <= DESCRIPTION
        )
        assert embed["fields"][0]["name"] == "Sources" and "](https://" in embed["fields"][0]["value"]
        assert embed["footer"]["text"].startswith("as of")

    play(etoile_showbot, fake_discord, scenario)


@pytest.mark.parametrize(
    ("method", "payload", "logged"),
    [
        ("ask", slash("ask", option("question", "who plays jack")), "command ask failed"),
        ("feedback", click("sb:vote:1:1"), "FeedbackButton button failed"),
    ],
    ids=["command", "button"],
)
def test_an_unexpected_error_gets_an_apology_not_silence(
    etoile_showbot: Showbot,
    fake_discord: FakeDiscord,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    method: str,
    payload: dict[str, Any],
    logged: str,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Showbot, method, broken)

    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(payload))
        assert data["flags"] & EPHEMERAL and data["content"] == FAILURE

    play(etoile_showbot, fake_discord, scenario)
    assert logged in caplog.text and "disk on fire" in caplog.text


# ---------------------------------------------------------------------------------------------------------
# Feedback and buttons across restarts


def test_feedback_is_recorded_against_the_logged_question(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "who plays jack"))))
        shown = message_payload("", author=BOT_ID, bot=True, components=data["components"], embeds=data["embeds"])
        thanks = only_response(await h.interact(click(custom_ids(data)[1], shown)))
        assert thanks["flags"] & EPHEMERAL and thanks["content"].startswith("Thanks")

    play(etoile_showbot, fake_discord, scenario)
    stats = etoile_showbot.stats()
    assert (stats.helpful, stats.not_helpful) == (0, 1)


def test_buttons_keep_working_after_a_restart(
    etoile_showbot: Showbot, fake_discord: FakeDiscord, etoile_db_copy: Path
) -> None:
    """A new process (new client, new service over the same files) handles clicks on the old messages."""
    sent: dict[str, dict[str, Any]] = {}

    async def before(h: Harness) -> None:
        sent["clarify"] = only_response(await h.interact(slash("ask", option("question", "who plays the ballerina"))))
        sent["answer"] = only_response(
            await h.interact(slash("ask", option("question", "who plays jack"), user_id=4998))
        )

    play(etoile_showbot, fake_discord, before)
    etoile_showbot.close()
    restarted = Showbot(etoile_showbot.settings, Router(FactBase(etoile_db_copy)), QuestionLog(etoile_showbot.log.path))

    async def after(h: Harness) -> None:
        old = sent["clarify"]
        shown = message_payload(old["content"], author=BOT_ID, bot=True, components=old["components"])
        answer = only_response(await h.interact(click(custom_ids(old)[0], shown)), kind=7)
        assert answer["embeds"][0]["description"]
        old = sent["answer"]
        shown = message_payload("", author=BOT_ID, bot=True, components=old["components"], embeds=old["embeds"])
        thanks = only_response(await h.interact(click(custom_ids(old)[0], shown)))
        assert thanks["content"].startswith("Thanks for the feedback")

    try:
        play(restarted, fake_discord, after)
        assert restarted.stats().helpful == 1
    finally:
        restarted.close()


# ---------------------------------------------------------------------------------------------------------
# Messages: mentions, DMs, auto-answer channels


def test_a_mention_gets_a_reply(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        asked = message_payload(f"<@{BOT_ID}> is there a season 2?", mentions=(BOT_ID,))
        (reply,) = [c for c in await h.message(asked) if c.path == "/channels/{channel_id}/messages"]
        assert_safe(reply.json)
        assert reply.json["message_reference"]["message_id"] == int(asked["id"])
        assert "cancelled" in reply.json["embeds"][0]["description"]
        assert "title" not in reply.json["embeds"][0]  # the question is right above: not echoed
        asked = message_payload(f"<@{BOT_ID}> who plays the ballerina", mentions=(BOT_ID,), author=4102)
        (reply,) = [c for c in await h.message(asked) if c.method == "POST"]
        assert reply.json["content"] == "Which one do you mean?" and len(custom_ids(reply.json)) >= 2

    play(etoile_showbot, fake_discord, scenario)


def test_a_direct_message_gets_a_reply(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.message(message_payload("who plays cheyenne?", channel_id=DM_CHANNEL_ID, guild=False))
        (reply,) = [c for c in calls if c.method == "POST"]
        assert reply.url.endswith(f"/channels/{DM_CHANNEL_ID}/messages")
        assert_safe(reply.json)
        assert "Lou de Laâge" in reply.json["embeds"][0]["description"]

    play(etoile_showbot, fake_discord, scenario)


def test_messages_not_for_the_bot_are_ignored(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        assert await h.message(message_payload("is there a season 2?")) == []  # not addressed
        assert await h.message(message_payload("@everyone is there a season 2?", author=4101)) == []
        assert (
            await h.message(message_payload("ok", channel_id=DM_CHANNEL_ID, guild=False, author=BOT_ID, bot=True)) == []
        )
        assert etoile_showbot.stats().total == 0

    play(etoile_showbot, fake_discord, scenario)


def test_a_mention_too_soon_gets_a_reaction_not_a_message(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        await h.message(message_payload(f"<@{BOT_ID}> who plays jack", mentions=(BOT_ID,)))
        calls = await h.message(message_payload(f"<@{BOT_ID}> who plays cheyenne", mentions=(BOT_ID,)))
        assert [(c.method, c.path.split("/")[-3]) for c in calls] == [("PUT", "reactions")]
        assert "%E2%8F%B3" in calls[0].url  # ⏳

    play(etoile_showbot, fake_discord, scenario)


def test_a_channel_the_bot_cannot_post_in_is_one_log_line(
    etoile_showbot: Showbot, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    fake_discord.forbidden.add("POST /channels/{channel_id}/messages")

    async def scenario(h: Harness) -> None:
        await h.message(message_payload(f"<@{BOT_ID}> who plays jack", mentions=(BOT_ID,)))

    play(etoile_showbot, fake_discord, scenario)
    (record,) = [r for r in caplog.records if r.name.startswith("bot.adapters.discord")]
    assert record.getMessage() == f"could not answer in channel {CHANNEL_ID}: HTTP 403 Missing Permissions"
    assert not [r for r in caplog.records if r.exc_info]


def test_auto_answer_channels_post_only_confident_answers(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    settings = DiscordSettings(auto_answer_channels=(AUTO_CHANNEL_ID,))

    async def scenario(h: Harness) -> None:
        said = [
            ("good morning everyone", 4201),  # chit-chat: unknown
            ("who plays the ballerina", 4202),  # clarify: never posted unasked
            ("lol same", 4203),
        ]
        for text, author in said:
            assert await h.message(message_payload(text, channel_id=AUTO_CHANNEL_ID, author=author)) == []
        calls = await h.message(message_payload("is there a season 2?", channel_id=AUTO_CHANNEL_ID, author=4204))
        (reply,) = calls
        assert_safe(reply.json)
        assert "cancelled" in reply.json["embeds"][0]["description"]
        assert await h.message(message_payload("is there a season 2?", channel_id=CHANNEL_ID, author=4205)) == []

    play(etoile_showbot, fake_discord, scenario, settings)


# ---------------------------------------------------------------------------------------------------------
# Moderator commands


@pytest.mark.parametrize("command", ["stats", "reload", "unanswered", "teach"])
def test_non_moderators_get_an_ephemeral_refusal(
    etoile_showbot: Showbot, fake_discord: FakeDiscord, command: str
) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(subcommand("showbot", command)))
        assert data["flags"] & EPHEMERAL and data["content"] == REFUSAL
        data = only_response(await h.interact(subcommand("showbot", "set-show", option("show", "etoile"))))
        assert data["content"] == REFUSAL

    play(etoile_showbot, fake_discord, scenario)
    assert etoile_showbot.channel_show(WHERE) is None


WHERE = Where("discord", str(GUILD_ID), str(CHANNEL_ID), str(MODERATOR_ID))
MOD = {"user_id": MODERATOR_ID, "permissions": MANAGE_GUILD}


def test_moderators_set_the_channel_show_and_see_stats(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(subcommand("showbot", "set-show", option("show", "Etoile"), **MOD)))
        assert data["flags"] & EPHEMERAL and "Étoile" in data["content"]
        assert etoile_showbot.channel_show(WHERE) == "etoile"
        data = only_response(await h.interact(subcommand("showbot", "set-show", option("show", "Friends"), **MOD)))
        assert "don't know a show" in data["content"]

        await h.interact(slash("ask", option("question", "@everyone good morning everyone")))
        etoile_showbot.ask("what about another server's question", Where("discord", "some-other-guild", "1", "2"))
        data = only_response(await h.interact(subcommand("showbot", "stats", **MOD)))
        (embed,) = data["embeds"]
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Unknown"] == "1" and "good morning everyone" in fields["Top unanswered"]
        data = only_response(await h.interact(subcommand("showbot", "unanswered", **MOD)))
        assert "good morning everyone" in data["embeds"][0]["description"]
        assert "another server" not in str(data), "a server's moderators see only their server's questions"

    play(etoile_showbot, fake_discord, scenario)


def test_reload_defers_then_reports(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        calls = await h.interact(subcommand("showbot", "reload", **MOD))
        (deferred,) = [c for c in calls if c.path.endswith("/callback")]
        assert deferred.json == {"type": 5, "data": {"flags": EPHEMERAL}}
        (followup,) = [c for c in calls if c.path == "/webhooks/{webhook_id}/{webhook_token}"]
        assert_safe(followup.json)
        assert followup.json["content"].startswith("Reloaded: 1 show(s) (Étoile)")
        assert followup.json["flags"] & EPHEMERAL

    play(etoile_showbot, fake_discord, scenario)


# ---------------------------------------------------------------------------------------------------------
# Hostile questions, end to end


def test_hostile_questions_as_slash_commands_and_mentions(etoile_showbot: Showbot, fake_discord: FakeDiscord) -> None:
    async def scenario(h: Harness) -> None:
        for n, question in enumerate(HOSTILE_QUESTIONS.values()):
            only_response(await h.interact(slash("ask", option("question", question), user_id=10_000 + n)))
            asked = message_payload(f"<@{BOT_ID}> {question}", mentions=(BOT_ID,), author=20_000 + n)
            (reply,) = [c for c in await h.message(asked) if c.method == "POST"]
            assert_safe(reply.json)

    play(etoile_showbot, fake_discord, scenario)


@pytest.fixture
def curated_showbot(etoile_db_copy: Path, tmp_path: Path) -> Iterator[Showbot]:
    """A service over a private copy of the Étoile pack, which teaching writes to."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(BUNDLED_KNOWLEDGE / "etoile", knowledge / "etoile")
    settings = Settings(db_path=etoile_db_copy, knowledge_dir=knowledge, log=LogSettings(path=tmp_path / "log.db"))
    showbot = Showbot(settings, Router(FactBase(etoile_db_copy)), QuestionLog(settings.log_db_path))
    yield showbot
    showbot.close()


def test_moderators_teach_a_phrasing_with_fact_autocomplete(
    curated_showbot: Showbot, fake_discord: FakeDiscord
) -> None:
    question = "is the ballet show getting more episodes"

    async def scenario(h: Harness) -> None:
        focused = {"name": "fact", "type": 3, "value": "renew", "focused": True}
        typing = subcommand("showbot", "teach", option("question", question), focused, **MOD)
        typing["type"] = 4
        (completion,) = [c for c in await h.interact(typing) if c.path.endswith("/callback")]
        offered = completion.json["data"]["choices"]
        assert offered and all("renew" in c["name"] for c in offered)
        fact = offered[0]["value"]

        calls = await h.interact(
            subcommand("showbot", "teach", option("question", question), option("fact", fact), **MOD)
        )
        (followup,) = [c for c in calls if c.path == "/webhooks/{webhook_id}/{webhook_token}"]
        assert_safe(followup.json)
        assert followup.json["content"].startswith("Taught:")
        assert curated_showbot.router.ask(question).fact_id == fact

        calls = await h.interact(
            subcommand("showbot", "teach", option("question", question), option("fact", "nope"), **MOD)
        )
        (followup,) = [c for c in calls if c.path == "/webhooks/{webhook_id}/{webhook_token}"]
        assert "no fact 'nope'" in followup.json["content"]

    play(curated_showbot, fake_discord, scenario)


def test_which_show_buttons_answer_for_the_chosen_show(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    """Two shows share an alias: the fan picks one, and the button asks their question about it."""
    knowledge = write_synthetic_knowledge(tmp_path / "knowledge")
    for slug in ("moonfall", "harbor-lights"):
        show = knowledge / slug / "show.toml"
        show.write_text(show.read_text().replace("aliases = [", 'aliases = ["the show", '))
    build(knowledge, tmp_path / "shared.db")
    settings = Settings(db_path=tmp_path / "shared.db", log=LogSettings(path=tmp_path / "log.db"))
    showbot = Showbot(settings, Router(FactBase(settings.db_path)), QuestionLog(settings.log_db_path))

    async def scenario(h: Harness) -> None:
        data = only_response(await h.interact(slash("ask", option("question", "what is the show about"))))
        assert data["content"] == "> what is the show about\nWhich show do you mean?"
        labels = [c["label"] for row in data["components"] for c in row["components"]]
        assert labels == ["Harbor Lights", "Moonfall Station"]
        chosen = custom_ids(data)[1]
        assert chosen == "sb:ask::Moonfall Station what is the show about"
        shown = message_payload(data["content"], author=BOT_ID, bot=True, components=data["components"])
        answer = only_response(await h.interact(click(chosen, shown)), kind=7)
        assert answer["embeds"][0]["author"]["name"] == "Moonfall Station"
        assert "lunar station" in answer["embeds"][0]["description"]

    try:
        play(showbot, fake_discord, scenario)
    finally:
        showbot.close()
