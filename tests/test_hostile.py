"""Hostile input through normalisation, the router, the service and `showbot ask` batch mode.

The corpus (tests/hostile.py) holds what chat users and copy-pasted files really send; hypothesis adds
arbitrary Unicode (surrogates and control characters included), decoded binary and huge messages. Every
one must get an answer with a known status, within the smallest platform limit, that pings nobody.
"""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.faq_import import import_faq
from bot.models import Answer, AskContext
from bot.questionlog import MAX_LOGGED_CHARS, QuestionLog, Where
from bot.render import render_plain
from bot.router import Router
from bot.service import Showbot
from bot.settings import LogSettings, Settings
from bot.store import FactBase
from bot.text import fold, normalize, sanitize, strip_markup
from tests.conftest import SHOWBOT
from tests.hostile import HOSTILE_QUESTIONS

STATUSES = {"answered", "clarify", "unknown"}
MAX_TEXT = 2000  # Discord's message limit, the smallest of the platforms'
# What would notify people if it reached a channel: broadcast pings and user/role mentions of both platforms.
PINGS = re.compile(r"@everyone|@here|@channel|<!(?:channel|here|everyone)|<@|<#", re.IGNORECASE)
CONTEXTS = {
    "console": AskContext(),
    "discord-overheard": AskContext(platform="discord", addressed=False),
    "slack-channel-show": AskContext(platform="slack", default_show="etoile"),
    "unknown-default-show": AskContext(platform="discord", default_show="no-such-show"),
}

# Every code point hypothesis knows, surrogates and controls included, mixed with chat-platform fragments.
any_char = st.characters(exclude_categories=())
fragments = st.sampled_from(
    [
        "who plays",
        "cheyenne",
        "is there a season 2",
        "étoile",
        "s2",
        "second",
        "series",
        "@everyone",
        "@here",
        "<!channel>",
        "<@U012AB>",
        "<@!1234>",
        "<#C1|general>",
        "https://evil.example",
        "\x00",
        "\u202e",
        "\u0336" * 20,
        "%s",
        "{0}",
        "'; --",
    ]
)
hostile_text = st.one_of(
    st.text(any_char),
    st.lists(st.one_of(fragments, st.text(any_char, max_size=4)), max_size=16).map(" ".join),
    st.binary().map(lambda raw: raw.decode("utf-8", errors="replace")),
    st.tuples(st.text(any_char, min_size=1, max_size=8), st.integers(1_000, 20_000)).map(lambda p: p[0] * p[1]),
)


def assert_safe(answer: Answer) -> None:
    """A known status, within limits, and nothing in it that would ping anyone."""
    assert answer.status in STATUSES
    assert answer.text.strip()
    assert len(answer.text) <= MAX_TEXT
    assert len(answer.suggestions) <= 3
    rendered = render_plain(answer)
    assert len(rendered) <= 2 * MAX_TEXT
    assert not PINGS.search(rendered), rendered


@pytest.fixture(scope="module")
def module_showbot(etoile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Showbot]:
    """One service for all hypothesis examples (its question log only grows, which nothing here reads)."""
    log = tmp_path_factory.mktemp("hostile-log") / "questions.db"
    bot = Showbot(Settings(db_path=etoile_db, log=LogSettings(path=log)), Router(FactBase(etoile_db)), QuestionLog(log))
    yield bot
    bot.close()


# ------------------------------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("context", CONTEXTS.values(), ids=CONTEXTS)
@pytest.mark.parametrize("question", HOSTILE_QUESTIONS.values(), ids=HOSTILE_QUESTIONS)
def test_router_answers_every_hostile_question_safely(
    etoile_router: Router, question: str, context: AskContext
) -> None:
    assert_safe(etoile_router.ask(question, context))


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS.values(), ids=HOSTILE_QUESTIONS)
def test_service_answers_and_logs_every_hostile_question(etoile_showbot: Showbot, question: str) -> None:
    """Through Showbot.ask, as both adapters call it: answered, logged (truncated), nothing raised."""
    for where in (Where("discord", "g1", "c1", "u1"), Where("slack", "T1", "C1", "U1")):
        reply = etoile_showbot.ask(question, where)
        assert_safe(reply.answer)
        assert reply.question_id is not None
    assert etoile_showbot.stats().total == 2
    assert all(len(u.question) <= MAX_LOGGED_CHARS for u in etoile_showbot.unanswered(limit=100))


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS.values(), ids=HOSTILE_QUESTIONS)
def test_text_functions_survive_every_hostile_question(question: str) -> None:
    clean = sanitize(question)
    assert all(c.isprintable() and unicodedata.category(c) not in ("Cs", "Co") for c in clean)
    assert not re.search(r"@everyone|@here|<!channel>|<!here|<@", strip_markup(clean))
    norm = normalize(question)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", norm), norm
    assert normalize(norm) == norm
    assert fold(question) == fold(fold(question))


# --------------------------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(question=hostile_text, context=st.sampled_from(list(CONTEXTS.values())))
def test_router_never_raises_and_stays_within_limits(etoile_router: Router, question: str, context: AskContext) -> None:
    assert_safe(etoile_router.ask(question, context))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=hostile_text)
def test_service_never_raises(module_showbot: Showbot, question: str) -> None:
    reply = module_showbot.ask(question, Where("slack", "T1", "C1", "U1"))
    assert_safe(reply.answer)


@settings(max_examples=500, deadline=None)
@given(text=hostile_text)
def test_normalize_is_ascii_words_and_bounded(text: str) -> None:
    norm = normalize(text)
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", norm), norm
    # Expansions ("u" -> "you", "s1e2" -> "season 1 episode 2", NFKD ligatures) stay within a small factor.
    assert len(norm) <= 12 * len(text)


@settings(max_examples=500, deadline=None)
@given(text=hostile_text)
@example(text="second second series")
def test_normalize_is_idempotent(text: str) -> None:
    """Phrasings and questions are normalised once each; the canonical form must be a fixed point."""
    norm = normalize(text)
    assert normalize(norm) == norm


@settings(max_examples=500, deadline=None)
@given(text=hostile_text)
def test_sanitize_and_strip_markup_are_idempotent(text: str) -> None:
    clean = sanitize(text)
    assert sanitize(clean) == clean
    assert all(c.isprintable() and unicodedata.category(c) not in ("Cs", "Co") for c in clean)
    assert len(clean) <= len(text)
    assert len(strip_markup(clean)) <= len(clean)


@settings(max_examples=500, deadline=None)
@given(text=hostile_text)
@example(text="\u1d2c")
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# ------------------------------------------------------------------------------------------- batch mode


def test_batch_mode_answers_a_file_of_hostile_bytes(etoile_db_copy: Path, cli_env: dict[str, str]) -> None:
    """`showbot ask < file` with invalid UTF-8, NUL bytes, CESU surrogates and a huge line: one answer per line."""
    lines = [q.encode("utf-8", errors="surrogatepass") for q in HOSTILE_QUESTIONS.values()]
    lines += [b"\xff\xfe\xfd", b"who plays \xc3( cheyenne", b"\x00" * 1000, b"\xed\xa0\x80 season 2", b"\x80" * 50_000]
    payload = b"\n".join(lines) + b"\nwho plays cheyenne"  # the last line has no newline
    expected = payload.count(b"\n") + 1
    questions = Path(cli_env["XDG_DATA_HOME"]).parent / "hostile.txt"
    questions.write_bytes(payload)
    with questions.open("rb") as stdin:
        result = subprocess.run(
            [str(SHOWBOT), "ask", "--db", str(etoile_db_copy)],
            stdin=stdin,
            capture_output=True,
            env={**cli_env, "PYTHONIOENCODING": "utf-8:strict"},
            timeout=300,
        )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert b"Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(answers) == expected
    for data in answers:
        assert data["status"] in STATUSES
        assert len(data["answer"]) <= MAX_TEXT
        assert not PINGS.search(data["answer"])
    assert answers[-1]["status"] == "answered"


# ------------------------------------------------------------------------------ a show with nothing to match


def test_a_show_whose_phrasings_are_only_its_name_does_not_crash(tmp_path: Path) -> None:
    """Packs now reject such phrasings (see the bad-pack corpus); an FAQ sheet still gets them through."""
    sheet = tmp_path / "faq.csv"
    sheet.write_text("question,answer\nlost,A show about an island.\nLost?,A show about an island.\n", "utf-8")
    db = tmp_path / "lost.db"
    import_faq(sheet, "lost", "Lost", db)
    assert_safe(Router(FactBase(db)).ask("is there a season 2"))
