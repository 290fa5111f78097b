"""The `showbot` command: the console adapter and the curator's tools, each a thin shell over bot/."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.console import console_where
from bot.models import AskContext
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.router import Router
    from bot.service import Showbot

db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help="Fact base (default: $SHOWBOT_DB)."
)
knowledge_option = click.option(
    "--knowledge",
    "knowledge_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Packs folder (default: $SHOWBOT_KNOWLEDGE or the bundled knowledge/).",
)
show_option = click.option("--show", "show", metavar="SLUG", help="Show to assume when the question names none.")


def _settings() -> Settings:
    try:
        return Settings.load()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _showbot(db_path: Path | None, show: str | None = None) -> Showbot:
    """The service over the fact base (built first if missing or stale) and the question log."""
    from bot.packs import PackError
    from bot.service import Showbot
    from bot.store import StoreError

    settings = _settings()
    from bot.logs import configure

    configure(settings.log_level, settings.log.json)
    try:
        showbot = Showbot.open(settings, db_path, lambda msg: click.echo(msg, err=True))
    except PackError as exc:
        raise click.ClickException(f"the knowledge packs are invalid:\n{exc}") from None
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.get_current_context().call_on_close(showbot.close)
    if show is not None and show not in showbot.shows():
        known = ", ".join(showbot.shows())
        raise click.ClickException(f"unknown show {show!r} (this fact base has: {known})")
    return showbot


def _router(db_path: Path | None, show: str | None) -> Router:
    return _showbot(db_path, show).router


def _since(value: str | None) -> datetime | None:
    """ "7d", "24h", "30m" or an ISO date, for --since."""
    if not value:
        return None
    now = datetime.now(UTC)
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if value[:-1].isdigit() and value[-1] in units:
        return now - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: use 7d, 24h, 30m or a date like 2026-11-01", param_hint="--since"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


since_option = click.option("--since", metavar="WHEN", help="Only questions since 7d, 24h, 30m or a date (YYYY-MM-DD).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="showbot")
def cli() -> None:
    """showbot answers fans' questions about TV shows from a curated, sourced fact base.

    \b
    Example:
        showbot ask "is there a season 2 of etoile?"
    """


@cli.command()
@knowledge_option
@db_option
def build(knowledge_dir: Path | None, db_path: Path | None) -> None:
    """Validate every knowledge pack and compile them into the SQLite fact base.

    The database is written to a temporary file and renamed into place, so a
    failed build never touches the working database. Shows added with
    import-faq are kept.

    \b
    Example:
        showbot build --knowledge knowledge --db showbot.db
    """
    from bot.build import build as run_build
    from bot.packs import PackError

    settings = _settings()
    try:
        report = run_build(knowledge_dir or settings.knowledge_dir, db_path or settings.db_path)
    except PackError as exc:
        click.echo(str(exc), err=True)
        raise click.ClickException(
            f"build failed: {len(exc.problems)} problem(s); the database was not changed"
        ) from None
    kept = f", kept imported {', '.join(report.kept_imports)}" if report.kept_imports else ""
    click.echo(
        f"Built {report.db_path}: {report.shows} show(s), {report.facts} facts, {report.phrasings} phrasings, "
        f"{report.people} people{kept} in {report.seconds:.2f}s."
    )


@cli.command()
@knowledge_option
def check(knowledge_dir: Path | None) -> None:
    """Validate every knowledge pack without writing anything.

    \b
    Example:
        showbot check --knowledge knowledge
    """
    from bot.packs import PackError, load_packs

    try:
        packs = load_packs(knowledge_dir or _settings().knowledge_dir)
    except PackError as exc:
        click.echo(str(exc), err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s)") from None
    for p in packs:
        click.echo(f"ok  {p.slug}: {len(p.facts)} facts, {len(p.people)} people, {len(p.sources)} sources")


@cli.command()
@db_option
@show_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.argument("question", nargs=-1)
def ask(db_path: Path | None, show: str | None, as_json: bool, question: tuple[str, ...]) -> None:
    """Answer a question, with its sources.

    With no QUESTION, reads one question per line from standard input and
    prints one JSON object per line, in order (batch mode).

    \b
    Examples:
        showbot ask "who plays cheyenne?"
        showbot ask --json is there a season 2 of etoile
        printf 'is it renewed\\nwho plays jack\\n' | showbot ask > answers.jsonl
    """
    from bot.render import render_plain

    if not question and sys.stdin.isatty():
        raise click.UsageError("give a QUESTION, or pipe questions on standard input (one per line)")
    from bot.store import StoreError

    showbot = _showbot(db_path, show)
    where = console_where()
    try:  # a fact base damaged after it opened is found while answering
        if question:
            answer = showbot.ask(" ".join(question), where, show=show).answer
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render_plain(answer))
            return
        out = sys.stdout
        for raw in sys.stdin.buffer:  # bytes: one undecodable line must not end the batch
            answer = showbot.ask(raw.decode("utf-8", errors="replace").rstrip("\r\n"), where, show=show).answer
            out.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@db_option
@show_option
def chat(db_path: Path | None, show: str | None) -> None:
    """Talk to the bot in the console (arrow keys recall earlier questions).

    Type /quit or press Ctrl-D to leave.

    \b
    Example:
        showbot chat --show etoile
    """
    from bot.console import run_chat

    run_chat(_showbot(db_path, show), show)


@cli.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@show_option
@click.option(
    "--min",
    "min_rate",
    type=click.FloatRange(0, 1),
    default=1.0,
    show_default=True,
    help="Fail below this pass rate (0-1).",
)
def eval_(file: Path, db_path: Path | None, show: str | None, min_rate: float) -> None:
    """Score a JSON-lines question file; a regression test for a pack.

    Each line: {"q": "...", "status": "answered"|"unknown"|"any",
    "all": [["alternative", ...], ...], "none": [...], "spoiler": true}.

    \b
    Example:
        showbot eval ../shared/eval/etoile_dev.jsonl --min 1.0
    """
    from bot.evaluate import EvalFileError, read_cases, run

    try:
        cases = read_cases(file)
    except EvalFileError as exc:
        raise click.ClickException(str(exc)) from None
    results = run(_router(db_path, show), cases, AskContext(default_show=show))
    failures = [r for r in results if not r.passed]
    if failures:
        click.echo(f"{'line':>4}  {'question':<40}  {'got':<9}  problem")
        for r in failures:
            got = r.answer.status
            click.echo(f"{r.case.line:>4}  {r.case.question[:40]:<40}  {got:<9}  {'; '.join(r.problems)}")
            click.echo(f"{'':>4}  answer: {r.answer.text[:100]!r}")
    passed = len(results) - len(failures)
    rate = passed / len(results) if results else 0.0
    click.echo(f"passed {passed}/{len(results)} ({rate:.1%})")
    if rate < min_rate:
        raise SystemExit(1)


@cli.command(name="import-faq")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--show", "slug", required=True, metavar="SLUG", help="Show to create or replace.")
@click.option("--title", help="Show title (default: the existing title, else the slug).")
@db_option
def import_faq(file: Path, slug: str, title: str | None, db_path: Path | None) -> None:
    """Import an FAQ sheet (CSV) as a show, replacing any earlier import of it.

    Columns: question, answer (required); id (rows sharing an id are
    phrasings of one entry; without it, rows with the same answer are
    grouped); source_url, source_title, published (optional).

    \b
    Example:
        showbot import-faq faq.csv --show my-show --title "My Show"
    """
    from bot.faq_import import SheetError
    from bot.faq_import import import_faq as run_import
    from bot.store import StoreError

    settings = _settings()
    try:
        report = run_import(file, slug, title, db_path or settings.db_path)
    except (SheetError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Imported {report.entries} entries ({report.phrasings} phrasings, {report.sources} sources) "
        f"as show '{report.show}'."
    )


@cli.command()
@db_option
@since_option
def stats(db_path: Path | None, since: str | None) -> None:
    """How questions went: answered, clarify, unknown, helpful votes.

    \b
    Examples:
        showbot stats
        showbot stats --since 7d
    """
    s = _showbot(db_path).stats(_since(since))
    rate = f" ({s.answered / s.total:.0%} answered)" if s.total else ""
    click.echo(f"questions: {s.total}{rate}")
    click.echo(f"answered: {s.answered}  clarify: {s.clarify}  unknown: {s.unknown}")
    click.echo(f"votes: {s.helpful} helpful, {s.not_helpful} not helpful")
    for u in s.top_unanswered:
        click.echo(f"  {u.asked:>4}x  {u.question}")


@cli.command()
@db_option
@since_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many to list.")
def unanswered(db_path: Path | None, since: str | None, limit: int) -> None:
    """The most frequent questions that got "I don't know", a "did you mean" or a thumbs down.

    Teach the bot the ones it should answer with `showbot teach`.

    \b
    Examples:
        showbot unanswered --since 7d
    """
    rows = _showbot(db_path).unanswered(_since(since), limit)
    if not rows:
        click.echo("No unanswered questions.")
        return
    click.echo(f"{'asked':>5}  {'unknown':>7}  {'clarify':>7}  {'down':>4}  question")
    for u in rows:
        click.echo(f"{u.asked:>5}  {u.unknown:>7}  {u.clarify:>7}  {u.downvoted:>4}  {u.question}")


@cli.command()
@db_option
@click.option("--show", "show", metavar="SLUG", help="The show, when several have a fact with this id.")
@click.argument("question")
@click.argument("fact_id")
def teach(db_path: Path | None, show: str | None, question: str, fact_id: str) -> None:
    """Teach the bot that QUESTION should be answered by the fact FACT_ID.

    The phrasing is saved in the pack's taught.toml (review and commit it like
    any pack change) and the fact base is rebuilt at once. Fact ids are in the
    pack's facts.toml and in `showbot ask --json` output.

    \b
    Example:
        showbot teach "is it coming back for more" renewal-cancelled
    """
    from bot.service import TeachError

    try:
        click.echo(_showbot(db_path).teach(question, fact_id, show))
    except TeachError as exc:
        raise click.ClickException(str(exc)) from None


@cli.group()
def serve() -> None:
    """Run the bot on a chat platform (settings from the environment or .env).

    \b
    Examples:
        showbot serve discord
        showbot serve slack              # Socket Mode
        showbot serve slack --http --port 3000
    """


@serve.command(name="discord")
@db_option
def serve_discord(db_path: Path | None) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN; see README "Discord setup").

    \b
    Example:
        DISCORD_TOKEN=... showbot serve discord
    """
    try:
        from bot.adapters.discord import StartError, run
    except ModuleNotFoundError as exc:
        if exc.name not in ("discord", "aiohttp"):
            raise
        raise click.ClickException("Discord support is not installed: pip install 'showbot[discord]'") from None
    try:
        run(_settings(), db_path)
    except StartError as exc:
        raise click.ClickException(str(exc)) from None


@serve.command(name="slack")
@db_option
@click.option("--http", "http", is_flag=True, help="Serve Slack's HTTP events API instead of Socket Mode.")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP mode: address to listen on.")
@click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="HTTP mode: port.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="HTTP mode: processes.")
def serve_slack(db_path: Path | None, http: bool, host: str, port: int, workers: int) -> None:
    """Run the Slack app (see README "Slack setup").

    Socket Mode (the default) needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN; HTTP
    mode needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET and serves
    /slack/events and /healthz.

    \b
    Examples:
        showbot serve slack
        showbot serve slack --http --host 0.0.0.0 --port 3000 --workers 2
    """
    from bot.adapters.slack import run

    run(_settings(), db_path, http=http, host=host, port=port, workers=workers)


def main() -> None:
    cli(prog_name="showbot")
